"""The forward (and backward) pass of a whole net in numpy, row by row (issue 12).

The walk visits the items in the order the analysis made its rows (a block's header, then its
branches), as the torch builder does, so every item meets its row. Each layer kind computes its
own step (`forward_np`, cnncalc/layers) and each block kind its merge (`merge_np`); this module
only threads the tensors through, keeps a tape of the backward functions when a gradient is
asked for, and summarises every row's output. It never branches on a kind's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cnncalc.analysis import Report, Row
from cnncalc.errors import CnnCalcError
from cnncalc.ir import Block, Item, Node, Shape
from cnncalc.messages import msg
from cnncalc.numeric.params import Mode

# A row's values are shown when each channel holds at most this many (issue 12), or --values-all.
SHOWN_PER_CHANNEL = 64


@dataclass(frozen=True, slots=True)
class Stats:
    """Summary of one tensor over the whole batch."""

    mean: float
    std: float
    min: float
    max: float
    zeros: float  # fraction of elements exactly 0

    @staticmethod
    def of(a: Any) -> Stats:
        """The statistics of array `a`, accumulated in float64."""
        import numpy as np

        if a.size == 0:
            return Stats(0.0, 0.0, 0.0, 0.0, 0.0)
        return Stats(float(a.mean(dtype=np.float64)), float(a.std(dtype=np.float64)),
                     float(a.min()), float(a.max()), float((a == 0).mean()))  # fmt: skip


@dataclass(frozen=True, slots=True)
class RowRun:
    """One row of `cnncalc run`: its output's shape and statistics, and its values when shown
    (the first image, H×W×C or N), with any matrices its kind shows beside them."""

    name: str
    kind: str
    depth: int
    block: bool
    output: Shape
    stats: Stats
    values: Any | None
    extras: tuple[tuple[str, Any], ...] = ()
    grad: Stats | None = None


def hwc(a: Any) -> Any:
    """The first image of an N×C×H×W (or N×F) array as H×W×C (or F): the notes' layout."""
    return a[0].transpose(1, 2, 0) if a.ndim == 4 else a[0]


def nchw(shape: Shape, batch: int) -> tuple[int, ...]:
    """The array shape of a row's output: (N, C, H, W) or (N, F)."""
    return (batch, shape.c) if shape.is_flat else (batch, shape.c, shape.h, shape.w)


class _Tape:
    """The backward functions in forward order, with the tensors each one read (by id)."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.entries: list[tuple[int, list[int], Callable[[Any], list[Any]]]] = []
        self.count = 0

    def add(self, inputs: list[int], back: Callable[[Any], list[Any]]) -> int:
        """A new tensor made from `inputs`; its id."""
        self.count += 1
        if self.keep:
            self.entries.append((self.count, inputs, back))
        return self.count

    def backward(self, out: int, grad: Any) -> dict[int, Stats]:
        """Push `grad` from tensor `out` back to every tensor; each one's gradient statistics."""
        grads = {out: grad}
        seen: dict[int, Stats] = {}
        for made, inputs, back in reversed(self.entries):
            g = grads.pop(made, None)
            if g is None:
                continue
            seen[made] = Stats.of(g)
            for i, gi in zip(inputs, back(g), strict=True):
                grads[i] = gi if i not in grads else grads[i] + gi
        return seen


class _Walk:
    """The state of one pass: parameters per row, the mode, the tape, the rows seen."""

    def __init__(self, params: dict[str, dict[str, Any]], mode: Mode, backward: bool,
                 show_all: bool) -> None:  # fmt: skip
        self.params = params
        self.mode = mode
        self.tape = _Tape(backward)
        self.show_all = show_all
        self.runs: list[RowRun] = []
        self.ids: dict[str, int] = {}
        self.labelled: dict[str, tuple[Any, int]] = {}  # label → its output, for `&label`

    def summary(self, row: Row, y: Any, tid: int, extras: tuple = ()) -> RowRun:
        """Check the output's shape against the static row and summarise it."""
        import numpy as np

        if y.shape != nchw(row.output, y.shape[0]):
            expected = list(nchw(row.output, y.shape[0]))
            raise CnnCalcError(msg("analysis.internal_shape", row=row.name, got=list(y.shape),
                                   expected=expected))  # fmt: skip
        per_channel = row.output.numel // (1 if row.output.is_flat else row.output.c)
        shown = self.show_all or per_channel <= SHOWN_PER_CHANNEL
        values = np.array(hwc(y)) if shown else None
        extras = tuple((name, np.array(hwc(a))) for name, a in extras) if shown else ()
        self.ids[row.name] = tid
        return RowRun(row.name, row.kind, row.depth, row.block, row.output, Stats.of(y),
                      values, extras)  # fmt: skip


def _chain(w: _Walk, items: tuple[Item, ...], x: Any, xid: int, rows: Iterator[Row]) -> tuple[Any, int]:  # fmt: skip
    """Run a chain of items from tensor x; the last output and its id."""
    for item in items:
        row = next(rows)
        if isinstance(item, Node):
            try:
                y, back, *more = item.layer.forward_np(x, w.params.get(row.name, {}), w.mode)
            except NotImplementedError:  # a kind run cannot compute (a torch module's opaque row)
                raise CnnCalcError(msg("run.no_numpy", row=row.name, kind=row.kind)) from None
            yid = w.tape.add([xid], lambda g, back=back: [back(g)])
            w.runs.append(w.summary(row, y, yid, more[0] if more else ()))
        elif isinstance(item, Block):
            y, yid = _block(w, item, row, x, xid, rows)
        else:  # `&label` (issue 11): the branch goes on from that item's output
            y, yid = w.labelled[item.label]
            yid = w.tape.add([yid], lambda g: [g])
            w.runs.append(w.summary(row, y, yid))
            x, xid = y, yid
            continue
        if item.label is not None:
            w.labelled[item.label] = (y, yid)
        x, xid = y, yid
    return x, xid


def _block(w: _Walk, block: Block, row: Row, x: Any, xid: int, rows: Iterator[Row]) -> tuple[Any, int]:  # fmt: skip
    """A block: its branches from the same input, then the kind's merge."""
    index = len(w.runs)
    w.runs.append(None)  # type: ignore[arg-type]  # the header row, once the branches ran
    outs = [_chain(w, branch, x, xid, rows) for branch in block.branches]
    if block.kind.INPUT_IS_BRANCH_WHEN_ALONE and len(block.branches) == 1:
        outs.append((x, xid))
    y, back = block.kind.merge_np([o[0] for o in outs])
    yid = w.tape.add([o[1] for o in outs], back)
    w.runs[index] = w.summary(row, y, yid)
    return y, yid


def execute(items: tuple[Item, ...], report: Report, x: Any, params: dict[str, dict[str, Any]],
            mode: Mode, grad: Any = None, show_all: bool = False) -> list[RowRun]:  # fmt: skip
    """Every row's output for input x (N×C×H×W); with `grad` (the gradient of the last output,
    same shape) the backward pass too, whose per-row gradient statistics join the rows."""
    import numpy as np

    w = _Walk(params, mode, grad is not None, show_all)
    with np.errstate(all="ignore"):  # overflow is reported by the statistics (inf, nan)
        y, yid = _chain(w, items, x, 0, iter(report.rows))
        if grad is None:
            return w.runs
        stats = w.tape.backward(yid, grad.astype(y.dtype))
    from dataclasses import replace

    return [replace(r, grad=stats.get(w.ids[r.name])) for r in w.runs]
