"""A recorded op graph → cnncalc's IR: chains, `Res` for adds, `Cat` for concatenations.

A merge's branches start at the nearest tensor every path to it passes through (its immediate
dominator), so a residual block's input or an Inception module's input is found whatever the
Python code looked like. Each op must land in the IR exactly once; one that would be needed
twice (a tensor used after the branch that made it ended) or never (a second output) cannot be
written as a chain of blocks, and the message names it (issue 10).
"""

from __future__ import annotations

from functools import lru_cache

from cnncalc.dsl import parse
from cnncalc.errors import CnnCalcError
from cnncalc.ir import Block, Item, Net, Node, Span
from cnncalc.layers import BLOCK_REGISTRY, REGISTRY
from cnncalc.layers.opaque import Uncounted
from cnncalc.messages import msg
from cnncalc.torch.capture import Graph, Op

_MERGES = {"add": BLOCK_REGISTRY["res"], "cat": BLOCK_REGISTRY["cat"]}


@lru_cache(maxsize=4096)
def layer_of(text: str) -> object:
    """The layer value the registry reads from DSL text."""
    item = parse(text).items[0]
    return item.layer if isinstance(item, Node) else item


class _Builder:
    """Dominators of every value, then the nested chains."""

    def __init__(self, graph: Graph, src: str) -> None:
        self.graph = graph
        self.span = Span(0, len(src))
        self.idom: dict[int, int] = {0: 0}
        self.depth: dict[int, int] = {0: 0}
        self.used: dict[int, int] = {}
        self.index = {op.name: op.index for op in graph.ops}
        for op in graph.ops:  # execution order is a topological order
            d = op.inputs[0]
            for v in op.inputs[1:]:
                d = self.meet(d, v)
            self.idom[op.out] = d
            self.depth[op.out] = self.depth[d] + 1

    def meet(self, a: int, b: int) -> int:
        """The deepest value that dominates both a and b."""
        while a != b:
            if self.depth[a] >= self.depth[b]:
                a = self.idom[a]
            else:
                b = self.idom[b]
        return a

    def chain(self, start: int, end: int) -> tuple[Item, ...]:
        """The items that turn value `start` into value `end`."""
        items: list[Item] = []
        cur = end
        while cur != start:
            op = self.graph.producer[cur]
            self.used[op.index] = self.used.get(op.index, 0) + 1
            if self.used[op.index] > 1:
                raise CnnCalcError(msg("torch_io.reused", name=op.name, what=op.what))
            if op.merge is None:
                items.append(Node(self.layer(op), self.span, op.name))
                cur = op.inputs[0]
                continue
            fork = self.idom[cur]
            items.append(self.block(op, fork))
            cur = fork
        items.reverse()
        return tuple(items)

    def block(self, op: Op, fork: int) -> Block:
        """Res or Cat: branches from the fork to each input of the merge."""
        kind = _MERGES[op.merge or ""]
        branches = [self.chain(fork, v) for v in op.inputs]
        if op.merge == "add":
            if not any(branches):
                raise CnnCalcError(msg("torch_io.self_add", name=op.name))
            # Branches in the order they ran, the identity (an empty branch) last.
            branches = sorted((b for b in branches if b), key=self.first_op)
        else:
            ident = (Node(REGISTRY["id"](), self.span),)
            branches = [b or ident for b in branches]
        return Block(kind, tuple(branches), self.span, op.name)

    def first_op(self, branch: tuple[Item, ...]) -> int:
        """When the branch's first op ran."""
        item: Item = branch[0]
        while isinstance(item, Block):
            item = item.branches[0][0]
        return self.index[item.label or ""]

    def layer(self, op: Op) -> object:
        """The op's layer value; an op cnncalc cannot count is an Uncounted row."""
        if op.text is not None:
            return layer_of(op.text)
        return Uncounted(op.what, _shape(op.shape), op.weights)


def _shape(dims: tuple[int, ...]) -> object:
    from cnncalc.ir import Shape

    return Shape((dims[1], dims[2], dims[0]) if len(dims) == 3 else dims)


def to_net(graph: Graph, src: str) -> Net:
    """The IR of a recorded graph (its input shape is the caller's)."""
    builder = _Builder(graph, src)
    items = builder.chain(0, graph.output)
    for op in graph.ops:
        if op.index not in builder.used:
            raise CnnCalcError(msg("torch_io.unused", name=op.name, what=op.what))
    if not items:
        raise CnnCalcError(msg("torch_io.empty"))
    return Net(items, src)
