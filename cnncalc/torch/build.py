"""IR → nn.Module (DESIGN §6): the same IR that drives the static analysis builds the network,
so the two cannot drift, and every build checks itself against the static report.

Modules are named after the rows of `cnncalc shape` as plain Python names (`conv1`, `relu1`,
`res3`, labels), and `module.rows` maps each row name to its module, so per-layer measurements
line up with the static rows. torch is imported inside the functions.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.analysis import Report, Row
from cnncalc.errors import CnnCalcError, first_line
from cnncalc.ir import Block, Item, Net, Node, Ref, Shape
from cnncalc.liveness import count_uses
from cnncalc.messages import msg

if TYPE_CHECKING:
    import torch
    from torch import nn
    from typing_extensions import Self

    from cnncalc.specs import Spec


class InternalError(CnnCalcError):
    """The built module disagrees with the static analysis: a bug in cnncalc, not a user error."""

    def render(self) -> str:
        return msg("torch.build.internal", problem=self)


def require_torch() -> Any:
    """Import torch, or say how to install it."""
    try:
        import torch
    except ImportError:
        raise CnnCalcError(msg("torch.build.no_torch")) from None
    return torch


def torch_shape(shape: Shape, batch: int) -> tuple[int, ...]:
    """(H, W, C) → (N, C, H, W); (N,) → (batch, N)."""
    if shape.is_flat:
        return (batch, shape.c)
    return (batch, shape.c, shape.h, shape.w)


def build(
    spec: str | Path | Spec, *, input: str | Shape | tuple[int, ...] | None = None
) -> nn.Module:
    """The spec as an nn.Module on the CPU in fp32, checked against the static report.

    Children are named after the report's rows; `module.rows` maps each row name to its module.
    """
    from cnncalc.api import analyze, load

    require_torch()
    resolved = load(spec, input)
    report = analyze(resolved, input=input)  # errors located in the spec file as written
    module = assemble(resolved.net, report)
    self_check(module, report)
    return module


def assemble(net: Net, report: Report) -> nn.Module:
    """The modules for `net`, named after `report`'s rows, created on torch's default device.

    The walk visits items in the order the analysis made its rows (a block's header, then its
    branches in order), so zipping the two pairs every item with its row.
    """
    from cnncalc.torch.modules import Seq

    rows = iter(report.rows)
    named: dict[str, nn.Module] = {}
    top = Seq()
    _fill(top, net.items, rows, named, _Links(count_uses(net.items), top.store))
    leftover = next(rows, None)
    if leftover is not None:
        raise InternalError(msg("torch.build.no_module", row=leftover.name))
    # A plain dict attribute, in the report's row order: row name → module (not registered twice).
    top.rows = {row.name: named[row.name] for row in report.rows}
    return top


class _Links:
    """The references of a net (issue 11): the labels later branches read, with the number of
    reads still to build, and the store the whole net shares for their tensors."""

    def __init__(self, uses: dict[str, int], store: dict) -> None:
        self.uses = uses
        self.store = store

    def reader(self, ref: Ref, row: Row) -> nn.Module:
        """The Ref module for `ref`; the last one built is the last to run, and frees it."""
        from cnncalc.torch.modules import Ref as RefModule

        if row.block or row.dsl != f"&{ref.label}":
            raise InternalError(
                msg("torch.build.kind", row=row.name, kind=row.kind, built=f"&{ref.label}")
            )
        self.uses[ref.label] -= 1
        return RefModule(self.store, ref.label, last=self.uses[ref.label] == 0)


def _fill(
    seq: nn.Module, items: tuple[Item, ...], rows: Iterator[Row], named: dict, links: _Links
) -> None:
    """Add one module per item to `seq`, named after its row; `seq` keeps the outputs that a
    later reference reads."""
    seq.store = links.store
    for item in items:
        row = next(rows, None)
        if row is None:
            raise InternalError(msg("torch.build.more_items"))
        if isinstance(item, Ref):
            module = links.reader(item, row)
        elif isinstance(item, Node):
            if row.block or row.kind != item.layer.kind:
                raise InternalError(
                    msg("torch.build.kind", row=row.name, kind=row.kind, built=item.layer.kind)
                )
            module = item.layer.to_torch(row.input)
        else:
            module = _block(item, row, rows, named, links)
        # A plain Python name (issue 10); a row a reference reads keeps its label, the key
        # its Seq stores the output under for the Ref.
        kept = not isinstance(item, Ref) and item.label in links.uses
        attr, n = (row.name if kept else attr_name(row.name)), 2
        while attr in seq._modules:  # a label `conv1` beside the row `Conv:1`
            attr, n = f"{attr_name(row.name)}_{n}", n + 1
        seq.add_module(attr, module)
        named[row.name] = module
        if not isinstance(item, Ref) and item.label in links.uses:
            seq.keep.add(row.name)  # a labelled row's name is its label


def attr_name(row: str) -> str:
    """The attribute a row's module is registered under: the row's name as a plain Python
    name (`Conv:1` → `conv1`, `layer1.0.conv1` → `layer1_0_conv1`), so state_dict keys hold no
    `:` (issue 10); `module.rows` still maps the row names themselves."""
    head, colon, tail = row.partition(":")
    plain = head.lower() + tail if colon else row  # a default name: Kind:number
    name = re.sub(r"\W", "_", plain.replace("#", "_"), flags=re.ASCII).strip("_") or "row"
    name = name if not name[0].isdigit() else "n" + name
    return name + "_" if keyword.iskeyword(name) else name


def _block(block: Block, row: Row, rows: Iterator[Row], named: dict, links: _Links) -> nn.Module:
    """Res, Cat or Seq with its branches as Seq modules."""
    from cnncalc.torch.modules import Seq

    if not row.block or row.kind != block.kind.NAME:
        raise InternalError(
            msg("torch.build.kind", row=row.name, kind=row.kind, built=block.kind.NAME)
        )
    branches = []
    for items in block.branches:
        seq = Seq()
        _fill(seq, items, rows, named, links)
        branches.append(seq)
    return block.kind.to_torch(branches)


def row_modules(module: nn.Module) -> dict[str, nn.Module]:
    """Row name → module of a net made by `build` (or `assemble`)."""
    rows = getattr(module, "rows", None)
    if not isinstance(rows, dict):
        raise CnnCalcError(msg("torch.build.not_built"))
    return rows


def parameter_count(module: nn.Module) -> int:
    """Trainable parameters, as DESIGN §4 counts weights."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def example_input(
    report: Report, batch: int, device: Any = None, dtype: Any = None
) -> torch.Tensor:
    """A random input of the report's shape, as torch lays it out (N, C, H, W)."""
    import torch

    return torch.randn(torch_shape(report.input, batch), device=device, dtype=dtype)


