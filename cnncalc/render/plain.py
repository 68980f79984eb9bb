"""Plain aligned text, the pipe form of every table (no box drawing, no colour, no rich)."""

from __future__ import annotations

from collections.abc import Sequence


def align(lines: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    """Each column padded to its widest cell, two spaces apart; `right[i]` right-aligns column
    i (numbers), the others are left-aligned. Trailing spaces are dropped."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(right))]
    return [
        "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(line, widths, right)).rstrip()
        for line in lines
    ]
