"""Record what an nn.Module does on meta tensors: one op per leaf module or functional call.

Leaf modules are seen through forward hooks, functional calls in `forward` (F.relu, x + y,
torch.cat, …) through a TorchFunctionMode that ignores what runs inside a leaf module (issue 10).
Every hook is removed and every training flag restored before `capture` returns: the module's
state, device and hooks are as they were.

Each tensor also has a layout: PyTorch's (N, C, H, W), or channel-last (N, H, W, C) after
`permute(0, 2, 3, 1)`, which is the same value seen otherwise (`permute(0, 3, 1, 2)` turns it
back). On a channel-last map only ops on the last axis (LayerNorm, Linear) and per-element ops
keep their meaning; shapes are kept as (C, H, W) either way (issue 10, torchvision's CNBlock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from cnncalc.errors import CnnCalcError, first_line
from cnncalc.messages import msg
from cnncalc.torch import mapping


@dataclass(slots=True)
class Op:
    """One recorded op: a layer (one input), or a merge ('add', 'cat') of several."""

    name: str
    what: str  # the torch class or function, for messages ('nn.Conv2d', 'torch.cat')
    merge: str | None  # 'add', 'cat' or None for a layer
    text: str | None  # the layer's DSL text; None when cnncalc cannot count it
    inputs: list[int]
    out: int
    shape: tuple[int, ...]  # output shape without the batch, as torch lays it out
    weights: int = 0  # parameters of an uncounted op, counted exactly
    index: int = 0


@dataclass(slots=True)
class Graph:
    """The ops in execution order; value 0 is the net's input."""

    ops: list[Op] = field(default_factory=list)
    producer: dict[int, Op] = field(default_factory=dict)
    output: int = 0
    ran: set[str] = field(default_factory=set)  # paths of the modules whose forward started
    read: set[int] = field(default_factory=set)  # id() of parameters functional calls used


