"""Roofline → a table fitted to the terminal (render/fit.py), plain text for a pipe, and JSON
(schema `cnncalc.roofline/1`, README "Roofline"). Formatting only."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.messages import msg
from cnncalc.render.plain import align
from cnncalc.roofline import SCHEMA, Roofline, RoofRow
from cnncalc.safe import printable
from cnncalc.units import count, nbytes

# -- units ---------------------------------------------------------------------------------


def rate(x: float, unit: str) -> str:
    """989.4e12, 'FLOP/s' → '989.4 TFLOP/s'; bandwidths in decimal units as datasheets give them."""
    for prefix, scale in (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.3g} {prefix}{unit}"
    return f"{x:.3g} {unit}"


def duration(ms: float | None) -> str:
    """A time with the unit that keeps three figures: '1.23 ms', '45.6 µs', '2.10 s'."""
    if ms is None:
        return ""
    for unit, scale in (("s", 1e3), ("ms", 1.0), ("µs", 1e-3)):
        if ms >= scale:
            return f"{ms / scale:.3g} {unit}"
    return f"{ms * 1e6:.3g} ns" if ms > 0 else "0"


def _intensity(x: float | None) -> str:
    return "" if x is None else f"{x:.3g}"


def _ratio(x: float | None) -> str:
    return "" if x is None else f"{x * 100:.0f}%"


# -- shared text pieces --------------------------------------------------------------------


def title(r: Roofline) -> str:
    """'alexnet — roofline on h200-sxm, fp32, batch 1, infer'."""
    head = f"{r.name} — " if r.name else ""
    return msg("roofline.title", head=head, device=r.peaks.name, dtype=r.dtype, batch=r.batch,
               mode=r.mode)  # fmt: skip


def headers(r: Roofline) -> list[str]:
    """The table's column headings (the measured ones when measured)."""
    cols = ["layer", "FLOPs", "bytes", "FLOP/B", "bound", "floor", "share"]
    if r.peaks.measured:
        cols += ["measured", "eff.", "FLOP/s", "B/s", "note"]
    return cols


def row_cells(r: Roofline, row: RoofRow) -> list[str]:
    """One row's cells, as `headers` names them."""
    cells = [printable(row.name), count(row.flops), nbytes(row.bytes), _intensity(row.intensity),
             row.bound(r.peaks), duration(row.roofline_ms), _ratio(row.share)]  # fmt: skip
    if r.peaks.measured:
        ms = row.measured_ms
        cells += [
            duration(ms),
            _ratio(row.efficiency),
            rate(row.flops / (ms / 1e3), "FLOP/s") if ms and row.flops else "",
            rate(row.bytes / (ms / 1e3), "B/s") if ms and row.bytes else "",
            msg("roofline.note_short") if row.note else "",
        ]
    return cells


def summary(r: Roofline) -> list[tuple[str, str]]:
    """(label, value) pairs under the table: ceilings, the floor, how they were found."""
    p = r.peaks
    out = [
        (msg("roofline.label_peaks"), msg("roofline.peaks_value", flops=rate(p.peak_flops, "FLOP/s"),
                                          bw=rate(p.bandwidth, "B/s"), ridge=f"{p.ridge:.3g}")),
        (msg("roofline.label_floor"), duration(r.roofline_ms)),
    ]  # fmt: skip
    if r.measured_ms is not None:
        eff = _ratio(r.roofline_ms / r.measured_ms) if r.measured_ms > 0 else ""
        out.append(
            (
                msg("roofline.label_measured"),
                msg("roofline.measured_value", ms=duration(r.measured_ms), eff=eff),
            )
        )
    out.append((msg("roofline.label_method"), p.method))
    out += list(r.details)
    for row in r.rows:
        if row.note:
            out.append((printable(row.name), row.note))
    out += [(msg("roofline.label_note"), n) for n in r.notes]
    return out


# -- table (terminal) and plain text (pipe) ------------------------------------------------

_LEFT = ("layer", "bound", "note")  # the columns read as words, left-aligned


def render_table(r: Roofline) -> Any:
    """For a terminal: title, the per-row table and the summary, fitted to the width."""
    from rich.console import Group
    from rich.text import Text

    from cnncalc.render.fit import Col, FitTable, Pairs, Words

    cols = [Col(h, right=h not in _LEFT, wrap=h == "note") for h in headers(r)]
    rows = [row_cells(r, row) for row in r.rows]
    styles = ["bold" if row.weighted else None for row in r.rows]
    table = FitTable(cols, rows, styles=styles, blank="-")
    return Group(Words(title(r), "bold"), table, Text(), Pairs(summary(r)))


def render_text(r: Roofline) -> str:
    """For a pipe: plain aligned columns ('-' in empty cells, so awk sees every column), then
    the summary."""
    hs = headers(r)
    grid = [hs, *([c or "-" for c in row_cells(r, row)] for row in r.rows)]
    right = [h not in _LEFT for h in hs]
    out = [printable(title(r)), *align(grid, right), ""]
    pairs = summary(r)
    width = max(len(label) for label, _ in pairs)
    out += [f"{label:<{width}}  {printable(value)}".rstrip() for label, value in pairs]
    return "\n".join(out) + "\n"


# -- JSON ----------------------------------------------------------------------------------


def _row_json(r: Roofline, row: RoofRow) -> dict[str, Any]:
    ms = row.measured_ms
    return {
        "name": row.name, "kind": row.kind, "depth": row.depth, "block": row.block,
        "weights": row.weighted, "flops": row.flops, "bytes": row.bytes,
        "intensity": row.intensity, "bound": row.bound(r.peaks),
        "roofline_ms": row.roofline_ms, "share": row.share, "measured_ms": ms,
        "efficiency": row.efficiency,
        "achieved_flops_per_s": row.flops / (ms / 1e3) if ms else None,
        "achieved_bytes_per_s": row.bytes / (ms / 1e3) if ms else None,
        "note": row.note or None,
    }  # fmt: skip


def report_json(r: Roofline) -> dict[str, Any]:
    """The whole document as a dict (README, "Roofline")."""
    p = r.peaks
    measured = r.measured_ms
    return {
        "schema": SCHEMA, "name": r.name, "description": r.description, "batch": r.batch,
        "dtype": r.dtype, "mode": r.mode,
        "device": {"name": p.name, "peak_flops": p.peak_flops, "bandwidth": p.bandwidth,
                   "ridge": p.ridge, "method": p.method, "measured": p.measured,
                   "details": dict(r.details)},
        "layers": [_row_json(r, row) for row in r.rows],
        "totals": {"roofline_ms": r.roofline_ms, "measured_ms": measured,
                   "efficiency": r.roofline_ms / measured if measured else None},
        "notes": list(r.notes),
    }  # fmt: skip


def render_json(r: Roofline) -> str:
    """JSON text, indented."""
    return json.dumps(report_json(r), indent=2, ensure_ascii=False) + "\n"
