"""`cnncalc run`'s report → plain text (a pipe), a fitted rich table (a terminal), or JSON
(`cnncalc.run/1`). Values are drawn as the notes print matrices: one H×W matrix per channel,
right-aligned, integers as integers (issue 12)."""

from __future__ import annotations

import json
import math
from typing import Any

from cnncalc.messages import msg
from cnncalc.numeric.execute import SHOWN_PER_CHANNEL, RowRun, Stats
from cnncalc.numeric.run import RunReport
from cnncalc.render.plain import align
from cnncalc.safe import printable

WRAP = 78  # a vector's values wrap to lines this wide


def number(v: float, integral: bool) -> str:
    """An integer as an integer, else four significant digits ('4.75', '0.1235', '1.2e+05')."""
    if not math.isfinite(v):
        return str(v)
    if integral:
        return str(int(v))
    text = f"{v:.4g}"
    return "0" if text == "-0" else text


def is_integral(a: Any) -> bool:
    """Every value of the array a whole number (as the seed's matrices are)."""
    import numpy as np

    return bool(a.size) and bool(np.all(np.isfinite(a))) and bool(np.all(a == np.round(a))) and float(np.abs(a).max()) < 1e15  # fmt: skip


def decimals(a: Any) -> int | None:
    """Decimals that show every value of `a` alike: the fewest (≤ 4) that write them exactly
    (the notes' 4.75), else enough for four significant digits of the largest; None when the
    magnitudes call for exponents."""
    import numpy as np

    finite = a[np.isfinite(a)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    for d in range(5):
        if np.all(np.abs(finite - np.round(finite, d)) <= 1e-6 * np.maximum(1, np.abs(finite))):
            return d
    if top == 0 or top >= 1e6 or top < 1e-3:
        return None
    return max(0, 3 - math.floor(math.log10(top)))


def cells_of(a: Any) -> list[str]:
    """Every value of `a` (flattened) written alike: integers as integers, else one number of
    decimals for all, or four significant digits with exponents."""
    flat = [float(v) for v in a.reshape(-1)]
    if is_integral(a):
        return [number(v, True) for v in flat]
    d = decimals(a)
    if d is None:
        return [number(v, False) for v in flat]
    return [f"{v:.{d}f}" if math.isfinite(v) else str(v) for v in flat]


def matrix_lines(a: Any, width: int | None = None) -> list[str]:
    """An H×W×C array as one aligned matrix per channel (a heading per channel when C > 1),
    a vector as numbers wrapped to WRAP columns. With a `width` (a terminal's), a matrix wider
    than it is shown in bands of whole columns, each under a 'columns i–j of W' heading, as
    numpy prints a wide array: never cut off at the edge."""
    if a.ndim == 1:
        cells = cells_of(a)
        cell = max(len(c) for c in cells)
        per_line = max(1, (min(WRAP, (width or WRAP) - 2) + 2) // (cell + 2))
        return ["  " + "  ".join(c.rjust(cell) for c in cells[i : i + per_line])
                for i in range(0, len(cells), per_line)]  # fmt: skip
    lines: list[str] = []
    for c in range(a.shape[2]):
        if a.shape[2] > 1:
            lines.append(msg("run.channel", c=c))
        flat = cells_of(a[:, :, c])
        w = a.shape[1]
        grid = [flat[i : i + w] for i in range(0, len(flat), w)]
        bands = _bands([max(len(row[j]) for row in grid) for j in range(w)], width)
        for start, end in bands:
            if len(bands) > 1:
                lines.append(msg("run.columns", first=start, last=end - 1, width=w))
            lines += [
                "  " + line for line in align([r[start:end] for r in grid], [True] * (end - start))
            ]
    return lines


def _bands(widths: list[int], width: int | None) -> list[tuple[int, int]]:
    """Runs [start, end) of columns whose cells, two spaces apart after a two-space indent,
    fit `width` (at least one column per band); one band without a width."""
    if width is None:
        return [(0, len(widths))]
    bands, start, used = [], 0, 0
    for j, cell in enumerate(widths):
        if j > start and used + 2 + cell > width:
            bands.append((start, j))
            start, used = j, 0
        used += 2 + cell
    return [*bands, (start, len(widths))]


def stat_cells(s: Stats) -> list[str]:
    """mean, std, min, max, zeros (as a percentage)."""
    integral = all(float(v).is_integer() for v in (s.min, s.max))
    return [number(s.mean, False), number(s.std, False), number(s.min, integral),
            number(s.max, integral), f"{s.zeros:.0%}"]  # fmt: skip


def headers(report: RunReport) -> list[str]:
    """The table's column headers."""
    keys = ["row", "output", "mean", "std", "min", "max", "zeros"] + (
        ["grad"] if report.backward else []
    )
    return [msg(f"run.col_{k}") for k in keys]


def grid(report: RunReport) -> list[list[str]]:
    """One line of cells per row."""
    out = []
    for r in report.rows:
        cells = ["│ " * r.depth + printable(r.name), f"{r.output} (={r.output.numel:,})", *stat_cells(r.stats)]  # fmt: skip
        if report.backward:
            cells.append(number(r.grad.std, False) if r.grad else "-")
        out.append(cells)
    return out


def heading_lines(report: RunReport) -> list[str]:
    """The title, where the values came from, and the spec's description."""
    mode = msg("run.mode_train") if report.train else msg("run.mode_infer")
    batch = f" × {report.batch}" if report.batch > 1 else ""
    lines = [msg("run.title", name=printable(report.name or "net"), mode=mode,
                 input=report.input, batch=batch)]  # fmt: skip
    given = [msg("run.input_given")] if report.input_given else []
    if report.given:
        given.append(msg("run.weights_given", rows=", ".join(printable(r) for r in report.given)))
    if given:
        lines.append(msg("run.source_given", what=", ".join(given)))
    if report.drawn:
        lines.append(msg("run.source_random", seed=report.seed, init=report.init, dist=report.dist))
    if report.description:
        lines.append(printable(report.description))
    return lines


def value_lines(report: RunReport, width: int | None = None) -> list[str]:
    """The input's and every shown row's values, each under its name and shape; matrices in
    bands of columns that fit `width` (a terminal's) when one is given."""
    out: list[str] = []
    if report.input_values is not None:
        out += [
            "",
            f"{msg('run.input_heading')}  {report.input}",
            *matrix_lines(report.input_values, width),
        ]
    hidden = 0
    for r in report.rows:
        if r.values is None:
            hidden += 1
            continue
        out += ["", f"{printable(r.name)}  {r.output}", *matrix_lines(r.values, width)]
        for name, extra in r.extras:
            out += [msg(f"run.extra_{name}"), *matrix_lines(extra, width)]
    if hidden:
        out += ["", msg("run.values_hidden", count=hidden, limit=SHOWN_PER_CHANNEL)]
    return out


def render_text(report: RunReport) -> str:
    """Plain text for a pipe: heading, the statistics table, the values."""
    table = align([headers(report), *grid(report)], [False] + [True] * (len(headers(report)) - 1))
    return "\n".join([*heading_lines(report), "", *table, *value_lines(report)]) + "\n"


def render_table(report: RunReport) -> Any:
    """The same for a terminal: the statistics table fitted to its width (render/fit.py)."""
    from rich.console import Group

    from cnncalc.render.fit import Col, FitTable, Words

    cols = [Col(h, right=i > 0, style="bold" if i == 0 else None) for i, h in enumerate(headers(report))]  # fmt: skip
    parts: list[Any] = [Words(line) for line in heading_lines(report)]
    parts += [FitTable(cols, grid(report))]
    parts.append(_Values(report))
    return Group(*parts)


class _Values:
    """The value matrices, laid out when rich knows the terminal's width."""

    def __init__(self, report: RunReport) -> None:
        self.report = report

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.text import Text

        for line in value_lines(self.report, options.max_width):
            yield Text(line, no_wrap=True)


def _finite(v: float) -> float | None:
    """JSON has no inf or nan: null stands for them."""
    return v if math.isfinite(v) else None


def _stats(s: Stats | None) -> dict[str, float | None] | None:
    if s is None:
        return None
    return {k: _finite(getattr(s, k)) for k in ("mean", "std", "min", "max", "zeros")}


def _values(a: Any) -> Any:
    """Nested lists in H, W, C order, integers as integers, null for inf/nan; null when not
    shown."""
    import numpy as np

    if a is None:
        return None
    if is_integral(a):
        return a.astype("int64").tolist()
    if not np.all(np.isfinite(a)):
        a = np.where(np.isfinite(a), a, np.nan).astype(object)
        a[np.isnan(a.astype(float))] = None
    return a.tolist()


def _layer(r: RowRun) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": r.name, "kind": r.kind, "depth": r.depth, "block": r.block,
                           "output": list(r.output.dims), "values": _values(r.values),
                           **(_stats(r.stats) or {})}  # fmt: skip
    doc["extras"] = {name: _values(a) for name, a in r.extras}
    doc["grad"] = _stats(r.grad)
    return doc


def render_json(report: RunReport) -> str:
    """The `cnncalc.run/1` document."""
    doc = {
        "schema": "cnncalc.run/1", "name": report.name, "description": report.description,
        "input": list(report.input.dims), "batch": report.batch, "train": report.train,
        "seed": report.seed, "init": report.init, "init_dist": report.dist,
        "input_given": report.input_given, "given": list(report.given),
        "input_values": _values(report.input_values),
        "layers": [_layer(r) for r in report.rows],
    }  # fmt: skip
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