class _Recorder(TorchFunctionMode):
    """Keeps tensor identities → values and appends ops as they run."""

    def __init__(self, module: nn.Module, batch: int) -> None:
        super().__init__()
        self.graph = Graph()
        self.values: dict[int, int] = {}  # id(tensor) → value number
        self.last: set[int] = set()  # id(tensor) of the channel-last ones
        self.origin: dict[int, tuple[Any, ...]] = {}  # id(tensor made of parameters) → those
        self.keep: list[Any] = []  # tensors alive until the end, so that ids stay unique
        self.depth = 0  # > 0 while a leaf module runs: its inner calls are its own
        self.scope: list[str] = [""]
        self.names: dict[str, int] = {}
        self.cats: dict[tuple[int, ...], int] = {}
        self.batch = batch
        self.next_value = 1

    # -- values -------------------------------------------------------------------------
    def value(self, t: Any) -> int | None:
        """The value number of a tensor the graph made, else None (a constant, a parameter)."""
        return self.values.get(id(t)) if isinstance(t, torch.Tensor) else None

    def bind(self, t: torch.Tensor, value: int, last: bool = False) -> None:
        self.values[id(t)] = value
        if last:
            self.last.add(id(t))
        else:
            self.last.discard(id(t))
        self.keep.append(t)

    def is_last(self, t: Any) -> bool:
        """Whether the tensor is a 4-D map in channel-last layout (N, H, W, C)."""
        return id(t) in self.last

    def unique(self, name: str) -> str:
        """`layer1.0.relu`, then `layer1.0.relu#2` for its second call."""
        n = self.names.get(name, 0) + 1
        self.names[name] = n
        return name if n == 1 else f"{name}#{n}"

    def add(self, op: Op, out: Any, last: bool = False) -> None:
        """Append an op whose output tensor is `out` (channel-last if `last`)."""
        if not isinstance(out, torch.Tensor):
            raise CnnCalcError(msg("torch_io.not_tensor", name=op.name, what=op.what))
        op.out = self.next_value
        self.next_value += 1
        if len(out.shape) not in (2, 4) or out.shape[0] != self.batch:
            raise CnnCalcError(
                msg("torch_io.rank", name=op.name, what=op.what, shape=list(out.shape))
            )
        last = last and out.dim() == 4
        h, w, c = out.shape[1:] if last else (0, 0, 0)
        op.shape = (c, h, w) if last else tuple(out.shape[1:])
        op.index = len(self.graph.ops)
        self.graph.ops.append(op)
        self.graph.producer[op.out] = op
        self.bind(out, op.out, last)

    def layout(self, name: str, what: str, flowing: list[Any], out: Any, text: Any) -> bool:
        """Whether the op's output is channel-last: it is if its input is and it gives a map.
        An op cnncalc cannot count keeps the layout only where the shape stays; a merge of
        both layouts, or a map of unknown layout, is an error rather than a wrong figure."""
        last = [self.is_last(t) for t in flowing]
        if any(last) and not all(last):
            raise CnnCalcError(msg("torch_io.layout_mix", name=name, what=what))
        if not last or not last[0] or not isinstance(out, torch.Tensor) or out.dim() != 4:
            return False
        if text is None and out.shape != flowing[0].shape:
            raise CnnCalcError(
                msg("torch_io.layout_lost", name=name, what=what, shape=list(out.shape))
            )
        return True

    # -- functional calls -----------------------------------------------------------------
    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self.depth == 0 and isinstance(out, torch.Tensor):
            out = self.function(func, args, kwargs, out)
        return out

    def function(self, func: Any, args: Any, kwargs: dict, out: torch.Tensor) -> Any:
        """Record a functional call made outside any leaf module; the output the caller gets
        (a new tensor object where the call handed back its unchanged input, _distinct)."""
        tensors = _flat(args) + _flat(list(kwargs.values()))
        flowing = [t for t in tensors if self.value(t) is not None]
        inputs = [self.value(t) for t in flowing]
        if not inputs:  # constants and parameters only: not part of the data flow, but a
            self.derive(tensors, out)  # view of a parameter is still its weights
            return out
        fname = getattr(func, "__name__", str(func))
        last = self.is_last(flowing[0])
        if len(inputs) == 1 and self.relayout(fname, args, kwargs, flowing[0], out):
            return out
        out = _distinct(fname, out, flowing)
        scope = self.scope[-1]
        kind = mapping.merge_kind(fname, flowing, inputs, args, kwargs, last)
        short = mapping.short_name(fname)
        name = self.unique(f"{scope}.{short}" if scope else short)
        what = mapping.function_name(func)
        learnt = self.parameters(tensors)
        self.graph.read.update(id(p) for p in learnt)
        text = None if kind else mapping.function_text(fname, args, kwargs, flowing[0], out, last,
                                                       learnt)  # fmt: skip
        out_last = self.layout(name, what, flowing, out, kind or text)
        if kind == "cat":
            self.cat(name, what, inputs, out, out_last)
            return out
        if kind is not None:
            self.add(Op(name, what, kind, None, inputs, 0, ()), out, out_last)
            return out
        weights = sum(p.numel() for p in learnt)
        what = msg("torch_io.on_last", what=what) if text is None and last else what
        self.add(Op(name, what, None, text, inputs[:1], 0, (), weights), out, out_last)
        if len(inputs) > 1:
            raise CnnCalcError(msg("torch_io.multi_input", name=name, what=what))
        return out

    def parameters(self, tensors: list[Any]) -> list[Any]:
        """The parameters among `tensors`, or that they were made from (a view such as
        `gamma.reshape(1, -1, 1, 1)`), each once."""
        found: dict[int, Any] = {}
        for t in tensors:
            for p in (t,) if isinstance(t, nn.Parameter) else self.origin.get(id(t), ()):
                found[id(p)] = p
        return list(found.values())

    def derive(self, tensors: list[Any], out: torch.Tensor) -> None:
        """Remember the parameters `out` was made from: their weights are then counted where it
        is used, not lost (never a silent zero)."""
        made_of = self.parameters(tensors)
        if made_of:
            self.origin[id(out)] = tuple(made_of)
            self.keep.append(out)

    def relayout(self, fname: str, args: Any, kwargs: dict, x: Any, out: Any) -> bool:
        """A call that gives its input back (a copy, a view): the same value, in the layout
        a permute between (N, C, H, W) and (N, H, W, C) makes; False for any other call."""
        last = self.is_last(x)
        if fname in mapping.PASSTHROUGH:
            self.bind(out, self.values[id(x)], last)
            return True
        if fname != "permute" or x.dim() != 4:
            return False
        dims = mapping.permute_dims(args, kwargs)
        if dims == (0, 1, 2, 3) or dims == (mapping.TO_FIRST if last else mapping.TO_LAST):
            self.bind(out, self.values[id(x)], (dims != (0, 1, 2, 3)) != last)
            return True
        return False

    def cat(self, name: str, what: str, inputs: list[int], out: torch.Tensor, last: bool) -> None:
        """torch.cat: one input is the tensor itself; cat(a…y, z) after cat(a…y) = c is
        cat(c, z), as DenseNet concatenates all earlier features in every layer."""
        if len(inputs) == 1:
            self.bind(out, inputs[0], last)
            return
        prefix = self.cats.get(tuple(inputs[:-1]))
        merged = [prefix, inputs[-1]] if prefix is not None else inputs
        self.add(Op(name, what, "cat", None, merged, 0, ()), out, last)
        self.cats[tuple(inputs)] = self.graph.ops[-1].out

    # -- modules ---------------------------------------------------------------------------
    def enter(self, path: str, module: nn.Module, leaf: bool) -> None:
        """A module starts: a leaf hides its inner calls, any module sets the scope."""
        self.graph.ran.add(path)
        self.scope.append(path)
        if leaf:
            self.depth += 1

    def leave(self, path: str, module: nn.Module, leaf: bool, args: Any, out: Any) -> Any:
        """A module ends: a leaf (the outermost one running) becomes an op. Returns the output
        its caller gets: a new tensor object where it handed back its unchanged input."""
        self.scope.pop()
        if not leaf:
            return None
        flowing = [t for t in _flat(list(args)) if self.value(t) is not None]
        out = _distinct(type(module).__name__, out, flowing)  # still inside: not recorded
        self.depth -= 1
        if self.depth:
            return None
        inputs = [self.value(t) for t in flowing]
        prefix = "nn." if type(module).__module__.startswith("torch.nn") else ""
        what = prefix + type(module).__qualname__
        name = self.unique(path or type(module).__name__)
        if not inputs:
            raise CnnCalcError(msg("torch_io.no_input", name=name, what=what))
        if len(inputs) > 1:
            raise CnnCalcError(msg("torch_io.multi_input", name=name, what=what))
        last = self.is_last(flowing[0])
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else ()
        text = mapping.module_text(module, shape, last)
        if text in (None, "Id") and self.value(out) == inputs[0]:
            return None  # hands its input on (nn.Identity, cnncalc's Ref): no op, one value
        weights = 0 if text else sum(p.numel() for p in module.parameters())
        out_last = self.layout(name, what, flowing, out, text)
        what = msg("torch_io.on_last", what=what) if text is None and last else what
        self.add(Op(name, what, None, text, inputs, 0, (), weights), out, out_last)
        return out


