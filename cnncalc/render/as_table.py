"""Report → the terminal's table (boxed, or plain columns when a box does not fit), the totals
and the explanations under it; render/fit.py decides the layout for the terminal's width."""

from __future__ import annotations

from rich.console import Group

from cnncalc.analysis import Report, Row
from cnncalc.render.as_text import cells
from cnncalc.render.columns import Column
from cnncalc.render.fit import Col, FitTable, Pairs, Words
from cnncalc.render.summary import title, totals_lines

# Past this many rows the terminal gets aligned columns without a box: rich lays a table out
# at ~0.6 ms a row, a third of a second for DenseNet-121's 491, and hundreds of boxed rows
# read no better than columns under one bold header.
BOXED_ROWS = 80


def render(report: Report, columns: list[Column], explain: bool = False) -> Group:
    """The title, the table, then totals, then (with explain) each row's formulas."""
    table = FitTable(
        # The plain layout is the pipe's (render/as_text.py): column keys as headers, '-' in
        # empty cells; the box has the long headers.
        [Col(c.header, right=c.numeric, short=c.plain) for c in columns],
        cells(report, columns),
        styles=["dim", *(_style(row) for row in report.rows)],
        boxed=len(report.rows) <= BOXED_ROWS,
        blank="-",
    )
    # The title goes above the table, not in it: a table title wraps at the table's width.
    parts = [Words(title(report), style="bold"), table, Words(""), Pairs(totals_lines(report))]
    if explain:
        parts += [Words(""), explain_pairs(report)]
    return Group(*parts)


def _style(row: Row) -> str | None:
    return "dim" if row.block else ("yellow" if row.warnings else None)


def explain_pairs(report: Report) -> Pairs:
    """'Conv:1  H, W: (224 - 11 + 2·3) / 4 + 1 = 55.75 → 55' and so on, row by row."""
    pairs = [(row.name if i == 0 else "", line) for row in report.rows
             for i, line in enumerate(row.explain)]  # fmt: skip
    return Pairs(pairs)
