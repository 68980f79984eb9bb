"""Two reports side by side: rows aligned, changes marked, deltas of weights, MACs and memory.

Rows are aligned like lines of text (difflib.SequenceMatcher) on (depth, kind, layer text), so
an inserted layer shows as one added row and the rows after it stay paired. A stretch that
was replaced is aligned a second time on (depth, kind) alone: a Conv whose arguments changed
is one changed row, not a removed and an added one. A row whose layer text is the same but
whose figures differ (because a layer above it changed its input) is marked `affected`.
Pure: no printing, no torch.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from cnncalc.analysis import Report, Row
from cnncalc.settings import METRICS

SAME, CHANGED, AFFECTED, ADDED, REMOVED = "same", "changed", "affected", "added", "removed"
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
        """b − a of a row figure ('weights', 'macs', 'activation_bytes'); a missing row is 0."""
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
    def identical(self) -> bool:
        """True when every row and every total is the same (the optimizer, say, changes only
        the training memory)."""
        return all(r.status == SAME for r in self.rows) and not any(t.delta for t in self.totals)


def _key(row: Row) -> tuple[int, str, str]:
    return (row.depth, row.kind, row.dsl)


def _figures(row: Row) -> tuple[object, ...]:
    return (row.output, row.weights, row.buffers, row.macs, row.activation_bytes)


def _pair(a: Row, b: Row, status: str) -> RowDiff:
    if status == SAME and _figures(a) != _figures(b):
        status = AFFECTED
    return RowDiff(status, a, b)


def _replaced(a: list[Row], b: list[Row]) -> list[RowDiff]:
    """A replaced stretch: rows of the same depth and kind pair up as changed, the rest are
    removed or added."""
    out: list[RowDiff] = []
    ops = opcodes([r[:2] for r in map(_key, a)], [r[:2] for r in map(_key, b)])
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            out += [_pair(x, y, CHANGED if _key(x) != _key(y) else SAME)
                    for x, y in zip(a[i1:i2], b[j1:j2])]  # fmt: skip
        else:
            out += [RowDiff(REMOVED, x, None) for x in a[i1:i2]]
            out += [RowDiff(ADDED, None, y) for y in b[j1:j2]]
    return out


# SequenceMatcher's time grows with the cube of a stretch of repeated rows (a stage of identical
# blocks: 700 rows take 2 s), so it runs whole only on small inputs, where its alignment is the
# reference; a larger pair is cut first (issue 9: a 10k-row diff in under 2 s). The cuts: the
# common head and tail (a few rows changed in a long net), then rows that occur once on each
# side (patience diff's anchors), then windows of at most _WINDOW rows, aligned each alone.
_SMALL = 40_000  # len(a)·len(b) up to which SequenceMatcher runs whole (≈ 0.07 s at worst)
_WINDOW = 100


def opcodes(a: list, b: list) -> list[list]:
    """SequenceMatcher-style opcodes (as lists) that align `a` with `b`: SequenceMatcher's own
    for small inputs, else the same computed piecewise in O(n log n + n·_WINDOW)."""
    out: list[list] = []
    _ops(a, b, 0, len(a), 0, len(b), out, anchors=True)
    return _merge(out)


def _matcher(a: list, b: list, a1: int, a2: int, b1: int, b2: int, out: list[list]) -> None:
    # autojunk off: in a long net, frequent rows (ReLU, BN) must still be matched.
    matcher = SequenceMatcher(None, a[a1:a2], b[b1:b2], autojunk=False)
    out += [[tag, i1 + a1, i2 + a1, j1 + b1, j2 + b1]
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()]  # fmt: skip


def _ops(a: list, b: list, a1: int, a2: int, b1: int, b2: int, out: list[list],
         anchors: bool) -> None:  # fmt: skip
    if (a2 - a1) * (b2 - b1) <= _SMALL:
        _matcher(a, b, a1, a2, b1, b2, out)
        return
    head = 0
    while a1 + head < a2 and b1 + head < b2 and a[a1 + head] == b[b1 + head]:
        head += 1
    tail = 0
    while a2 - tail > a1 + head and b2 - tail > b1 + head and a[a2 - tail - 1] == b[b2 - tail - 1]:
        tail += 1
    if head:
        out.append(["equal", a1, a1 + head, b1, b1 + head])
    a1, b1, a2, b2 = a1 + head, b1 + head, a2 - tail, b2 - tail
    if a1 == a2 or b1 == b2 or (a2 - a1) * (b2 - b1) <= _SMALL:
        _matcher(a, b, a1, a2, b1, b2, out)
    elif anchors and (pairs := _anchors(a, b, a1, a2, b1, b2)):
        for i, j in pairs:
            _ops(a, b, a1, i, b1, j, out, anchors=False)
            out.append(["equal", i, i + 1, j, j + 1])
            a1, b1 = i + 1, j + 1
        _ops(a, b, a1, a2, b1, b2, out, anchors=False)
    else:
        pieces = -(-max(a2 - a1, b2 - b1) // _WINDOW)
        for k in range(pieces):
            _matcher(a, b, a1 + (a2 - a1) * k // pieces, a1 + (a2 - a1) * (k + 1) // pieces,
                     b1 + (b2 - b1) * k // pieces, b1 + (b2 - b1) * (k + 1) // pieces,
                     out)  # fmt: skip
    if tail:
        out.append(["equal", a2, a2 + tail, b2, b2 + tail])


def _anchors(a: list, b: list, a1: int, a2: int, b1: int, b2: int) -> list[tuple[int, int]]:
    """Rows that occur once in a[a1:a2] and once in b[b1:b2], the longest run of them in the
    same order on both sides (patience diff), as (i, j) pairs."""
    count_a, count_b = Counter(a[a1:a2]), Counter(b[b1:b2])
    where_b = {b[j]: j for j in range(b1, b2) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(a1, a2)
             if count_a[a[i]] == 1 and a[i] in where_b]  # fmt: skip
    # longest increasing subsequence of the j's, by patience sorting: O(k log k)
    tops: list[int] = []  # tops[n]: the smallest j ending an increasing run of length n + 1
    ends: list[int] = []  # ends[n]: index into pairs of that j
    back = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        n = bisect_left(tops, j)
        if n == len(tops):
            tops.append(j)
            ends.append(k)
        else:
            tops[n], ends[n] = j, k
        back[k] = ends[n - 1] if n else -1
    chain, k = [], ends[-1] if ends else -1
    while k != -1:
        chain.append(pairs[k])
        k = back[k]
    return chain[::-1]


def _merge(ops: list[list]) -> list[list]:
    """Opcodes from pieces joined as SequenceMatcher would give them: neighbouring equal runs
    as one, neighbouring changes as one replace (or insert, or delete)."""
    out: list[list] = []
    for op in ops:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        last = out[-1] if out else None
        if last is not None and (last[0] == "equal") == (op[0] == "equal"):
            last[2], last[4] = op[2], op[4]
            if op[0] != "equal":
                last[0] = "replace" if (last[2] > last[1] and last[4] > last[3]) else (
                    "delete" if last[2] > last[1] else "insert")  # fmt: skip
        else:
            out.append(list(op))
    return out


def _slide(ops: list[list], a: list[tuple], b: list[tuple]) -> list[list]:
    """Move each pure insertion or deletion to the equivalent place that starts at a block.

    Adding a residual block to a stage of identical blocks can be shown at several places that
    are all correct (like a diff 'slider' in git); the one that starts at the shallowest row,
    a block header if possible, reads as 'one block added'. `ops` are SequenceMatcher opcodes
    as lists; `a` and `b` the row keys.
    """
    for k, op in enumerate(ops):
        if op[0] not in ("insert", "delete"):
            continue
        seq, lo, hi = (b, op[3], op[4]) if op[0] == "insert" else (a, op[1], op[2])
        prev = ops[k - 1] if k > 0 and ops[k - 1][0] == "equal" else None
        after = ops[k + 1] if k + 1 < len(ops) and ops[k + 1][0] == "equal" else None
        up = 0
        while prev and up < prev[2] - prev[1] and seq[lo - up - 1] == seq[hi - up - 1]:
            up += 1
        down = 0
        while after and down < after[2] - after[1] and seq[lo + down] == seq[hi + down]:
            down += 1
        # key = (depth, kind, dsl); a block header has no layer text
        shift = min(range(-up, down + 1),
                    key=lambda s: (seq[lo + s][0], seq[lo + s][2] != "", abs(s)))  # fmt: skip
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


def align(a: tuple[Row, ...], b: tuple[Row, ...]) -> tuple[RowDiff, ...]:
    """Pair the rows of two reports in order."""
    out: list[RowDiff] = []
    keys_a, keys_b = [_key(r) for r in a], [_key(r) for r in b]
    ops = _slide(opcodes(keys_a, keys_b), keys_a, keys_b)
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            out += [_pair(x, y, SAME) for x, y in zip(a[i1:i2], b[j1:j2])]
        elif tag == "replace":
            out += _replaced(list(a[i1:i2]), list(b[j1:j2]))
        elif tag == "delete":
            out += [RowDiff(REMOVED, x, None) for x in a[i1:i2]]
        else:
            out += [RowDiff(ADDED, None, y) for y in b[j1:j2]]
    return tuple(out)


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
