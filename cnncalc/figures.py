"""The figures of a report: one row's, the whole net's, and the receptive field (DESIGN §4).

Plain frozen values that cnncalc.analysis computes and every renderer reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.ir import Shape, Span
from cnncalc.layers.base import Columns, Window

# The product of strides beyond which the receptive field is refused: only strides larger than
# the feature map get there, and past it the figures stop fitting a float (issue 9).
MAX_JUMP = 10**18


def _divided(jump: float, up: float) -> float:
    """The jump on a grid `up` times finer (issue 11): an int while it divides exactly."""
    if up == 1:
        return jump
    if isinstance(jump, int) and isinstance(up, int) and jump % up == 0:
        return jump // up
    return _tidy(jump / up)


def _tidy(v: float) -> float:
    """A field figure once upsampling made it fractional (issue 11): an int when whole, else
    six significant digits (0.416667, not 0.4166666666666667)."""
    if isinstance(v, int):
        return v
    return int(v) if v.is_integer() else float(f"{v:.6g}")


@dataclass(frozen=True, slots=True)
class Rf:
    """Receptive field per axis (H, W): size, jump (effective stride) and start (centre of the
    first output's field, in input pixels) by the standard recurrence (DESIGN §4).

    `whole` is set from the first layer that sees its whole input (GAP, FC) on: the recurrence
    treats such a layer as a kernel as large as its input, which says nothing about the net, so
    the totals give the field of the last spatial layer instead, with `whole` set (issue 9).

    After a transposed conv, an upsample or a pixel shuffle the jump is a fraction of an input
    pixel and sizes can be fractional too (issue 11; README, "Receptive field through
    upsampling").
    """

    size: tuple[int, int] = (1, 1)
    jump: tuple[int, int] = (1, 1)
    start: tuple[float, float] = (0.5, 0.5)
    whole: bool = False

    def through(self, win: Window | None) -> Rf:
        """The field after a sliding window (None: unchanged)."""
        if win is None:
            return self
        size, jump, start = [], [], []
        for a in (0, 1):
            k = win.effective(a)
            size.append(_tidy(self.size[a] + (k - 1) * self.jump[a]))
            start.append(self.start[a] + ((k - 1) / 2 - win.pad[a]) * self.jump[a])
            jump.append(_divided(self.jump[a] * win.stride[a], win.up[a]))
        whole = self.whole or win.whole
        return Rf((size[0], size[1]), (jump[0], jump[1]), (start[0], start[1]), whole)


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the report: a layer, or the header of a Res/Cat/Seq block.

    Block rows hold the sums of their children for weights, MACs and FLOPs; their
    `other_ops` and `activation_bytes` are their own (the add, the concatenation).
    """

    name: str
    kind: str
    depth: int
    branch: int  # index of the branch this row sits in, within its parent block
    block: bool
    input: Shape
    output: Shape
    nodes: int  # output elements per image (the seed's 노드개수)
    weights: int
    buffers: int
    macs: int
    flops: int
    backward_flops: int
    other_ops: int
    activation_bytes: int  # new memory this row's output takes at inference, for the batch
    rf: Rf
    columns: Columns
    fan: tuple[int, int] | None
    warnings: tuple[str, ...]
    explain: tuple[str, ...]
    span: Span
    dsl: str
    folded: bool = False  # a block row standing for its hidden rows (shape --depth)
    notes: tuple[str, ...] = ()  # remarks that are no warning: padding left unused (issue 15)


@dataclass(frozen=True, slots=True)
class Totals:
    """Whole-net figures (DESIGN §4); bytes for the batch and dtype of the report."""

    weights: int
    buffers: int
    weight_bytes: int
    buffer_bytes: int
    nodes: int
    activation_bytes: int
    peak_activation_bytes: int
    peak_bytes: int
    macs: int
    flops: int
    backward_flops: int
    other_ops: int
    saved_bytes: int
    optimizer_bytes: int
    train_bytes: int
    rf: Rf
