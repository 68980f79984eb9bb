"""A diff of two reports → a rich table, plain text, JSON (`cnncalc.diff/1`) or markdown for a
pull request. Formatting only."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.analysis import Report, Row
from cnncalc.diff import (
    ADDED,
    AFFECTED,
    CHANGED,
    REGROUPED,
    REMOVED,
    RENAMED,
    SAME,
    Diff,
    RowDiff,
    TotalDiff,
)
from cnncalc.errors import shorten
from cnncalc.messages import msg
from cnncalc.render.as_json import row_json
from cnncalc.render.plain import align
from cnncalc.safe import printable
from cnncalc.units import count, exact, nbytes

SCHEMA = "cnncalc.diff/1"
# issue 15: grouping and labels are structure, marked apart from the layers' changes
MARKS = {SAME: " ", CHANGED: "~", AFFECTED: "*", ADDED: "+", REMOVED: "-", REGROUPED: "=",
         RENAMED: "≈"}  # fmt: skip
STATUSES = (SAME, CHANGED, AFFECTED, ADDED, REMOVED, REGROUPED, RENAMED)
# The columns of the rows and of the totals, each a message diff.header.KEY.
HEADERS = ("mark", "row", "layer", "output", "weights", "delta_weights", "macs", "delta_macs",
           "memory", "delta_memory")  # fmt: skip
TOTAL_HEADERS = ("total", "a", "b", "delta", "delta_pct")


def _titles(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The columns' headers in the chosen language."""
    return tuple(msg(f"diff.header.{key}") for key in keys)


def legend() -> str:
    """What the marks mean: the layers' changes, then the structure's (issue 15)."""
    return f"{msg('diff.legend')}   {msg('gate.diff_legend')}"


def _signed(n: int, unit: str = "count") -> str:
    """'+256', '-1,024', '' for 0; bytes exact."""
    if n == 0:
        return ""
    text = exact(abs(n)) + (" B" if unit == "bytes" else "")
    return ("+" if n > 0 else "-") + text


def _layer_text(row: Row) -> str:
    return f"{row.kind}(…)" if row.block else printable(row.dsl)


def _both(rd: RowDiff, text: Any) -> str:
    """'a' when both sides read the same, 'a → b' when they differ, one side when one exists."""
    a = text(rd.a) if rd.a is not None else None
    b = text(rd.b) if rd.b is not None else None
    if a is None or b is None:
        return a if b is None else b  # type: ignore[return-value]
    return a if a == b else f"{a} → {b}"


def _name(rd: RowDiff) -> str:
    depth = rd.row.depth
    return "│ " * depth + _both(rd, lambda r: printable(r.name))


def row_cells(rd: RowDiff) -> tuple[str, ...]:
    """The cells of one aligned row."""

    def num(field: str, fmt: Any) -> Any:
        return lambda r: fmt(getattr(r, field)) if getattr(r, field) else "0"

    return (
        MARKS[rd.status],
        _name(rd),
        _both(rd, _layer_text),
        _both(rd, lambda r: str(r.output)),
        _both(rd, num("weights", exact)),
        _signed(rd.delta("weights")),
        _both(rd, num("macs", exact)),
        _signed(rd.delta("macs")),
        _both(rd, num("activation_bytes", nbytes)),
        _signed(rd.delta("activation_bytes"), "bytes"),
    )


def _amount(n: int, unit: str) -> str:
    if unit == "bytes":
        return f"{exact(n)} B ({nbytes(n)})" if n >= 1024 else f"{exact(n)} B"
    return f"{exact(n)} ({count(n)})" if n >= 1000 else exact(n)


def total_cells(t: TotalDiff) -> tuple[str, ...]:
    """label, A, B, Δ, Δ%."""
    pct = "" if t.delta_pct is None or t.delta == 0 else f"{t.delta_pct:+.1f}%"
    return (t.label, _amount(t.a, t.unit), _amount(t.b, t.unit), _signed(t.delta, t.unit), pct)


def _side(report: Report) -> str:
    # printable: a spec's name may hold newlines or ANSI escapes (issue 9); DSL text of
    # thousands of rows is named by its start and length
    who = printable(report.name) or shorten(" ".join(report.src.split()), 100)
    return msg("diff.side", who=who, input=report.input, batch=report.batch, dtype=report.dtype,
               optimizer=report.optimizer)  # fmt: skip


def summary(d: Diff) -> str:
    """'1 changed, 2 added, 0 removed, 3 affected; weights +256 (+10.2%)' or 'identical'."""
    if d.identical:
        return msg("diff.identical")
    structure = msg("gate.diff_structure", regrouped=d.count(REGROUPED), renamed=d.count(RENAMED))
    if d.same_layers and not all(rd.status == SAME for rd in d.rows):
        changed = ", ".join(t.label for t in d.totals if t.delta)
        if changed:
            return msg("gate.diff_same_layers_totals", structure=structure, totals=changed)
        return msg("gate.diff_same_layers", structure=structure)
    if all(rd.status == SAME for rd in d.rows):
        changed = ", ".join(t.label for t in d.totals if t.delta)
        return msg("diff.totals_only", changed=changed)
    weights = d.totals[0]
    pct = "" if weights.delta_pct is None else f" ({weights.delta_pct:+.1f}%)"
    also = f"; {structure}" if d.count(REGROUPED) + d.count(RENAMED) else ""
    return msg("diff.summary", changed=d.count(CHANGED), added=d.count(ADDED),
               removed=d.count(REMOVED), affected=d.count(AFFECTED),
               weights=_signed(weights.delta) or "±0", pct=pct,
               macs=_signed(d.totals[5].delta) or "±0") + also  # fmt: skip