def _distinct(what: str, out: Any, flowing: list[Any]) -> Any:
    """`out`, or a new view of it where an op that is the identity at inference (dropout,
    stochastic depth) handed back its input object unchanged: the input and the op's output are
    then two values, and `y + conv(drop(y))` keeps reading y where the code says y. An in-place
    op (ReLU(inplace=True), `x += y`) keeps its object: after it, that object is the new value."""
    if what in mapping.IDENTITY_IN_EVAL and any(out is t for t in flowing):
        return out.view_as(out)
    return out


def _flat(values: Any) -> list[Any]:
    """Tensors in args, lists and tuples one level deep (torch.cat's list)."""
    out: list[Any] = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.extend(x for x in v if isinstance(x, torch.Tensor))
        elif isinstance(v, torch.Tensor):
            out.append(v)
    return out


def capture(module: nn.Module, x: torch.Tensor, batch: int) -> Graph:
    """Run `module` on the meta tensor `x` in eval mode and record its ops; the module's
    hooks, training flags and tensors are left as they were."""
    rec = _Recorder(module, batch)
    rec.bind(x, 0)
    handles = []
    training = [(m, m.training) for m in module.modules()]
    quick = [m for m in module.modules() if type(m) in _SAME_SHAPE and "forward" not in vars(m)]
    try:
        for m in quick:
            m.forward = _same_shape(m)  # an instance attribute, removed below
        for path, sub in module.named_modules():
            # The net itself is read through its forward unless it is one known layer.
            leaf = mapping.is_leaf(sub) and (bool(path) or mapping.module_text(sub, ()) is not None)
            handles.append(sub.register_forward_pre_hook(_pre(rec, path, leaf)))
            handles.append(sub.register_forward_hook(_post(rec, path, leaf)))
        module.eval()
        with rec, torch.no_grad():
            y = _call(module, x)
    finally:
        for h in handles:
            h.remove()
        for m, flag in training:
            m.training = flag
        for m in quick:
            vars(m).pop("forward", None)
    out = rec.value(y) if isinstance(y, torch.Tensor) else None
    if out is None:
        raise CnnCalcError(msg("torch_io.output", what=type(y).__name__))
    rec.graph.output = out
    return rec.graph


