"""The roofline of a net (issue 13): per row, the least time its FLOPs and bytes allow.

A row can go no faster than max(FLOPs / peak FLOP/s, bytes moved / memory bandwidth) (Williams,
Waterman and Patterson, "Roofline", CACM 2009). Pure arithmetic on the static report: no torch,
no numpy. The conventions, each a lower bound:

- FLOPs are the report's (DESIGN §4: 2·MACs of conv and matmul; element-wise work is not in
  them); `mode="train"` adds the backward FLOPs of the existing rule.
- Bytes are the least a row must move at the dtype and batch, each tensor once: its input, its
  weights (bias included) and running statistics, and its output. A view (Flatten, Id) moves
  nothing. A block's own step (Res's add, Cat's concatenation) reads what it merges and writes
  its output: one more operand read per element-wise op (Res: both summands), a labelled group
  has no step of its own. In training, a row's backward reads the output's gradient and what
  it saved (taken as its input), writes the input's gradient (when the input needs one, and
  then reads the weights for it) and the weights' gradient.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from cnncalc.analysis import Report
from cnncalc.devices import find
from cnncalc.errors import CnnCalcError
from cnncalc.figures import Row
from cnncalc.messages import msg

SCHEMA = "cnncalc.roofline/1"
MODES = ("infer", "train")
# A measured row faster than its floor by more than this is flagged (noise allowance, issue 13).
NOISE = 0.05
_SUFFIXES = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}


@dataclass(frozen=True, slots=True)
class Peaks:
    """The machine's two ceilings: peak FLOP/s and memory bandwidth (B/s), and how known."""

    name: str
    peak_flops: float
    bandwidth: float
    method: str
    measured: bool = False

    @property
    def ridge(self) -> float:
        """FLOPs per byte where the two roofs meet: below it a row is memory-bound."""
        return self.peak_flops / self.bandwidth


@dataclass(frozen=True, slots=True)
class RoofRow:
    """One row on the roofline (measured figures None until measured)."""

    name: str
    kind: str
    depth: int
    block: bool
    weighted: bool  # has trainable weights (highlighted in the plot)
    flops: int
    bytes: int
    roofline_ms: float
    share: float  # of the net's roofline time
    measured_ms: float | None = None
    note: str = ""  # why a measured row beats its floor

    @property
    def intensity(self) -> float | None:
        """FLOPs per byte moved; None for a row that moves nothing."""
        return self.flops / self.bytes if self.bytes else None

    def bound(self, peaks: Peaks) -> str:
        """'compute' or 'memory': which roof limits the row; 'none' when it does no work."""
        if not self.flops and not self.bytes:
            return "none"
        return (
            "compute" if self.flops / peaks.peak_flops > self.bytes / peaks.bandwidth else "memory"
        )

    @property
    def efficiency(self) -> float | None:
        """Roofline time / measured time: 1 at the roof, lower when slower."""
        if self.measured_ms is None or self.measured_ms <= 0:
            return None
        return self.roofline_ms / self.measured_ms


@dataclass(frozen=True, slots=True)
class Roofline:
    """A net's roofline: the device's ceilings, every row, and the latency floor."""

    name: str
    description: str
    batch: int
    dtype: str
    mode: str
    peaks: Peaks
    rows: tuple[RoofRow, ...]
    roofline_ms: float  # Σ rows: the latency floor
    measured_ms: float | None = None  # the whole net's measured median, when measured
    details: tuple[tuple[str, str], ...] = ()  # how the peaks were measured, label → text
    notes: tuple[str, ...] = ()


def parse_rate(text: str | float, what: str) -> float:
    """'989e12', '989T' or 3.35e12 → a positive finite rate; anything else is an error."""
    raw = str(text).strip()
    number, suffix = raw, ""
    if raw and raw[-1] in _SUFFIXES and not raw[-1].isdigit():
        number, suffix = raw[:-1], raw[-1]
    try:
        value = float(number) * _SUFFIXES[suffix]
    except (ValueError, KeyError):
        raise CnnCalcError(msg("roofline.bad_rate", what=what, value=raw[:40])) from None
    if not math.isfinite(value) or value <= 0:
        raise CnnCalcError(msg("roofline.bad_rate", what=what, value=raw[:40]))
    return value


