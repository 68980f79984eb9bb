"""The built-in catalogue → a rich table or JSON (schema `cnncalc.list/1`)."""

from __future__ import annotations

import json

from rich.table import Table

from cnncalc.catalog import Entry
from cnncalc.units import count, exact, nbytes


def render_table(entries: list[Entry]) -> Table:
    """name, input, weights, MACs, weight memory, description."""
    table = Table(title="built-in specs (cnncalc shape NAME)", title_justify="left")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("input", justify="right", no_wrap=True)
    table.add_column("weights", justify="right", no_wrap=True)
    table.add_column("MACs", justify="right", no_wrap=True)
    table.add_column("fp32 weights", justify="right", no_wrap=True)
    table.add_column("description")
    for e in entries:
        table.add_row(e.name, e.input, f"{exact(e.weights)} ({count(e.weights)})",
                      count(e.macs), nbytes(e.weight_bytes), e.description)
    return table


def render_json(entries: list[Entry]) -> str:
    """A JSON document listing the specs."""
    doc = {
        "schema": "cnncalc.list/1",
        "specs": [
            {"name": e.name, "description": e.description, "input": e.input,
             "weights": e.weights, "macs": e.macs, "weight_bytes": e.weight_bytes}
            for e in entries
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
