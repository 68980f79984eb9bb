"""`cnncalc run` as a function: a SPEC, given or random values, the pass, a report (issue 12).

The net is analysed first (shapes, the rows' names), then bounded — what the pass would hold
in memory and how much work it is — before any array exists; then every parameter comes from
the given values or from --init, the input from the values or a standard normal draw, and the
pass runs (cnncalc/numeric/execute.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnncalc.analysis import Report
from cnncalc.errors import CnnCalcError
from cnncalc.ir import Block, Item, Node, Shape
from cnncalc.messages import msg
from cnncalc.numeric.execute import RowRun, execute, hwc, nchw
from cnncalc.numeric.init import DISTS, INITS, draw
from cnncalc.numeric.params import Mode, Param

# What one pass may hold (float32 elements: about 1.5 GiB) and compute (multiply-accumulates),
# checked on the static figures before anything is allocated (house rule: bound first).
MAX_ELEMENTS = 400_000_000
MAX_MACS = 200_000_000_000


@dataclass(frozen=True, slots=True)
class RunReport:
    """What `run` returns and its renderers read."""

    name: str
    description: str
    input: Shape
    batch: int
    train: bool
    seed: int
    init: str
    dist: str
    backward: bool
    input_given: bool
    given: tuple[str, ...]  # rows whose parameters all came from the values
    drawn: bool  # something (the input, a weight) was drawn at random
    input_values: Any | None  # the first image, H×W×C, when small enough to show
    rows: tuple[RowRun, ...]


def walk(items: tuple[Item, ...]) -> Iterator[Item]:
    """The items in the order the analysis makes their rows: a block, then its branches."""
    stack = list(reversed(items))
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, Block):
            for branch in reversed(item.branches):
                stack.extend(reversed(branch))


def row_params(items: tuple[Item, ...], report: Report) -> dict[str, dict[str, Param]]:
    """Row name → its parameters, for every row (block rows and weightless layers: none)."""
    out: dict[str, dict[str, Param]] = {}
    for item, row in zip(walk(items), report.rows, strict=True):
        out[row.name] = item.layer.params(row.input) if isinstance(item, Node) else {}
    return out


def bound(report: Report, backward: bool) -> None:
    """Refuse a pass too large for memory or time, from the static figures alone."""
    outputs = [r.output.numel * report.batch for r in report.rows]
    windows = [r.macs // max(1, r.output.c) for r in report.rows if not r.block]
    held = sum(outputs) * 2 if backward else 3 * max(outputs, default=0)
    elements = report.totals.weights + report.totals.buffers + held + max(windows, default=0)
    if elements > MAX_ELEMENTS or report.totals.macs > MAX_MACS:
        raise CnnCalcError(msg("run.too_large", elements=f"{elements:,}",
                               limit=f"{MAX_ELEMENTS:,}", macs=f"{report.totals.macs:,}",
                               max_macs=f"{MAX_MACS:,}"))  # fmt: skip


def run(
    spec: Any, *, values: str | Path | None = None, init: str = "pytorch",
    dist: str = "normal", seed: int = 0, train: bool = False, backward: bool = False,
    batch: int = 1, input: Any = None, values_all: bool = False,
) -> RunReport:  # fmt: skip
    """Run SPEC (a spec, a file, a built-in name or DSL) through numpy; see the module doc."""
    import numpy as np

    from cnncalc import values as given_values
    from cnncalc.api import analyze, load

    if init not in INITS or dist not in DISTS:
        raise CnnCalcError(msg("run.bad_init", inits=", ".join(INITS), dists=", ".join(DISTS)))
    resolved = load(spec)
    report = analyze(resolved, input=input, batch=batch)
    bound(report, backward)
    params = row_params(resolved.net.items, report)
    table = (given_values.from_npz(values) if values is not None
             else given_values.from_table(resolved.values or {}))  # fmt: skip
    x, arrays = given_values.resolve(table, params, report.input, np.float32)
    if x is not None and batch != 1:
        raise CnnCalcError(msg("run.given_input_batch", batch=batch))
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    if x is None:
        x = streams[0].standard_normal(nchw(report.input, batch), dtype=np.float32)
    weights: dict[str, dict[str, Any]] = {}
    drawn = INPUT_KEY not in table
    for row, ps in params.items():  # one stream, drawn in row order: reproducible by seed
        for name, p in ps.items():
            value = arrays.get(row, {}).get(name)
            if value is None:
                value = draw(p, init, dist, streams[1], np.float32)
                drawn = drawn or p.init != "const"
            weights.setdefault(row, {})[name] = value
    grad = (
        streams[3].standard_normal(nchw(report.output, batch), dtype=np.float32)
        if backward
        else None
    )
    rows = execute(
        resolved.net.items, report, x, weights, Mode(train, streams[2]), grad, values_all
    )
    given = tuple(r for r, ps in params.items() if ps and set(arrays.get(r, {})) == set(ps))
    small = (
        values_all or report.input.numel // (1 if report.input.is_flat else report.input.c) <= 64
    )
    return RunReport(
        name=resolved.name, description=resolved.description, input=report.input, batch=batch,
        train=train, seed=seed, init=init, dist=dist, backward=backward,
        input_given=INPUT_KEY in table, given=given, drawn=drawn,
        input_values=np.array(hwc(x)) if small else None, rows=tuple(rows),
    )  # fmt: skip


INPUT_KEY = "input"
