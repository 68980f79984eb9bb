"""IR → report: shapes, weights, MACs, FLOPs, memory and receptive field per row (DESIGN §4).

Pure arithmetic over the IR: no printing, no torch, no numpy. Figures for a row are per
batch (per image × batch) except `nodes`, which counts one image's output as the seed does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnncalc.errors import CnnCalcError, DslError
from cnncalc.figures import MAX_JUMP, Rf, Row, Totals
from cnncalc.ir import Block, Item, Net, Node, Ref, Shape, Span
from cnncalc.layers import LayerBase, ShapeError
from cnncalc.layers.base import Columns
from cnncalc.liveness import Flow as _Flow
from cnncalc.liveness import Pins, count_uses, reads_input, ref_row
from cnncalc.messages import msg
from cnncalc.settings import (  # noqa: F401  (PROFILE_DTYPES: re-exported)
    DTYPE_BYTES,
    OPTIMIZER_STATES,
    OPTIMIZER_STEP_BYTES,
    PROFILE_DTYPES,
)


@dataclass(frozen=True, slots=True)
class Report:
    """What `analyze` returns and every renderer reads."""

    name: str
    description: str
    input: Shape
    output: Shape
    batch: int
    dtype: str
    optimizer: str
    rows: tuple[Row, ...]
    totals: Totals
    src: str
    warnings: tuple[tuple[str, str], ...] = ()  # (row name, message)
    notes: tuple[tuple[str, str], ...] = ()  # (row name, remark): shown, never warned (issue 15)

    @property
    def dtype_bytes(self) -> int:
        """Bytes per element of the report's dtype."""
        return DTYPE_BYTES[self.dtype]

    def folded(self, depth: int) -> Report:
        """The same report showing rows down to `depth` only (0: the top level). A block row at
        `depth` then stands for its hidden rows: it already holds their weights, MACs and FLOPs,
        and takes their element-wise ops and activation memory too, so the leaf and folded rows
        still add up to the totals, which stay as they are."""
        from dataclasses import replace

        rows = []
        for i, row in enumerate(self.rows):
            if row.depth > depth:
                continue
            if row.block and row.depth == depth:
                hidden = []
                j = i + 1  # an index, not a slice: a slice per block row is quadratic (issue 9)
                while j < len(self.rows) and self.rows[j].depth > row.depth:
                    hidden.append(self.rows[j])
                    j += 1
                row = replace(
                    row,
                    other_ops=row.other_ops + sum(r.other_ops for r in hidden),
                    activation_bytes=row.activation_bytes + sum(r.activation_bytes for r in hidden),
                    folded=True,
                )
            rows.append(row)
        return replace(self, rows=tuple(rows))


class _Walk:
    """Mutable state of one analysis walk; never leaves this module.

    Plain classes rather than dataclasses here: each dataclass costs start-up time.
    """

    __slots__ = (
        "batch",
        "buffer_fixed",
        "elem",
        "last_weight",
        "names",
        "next_suffix",
        "next_tid",
        "param_tensors",
        "peak",
        "pins",
        "rows",
        "saved",
        "src",
        "strict",
    )

    def __init__(self, src: str, batch: int, elem: int, strict: bool, pins: Pins) -> None:
        self.src = src
        self.pins = pins  # referenced tensors kept alive (issue 11)
        self.batch = batch
        self.elem = elem
        self.strict = strict
        self.rows: list[Any] = []
        self.names: set[str] = set()
        # base name → the next suffix to try, so that 30,000 `ReLU:0` rows are named in linear
        # time, not by scanning 'b', 'c', … from the start for each (issue 9, quadratic paths).
        self.next_suffix: dict[str, int] = {}
        self.last_weight = 0
        self.next_tid = 1
        self.saved: dict[int, int] = {}  # tensor identity → bytes saved for backward
        self.param_tensors = 0
        self.buffer_fixed = 0
        self.peak = 0

    def tid(self) -> int:
        """A fresh tensor identity."""
        self.next_tid += 1
        return self.next_tid

    def bytes_of(self, s: Shape) -> int:
        """Bytes of one tensor of this shape for the batch."""
        return s.numel * self.batch * self.elem

    def error(self, msg: str, span: Span) -> DslError:
        """A DslError at the span."""
        return DslError(msg, self.src, span.pos, span.end)

    def name(self, base: str, label: str | None, span: Span) -> str:
        """The row's name: its label, or Kind:number made unique with a letter suffix."""
        if label is not None:
            if label in self.names:
                raise self.error(msg("analysis.label_twice", label=label), span)
            self.names.add(label)
            return label
        suffix = self.next_suffix.get(base, ord("a"))
        name = base if suffix == ord("a") else _suffixed(base, suffix)
        while name in self.names:
            suffix += 1
            name = _suffixed(base, suffix)
        self.next_suffix[base] = suffix + 1 if name != base else ord("b")
        self.names.add(name)
        return name


