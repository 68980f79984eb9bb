"""The columns a shape report can show, shared by the table, markdown and CSV renderers.

Default columns follow the seed table (DESIGN §4); `--columns` picks others or `all`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cnncalc.analysis import Report, Row
from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.messages import msg
from cnncalc.units import exact, nbytes, pair

BAR_WIDTH = 10


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its key (`--columns`), cell text for a row, and whether it is right-aligned;
    its header, pipe header and help are messages `render.column[_help].KEY`,
    `render.plain.KEY` (issue 16), looked up when shown so that --lang applies."""

    key: str
    cell: Callable[[Row, Report], str]
    numeric: bool = True

    @property
    def header(self) -> str:
        """The header in a box or markdown ('filter/block size')."""
        return msg(f"render.column.{self.key}")

    @property
    def plain(self) -> str:
        """The header of the plain layout (the key itself in English, as `--columns` takes)."""
        return msg(f"render.plain.{self.key}")

    @property
    def help(self) -> str:
        """What the column shows, in a few words."""
        return msg(f"render.column_help.{self.key}")


def output_cell(row: Row, report: Report) -> str:
    """'55×55×96 (=290,400)', as in the seed table; '4096' for a vector."""
    if row.output.is_flat:
        return exact(row.output.c)
    return f"{row.output} (={exact(row.nodes)})"


def share_bar(share: float, width: int = BAR_WIDTH) -> str:
    """A share in [0, 1] as a bar of `width` eighths-of-a-cell blocks plus the percentage."""
    eighths = max(0, round(share * width * 8))
    full, rest = divmod(min(eighths, width * 8), 8)
    blocks = "█" * full + ("" if rest == 0 else " ▏▎▍▌▋▊▉"[rest])
    return f"{blocks:<{width}} {share * 100:5.1f}%"


def bar(part: int, whole: int) -> str:
    """part / whole as a share bar; '' when there is no whole to share."""
    return share_bar(part / whole) if whole > 0 else ""


def _share(attr: str) -> Callable[[Row, Report], str]:
    def cell(row: Row, report: Report) -> str:
        return bar(getattr(row, attr), getattr(report.totals, attr))

    return cell


def _int(attr: str) -> Callable[[Row, Report], str]:
    def cell(row: Row, report: Report) -> str:
        value = getattr(row, attr)
        return exact(value) if value else ""

    return cell


COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column("layer", lambda r, _: r.name, numeric=False),
        Column("size", lambda r, _: r.columns.size),
        Column("filters", lambda r, _: r.columns.filters),
        Column("stride", lambda r, _: r.columns.stride),
        Column("padding", lambda r, _: r.columns.padding),
        Column("output", output_cell),
        Column("weights", _int("weights")),
        Column("macs", _int("macs")),
        Column("flops", _int("flops")),
        Column("backward", _int("backward_flops")),
        Column("other", _int("other_ops")),
        Column("memory", lambda r, _: nbytes(r.activation_bytes) if r.activation_bytes else ""),
        Column("rf", lambda r, _: pair(r.rf.size)),
        Column("jump", lambda r, _: pair(r.rf.jump)),
        Column("start", lambda r, _: pair(r.rf.start, lambda v: f"{v:g}")),
        Column("fan_in", lambda r, _: exact(r.fan[0]) if r.fan else ""),
        Column("fan_out", lambda r, _: exact(r.fan[1]) if r.fan else ""),
        Column("he_std", lambda r, _: _std("he", r)),
        Column("xavier_std", lambda r, _: _std("xavier", r)),
        Column("formula", lambda r, _: _formula(r)),
        Column("weights%", _share("weights"), numeric=False),
        Column("macs%", _share("macs"), numeric=False),
    )
}
DEFAULT = ("layer", "size", "filters", "stride", "padding", "output", "weights")
# Names for several columns at once (issue 12): `--columns +init` adds what seed 002's
# initialisation formulas read and give.
GROUPS = {"init": ("fan_in", "fan_out", "he_std", "xavier_std")}


def _formula(row: Row) -> str:
    """'(11×11×3+1)×96 (=34,944)', as seed 000's table writes a row's weights."""
    return f"{row.columns.weights} (={exact(row.weights)})" if row.columns.weights else ""


def _std(init: str, row: Row) -> str:
    """The weight std `init` gives this row (seed 002), '' for rows without a fan."""
    from cnncalc.numeric.init import init_std

    return f"{init_std(init, *row.fan):.4g}" if row.fan else ""


def pick(spec: str | None) -> list[Column]:
    """'macs,rf' → those columns after 'layer'; '+macs,rf' adds to the defaults; 'all' is all."""
    if not spec:
        return [COLUMNS[k] for k in DEFAULT]
    words = [w.strip() for w in spec.split(",") if w.strip()]
    if words == ["all"]:
        return list(COLUMNS.values())
    # One '+' anywhere makes the whole list an addition: '+macs,rf' reads as '+macs,+rf'.
    keys = list(DEFAULT) if any(w.startswith("+") for w in words) else ["layer"]
    for word in words:
        key = word.lstrip("+").lower()
        if key in GROUPS:
            keys += [k for k in GROUPS[key] if k not in keys]
            continue
        if key not in COLUMNS:
            hint = did_you_mean(key, list(COLUMNS))
            raise CnnCalcError(
                msg("render.unknown_column", key=key, hint=hint, columns=", ".join(COLUMNS))
            )
        if key not in keys:
            keys.append(key)
    return [COLUMNS[k] for k in keys]


def indent(row: Row, first_in_branch: bool) -> str:
    """The name with one '│ ' per depth; the first row of a second branch starts with '├ '."""
    if row.depth == 0:
        return row.name
    marks = "│ " * row.depth
    if first_in_branch and row.branch > 0:
        marks = marks[:-2] + "├ "
    return marks + row.name


def branch_starts(report: Report) -> list[bool]:
    """For each row, whether it opens a branch (differs in branch index from the row above)."""
    starts = []
    previous: dict[int, int] = {}
    for row in report.rows:
        starts.append(previous.get(row.depth) != row.branch)
        previous[row.depth] = row.branch
        for deeper in [d for d in previous if d > row.depth]:
            del previous[deeper]
    return starts