def self_check(module: nn.Module, report: Report, x: torch.Tensor | None = None) -> None:
    """Weights of every row and the output shape of every row in a real forward pass equal the
    static ones; a mismatch is an InternalError naming the row (DESIGN §6).

    The forward runs in eval mode without autograd, on whatever device and dtype the module
    has; `x` defaults to one random image.
    """
    import torch

    rows = row_modules(module)
    by_name = {r.name: r for r in report.rows}
    for name, sub in rows.items():
        built, static = parameter_count(sub), by_name[name].weights
        if built != static:
            raise InternalError(
                msg("torch.build.row_weights", name=name, built=f"{built:,}", static=f"{static:,}")
            )
    total = parameter_count(module)
    if total != report.totals.weights:
        raise InternalError(
            msg("torch.build.weights", built=f"{total:,}", static=f"{report.totals.weights:,}")
        )
    if x is None:
        p = next(module.parameters(), None)
        x = example_input(
            report, 1, p.device if p is not None else None, p.dtype if p is not None else None
        )
    batch = x.shape[0]
    seen: dict[str, tuple[int, ...]] = {}
    hooks = [sub.register_forward_hook(_shape_hook(name, seen)) for name, sub in rows.items()]
    was_training = module.training
    try:
        module.eval()
        with torch.no_grad(), RowTracker(rows) as where:
            try:
                y = module(x)
            except (RuntimeError, NotImplementedError) as exc:
                err = where.error(exc, _dtype_name(x.dtype), str(x.device))
                if err is exc:
                    raise
                raise err from None
    finally:
        module.train(was_training)
        for h in hooks:
            h.remove()
    for name, shape in seen.items():
        expected = torch_shape(by_name[name].output, batch)
        if shape != expected:
            raise InternalError(
                msg("torch.build.row_output", name=name, built=list(shape), static=list(expected))
            )
    expected = torch_shape(report.output, batch)
    if tuple(y.shape) != expected:
        raise InternalError(msg("torch.build.output", built=list(y.shape), static=list(expected)))


def _shape_hook(name: str, seen: dict[str, tuple[int, ...]]) -> Any:
    def hook(module: nn.Module, args: Any, output: Any) -> None:
        seen[name] = tuple(output.shape)

    return hook


class RowHooks:
    """For the length of a `with` block, calls `_enter(name)`'s hook before and `_leave(name)`'s
    hook after each row module's forward; subclasses say what the hooks do."""

    def __init__(self, rows: dict[str, nn.Module]) -> None:
        self.rows = rows
        self.handles: list[Any] = []

    def __enter__(self) -> Self:
        for name, module in self.rows.items():
            self.handles.append(module.register_forward_pre_hook(self._enter(name)))
            self.handles.append(module.register_forward_hook(self._leave(name)))
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()

    def _enter(self, name: str) -> Any:
        raise NotImplementedError

    def _leave(self, name: str) -> Any:
        raise NotImplementedError


class RowTracker(RowHooks):
    """Knows which rows are running (forward only), to name the row in an error."""

    def __init__(self, rows: dict[str, nn.Module]) -> None:
        super().__init__(rows)
        self.stack: list[str] = []

    def _enter(self, name: str) -> Any:
        def hook(module: nn.Module, args: Any) -> None:
            self.stack.append(name)

        return hook

    def _leave(self, name: str) -> Any:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            if self.stack and self.stack[-1] == name:
                self.stack.pop()

        return hook

    @property
    def current(self) -> str | None:
        """The innermost row running now."""
        return self.stack[-1] if self.stack else None

    def error(self, exc: BaseException, dtype: str, device: str) -> BaseException:
        """A failure inside a row: a dtype PyTorch lacks a kernel for becomes a user error
        naming the row; anything else is passed on unchanged."""
        text = first_line(exc)
        if "not implemented for" in text or isinstance(exc, NotImplementedError):
            where = msg("torch.build.for_row", row=self.current) if self.current else ""
            return CnnCalcError(
                msg("torch.build.dtype", dtype=dtype, device=device, where=where, text=text)
            )
        return exc


def _dtype_name(dtype: Any) -> str:
    """torch.float16 → 'fp16' (cnncalc's names), else torch's."""
    from cnncalc.settings import TORCH_DTYPES

    names = {f"torch.{torch_name}": name for name, torch_name in TORCH_DTYPES.items()}
    return names.get(str(dtype), str(dtype))
