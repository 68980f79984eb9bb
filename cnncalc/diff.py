"""Two reports side by side: rows aligned, changes marked, deltas of weights, MACs and memory.

Rows are aligned like lines of text (difflib.SequenceMatcher) on (depth, kind, layer text), so
an inserted layer shows as one added row and the rows after it stay paired. A stretch that
was replaced is aligned a second time on (depth, kind) alone: a Conv whose arguments changed
is one changed row, not a removed and an added one. A row whose layer text is the same but
whose figures differ (because a layer above it changed its input) is marked `affected`.
Pure: no printing, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from cnncalc.analysis import Report, Row

SAME, CHANGED, AFFECTED, ADDED, REMOVED = "same", "changed", "affected", "added", "removed"
# Whole-net figures compared, as (label, field of Report.totals, unit).
TOTALS = (
    ("weights", "weights", "count"),
    ("weight memory", "weight_bytes", "bytes"),
    ("activation memory", "activation_bytes", "bytes"),
    ("peak memory", "peak_bytes", "bytes"),
    ("training memory", "train_bytes", "bytes"),
    ("MACs", "macs", "count"),
    ("FLOPs", "flops", "count"),
)


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
    matcher = SequenceMatcher(None, [r[:2] for r in map(_key, a)],
                              [r[:2] for r in map(_key, b)], autojunk=False)  # fmt: skip
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [_pair(x, y, CHANGED if _key(x) != _key(y) else SAME)
                    for x, y in zip(a[i1:i2], b[j1:j2])]  # fmt: skip
        else:
            out += [RowDiff(REMOVED, x, None) for x in a[i1:i2]]
            out += [RowDiff(ADDED, None, y) for y in b[j1:j2]]
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
    # autojunk off: in a long net, frequent rows (ReLU, BN) must still be matched.
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    ops = _slide([list(op) for op in matcher.get_opcodes()], keys_a, keys_b)
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
        TotalDiff(label, field, unit, getattr(a.totals, field), getattr(b.totals, field))
        for label, field, unit in TOTALS
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
        report_for(load(s), input=shape, batch=batch, dtype=dtype, optimizer=optimizer)
        for s in (a, b)
    ]
    return diff_reports(*reports)
