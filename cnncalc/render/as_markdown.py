"""Report → a GitHub-flavoured markdown table and a totals list."""

from __future__ import annotations

from cnncalc.analysis import Report
from cnncalc.render.columns import Column, branch_starts, indent
from cnncalc.render.summary import title, totals_lines


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def render(report: Report, columns: list[Column], explain: bool = False) -> str:
    """A markdown document: heading line, table, totals, optional formulas."""
    out = [f"**{title(report)}**", ""]
    out.append("| " + " | ".join(c.header for c in columns) + " |")
    out.append("|" + "|".join("---:" if c.numeric else ":---" for c in columns) + "|")
    for row, first in zip(report.rows, branch_starts(report)):
        cells = [indent(row, first) if c.key == "layer" else c.cell(row, report) for c in columns]
        out.append("| " + " | ".join(_escape(x) for x in cells) + " |")
    out.append("")
    out += [f"- **{label}**: {value}" for label, value in totals_lines(report)]
    if explain:
        out.append("")
        for row in report.rows:
            out += [f"- `{row.name}` {line}" for line in row.explain]
    return "\n".join(out) + "\n"