def render_table(d: Diff) -> Any:
    """The rows, the legend, the totals and the summary (for a terminal), fitted to its width
    by render/fit.py: no cell is cut; a wide table wraps into column blocks."""
    from rich.console import Group

    from cnncalc.render.fit import Col, FitTable, Words

    style = {SAME: None, CHANGED: "bold yellow", AFFECTED: "yellow", ADDED: "green",
             REMOVED: "red", REGROUPED: "cyan", RENAMED: "cyan"}  # fmt: skip
    # 'a → b' may go over two lines, at its spaces, when nothing else fits; the mark and the
    # row name start every column block.
    pairs = [h not in ("mark", "row") and not h.startswith("delta") for h in HEADERS]
    cols = [Col(t, right=h not in ("mark", "row", "layer"), wrap=pair, whole_in_plain=True,
                least=1) for h, t, pair in zip(HEADERS, _titles(HEADERS), pairs)]  # fmt: skip
    rows = FitTable(cols, [row_cells(rd) for rd in d.rows],
                    styles=[style[rd.status] for rd in d.rows], keep=2)  # fmt: skip
    total_cols = [Col(t, right=h != "total", wrap=h in ("a", "b"), whole_in_plain=True, least=1)
                  for h, t in zip(TOTAL_HEADERS, _titles(TOTAL_HEADERS))]  # fmt: skip
    totals = FitTable(total_cols, [total_cells(t) for t in d.totals],
                      styles=["bold" if t.delta else None for t in d.totals])  # fmt: skip
    sides = [Words(f"A: {_side(d.a)}"), Words(f"B: {_side(d.b)}"), Words("")]
    notes = [Words(legend(), style="dim"), Words("")]
    return Group(*sides, rows, *notes, totals, Words(summary(d), style="bold"))


def _grid(lines: list[tuple[str, ...]], left: int) -> list[str]:
    return align(lines, [i >= left for i in range(len(lines[0]))])


def render_text(d: Diff) -> str:
    """Plain aligned text, for `--format table` when stdout is not a terminal."""
    out = [f"A: {_side(d.a)}", f"B: {_side(d.b)}", ""]
    out += _grid([_titles(HEADERS), *(row_cells(rd) for rd in d.rows)], 3)
    out += [legend(), ""]
    out += _grid([_titles(TOTAL_HEADERS), *(total_cells(t) for t in d.totals)], 1)
    out += ["", summary(d)]
    return "\n".join(out) + "\n"


# The row fields a diff shows, in this order: a subset of the shape report's row object.
ROW_KEYS = ("name", "kind", "depth", "block", "dsl", "output", "weights", "macs",
            "activation_bytes")  # fmt: skip


def _row_json(row: Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    whole = row_json(row)
    return {key: whole[key] for key in ROW_KEYS}


def _report_json(report: Report) -> dict[str, Any]:
    return {
        "name": report.name,
        "src": report.src,
        "input": list(report.input.dims),
        "output": list(report.output.dims),
        "batch": report.batch,
        "dtype": report.dtype,
        "optimizer": report.optimizer,
    }


def diff_json(d: Diff) -> dict[str, Any]:
    """The whole document as a dict."""
    return {
        "schema": SCHEMA,
        "a": _report_json(d.a),
        "b": _report_json(d.b),
        "identical": d.identical,
        "same_layers": d.same_layers,
        "summary": {s: d.count(s) for s in STATUSES},
        "rows": [
            {
                "status": rd.status,
                "a": _row_json(rd.a),
                "b": _row_json(rd.b),
                "delta": {f: rd.delta(f) for f in ("weights", "macs", "activation_bytes")},
            }
            for rd in d.rows
        ],
        "totals": {
            t.field: {"a": t.a, "b": t.b, "delta": t.delta, "delta_pct": t.delta_pct}
            for t in d.totals
        },
    }


def render_json(d: Diff) -> str:
    """JSON text, indented."""
    return json.dumps(diff_json(d), indent=2, ensure_ascii=False) + "\n"


def _md_text(text: str) -> str:
    """Printable text with no HTML in it (a spec's name is the user's, issue 9)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def render_markdown(d: Diff, *, changes_only: bool = True, title: bool = True) -> str:
    """A pull-request comment: summary, the rows that differ (all rows if asked), totals;
    without `title`, no heading nor A and B lines (check --base puts it under its own)."""
    out = ["### cnncalc diff", "", f"- **A**: {_md_text(_side(d.a))}",
           f"- **B**: {_md_text(_side(d.b))}", "",
           summary(d), ""] if title else []  # fmt: skip
    shown = [rd for rd in d.rows if rd.status != SAME or not changes_only]
    if shown:
        head = ("±", *_titles(HEADERS)[1:])
        out += [_md(head), "|:---:|:---|:---|" + "---:|" * (len(HEADERS) - 3)]
        out += [_md((MARKS[rd.status].strip() or " ", *row_cells(rd)[1:])) for rd in shown]
        hidden = len(d.rows) - len(shown)
        note = msg("diff.hidden", hidden=hidden) if hidden else ""
        out += ["", f"_{legend()}{note}_", ""]
    out += [_md(_titles(TOTAL_HEADERS)), "|:---|---:|---:|---:|---:|"]
    out += [_md(total_cells(t)) for t in d.totals]
    return "\n".join(out) + "\n"
