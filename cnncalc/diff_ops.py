"""Opcodes that align two sequences, as difflib.SequenceMatcher gives them, in O(n log n) for
long ones: what `cnncalc diff` aligns layers with (cnncalc/diff.py). Pure."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from difflib import SequenceMatcher

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