def _suffixed(base: str, suffix: int) -> str:
    """'ReLU:1b' … 'ReLU:1z', then 'ReLU:1_26', 'ReLU:1_27', …"""
    return f"{base}{chr(suffix)}" if suffix <= ord("z") else f"{base}_{suffix - ord('a')}"


def _has_numbered(item: Item) -> bool:
    """True if a numbered layer (Conv, FC, SE) sits anywhere inside."""
    if isinstance(item, Node):
        return item.layer.NUMBERED
    if isinstance(item, Ref):
        return False
    return any(_has_numbered(i) for b in item.branches for i in b)


def _chain(
    w: _Walk, items: tuple[Item, ...], flow: _Flow, depth: int, branch: int, extra: int
) -> _Flow:
    """Walk a chain; `extra` is the bytes kept alive elsewhere while it runs (for the peak)."""
    for item in items:
        if isinstance(item, Node):
            flow = _layer(w, item, flow, depth, branch, extra)
        elif isinstance(item, Block):
            flow = _block(w, item, flow, depth, branch, extra)
        else:  # a reference starts its branch from the labelled tensor (issue 11)
            flow = w.pins.take(item.label)
            name = w.name(f"&{item.label}", None, item.span)
            w.rows.append(ref_row(name, item, flow, depth, branch))
            continue
        flow = w.pins.keep(item.label, flow)
    return flow


def _notes(w: _Walk, layer: LayerBase, x: Shape, name: str, span: Span
           ) -> tuple[tuple[str, ...], tuple[str, ...]]:  # fmt: skip
    """The row's warnings and its notes (issue 15: remarks that are no warning, such as
    padding left unused); with --strict any non-integer size is an error (DESIGN §4)."""
    notes, remarks = tuple(layer.warnings(x)), tuple(layer.notes(x))
    if (notes or remarks) and w.strict:
        raise w.error(msg("analysis.strict", name=name, problem=(notes + remarks)[0]), span)
    return notes, remarks


def _layer(w: _Walk, node: Node, flow: _Flow, depth: int, branch: int, extra: int) -> _Flow:
    """One layer row."""
    layer, x = node.layer, flow.shape
    if layer.NUMBERED:
        w.last_weight += 1
    name = w.name(f"{layer.kind}:{w.last_weight}", node.label, node.span)
    try:
        y = layer.out_shape(x)
    except ShapeError as exc:
        raise w.error(msg("analysis.shape_error", name=name, problem=exc, input=x),
                      node.span) from None  # fmt: skip
    notes, remarks = _notes(w, layer, x, name, node.span)
    weights = layer.weights(x)
    w.param_tensors += layer.parameter_tensors(x)
    w.buffer_fixed += layer.buffer_fixed_bytes(x)
    macs = layer.macs(x, y) * w.batch
    grad = flow.grad or weights > 0
    alias = layer.aliases()
    tid = flow.tid if alias else w.tid()
    if grad:
        _save(w, layer, x, y, flow.tid, tid, flow.grad)
    rf = flow.rf.through(layer.window(x))
    if max(rf.jump) > MAX_JUMP:
        raise w.error(msg("analysis.jump_limit", name=name), node.span)
    allocates = not (layer.INPLACE or alias)
    out_bytes = w.bytes_of(y) if allocates else 0
    live = flow.live
    if allocates:
        w.peak = max(w.peak, extra + w.pins.bytes + flow.live + out_bytes)
        live = out_bytes
    w.rows.append(
        Row(
            name=name,
            kind=layer.kind,
            depth=depth,
            branch=branch,
            block=False,
            input=x,
            output=y,
            nodes=y.numel,
            weights=weights,
            buffers=layer.buffers(x),
            macs=macs,
            flops=2 * macs,
            backward_flops=2 * layer.backward_macs(macs, flow.grad),
            other_ops=layer.other_ops(x, y) * w.batch,
            activation_bytes=out_bytes,
            rf=rf,
            columns=layer.columns(x),
            fan=layer.fan(x),
            warnings=notes,
            explain=tuple(layer.explain(x, y)) + remarks,  # a note is read with the formulas
            notes=remarks,
            span=node.span,
            dsl=layer.dsl(),
        )
    )
    return _Flow(y, rf, grad, tid, live, flow.spatial if rf.whole else rf)


