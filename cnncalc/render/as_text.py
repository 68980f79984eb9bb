"""Report → plain aligned text, for `--format table` when stdout is not a terminal.

Like the output of `gh` or `kubectl` in a pipe: no box drawing, no colour, one line per row,
column keys as headers and '-' in empty cells, so `grep`, `awk` and `column` can read it.
It also keeps rich off the start-up path of piped runs.
"""

from __future__ import annotations

from cnncalc.analysis import Report
from cnncalc.messages import msg
from cnncalc.render.columns import Column, branch_starts, indent
from cnncalc.render.plain import align, cell_len, pad
from cnncalc.render.summary import title, totals_lines


def cells(report: Report, columns: list[Column]) -> list[list[str]]:
    """The input line's cells, then each row's, '' where empty (shared with the terminal)."""
    grid = [[msg("render.input_row") if c.key == "layer" else
             f"{report.input} (={report.input.numel:,})" if c.key == "output" else ""
             for c in columns]]  # fmt: skip
    for row, first in zip(report.rows, branch_starts(report)):
        grid.append([indent(row, first) if c.key == "layer" else c.cell(row, report)
                     for c in columns])  # fmt: skip
    return grid


def table_lines(report: Report, columns: list[Column]) -> list[str]:
    """The header, the input line and one line per row, aligned; '-' in empty cells."""
    grid = [[c.plain for c in columns], *cells(report, columns)]
    grid = [[cell or "-" for cell in line] for line in grid]
    return align(grid, [c.numeric for c in columns])


def render(report: Report, columns: list[Column], explain: bool = False) -> str:
    """Title, header, rows, a blank line, totals, and (with explain) the formulas."""
    out = [title(report), *table_lines(report, columns), ""]
    totals = totals_lines(report)
    label_width = max(cell_len(label) for label, _ in totals)
    out += [f"{pad(label, label_width)}  {value}" for label, value in totals]
    if explain:
        out.append("")
        width = max((cell_len(r.name) for r in report.rows), default=0)
        for row in report.rows:
            for i, line in enumerate(row.explain):
                out.append(f"{pad(row.name if i == 0 else '', width)}  {line}")
    return "\n".join(out) + "\n"
