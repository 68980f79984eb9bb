"""Two reports side by side: layers aligned, changes marked, deltas of weights, MACs, memory.

Issue 15: what is aligned is the sequence of computing layers (the rows that are not blocks),
never the text or the nesting, so wrapping layers in a group or labelling them changes no
layer. The layers are aligned like lines of text on (kind, layer text, input and output
shape), so an inserted layer is one added row and the rows after it stay paired; a stretch
that was replaced is aligned again on (kind, layer text), then on kind alone: a Conv whose
arguments changed is one changed row, a layer whose text is the same but whose figures differ
(its input changed) is `affected`. Blocks (Res, Cat, groups) are matched afterwards by the
layers they hold: a block on one side only is `regrouped` (or added/removed when all of its
layers are), the same layer or block under another label is `renamed`. Every pair holds two
rows of the same layer or block, so each figure of a row belongs to the layers it names.
Pure: no printing, no torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cnncalc.analysis import Report, Row
from cnncalc.diff_ops import opcodes
from cnncalc.settings import METRICS

SAME, CHANGED, AFFECTED, ADDED, REMOVED = "same", "changed", "affected", "added", "removed"
REGROUPED, RENAMED = "regrouped", "renamed"  # structure only: no layer changed (issue 15)
LAYER_CHANGES = (CHANGED, AFFECTED, ADDED, REMOVED)
# Whole-net figures compared, in this order (each labelled when compared, in the language).
TOTALS = tuple(
    METRICS[key]
    for key in ("weights", "weight_memory", "activation_memory", "peak_memory", "train_memory",
                "macs", "flops")
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RowDiff:
    """One aligned pair of rows; `a` is None for an added row, `b` for a removed one."""

    status: str
    a: Row | None
    b: Row | None

    def delta(self, field: str) -> int:
        """b − a of a row figure ('weights', 'macs', 'activation_bytes'); a missing row is 0,
        and a block on one side only whose layers are paired changes nothing (issue 15)."""
        if self.status == REGROUPED:
            return 0
        before = getattr(self.a, field) if self.a is not None else 0
        after = getattr(self.b, field) if self.b is not None else 0
        return after - before

    @property
    def row(self) -> Row:
        """The row to name this pair by: B's, or A's when it was removed."""
        return self.b if self.b is not None else self.a  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class TotalDiff:
    """One whole-net figure in A and in B."""

    label: str
    field: str
    unit: str
    a: int
    b: int

    @property
    def delta(self) -> int:
        """b − a."""
        return self.b - self.a

    @property
    def delta_pct(self) -> float | None:
        """(b − a) / a × 100, None when a is 0."""
        return self.delta / self.a * 100 if self.a else None


@dataclass(frozen=True, slots=True)
class Diff:
    """What `cnncalc diff` renders."""

    a: Report
    b: Report
    rows: tuple[RowDiff, ...]
    totals: tuple[TotalDiff, ...]

    def count(self, status: str) -> int:
        """How many row pairs have this status."""
        return sum(r.status == status for r in self.rows)

    @property
    def same_layers(self) -> bool:
        """True when no layer changed: at most regrouped or renamed (issue 15)."""
        return not any(r.status in LAYER_CHANGES for r in self.rows)

    @property
    def identical(self) -> bool:
        """True when every row and every total is the same (the optimizer, say, changes only
        the training memory)."""
        return all(r.status == SAME for r in self.rows) and not any(t.delta for t in self.totals)


def _gains(seq_other: list, same: list, lo: int, hi: int, before: int, after: int, up: int,
           down: int) -> dict[int, int]:  # fmt: skip
    """For each shift s of the hunk same[lo:hi] (-up … down): how many more layers of the
    other side then pair with their exact twin (kind, text, shapes) than at s = 0. Moving the
    hunk up by one re-pairs the other side's layer before it (index before − 1) from
    same[lo − 1] to same[hi − 1]; down by one, the layer after it (index after) from
    same[hi] to same[lo]. O(up + down)."""
    gain, total = {0: 0}, 0
    for t in range(1, up + 1):
        x = seq_other[before - t]
        total += (x == same[hi - t]) - (x == same[lo - t])
        gain[-t] = total
    total = 0
    for t in range(down):
        x = seq_other[after + t]
        total += (x == same[lo + t]) - (x == same[hi + t])
        gain[t + 1] = total
    return gain


def _framed(ops: list[list]) -> list[list]:
    """The opcodes with an equal run, empty if need be, before and after every change, so that
    a change can slide into either (neighbouring equal runs merged)."""
    out: list[list] = []
    for op in ops:
        if op[0] == "equal":
            if out and out[-1][0] == "equal":
                out[-1][2], out[-1][4] = op[2], op[4]
                continue
        elif not out or out[-1][0] != "equal":
            out.append(["equal", op[1], op[1], op[3], op[3]])
        out.append(list(op))
    if out and out[-1][0] != "equal":
        out.append(["equal", out[-1][2], out[-1][2], out[-1][4], out[-1][4]])
    return out


def _slide(ops: list[list], kinds: tuple[list, list], exact: tuple[list, list],
           opens: tuple[list[int], list[int]]) -> list[list]:  # fmt: skip
    """Move each pure insertion or deletion to the best of its equivalent places.

    Layers are aligned on their kind, so an added Conv in a run of Convs can be shown at
    several places, all as short (like a diff 'slider' in git). The place chosen pairs the
    most layers with their exact twin (a Conv:1x1 inserted between two Conv:3x3 is the one
    added), then starts where the shallowest block starts (a residual block added to a stage
    reads as 'one block added'), then moves least. `ops` are SequenceMatcher opcodes as lists;
    `opens` per layer the depth of the shallowest block that opens at it.
    """
    ops = _framed(ops)
    for k, op in enumerate(ops):
        if op[0] not in ("insert", "delete"):
            continue
        side = 1 if op[0] == "insert" else 0
        seq, lo, hi = kinds[side], op[1 + 2 * side], op[2 + 2 * side]
        prev = ops[k - 1] if k > 0 and ops[k - 1][0] == "equal" else None
        after = ops[k + 1] if k + 1 < len(ops) and ops[k + 1][0] == "equal" else None
        up = 0
        while prev and up < prev[2] - prev[1] and seq[lo - up - 1] == seq[hi - up - 1]:
            up += 1
        down = 0
        while after and down < after[2] - after[1] and seq[lo + down] == seq[hi + down]:
            down += 1
        other = 1 - side
        gain = _gains(exact[other], exact[side], lo, hi,
                      prev[2 + 2 * other] if prev else 0, after[1 + 2 * other] if after else 0,
                      up, down)  # fmt: skip
        score = opens[side]
        shift = min(range(-up, down + 1), key=lambda s: (-gain[s], score[lo + s], abs(s), -s))
        if shift:
            for i in (1, 2, 3, 4):
                op[i] += shift
            if prev:
                prev[2] += shift
                prev[4] += shift
            if after:
                after[1] += shift
                after[3] += shift
    return [op for op in ops if op[0] != "equal" or op[2] > op[1]]


_OPENS_NONE = 1 << 30  # a layer that opens no block


def _pair_layers(a: list[Row], b: list[Row], opens: tuple[list[int], list[int]]
                 ) -> list[tuple[int | None, int | None]]:  # fmt: skip
    """The layers of A and B paired in order, as (index in a, index in b), None for the side
    where a layer does not exist. Aligned on the sequence of kinds, each as a small int (so
    SequenceMatcher hashes and compares little): a run of the same kinds is the same layers,
    whatever their arguments; then each insertion is slid to its best place (_slide).
    O(n log n + n·_WINDOW), as opcodes() is."""
    ids: dict = {}
    kinds = ([ids.setdefault(r.kind, len(ids)) for r in a],
             [ids.setdefault(r.kind, len(ids)) for r in b])  # fmt: skip
    ids = {}
    exact = tuple([ids.setdefault((r.kind, r.dsl, r.input, r.output), len(ids)) for r in side]
                  for side in (a, b))  # fmt: skip
    # The common head and tail first: SequenceMatcher takes the longest matching block
    # first, which in a run of one kind ('C C C' against 'C T C C') is not the longest common
    # subsequence (the inserted T must be the one layer added).
    head, tail, (ka, kb) = 0, 0, kinds
    while head < min(len(ka), len(kb)) and ka[head] == kb[head]:
        head += 1
    while tail < min(len(ka), len(kb)) - head and ka[-1 - tail] == kb[-1 - tail]:
        tail += 1
    ops = [
        [tag, i1 + head, i2 + head, j1 + head, j2 + head]
        for tag, i1, i2, j1, j2 in opcodes(ka[head : len(ka) - tail], kb[head : len(kb) - tail])
    ]
    ops = [["equal", 0, head, 0, head], *ops,
           ["equal", len(ka) - tail, len(ka), len(kb) - tail, len(kb)]]  # fmt: skip
    out: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in _slide(ops, kinds, exact, opens):  # type: ignore[arg-type]
        if tag == "equal":
            out += zip(range(i1, i2), range(j1, j2))
        else:
            out += [(i, None) for i in range(i1, i2)]
            out += [(None, j) for j in range(j1, j2)]
    return out


def _figures(row: Row) -> tuple[object, ...]:
    return (row.output, row.weights, row.buffers, row.macs, row.activation_bytes)


_NUMBER = re.compile(r"\d+[a-z]*")  # a default name's tail: 'Conv:3', a branch's 'ReLU:5b'


def _renamed(x: Row, y: Row) -> bool:
    """The names differ and one is the user's label: a default number that moved because a
    layer was added above ('Conv:2' → 'Conv:3') is no rename."""
    if x.name == y.name:
        return False
    return not all(r.name.startswith(f"{r.kind}:") and _NUMBER.fullmatch(r.name, len(r.kind) + 1)
                   for r in (x, y))  # fmt: skip


def _status(x: Row | None, y: Row | None) -> str:
    """A pair of layers judged: added, removed, changed (other layer text), affected (same
    text, other figures), renamed (same figures, another label) or the same."""
    if x is None or y is None:
        return ADDED if x is None else REMOVED
    if (x.kind, x.dsl) != (y.kind, y.dsl):
        return CHANGED
    if _figures(x) != _figures(y):
        return AFFECTED
    return RENAMED if _renamed(x, y) else SAME


def _split(rows: tuple[Row, ...]) -> tuple[list[Row], list[tuple[int, int, int]], list[int]]:
    """The layers (rows that are not blocks); each block as (row index, first layer, end) over
    the layers it holds; per layer the depth of the shallowest block that opens at it."""
    layers: list[Row] = []
    blocks: list[tuple[int, int, int]] = []
    opens: list[int] = []
    pending, stack = _OPENS_NONE, []  # stack: (row index, first layer) of open blocks
    for k, row in enumerate(rows):
        while stack and rows[stack[-1][0]].depth >= row.depth:
            blocks.append((*stack.pop(), len(layers)))
        if row.block:
            stack.append((k, len(layers)))
            pending = min(pending, row.depth)
        else:
            layers.append(row)
            opens.append(pending)
            pending = _OPENS_NONE
    blocks += [(*opened, len(layers)) for opened in reversed(stack)]
    return layers, sorted(blocks), opens


def _paired_bounds(partner: list[int | None]) -> tuple[list[int], list[int]]:
    """For each k, the first paired layer at or after k, and the last one before k."""
    n = len(partner)
    after, before = [n] * (n + 1), [-1] * (n + 1)
    for k in range(n - 1, -1, -1):
        after[k] = k if partner[k] is not None else after[k + 1]
    for k in range(n):
        before[k + 1] = k if partner[k] is not None else before[k]
    return after, before


def _block_status(x: Row, y: Row, inside: bool) -> str:
    """A block on both sides: changed when a layer in it changed, was added or removed; else
    as a layer (affected, renamed or the same)."""
    if inside:
        return CHANGED
    if _figures(x) != _figures(y):
        return AFFECTED
    return RENAMED if _renamed(x, y) else SAME


class _Side:
    """One report's layers against the pairing: where each sits among the pairs, which of
    them are paired, and how many changed, up to each one (so a block asks in O(1))."""

    def __init__(self, n: int, pairs: list, status: list[str], side: int) -> None:
        self.where = [0] * n
        partner: list[int | None] = [None] * n
        self.changes = [0] * (n + 1)
        gone = ADDED if side else REMOVED
        for p, pair in enumerate(pairs):
            k = pair[side]
            if k is not None:
                self.where[k] = p
                partner[k] = pair[1 - side]
                self.changes[k + 1] = status[p] in (CHANGED, gone)
        for k in range(n):
            self.changes[k + 1] += self.changes[k]
        self.partner, self.size, self.side = partner, len(pairs), side
        self.after, self.before = _paired_bounds(partner)

    def at(self, first: int) -> int:
        """The pair index of layer `first` (the end when there is none)."""
        return self.where[first] if first < len(self.where) else self.size

    def core(self, first: int, end: int) -> tuple[int, int] | None:
        """The B indices of the first and last paired layer in [first, end); None if none."""
        lo, hi = self.after[first], self.before[end]
        if lo >= end:
            return None
        if self.side:
            return (lo, hi)
        return (self.partner[lo], self.partner[hi])  # type: ignore[return-value]

    def changed(self, first: int, end: int) -> bool:
        """True when a layer in [first, end) changed, or is on this side only."""
        return self.changes[end] > self.changes[first]


def align(a: tuple[Row, ...], b: tuple[Row, ...]) -> tuple[RowDiff, ...]:
    """Pair the layers of two reports in order, then their blocks by the layers they hold;
    block rows come before their first layer, as in a report."""
    (la, blocks_a, opens_a), (lb, blocks_b, opens_b) = _split(a), _split(b)
    pairs = _pair_layers(la, lb, (opens_a, opens_b))
    leaves = [
        RowDiff(_status(x, y), x, y)
        for x, y in ((None if i is None else la[i], None if j is None else lb[j]) for i, j in pairs)
    ]
    status = [rd.status for rd in leaves]
    sides = (_Side(len(la), pairs, status, 0), _Side(len(lb), pairs, status, 1))
    heads = sorted(_blocks(a, b, blocks_a, blocks_b, sides), key=lambda head: head[0])
    out: list[RowDiff] = []
    h = 0
    for p, rd in enumerate(leaves):
        while h < len(heads) and heads[h][0][0] <= p:
            out.append(heads[h][1])
            h += 1
        out.append(rd)
    return tuple(out + [rd for _, rd in heads[h:]])


def _blocks(a: tuple[Row, ...], b: tuple[Row, ...], blocks_a: list, blocks_b: list,
            sides: tuple[_Side, _Side]) -> list[tuple[tuple, RowDiff]]:  # fmt: skip
    """Each block row judged, with where it goes: (index of the pair of its first layer,
    depth, side, row index). A's block and B's match when they are of one kind and hold the
    same paired layers."""
    found: dict[tuple, list[int]] = {}  # B's blocks by (kind, the B layers paired in them)
    for k, first, end in reversed(blocks_b):
        found.setdefault((b[k].kind, sides[1].core(first, end)), []).append(k)
    span_b = {k: (first, end) for k, first, end in blocks_b}
    heads, matched = [], set()
    for k, first, end in blocks_a:
        core = sides[0].core(first, end)
        twins = found.get((a[k].kind, core)) if core is not None else None
        if twins:
            kb = twins.pop()  # the outermost first: the lists are built in reverse
            matched.add(kb)
            first_b, end_b = span_b[kb]
            inside = sides[0].changed(first, end) or sides[1].changed(first_b, end_b)
            where = min(sides[0].at(first), sides[1].at(first_b))
            rd = RowDiff(_block_status(a[k], b[kb], inside), a[k], b[kb])
            heads.append(((where, b[kb].depth, 1, kb), rd))
        else:
            rd = RowDiff(REMOVED if core is None else REGROUPED, a[k], None)
            heads.append(((sides[0].at(first), a[k].depth, 0, k), rd))
    for k, first, end in blocks_b:
        if k not in matched:
            rd = RowDiff(ADDED if sides[1].core(first, end) is None else REGROUPED, None, b[k])
            heads.append(((sides[1].at(first), b[k].depth, 1, k), rd))
    return heads


def diff_reports(a: Report, b: Report) -> Diff:
    """Rows aligned and whole-net figures compared."""
    totals = tuple(
        TotalDiff(m.label, m.field, m.unit, getattr(a.totals, m.field), getattr(b.totals, m.field))
        for m in TOTALS
    )
    return Diff(a, b, align(a.rows, b.rows), totals)


def compare(
    a: str,
    b: str,
    *,
    input: str | None = None,
    batch: int | None = None,
    dtype: str | None = None,
    optimizer: str | None = None,
) -> Diff:
    """Resolve two SPECs (files, built-in names or DSL text) and diff their reports, each at
    the settings given, else at its own [profile] defaults."""
    from cnncalc.api import as_shape, load
    from cnncalc.budget import report_for

    shape = as_shape(input)
    reports = [
        report_for(load(s, shape), input=shape, batch=batch, dtype=dtype, optimizer=optimizer)
        for s in (a, b)
    ]
    return diff_reports(*reports)