def given_peaks(
    dtype: str, preset: str | None, peak_flops: str | None, bandwidth: str | None
) -> Peaks:
    """The ceilings the user names: a preset's datasheet at `dtype`, each overridden by
    --peak-flops / --bandwidth when given; without a preset both are needed."""
    flops = parse_rate(peak_flops, "--peak-flops") if peak_flops is not None else None
    bw = parse_rate(bandwidth, "--bandwidth") if bandwidth is not None else None
    if preset is None:
        if flops is None or bw is None:
            raise CnnCalcError(msg("roofline.need_peaks"))
        return Peaks("given", flops, bw, msg("roofline.method_given"))
    p = find(preset)
    datasheet = p.peak(dtype)
    if flops is None and datasheet is None:
        listed = ", ".join(d for d, _ in p.flops)
        raise CnnCalcError(msg("roofline.preset_dtype", name=p.name, dtype=dtype, listed=listed))
    method = msg("roofline.method_preset", title=p.title, source=p.source)
    return Peaks(p.name, flops or datasheet or 0.0, bw or p.bandwidth, method)


def _moves_nothing(row: Row) -> bool:
    """A view or the identity: no FLOPs, no element-wise work, no weights and no new tensor
    (Up, PS and Crop do no arithmetic but write a new tensor, so they move bytes)."""
    if row.block or row.flops or row.other_ops or row.weights:
        return False
    return not row.activation_bytes


def _forward_elems(row: Row, batch: int) -> int | None:
    """Elements a row moves forward; None for a block row with no step of its own."""
    y = row.output.numel * batch
    if row.block:
        if not row.other_ops and not row.activation_bytes:
            return None
        return 2 * y + row.other_ops  # reads y plus one operand per op, writes y
    if _moves_nothing(row):
        return 0
    return row.input.numel * batch + row.weights + row.buffers + y


def _backward_elems(row: Row, batch: int, grad_in: bool, forward: int) -> int:
    """Elements a row's backward moves (module doc); 0 when nothing upstream trains."""
    if row.block:
        return forward if grad_in else 0
    if _moves_nothing(row) or not (grad_in or row.weights):
        return 0
    x, y = row.input.numel * batch, row.output.numel * batch
    return y + x + (x + row.weights if grad_in else 0) + row.weights


def roofline(report: Report, peaks: Peaks, mode: str = "infer") -> Roofline:
    """Every row's FLOPs, bytes and roofline time on `peaks`, and the latency floor."""
    if mode not in MODES:
        raise CnnCalcError(msg("roofline.bad_mode", mode=mode))
    elem, batch = report.dtype_bytes, report.batch
    rows: list[tuple[Row, int, int]] = []
    trains = False  # a trainable row came before: gradients flow from here back
    for row in report.rows:
        forward = _forward_elems(row, batch)
        if forward is None:
            continue
        flops, moved = row.flops if not row.block else 0, forward
        if mode == "train":
            flops += row.backward_flops if not row.block else 0
            moved += _backward_elems(row, batch, trains, forward)
        trains = trains or (row.weights > 0 and not row.block)
        rows.append((row, flops, moved * elem))
    times = [max(f / peaks.peak_flops, b / peaks.bandwidth) * 1e3 for _, f, b in rows]
    total = math.fsum(times)
    out = tuple(
        RoofRow(r.name, r.kind, r.depth, r.block, r.weights > 0 and not r.block, f, b, ms,
                ms / total if total else 0.0)
        for (r, f, b), ms in zip(rows, times)
    )  # fmt: skip
    return Roofline(report.name, report.description, batch, report.dtype, mode, peaks, out, total)


def with_measured(
    roof: Roofline,
    row_ms: Mapping[str, float],
    total_ms: float,
    cache_bytes: int | None,
    details: tuple[tuple[str, str], ...] = (),
) -> Roofline:
    """The roofline with measured row times; a row faster than its floor by more than NOISE
    says why (issue 13: say it, never hide it): it fits the cache, or the peaks are off."""
    rows = []
    for r in roof.rows:
        ms = None if r.block else row_ms.get(r.name)
        note = ""
        if ms is not None and r.roofline_ms > ms * (1 + NOISE):
            # Only a memory-bound row can run faster from the cache; a compute-bound one that
            # beats its floor says the FLOP/s peak was measured low.
            fits = cache_bytes is not None and r.bytes <= cache_bytes
            cached = fits and r.bound(roof.peaks) == "memory"
            key = "roofline.beats_cache" if cached else "roofline.beats_floor"
            note = msg(key, pct=f"{(r.roofline_ms / ms - 1) * 100:.0f}")
        rows.append(replace(r, measured_ms=ms, note=note))
    return replace(roof, rows=tuple(rows), measured_ms=total_ms, details=details)


def budget_ms(report: Report, preset: str) -> float | str:
    """The latency floor on a preset for `check`'s [budget.roofline_ms], or why there is none
    (the preset publishes no figure for the report's dtype)."""
    p = find(preset)
    flops = p.peak(report.dtype)
    if flops is None:
        return msg("roofline.budget_no_dtype", name=p.name, dtype=report.dtype)
    return roofline(report, Peaks(p.name, flops, p.bandwidth, "")).roofline_ms
