"""Plain aligned text, the pipe form of every table (no box drawing, no colour, no rich layout)."""

from __future__ import annotations

from collections.abc import Sequence

# Terminal cells, not characters: Hangul and other wide characters take two (issue 12, --lang
# ko); rich.cells is a small module, not rich's layout.
from rich.cells import cell_len


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` terminal cells, on the left when `right`."""
    fill = " " * max(0, width - cell_len(text))
    return fill + text if right else text + fill


def align(lines: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    """Each column padded to its widest cell, two spaces apart; `right[i]` right-aligns column
    i (numbers), the others are left-aligned. Trailing spaces are dropped."""
    widths = [max(cell_len(line[i]) for line in lines) for i in range(len(right))]
    return [
        "  ".join(pad(c, w, r) for c, w, r in zip(line, widths, right)).rstrip() for line in lines
    ]
