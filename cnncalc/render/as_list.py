"""The built-in catalogue → a rich table, plain text for a pipe, or JSON (`cnncalc.list/1`)."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.catalog import Entry
from cnncalc.messages import msg
from cnncalc.render.plain import align
from cnncalc.safe import printable
from cnncalc.units import count, exact, nbytes

# Message keys of the six columns (render.list.KEY); 'name' and 'description' are text.
HEADERS = ("name", "input", "weights", "macs", "memory", "description")


def cells(e: Entry) -> tuple[str, ...]:
    """The six cells of an entry's row."""
    return (printable(e.name), str(e.input), f"{exact(e.weights)} ({count(e.weights)})",
            count(e.macs), nbytes(e.weight_bytes), printable(e.description))  # fmt: skip


def render_table(entries: list[Entry]) -> Any:
    """name, input, weights, MACs, weight memory, description (for a terminal), fitted to its
    width by render/fit.py: the description wraps, nothing else is ever cut."""
    from rich.console import Group

    from cnncalc.render.fit import Col, FitTable, Words

    cols = [Col(msg(f"render.list.{h}"), right=h not in ("name", "description"),
                wrap=h == "description", style="bold" if h == "name" else None)
            for h in HEADERS]  # fmt: skip
    nets, examples = split(entries)
    parts = [Words(msg("render.list.title")), FitTable(cols, [cells(e) for e in nets])]
    if examples:  # the seeds' worked examples under their own heading (issue 12)
        parts += [Words(""), Words(msg("run.list_heading")), FitTable(cols, [cells(e) for e in examples])]  # fmt: skip
    return Group(*parts)


def split(entries: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """The nets, and the seeds' worked examples for `cnncalc run` (issue 12)."""
    return [e for e in entries if not e.example], [e for e in entries if e.example]


def render_text(entries: list[Entry]) -> str:
    """Plain aligned text, one spec a line: what a pipe gets (`cnncalc list | awk '{print $1}'`)."""
    nets, examples = split(entries)
    grid = [[msg(f"render.list.{h}") for h in HEADERS], *(cells(e) for e in nets + examples)]
    lines = align(grid, [False, True, True, True, True, False])
    if examples:  # a '#' heading line, which `grep -v '^#'` drops (issue 12)
        lines.insert(len(nets) + 1, f"# {msg('run.list_heading')}")
    return "\n".join(lines) + "\n"


def render_json(entries: list[Entry]) -> str:
    """A JSON document listing the specs."""
    doc = {
        "schema": "cnncalc.list/1",
        "specs": [
            {"name": e.name, "description": e.description, "input": list(e.input.dims),
             "input_named": e.input.as_json(), "weights": e.weights, "macs": e.macs,
             "weight_bytes": e.weight_bytes, "path": e.path, "worked_example": e.example}
            for e in entries
        ],
    }  # fmt: skip
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
