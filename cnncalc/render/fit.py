"""Tables and key/value lists that fit the terminal's width, with every cell whole (issue 9).

One rule for every command's terminal output: a rich box when every column fits at its natural
width; else the compact plain layout (aligned columns under one header, as in a pipe); else that
layout cut into column blocks, the first column(s) repeated in each, as pandas prints a frame
wider than the terminal. A number or a name is never shrunk, folded or cut with '…'; free text
(a description, a skip reason) and columns marked so wrap at spaces, a unit staying with its
number. Below MIN_WIDTH nothing fits, and lines run past the width rather than cut a figure. All text goes through `printable()` and into rich as `Text`,
never as markup: spec names and paths are user text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text

from cnncalc.safe import printable

# Issue 9: every width from 40 columns up shows every cell whole within the width.
MIN_WIDTH = 40
GAP = 2  # spaces between plain columns, as render/plain.py's align()
WRAP_MIN = 20  # free text is not squeezed narrower than this (unless the text itself is)
VALUE_MIN = 24  # a key/value list puts values under their keys when less room is left

Cell = str | Text
_UNIT = re.compile(r"(B|[KMGTP]iB|ms|s)\W*$")
_HYPHEN = re.compile(r"(?<=[^\W\d]-)(?=[^\W\d])")  # 'squeeze-' | 'and-' | 'excitation'


@dataclass(frozen=True, slots=True)
class Col:
    """A column: its header; its alignment; whether its text may wrap at spaces (free text, or
    a figure and its exact form in parentheses: `whole_in_plain` keeps such a figure on one
    line in the plain layout, where two-line rows read badly, unless it cannot fit at all);
    how narrow wrapping may make it (never below its longest word); a shorter header for the
    plain layout (shape's column keys); a style for its cells."""

    header: str
    right: bool = False
    wrap: bool = False
    whole_in_plain: bool = False
    least: int = WRAP_MIN
    short: str | None = None
    style: str | None = None


def wrap_words(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken at spaces, and inside a word only after
    a hyphen between letters ('squeeze-' 'and-excitation') when the word is wider than the
    line; a number is never broken, and a part still wider than the width keeps a line, whole."""
    if cell_len(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in _words(text):
        parts = _HYPHEN.split(word) if cell_len(word) > width else [word]
        for n, part in enumerate(parts):
            glue = "" if n else " "  # the parts of a hyphenated word join without a space
            if line and cell_len(line) + len(glue) + cell_len(part) > width:
                lines.append(line)
                line = part
            else:
                line = f"{line}{glue}{part}" if line else part
    return [*lines, line]


def _words(text: str) -> list[str]:
    """The words of `text`, a unit kept with its number ('237.9 MiB', '(3,126,944 B)')."""
    words: list[str] = []
    for word in text.split():
        if words and _UNIT.match(word) and words[-1][-1:].isdigit():
            words[-1] += " " + word
        else:
            words.append(word)
    return words


def _longest_word(text: str) -> int:
    """The widest piece `wrap_words` can never break."""
    return max((cell_len(p) for w in _words(text) for p in _HYPHEN.split(w)), default=0)


def _text(cell: Cell) -> Text:
    """A cell as rich Text, escaped: plain strings are never read as markup."""
    if isinstance(cell, Text):
        return Text(printable(cell.plain), style=cell.style)
    return Text(printable(cell))


class FitTable:
    """A rich renderable that lays itself out for the width it is given (see the module doc)."""

    def __init__(
        self,
        cols: Sequence[Col],
        rows: Sequence[Sequence[Cell]],
        *,
        styles: Sequence[str | None] | None = None,
        keep: int = 1,
        boxed: bool = True,
        blank: str = "",
        header_style: str = "bold",
        plain_header_style: str = "bold underline",
    ) -> None:
        self.cols = list(cols)
        self.rows = [[_text(c) for c in row] for row in rows]
        self.styles = list(styles) if styles is not None else [None] * len(self.rows)
        self.keep = min(keep, len(self.cols))
        self.boxed = boxed
        self.blank = blank
        self.header_style = header_style
        self.plain_header_style = plain_header_style

    # -- measuring ---------------------------------------------------------------------------

    def _header(self, i: int, plain: int | None) -> str:
        col = self.cols[i]
        return col.header if plain is None else (col.short or col.header)

    def _cells(self, i: int, plain: int | None) -> list[str]:
        return [r[i].plain if plain is None else (r[i].plain or self.blank) for r in self.rows]

    def _natural(self, i: int, plain: int | None) -> int:
        cells = [self._header(i, plain), *self._cells(i, plain)]
        return max(cell_len(c) for c in cells)

    def _wraps(self, i: int, plain: int | None) -> bool:
        """Whether column i wraps: in a box, or in the plain layout of width `plain`, where a
        `whole_in_plain` column wraps only when even alone with the kept columns it is wider."""
        col = self.cols[i]
        if not col.wrap or plain is None or not col.whole_in_plain:
            return col.wrap
        kept = sum(self._natural(k, plain) + GAP for k in range(self.keep))
        return kept + self._natural(i, plain) > plain

    def _least(self, i: int, plain: int | None) -> int:
        """The narrowest a column may be: its natural width, or for wrapping text the longest
        word (and header), at least the column's `least` when the text is wider than that."""
        natural = self._natural(i, plain)
        if not self._wraps(i, plain):
            return natural
        words = max(_longest_word(c) for c in self._cells(i, plain)) if self.rows else 0
        return max(words, cell_len(self._header(i, plain)), min(natural, self.cols[i].least))

    def _widths(self, idx: list[int], width: int, plain: int | None, extra: int) -> list[int]:
        """Widths of the columns `idx` in `width` cells, `extra` of which go to borders and gaps:
        natural widths, free text given what is left (never below its least width)."""
        natural = [self._natural(i, plain) for i in idx]
        fixed = sum(n for i, n in zip(idx, natural) if not self._wraps(i, plain))
        wraps = [k for k, i in enumerate(idx) if self._wraps(i, plain)]
        room = width - extra - fixed - sum(self._least(idx[k], plain) for k in wraps)
        out = list(natural)
        for k in wraps:
            out[k] = self._least(idx[k], plain)
        # What is left goes round the wrapping columns a cell at a time, so that they wrap alike.
        while room > 0 and any(out[k] < natural[k] for k in wraps):
            for k in wraps:
                if room > 0 and out[k] < natural[k]:
                    out[k] += 1
                    room -= 1
        return out

    def boxed_width(self) -> int:
        """The cells a boxed table needs at least: columns, one space either side, borders."""
        idx = list(range(len(self.cols)))
        return sum(self._least(i, None) for i in idx) + 3 * len(idx) + 1

    def blocks(self, width: int) -> list[list[int]]:
        """The plain layout's column blocks for `width`: the first `keep` columns in each, then as
        many of the others as fit, in order; at least one more in each block however narrow."""
        keep = list(range(self.keep))
        used0 = sum(self._natural(i, width) + GAP for i in keep)
        out: list[list[int]] = []
        block: list[int] = []
        used = used0
        for i in range(self.keep, len(self.cols)):
            need = self._least(i, width)
            if block and used + need > width:
                out.append(keep + block)
                block, used = [], used0
            block.append(i)
            used += need + GAP
        if block or not out:
            out.append(keep + block)
        return out

    # -- drawing -----------------------------------------------------------------------------

    def _box(self, width: int) -> Any:
        from rich.table import Table

        idx = list(range(len(self.cols)))
        widths = self._widths(idx, width, None, 3 * len(idx) + 1)
        table = Table(header_style=self.header_style)
        for col, w in zip(self.cols, widths):
            # An explicit width and no_wrap on every column: rich never shrinks or folds a cell;
            # free text arrives already wrapped at spaces to that width.
            table.add_column(Text(printable(col.header)), justify="right" if col.right else "left",
                             no_wrap=True, width=w, style=col.style)  # fmt: skip
        for row, style in zip(self.rows, self.styles):
            cells = []
            for i, cell in enumerate(row):
                if self._wraps(i, None):
                    cell = Text("\n".join(wrap_words(cell.plain, widths[i])), style=cell.style)
                cells.append(cell)
            table.add_row(*cells, style=style)
        return table

    def plain_lines(self, width: int) -> list[Text]:
        """The plain layout for `width`: one block of aligned columns, or several."""
        out: list[Text] = []
        for n, block in enumerate(self.blocks(width)):
            if n:
                out.append(Text())
            gaps = GAP * (len(block) - 1)
            widths = self._widths(block, max(width, 0), width, gaps)
            header = [Text(self._header(i, width)) for i in block]
            out += self._lines(block, widths, [header], [self.plain_header_style])
            cells = [[r[i] if r[i].plain else Text(self.blank, style=r[i].style) for i in block]
                     for r in self.rows]  # fmt: skip
            out += self._lines(block, widths, cells, self.styles)
        return out

    def _lines(
        self, block: list[int], widths: list[int], rows: list[list[Text]], styles: Sequence[Any]
    ) -> list[Text]:
        out = []
        for row, style in zip(rows, styles):
            parts = [
                wrap_words(c.plain, w)  # only a wrapping column is narrower than its cells
                for c, w in zip(row, widths)
            ]
            for k in range(max(len(p) for p in parts)):
                line = Text(style=style or "")
                for j, (i, c, w) in enumerate(zip(block, row, widths)):
                    piece = parts[j][k] if k < len(parts[j]) else ""
                    pad = " " * max(0, w - cell_len(piece))
                    if j:
                        line.append(" " * GAP)
                    if self.cols[i].right:
                        line.append(pad)
                    line.append(piece, style=c.style or self.cols[i].style or "")
                    if not self.cols[i].right:
                        line.append(pad)
                line.rstrip()
                out.append(line)
        return out

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        width = options.max_width
        if self.boxed and self.boxed_width() <= width:
            yield self._box(width)
            return
        # Lines already laid out: rich must neither wrap nor crop them (below MIN_WIDTH they may
        # be wider than the terminal, which then wraps them whole).
        for line in self.plain_lines(width):
            yield from line.render(console)
            yield Segment.line()


class Words:
    """Text wrapped at spaces to the width, every word whole (a title, a heading, a legend)."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text = printable(text)
        self.style = style

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        for part in wrap_words(self.text, options.max_width):
            yield from Text(part, style=self.style).render(console)
            yield Segment.line()


class Pairs:
    """Labels and values in two columns (a report's totals, the explained formulas): each value
    wraps at spaces under itself; when little room is left, values go under their labels."""

    def __init__(self, items: Sequence[tuple[str, str]], label_style: str = "bold") -> None:
        self.items = [(printable(k), printable(v)) for k, v in items]
        self.label_style = label_style

    def lines(self, width: int) -> list[Text]:
        """The list laid out for `width`."""
        label_width = max((cell_len(k) for k, _ in self.items), default=0)
        room = width - label_width - GAP
        longest = max((_longest_word(v) for _, v in self.items), default=0)
        out = []
        if room >= VALUE_MIN and longest <= room:
            for label, value in self.items:
                for n, part in enumerate(wrap_words(value, room)):
                    line = Text(label if n == 0 else "", style=self.label_style)
                    line.pad_right(label_width + GAP - cell_len(line.plain))
                    line.append(part)
                    out.append(line)
            return out
        for label, value in self.items:  # stacked: a label, its value indented under it
            if label:
                out.append(Text(label, style=self.label_style))
            out += [Text(" " * GAP + part) for part in wrap_words(value, width - GAP)]
        return out

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        for line in self.lines(options.max_width):
            yield from line.render(console)
            yield Segment.line()
