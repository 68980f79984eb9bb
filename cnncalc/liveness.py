"""The tensor flowing through the analysis walk, and how long referenced tensors stay alive
(issue 11, DESIGN §4).

A tensor that a later `&label` reads stays alive from where it is made to its last use: from
the labelled item on, `Pins` holds its bytes (counted in every peak the walk takes), and at the
last reference they pass on to the branch that reads it, which frees them like any other
tensor. What autograd saves is unchanged: a branch that starts from a reference reads the
labelled tensor itself (the same storage), so a tensor saved there and where it was made is
counted once.
"""

from __future__ import annotations

from cnncalc.figures import Rf, Row
from cnncalc.ir import Block, Item, Ref, Shape, Span
from cnncalc.layers.base import Columns
from cnncalc.messages import msg


class Flow:
    """The tensor flowing between rows during the walk."""

    __slots__ = ("grad", "live", "rf", "shape", "spatial", "tid")

    def __init__(
        self, shape: Shape, rf: Rf, grad: bool, tid: int, live: int, spatial: Rf | None = None
    ) -> None:
        self.shape = shape
        self.rf = rf
        self.grad = grad  # needs a gradient (something trainable upstream)
        self.tid = tid  # identity of its storage, so saved tensors are counted once
        self.live = live  # bytes of it counted live for the peak (0 when a caller counts it)
        # the field of the last layer before one that sees the whole input (the totals' figure)
        self.spatial = rf if spatial is None else spatial

    def with_live(self, live: int) -> Flow:
        """The same tensor with `live` bytes counted by whoever holds this flow."""
        return Flow(self.shape, self.rf, self.grad, self.tid, live, self.spatial)


def count_uses(items: tuple[Item, ...]) -> dict[str, int]:
    """Label → how many references read it; iterative, since blocks may nest deep."""
    uses: dict[str, int] = {}
    todo = [items]
    while todo:
        for item in todo.pop():
            if isinstance(item, Ref):
                uses[item.label] = uses.get(item.label, 0) + 1
            elif isinstance(item, Block):
                todo.extend(item.branches)
    return uses


def reads_input(branch: tuple[Item, ...]) -> bool:
    """False for a branch that starts from a reference rather than the block's input."""
    return not (branch and isinstance(branch[0], Ref))


class Pins:
    """The referenced tensors alive now, waiting for their last reference."""

    __slots__ = ("bytes", "held", "uses")

    def __init__(self, uses: dict[str, int]) -> None:
        self.uses = uses  # label → references still to come
        self.held: dict[str, Flow] = {}
        self.bytes = 0  # their live bytes, part of every peak while they are held

    def keep(self, label: str | None, flow: Flow) -> Flow:
        """After the item labelled `label`: if a reference reads it later, the pins take over
        its live bytes until then."""
        if label is None or label not in self.uses:
            return flow
        self.held[label] = flow
        self.bytes += flow.live
        return flow.with_live(0)

    def take(self, label: str) -> Flow:
        """The labelled tensor for a reference; at its last use its bytes pass to the branch."""
        flow = self.held[label]
        self.uses[label] -= 1
        if self.uses[label]:
            return flow.with_live(0)
        del self.held[label]
        self.bytes -= flow.live
        return flow

    def hold(self, labels: list[str]) -> None:
        """One more use of each labelled tensor: a block whose input it is holds it."""
        for label in labels:
            self.uses[label] += 1

    def release(self, labels: list[str]) -> None:
        """The block is done with its input: the uses `hold` added end, and a tensor no later
        reference reads is freed."""
        for label in labels:
            self.uses[label] -= 1
            if not self.uses[label]:
                self.bytes -= self.held.pop(label).live


def ref_row(name: str, ref: Ref, flow: Flow, depth: int, branch: int) -> Row:
    """The row of a reference: the labelled tensor again, no work, no new memory; its receptive
    field is the labelled tensor's (the block then takes its largest branch's, DESIGN §4)."""
    y = flow.shape
    return Row(
        name=name,
        kind="Ref",
        depth=depth,
        branch=branch,
        block=False,
        input=y,
        output=y,
        nodes=y.numel,
        weights=0,
        buffers=0,
        macs=0,
        flops=0,
        backward_flops=0,
        other_ops=0,
        activation_bytes=0,
        rf=flow.rf,
        columns=Columns(),
        fan=None,
        warnings=(),
        explain=(msg("refs.explain", label=ref.label, shape=str(y)),),
        span=Span(ref.span.pos, ref.span.end),
        dsl=f"&{ref.label}",
    )
