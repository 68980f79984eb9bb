"""A recorded op graph → cnncalc's IR: chains, `Res` for adds, `Cat` for concatenations, and
`&label` references for tensors used after the branch that made them ended (issues 10, 11).

A merge's branches start at the nearest tensor every path to it passes through (its immediate
dominator F), so a residual block's input or an Inception module's input is found whatever the
Python code looked like. That block form is kept when its rows stay in execution order ("Rows
are the leaf modules in execution order", issue 10): its branches, in the order the DSL runs
them, must not interleave, and a short later branch should not wait behind a first branch that
holds blocks of its own (a U-Net's crop behind its whole decoder). Otherwise the chain goes on
through the branch that ran first (that branch becomes `Id`), back to F, and each other branch
starts from the last tensor of an enclosing chain it reads: the block's input, or `&label` of
an earlier item (DESIGN §3). Each op lands in the IR exactly once; a tensor no enclosing chain
holds (made inside a branch that ended), a second output and a dead op are errors naming it.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

from cnncalc.dsl import MAX_NESTING, parse
from cnncalc.errors import CnnCalcError
from cnncalc.ir import Block, Item, Net, Node, Ref, Span
from cnncalc.layers import BLOCK_REGISTRY, REGISTRY
from cnncalc.layers.opaque import Uncounted
from cnncalc.messages import msg
from cnncalc.torch.capture import Graph, Op

_MERGES = {"add": BLOCK_REGISTRY["res"], "cat": BLOCK_REGISTRY["cat"]}
# The label of the net's input when a reference reads it: no module path starts with "#".
INPUT = "#input"


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
        self.input_read = False
        self.index = {op.name: op.index for op in graph.ops}
        self.users: dict[int, list[int]] = {}  # value → the ops that read it
        for op in graph.ops:  # execution order is a topological order
            for v in op.inputs:
                self.users.setdefault(v, []).append(op.index)
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

    def chain(
        self, end: int, begin: int, visible: frozenset[int], depth: int = 0
    ) -> tuple[Item, ...]:
        """The items that turn value `begin` (a block's input) into value `end`; the walk back
        stops early at a value an enclosing chain holds, which the chain then starts from by
        reference. First the chain's own ops (so that they are this chain's), then its blocks'
        branches, each seeing the values before it."""
        steps: list[tuple[Op, int]] = []
        cur = end
        while cur != begin and cur not in visible:
            op = self.graph.producer[cur]
            self.take(op)
            cur = op.inputs[0] if op.merge is None else self.form(op, visible | {begin})
            steps.append((op, cur))
        steps.reverse()
        items: list[Item] = [] if cur == begin else [Ref(self.label(cur), self.span)]
        seen = set(visible) | {begin, cur}
        for op, x in steps:
            if op.merge is None:
                items.append(Node(self.layer(op), self.span, op.name))
            else:
                items.append(self.block(op, x, frozenset(seen), depth))
            seen.add(op.out)
        return tuple(items)

    def take(self, op: Op) -> None:
        """Op `op` lands in the IR here; a second time means its output is needed where no
        chain can hold it."""
        self.used[op.index] = self.used.get(op.index, 0) + 1
        if self.used[op.index] > 1:
            raise CnnCalcError(msg("torch_io.reused", name=op.name, what=op.what))

    def label(self, value: int) -> str:
        """The label of the item whose output `value` is (a reference names it); the net's
        input is no item, so a reference to it names an `Id` put first (no work, no memory)."""
        if value == 0:
            self.input_read = True
            return INPUT
        return self.graph.producer[value].name

    def block(self, op: Op, x: int, visible: frozenset[int], depth: int) -> Block:
        """Res or Cat on input `x`: a branch from `x` (or from a reference) to each input."""
        if depth >= MAX_NESTING:  # as deep as DSL text may nest: every later walk recurses
            raise CnnCalcError(msg("torch_io.too_deep", name=op.name, limit=MAX_NESTING))
        kind = _MERGES[op.merge or ""]
        branches = [self.chain(v, x, visible, depth + 1) for v in op.inputs]
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
        """When the branch's first op ran (a branch of a reference alone: after all)."""
        first = len(self.index)
        todo = list(branch)
        while todo:
            item = todo.pop()
            if isinstance(item, Block):
                todo.extend(i for b in item.branches for i in b)
            elif isinstance(item, Node) and item.label is not None:  # not a Cat's own Id
                first = min(first, self.index[item.label])
        return first

    def form(self, op: Op, stops: frozenset[int]) -> int:
        """Where the chain goes on from merge `op`: its dominator F (the block form), or the
        input whose branch ran first (the other branches then start from references)."""
        fork = self.idom[op.out]
        reach = [self.reach(v, stops | {fork}, self.made(fork)) for v in op.inputs]
        sets = [ops for ops, _ in reach]
        union = set().union(*sets)
        disjoint = sum(len(s) for s in sets) == len(union)
        natural = all(hit <= {fork} for _, hit in reach)
        # A tensor made in a branch and read after the block must be made in the chain.
        region = union | {op.index}
        others = [set().union(*(t for t in sets if t is not s)) for s in sets]
        escapes = [self.escapes(s - o, region) for s, o in zip(sets, others)]
        if disjoint and natural and not any(escapes) and self.in_order(op, sets):
            return fork
        # The chain goes on through the branch that holds what others read too (or what the
        # net reads later), else the one that ran first; the other branches start from
        # references to F or to a later tensor of the chain.
        shared = [len(s & o) for s, o in zip(sets, others)]
        # "Ran first" counts the branch's own ops (the shared ones run before either); an
        # input that is F itself would only give the block form back.
        late = len(self.graph.ops)
        order = [(not e, -n, min(s - o, default=late if v == fork else -1), self.made(v), v)
                 for e, n, s, o, v in zip(escapes, shared, sets, others, op.inputs)]  # fmt: skip
        return min(order)[4]

    def in_order(self, op: Op, sets: list[set[int]]) -> bool:
        """The block form keeps execution order: its branches, as the DSL runs them (an add's
        in the order they ran), do not interleave, and no short branch (no block in it, or
        none at all: the block's input itself) waits behind a first branch that holds blocks
        (`x + body(x)` with blocks in the body is `x@l - body - Res(&l)`)."""
        runs = [s for s in sets if s]
        if op.merge == "add":
            runs.sort(key=min)
        if any(max(a) > min(b) for a, b in pairwise(runs)):
            return False
        if not runs or not self.has_merge(runs[0]):
            return True
        return len(runs) == len(sets) and all(self.has_merge(s) for s in runs[1:])

    def escapes(self, ops: set[int], region: set[int]) -> bool:
        """Whether an op outside `region` reads what one of `ops` made."""
        outs = (self.graph.ops[i].out for i in ops)
        return any(u not in region for v in outs for u in self.users.get(v, ()))

    def has_merge(self, ops: set[int]) -> bool:
        """Whether any of these ops is an add or a concatenation."""
        return any(self.graph.ops[i].merge is not None for i in ops)

    def made(self, value: int) -> int:
        """When value was made (-1 for the net's input)."""
        return -1 if value == 0 else self.graph.producer[value].index

    def reach(self, value: int, stops: frozenset[int], floor: int) -> tuple[set[int], set[int]]:
        """The ops between `value` and the stops behind it, and the stops reached; a value made
        before `floor` (before F ran: not inside F's block) is a stop too."""
        ops: set[int] = set()
        hit: set[int] = set()
        seen: set[int] = set()
        todo = [value]
        while todo:
            v = todo.pop()
            if v in stops or self.made(v) < floor:
                hit.add(v)
                continue
            if v in seen or v == 0:
                continue
            seen.add(v)
            producer = self.graph.producer[v]
            ops.add(producer.index)
            todo.extend(producer.inputs)
        return ops, hit

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
    items = builder.chain(graph.output, 0, frozenset())
    for op in graph.ops:
        if op.index not in builder.used:
            raise CnnCalcError(msg("torch_io.unused", name=op.name, what=op.what))
    if not items:
        raise CnnCalcError(msg("torch_io.empty"))
    if builder.input_read:
        items = (Node(REGISTRY["id"](), builder.span, INPUT), *items)
    return Net(items, src)
