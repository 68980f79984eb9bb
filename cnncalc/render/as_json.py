"""Report → JSON, schema `cnncalc.shape/1` (documented in the README). Integers stay exact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cnncalc.analysis import Report, Rf, Row

SCHEMA = "cnncalc.shape/1"


def rf_json(rf: Rf) -> dict[str, Any]:
    """size and jump (H axis, the larger of the two for size), plus both axes; `whole_input`
    once a layer that sees its whole input (GAP, FC) has run: in the totals, size and jump are
    then the last spatial layer's (issue 9)."""
    return {
        "size": max(rf.size),
        "jump": rf.jump[0],
        "start": rf.start[0],
        "size_hw": list(rf.size),
        "jump_hw": list(rf.jump),
        "start_hw": list(rf.start),
        "whole_input": rf.whole,
    }


def row_json(row: Row) -> dict[str, Any]:
    """One layer (or block header) object."""
    return {
        "name": row.name,
        "kind": row.kind,
        "depth": row.depth,
        "branch": row.branch,
        "block": row.block,
        "folded": row.folded,
        "input": list(row.input.dims),
        "output": list(row.output.dims),
        "output_named": row.output.as_json(),
        "nodes": row.nodes,
        "weights": row.weights,
        "buffers": row.buffers,
        "macs": row.macs,
        "flops": row.flops,
        "backward_flops": row.backward_flops,
        "other_ops": row.other_ops,
        "activation_bytes": row.activation_bytes,
        "rf": rf_json(row.rf),
        "filter": row.columns.size,
        "filters": row.columns.filters,
        "stride": row.columns.stride,
        "padding": row.columns.padding,
        "fan_in": row.fan[0] if row.fan else None,
        "fan_out": row.fan[1] if row.fan else None,
        "warnings": list(row.warnings),
        "notes": list(row.notes),  # issue 15: remarks that are no warning
        "explain": list(row.explain),
        "dsl": row.dsl,
    }


def report_json(report: Report, *, lazy: bool = False) -> dict[str, Any]:
    """The whole document as a dict; `lazy` makes its layers as the encoder reaches them."""
    t = report.totals
    return {
        "schema": SCHEMA,
        "name": report.name,
        "description": report.description,
        "input": list(report.input.dims),
        "input_named": report.input.as_json(),
        "output": list(report.output.dims),
        "batch": report.batch,
        "dtype": report.dtype,
        "dtype_bytes": report.dtype_bytes,
        "optimizer": report.optimizer,
        "layers": _Rows(report.rows) if lazy else [row_json(r) for r in report.rows],
        "totals": {
            "weights": t.weights,
            "buffers": t.buffers,
            "weight_bytes": t.weight_bytes,
            "buffer_bytes": t.buffer_bytes,
            "nodes": t.nodes,
            "activation_bytes": t.activation_bytes,
            "peak_activation_bytes": t.peak_activation_bytes,
            "peak_bytes": t.peak_bytes,
            "macs": t.macs,
            "flops": t.flops,
            "backward_flops": t.backward_flops,
            "other_ops": t.other_ops,
            "saved_bytes": t.saved_bytes,
            "optimizer_bytes": t.optimizer_bytes,
            "train_bytes": t.train_bytes,
            "rf": rf_json(t.rf),
        },
        "warnings": [{"layer": name, "message": msg} for name, msg in report.warnings],
        "notes": [{"layer": name, "message": msg} for name, msg in report.notes],
    }


class _Rows(list):  # json's encoder takes list instances only
    """The layers array, made one row object at a time as the encoder reaches it, so that
    the JSON of a 100,000-row net never holds every row's dict at once (issue 9: it took
    920 MB). A list to json, empty only when there are no rows."""

    def __init__(self, rows: tuple[Row, ...]) -> None:
        super().__init__()
        self.rows = rows

    def __iter__(self):  # type: ignore[override]
        return (row_json(r) for r in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def chunks(report: Report) -> Iterator[str]:
    """JSON text, indented, in pieces (pure-Python encoding: with an indent the C encoder is
    never used, so the pieces cost nothing extra)."""
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False)
    yield from encoder.iterencode(report_json(report, lazy=True))
    yield "\n"


def render(report: Report) -> str:
    """JSON text, indented."""
    return "".join(chunks(report))
