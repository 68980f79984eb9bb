"""Issue 9 speed target for `cnncalc diff` (run by hand, not in CI): aligning rows stays
linear or n·log n, a 10k-row diff well under 2 s, two repetitive 2,000-row nets too; issue 15
adds a net against itself regrouped (the layers are aligned, the blocks matched by them).

Each case times diff_reports() alone (the analysis of the two nets is not counted) and prints
the rows per second, so a quadratic step shows as a rate that falls with the size.

    python bench/bench_diff.py
"""

from __future__ import annotations

import time

from cnncalc.api import analyze
from cnncalc.diff import ADDED, CHANGED, REGROUPED, REMOVED, diff_reports


def rows(pattern: list[str], n: int) -> list[str]:
    """n rows of `pattern` repeated."""
    return [pattern[i % len(pattern)] for i in range(n)]


def chain(layers: list[str]) -> str:
    """The rows as DSL on a 16×16×8 input (convs keep the size)."""
    return "In:16x16x8-" + "-".join(layers)


CBR = ["Conv:3x3x8p1", "BN", "ReLU"]
CR = ["Conv:3x3x8p1", "ReLU"]
CBRR = ["Conv:3x3x8p1", "BN", "ReLU", "ReLU"]


def cases(n: int) -> list[tuple[str, str, str]]:
    """(what, A, B) at n rows."""
    base = rows(CBR, n)
    inserted = base[: n // 2] + ["ReLU"] + base[n // 2 :]
    changed = [*base[:3], "Conv:1x1x8", *base[4:]]
    return [
        ("one row inserted", chain(base), chain(inserted)),
        ("one row changed", chain(base), chain(changed)),
        ("repetitive, other pattern", chain(base), chain(rows(CR, n))),
        ("repetitive, pattern grown", chain(base), chain(rows(CBRR, n))),
        # issue 15: the same layers, every Conv-BN-ReLU wrapped in a group: no layer changes
        (
            "same layers, regrouped",
            chain(rows(CBR, n // 3 * 3)),
            chain([f"({'-'.join(CBR)})@g{i}" for i in range(n // 3)]),
        ),
    ]


def main() -> None:
    for n in (1_000, 2_000, 5_000, 10_000):
        for what, a, b in cases(n):
            ra, rb = analyze(a), analyze(b)
            start = time.perf_counter()
            d = diff_reports(ra, rb)
            took = time.perf_counter() - start
            rows = len(ra.rows) + len(rb.rows)
            print(f"{n:>6} rows  {what:<27} {took:6.3f} s  {rows / took:>10,.0f} rows/s"
                  f"  ({d.count(CHANGED)} changed, {d.count(ADDED)} added,"
                  f" {d.count(REMOVED)} removed, {d.count(REGROUPED)} regrouped)")  # fmt: skip


if __name__ == "__main__":
    main()
