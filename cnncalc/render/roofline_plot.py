"""`roofline --plot FILE.svg|.png` (issue 13): the log-log roofline with every row on it.

matplotlib is an optional extra (`pip install "cnncalc[plot]"`), imported only here and only
for --plot; the target is checked before any work, so a mistake costs nothing and no file the
user did not name, nor the spec file itself, is ever written.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from cnncalc.errors import CnnCalcError
from cnncalc.messages import msg
from cnncalc.roofline import Roofline

SUFFIXES = (".svg", ".png")
WEIGHT_COLOUR, OTHER_COLOUR, MEASURED_COLOUR, ROOF_COLOUR = "#c0392b", "#7f8c8d", "#2471a3", "#222"


def _spec_files(spec: str) -> list[Path]:
    """The files SPEC may be read from: itself when it exists, the built-in of that name."""
    from cnncalc.specs import builtin_path, could_be_path

    out = []
    if could_be_path(spec) and os.path.isfile(spec):
        out.append(Path(spec))
    builtin = builtin_path(spec) if could_be_path(spec) else None
    if builtin is not None:
        out.append(Path(builtin))
    return out


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_target(path: str, spec: str) -> None:
    """Refuse a plot file that is not .svg/.png, is a directory or is the spec file, and
    say how to install matplotlib when it is missing (all exit 2, before any work)."""
    target = Path(path)
    if target.suffix.lower() not in SUFFIXES:
        raise CnnCalcError(msg("roofline.plot_suffix", path=path))
    if target.is_dir():
        raise CnnCalcError(msg("roofline.plot_is_dir", path=path))
    if not target.absolute().parent.is_dir():
        raise CnnCalcError(msg("roofline.plot_no_dir", path=path))
    if any(_same(target, s) for s in _spec_files(spec)):
        raise CnnCalcError(msg("roofline.plot_is_spec", path=path))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CnnCalcError(msg("roofline.plot_missing")) from None


def _limits(roof: Roofline) -> tuple[float, float]:
    """The x range: a decade around the rows' intensities and the ridge."""
    xs = [x for r in roof.rows if (x := r.intensity)] + [roof.peaks.ridge]
    return min(xs) / 10, max(xs) * 10


def _draw_roof(ax: Any, roof: Roofline, lo: float, hi: float) -> None:
    """The two roofs meeting at the ridge, and the ridge marked."""
    p = roof.peaks
    ax.plot([lo, p.ridge, hi], [lo * p.bandwidth, p.peak_flops, p.peak_flops],
            color=ROOF_COLOUR, linewidth=2, zorder=2)  # fmt: skip
    ax.axvline(p.ridge, color=ROOF_COLOUR, linestyle=":", linewidth=1, zorder=1)
    ax.text(p.ridge, 0.03, " " + msg("roofline.plot_ridge", ridge=f"{p.ridge:.3g}"),
            transform=ax.get_xaxis_transform(), rotation=90, fontsize=9, va="bottom")  # fmt: skip
    from cnncalc.render.as_roofline import rate

    ax.annotate(rate(p.peak_flops, "FLOP/s"), (hi, p.peak_flops), xytext=(-6, 6),
                textcoords="offset points", fontsize=9, ha="right")  # fmt: skip
    ax.annotate(rate(p.bandwidth, "B/s"), (lo, lo * p.bandwidth), xytext=(8, 0),
                textcoords="offset points", fontsize=9, rotation=0)  # fmt: skip


def _draw_rows(ax: Any, roof: Roofline) -> int:
    """Every row with FLOPs as a point on the roof (hollow when measured, the measured FLOP/s
    as a diamond below it), rows at the same spot labelled together; returns how many rows
    have no FLOPs to draw."""
    p = roof.peaks
    skipped = 0
    seen: set[str] = set()
    spots: dict[tuple[float, float], list[str]] = {}  # rounded log position → row names
    where: dict[tuple[float, float], tuple[float, float, str]] = {}
    for r in roof.rows:
        x = r.intensity
        if not x or not r.flops:
            skipped += not r.block
            continue
        colour = WEIGHT_COLOUR if r.weighted else OTHER_COLOUR
        key = "roofline.plot_weight_rows" if r.weighted else "roofline.plot_other_rows"
        y = min(p.peak_flops, x * p.bandwidth)
        ax.scatter([x], [y], s=60 if r.weighted else 30, color=colour, zorder=4,
                   label=None if key in seen else msg(key),
                   facecolors="none" if r.measured_ms else colour)  # fmt: skip
        seen.add(key)
        if r.measured_ms:
            got = r.flops / (r.measured_ms / 1e3)
            mkey = "roofline.plot_measured"
            ax.scatter([x], [got], s=40, color=MEASURED_COLOUR, marker="D", zorder=5,
                       label=None if mkey in seen else msg(mkey))  # fmt: skip
            ax.plot([x, x], [got, y], color=MEASURED_COLOUR, linewidth=0.8, zorder=3)
            seen.add(mkey)
            y = got
        spot = (round(math.log10(x), 1), round(math.log10(y), 1))
        spots.setdefault(spot, []).append(r.name)
        where.setdefault(spot, (x, y, colour))
    for n, (spot, names) in enumerate(spots.items()):
        x, y, colour = where[spot]
        text = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        ax.annotate(text, (x, y), xytext=(6, (-14, 6, -24, 16)[n % 4]), textcoords="offset points",
                    fontsize=7, color=colour)  # fmt: skip
    return skipped


def save(roof: Roofline, path: str) -> None:
    """Draw the roofline of `roof` to `path` (.svg or .png)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")
    lo, hi = _limits(roof)
    _draw_roof(ax, roof, lo, hi)
    skipped = _draw_rows(ax, roof)
    ax.set_xlim(lo, hi)
    bottom = ax.get_ylim()[0]
    ax.set_ylim(bottom, roof.peaks.peak_flops * 4)  # room above the roof for the labels
    ax.set_xlabel(msg("roofline.plot_x"))
    ax.set_ylabel(msg("roofline.plot_y"))
    name = f"{roof.name} — " if roof.name else ""
    ax.set_title(msg("roofline.plot_title", name=name, device=roof.peaks.name, dtype=roof.dtype,
                     batch=roof.batch))  # fmt: skip
    ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
    if skipped:  # said in the legend, where it cannot cover a point
        ax.plot([], [], " ", label=msg("roofline.plot_no_flops", n=skipped))
    ax.legend(loc="lower right", fontsize=8)
    try:  # text as text in an SVG: a third of the size, and searchable
        with rc_context({"svg.fonttype": "none"}):
            fig.savefig(
                path,
                format=Path(path).suffix.lower()[1:],
                dpi=120,
                metadata={"Date": None} if path.lower().endswith(".svg") else None,
            )
    except (OSError, ValueError) as exc:
        raise CnnCalcError(msg("roofline.plot_failed", path=path, why=exc)) from None