def _save(
    w: _Walk, layer: LayerBase, x: Shape, y: Shape, x_tid: int, y_tid: int, x_grad: bool
) -> None:
    """Record what autograd keeps for this layer's backward, each tensor once by identity."""
    saved = layer.saved(x, y)
    if saved.input or (saved.input_if_grad and x_grad):
        w.saved[x_tid] = w.bytes_of(x)
    if saved.output:
        w.saved[y_tid] = w.bytes_of(y)
    for elems, itemsize in saved.extra:
        w.saved[w.tid()] = elems * w.batch * (itemsize or w.elem)
    for elems, itemsize in saved.fixed:
        w.saved[w.tid()] = elems * (itemsize or w.elem)


def _branches(w: _Walk, block: Block, flow: _Flow, depth: int, extra: int) -> list[_Flow]:
    """The outputs of a block's branches (and its input, for Res's identity shortcut)."""
    branches = block.branches
    identity = block.kind.INPUT_IS_BRANCH_WHEN_ALONE and len(branches) == 1
    outs: list[_Flow] = []
    done_bytes = 0
    # The last branch that reads the block's input (a branch may start from a reference).
    last_reader = max((b for b, items in enumerate(branches) if reads_input(items)), default=-1)
    held = False  # an earlier branch's output is the block's input itself (an Id branch)
    for b, items in enumerate(branches):
        keep_input = (b < last_reader or identity) and not held
        # While one branch runs, the block's input (if another branch still needs it) and the
        # outputs of the branches already done stay alive.
        branch_extra = extra + done_bytes + (flow.live if keep_input else 0)
        start = flow.with_live(0 if keep_input or held else flow.live)
        out = _chain(w, items, start, depth + 1, b, branch_extra)
        if keep_input and out.tid == flow.tid and not out.live:
            # `Cat(Id | …)`: the input lives on as this branch's output until the merge reads
            # it, so it is counted there, not handed to the next branch to free.
            out, held = out.with_live(flow.live), True
        outs.append(out)
        done_bytes += out.live
    if identity:
        outs.append(flow)
    return outs


def _block(w: _Walk, block: Block, flow: _Flow, depth: int, branch: int, extra: int) -> _Flow:
    """A Res, Cat or Seq block: a header row, then its branches one level deeper."""
    kind = block.kind
    number = w.last_weight + 1 if _has_numbered(block) else w.last_weight
    name = w.name(f"{kind.NAME}:{number}", block.label, block.span)
    index = len(w.rows)
    w.rows.append(None)  # the header, filled in once the children are known
    # The block's input may be a labelled tensor the pins hold: a reference to it inside a
    # branch must not free it while another branch reads the input, so the block holds one
    # more use of it until its merge (issue 10: `A@a-Cat(&a-Conv | Id)` is `A-Cat(Conv | Id)`).
    reads = any(reads_input(b) for b in block.branches)
    held = [label for label, f in w.pins.held.items() if f.tid == flow.tid and reads]
    w.pins.hold(held)
    outs = _branches(w, block, flow, depth, extra)
    try:
        y, own_ops, allocates = kind.merge([o.shape for o in outs], len(block.branches))
    except ShapeError as exc:
        raise w.error(msg("analysis.row_problem", name=name, problem=exc), block.span) from None
    own_bytes = w.bytes_of(y) if allocates else 0
    if own_bytes:
        w.peak = max(w.peak, extra + w.pins.bytes + sum(o.live for o in outs) + own_bytes)
    w.pins.release(held)
    rf = kind.field([o.rf for o in outs])
    spatial = kind.field([o.spatial for o in outs])
    if any(o.rf.whole for o in outs) and not rf.whole:  # a GAP branch sees everything
        rf = Rf(rf.size, rf.jump, rf.start, True)
    # The add happens in the first branch's output, or in another's when that one is a
    # referenced tensor still held for a later use (its live bytes are then 0 here).
    live = own_bytes or outs[0].live or max(o.live for o in outs)
    leaf = [r for r in w.rows[index + 1 :] if r is not None and not r.block]
    w.rows[index] = Row(
        name=name,
        kind=kind.NAME,
        depth=depth,
        branch=branch,
        block=True,
        input=flow.shape,
        output=y,
        nodes=y.numel,
        weights=sum(r.weights for r in leaf),
        buffers=sum(r.buffers for r in leaf),
        macs=sum(r.macs for r in leaf),
        flops=sum(r.flops for r in leaf),
        backward_flops=sum(r.backward_flops for r in leaf),
        other_ops=own_ops * w.batch,
        activation_bytes=own_bytes,
        rf=rf,
        columns=Columns(),
        fan=None,
        warnings=(),
        explain=(),
        span=block.span,
        dsl="",
    )
    tid = outs[0].tid if kind.PASSES_THROUGH else w.tid()
    return _Flow(y, rf, any(o.grad for o in outs), tid, live, spatial)


