"""Report → a rich table with the totals and the explanations under it."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from cnncalc.analysis import Report, Row
from cnncalc.render.as_text import table_lines
from cnncalc.render.columns import Column, branch_starts, indent
from cnncalc.render.summary import title, totals_lines

# Past this many rows the terminal gets aligned columns without a box: rich lays a table out
# at ~0.6 ms a row, a third of a second for DenseNet-121's 491, and hundreds of boxed rows
# read no better than columns under one bold header.
BOXED_ROWS = 80


def render(report: Report, columns: list[Column], explain: bool = False) -> Group:
    """The table, then totals, then (with explain) each row's formulas."""
    styles = [_style(row) for row in report.rows]
    if len(report.rows) > BOXED_ROWS:
        lines = table_lines(report, columns)
        table = Text(no_wrap=True, overflow="ignore")  # a long line is the terminal's to wrap
        for line, style in zip(lines, ["bold underline", "dim", *styles]):
            table.append(line + "\n", style=style)
    else:
        # The title goes above the table, not in it: a table title wraps at the table's width.
        table = Table(header_style="bold")
        for col in columns:
            table.add_column(col.header, justify="right" if col.numeric else "left",
                             no_wrap=True)  # fmt: skip
        table.add_row(*[_input_cell(col.key, report) for col in columns], style="dim")
        for row, first, style in zip(report.rows, branch_starts(report), styles):
            cells = [indent(row, first) if c.key == "layer" else c.cell(row, report)
                     for c in columns]  # fmt: skip
            table.add_row(*cells, style=style)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in totals_lines(report):
        grid.add_row(label, value)
    parts = [Text(title(report), style="bold"), table, grid]
    if explain:
        parts.append(Text())
        parts.append(explain_text(report))
    return Group(*parts)


def _style(row: Row) -> str | None:
    return "dim" if row.block else ("yellow" if row.warnings else None)


def _input_cell(key: str, report: Report) -> str:
    if key == "layer":
        return "input"
    if key == "output":
        return f"{report.input} (={report.input.numel:,})"
    return ""


def explain_text(report: Report) -> Text:
    """'Conv:1  H, W: (224 - 11 + 2·3) / 4 + 1 = 55.75 → 55' and so on, row by row."""
    text = Text()
    width = max((len(r.name) for r in report.rows), default=0)
    for row in report.rows:
        for i, line in enumerate(row.explain):
            text.append(f"{row.name if i == 0 else '':<{width}}  ", style="bold")
            text.append(line + "\n")
    return text