# Leaf modules whose output has their input's shape: on meta tensors their forward is only a
# shape, yet batch norm runs PyTorch's Python decomposition, half the time of reading a ResNet.
_SAME_SHAPE = (nn.BatchNorm1d, nn.BatchNorm2d)


def _same_shape(m: nn.Module) -> Any:
    """m's forward on meta tensors: a new tensor of the input's shape, or PyTorch's own forward
    (and its error) for an input m does not take (another channel count)."""

    def forward(x: torch.Tensor) -> torch.Tensor:
        if isinstance(x, torch.Tensor) and x.dim() in (2, 4) and x.shape[1] == m.num_features:
            return torch.empty_like(x)
        return type(m).forward(m, x)

    return forward


def _call(module: nn.Module, x: torch.Tensor) -> Any:
    """The forward on meta tensors: an already-built module runs with meta stand-ins for its
    parameters and buffers (torch.func.functional_call), so nothing of it is touched."""
    # One stand-in per tensor: a tied parameter (one tensor under two names) is given under
    # its first name, and tie_weights hands it to the others (two would be refused).
    tensors = dict(module.named_parameters())
    tensors.update(module.named_buffers())
    try:
        if all(t.device.type == "meta" for t in tensors.values()):
            return module(x)
        stand_ins = {k: _meta_like(t) for k, t in tensors.items()}
        return torch.func.functional_call(module, stand_ins, (x,), tie_weights=True)
    except CnnCalcError:
        raise
    except Exception as exc:  # noqa: BLE001  (user code: any failure is one message)
        raise CnnCalcError(msg("torch_io.forward_failed", error=first_line(exc))) from None


def _meta_like(t: torch.Tensor) -> torch.Tensor:
    """A meta tensor of t's shape and dtype; a parameter stays a parameter."""
    meta = torch.empty_like(t, device="meta")
    return (
        nn.Parameter(meta, requires_grad=t.requires_grad) if isinstance(t, nn.Parameter) else meta
    )


def _pre(rec: _Recorder, path: str, leaf: bool) -> Any:
    def hook(module: nn.Module, args: Any) -> None:
        rec.enter(path, module, leaf)

    return hook


def _post(rec: _Recorder, path: str, leaf: bool) -> Any:
    def hook(module: nn.Module, args: Any, out: Any) -> Any:
        return rec.leave(path, module, leaf, args, out)  # None keeps the module's output

    return hook