def analyze_net(
    net: Net,
    *,
    input: Shape | None = None,
    batch: int = 1,
    dtype: str = "fp32",
    optimizer: str = "sgd",
    strict: bool = False,
    name: str = "",
    description: str = "",
) -> Report:
    """The full report for a parsed net."""
    _check_settings(dtype, optimizer, batch)
    x = input or net.input
    if x is None:
        raise CnnCalcError(msg("analysis.no_input"))
    elem = DTYPE_BYTES[dtype]
    w = _Walk(net.src, batch, elem, strict, Pins(count_uses(net.items)))
    in_bytes = x.numel * batch * elem
    out = _chain(w, net.items, _Flow(x, Rf(), False, 0, in_bytes), 0, 0, 0)
    rows: tuple[Row, ...] = tuple(w.rows)
    totals = _totals(w, rows, out, optimizer, in_bytes)
    notes = net.warnings + tuple((r.name, n) for r in rows for n in r.warnings)
    remarks = tuple((r.name, n) for r in rows for n in r.notes)
    return Report(
        name=name,
        description=description,
        input=x,
        output=out.shape,
        batch=batch,
        dtype=dtype,
        optimizer=optimizer,
        rows=rows,
        totals=totals,
        src=net.src,
        warnings=notes,
        notes=remarks,
    )


def _check_settings(dtype: str, optimizer: str, batch: int) -> None:
    """Refuse an unknown dtype or optimizer and a batch that is no positive whole number."""
    if dtype not in DTYPE_BYTES:
        choices = ", ".join(DTYPE_BYTES)
        raise CnnCalcError(msg("analysis.unknown_dtype", dtype=dtype, choices=choices))
    if optimizer not in OPTIMIZER_STATES:
        choices = ", ".join(OPTIMIZER_STATES)
        raise CnnCalcError(msg("analysis.unknown_optimizer", optimizer=optimizer, choices=choices))
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        raise CnnCalcError(msg("analysis.batch", batch=repr(batch)))


def _totals(w: _Walk, rows: tuple[Row, ...], out: _Flow, optimizer: str, in_bytes: int) -> Totals:
    """Whole-net figures from the rows and the walk's memory bookkeeping."""
    batch, elem = w.batch, w.elem
    leaf = [r for r in rows if not r.block]
    weights = sum(r.weights for r in leaf)
    buffers = sum(r.buffers for r in leaf)
    weight_bytes, buffer_bytes = weights * elem, buffers * elem + w.buffer_fixed
    activation_bytes = sum(r.activation_bytes for r in rows)
    peak_act = max(w.peak, in_bytes)
    saved = sum(w.saved.values())
    optimizer_bytes = (
        OPTIMIZER_STATES[optimizer] * weight_bytes
        + OPTIMIZER_STEP_BYTES[optimizer] * w.param_tensors
    )
    return Totals(
        weights=weights,
        buffers=buffers,
        weight_bytes=weight_bytes,
        buffer_bytes=buffer_bytes,
        nodes=activation_bytes // (batch * elem),
        activation_bytes=activation_bytes,
        peak_activation_bytes=peak_act,
        peak_bytes=weight_bytes + buffer_bytes + peak_act,
        macs=sum(r.macs for r in leaf),
        flops=sum(r.flops for r in leaf),
        backward_flops=sum(r.backward_flops for r in leaf),
        other_ops=sum(r.other_ops for r in rows),
        saved_bytes=saved,
        optimizer_bytes=optimizer_bytes,
        # weights + their grads + optimizer state + running statistics + saved activations
        train_bytes=2 * weight_bytes + optimizer_bytes + buffer_bytes + saved,
        # The last spatial layer's field, flagged when GAP/FC then see the whole input (issue 9).
        rf=Rf(out.spatial.size, out.spatial.jump, out.spatial.start, out.rf.whole),
    )
