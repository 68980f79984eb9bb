"""Report → CSV: one line per row with raw numbers, for spreadsheets and pipes."""

from __future__ import annotations

import csv
import io

from cnncalc.analysis import Report

FIELDS = (
    "name", "kind", "depth", "block", "output", "h", "w", "c", "nodes", "weights", "buffers",
    "macs", "flops", "backward_flops", "other_ops", "activation_bytes", "rf_size", "rf_jump",
    "fan_in", "fan_out", "warnings",
)  # fmt: skip


def render(report: Report) -> str:
    """Header line, then rows; outputs as 'HxWxC', numbers unformatted."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FIELDS)
    for r in report.rows:
        flat = r.output.is_flat
        writer.writerow([
            r.name, r.kind, r.depth, int(r.block), r.output.text,
            "" if flat else r.output.h, "" if flat else r.output.w, r.output.c, r.nodes,
            r.weights, r.buffers, r.macs, r.flops, r.backward_flops, r.other_ops,
            r.activation_bytes, r.rf.size[0], r.rf.jump[0],
            r.fan[0] if r.fan else "", r.fan[1] if r.fan else "", "; ".join(r.warnings),
        ])  # fmt: skip
    return buf.getvalue()
