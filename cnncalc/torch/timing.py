"""Latency (DESIGN §6): clocks, the timing loop, training and inference steps, per-row times.

`warmup` untimed runs, then timed runs until `min_time` seconds have been timed (at least
MIN_RUNS runs); on CUDA each run is timed with a pair of `torch.cuda.Event`s and the end event
is synchronised, so no host timer ever spans asynchronous work. `train` is a full step:
zero_grad, forward, backward, optimizer step.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cnncalc.messages import msg
from cnncalc.torch.build import row_modules
from cnncalc.torch.report import Latency, PerLayer

if TYPE_CHECKING:
    import torch
    from torch import nn

MIN_RUNS = 3
# p90 / p10 of the timed runs above this: other work shared the machine (issue 9).
WIDE_SPREAD = 1.5
LR = 1e-6  # tiny, so that many timed steps leave the weights (and the timings) as they were

Progress = Callable[[str, float], None]  # (what is being done, fraction done in [0, 1])


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation between closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


class HostClock:
    """Times a synchronous call with time.perf_counter (CPU; MPS after a synchronize)."""

    def __init__(self, sync: Callable[[], None] | None = None) -> None:
        self.sync = sync
        self.name = "time.perf_counter" + (" with synchronize" if sync else "")

    def __call__(self, fn: Callable[[], Any]) -> float:
        if self.sync is not None:
            self.sync()
            start = time.perf_counter()
            fn()
            self.sync()
        else:
            start = time.perf_counter()
            fn()
        return (time.perf_counter() - start) * 1e3


class CudaClock:
    """Times a call on the GPU's own timeline: an event before and after, then synchronise
    on the end event and read elapsed_time (ms). No host timer spans asynchronous work."""

    name = "torch.cuda.Event pairs, synchronised"

    def __init__(self, device: Any) -> None:
        import torch

        self.torch = torch
        self.device = device
        with torch.cuda.device(device):
            self.start = torch.cuda.Event(enable_timing=True)
            self.end = torch.cuda.Event(enable_timing=True)

    def __call__(self, fn: Callable[[], Any]) -> float:
        self.start.record()
        fn()
        self.end.record()
        self.end.synchronize()
        return self.start.elapsed_time(self.end)


def make_clock(dev: Any) -> HostClock | CudaClock:
    """The clock for device `dev`: CUDA events on CUDA, else the host timer (synchronised on
    MPS, which runs asynchronously too)."""
    import torch

    if dev.type == "cuda":
        return CudaClock(dev)
    return HostClock(torch.mps.synchronize if dev.type == "mps" else None)


def time_runs(
    fn: Callable[[], Any],
    clock: Callable[[Callable[[], Any]], float],
    *,
    warmup: int,
    min_time: float,
    min_runs: int = MIN_RUNS,
    progress: Callable[[float], None] | None = None,
) -> list[float]:
    """`warmup` untimed calls, then timed calls until `min_time` seconds are timed and at
    least `min_runs` calls are made; each call's time in ms."""
    for _ in range(warmup):
        fn()
    times: list[float] = []
    budget_ms = min_time * 1e3
    spent = 0.0
    while spent < budget_ms or len(times) < min_runs:
        ms = clock(fn)
        times.append(ms)
        spent += ms
        if progress is not None:
            progress(min(1.0, spent / budget_ms) if budget_ms else 1.0)
    return times


def spread_warnings(latency: dict[str, Latency]) -> tuple[tuple[str, str], ...]:
    """A warning for each mode whose p90 exceeds WIDE_SPREAD × p10: the runs were disturbed by
    other work, so the median is not to be trusted (issue 9)."""
    out = []
    for mode, lat in latency.items():
        if lat.p90 > WIDE_SPREAD * lat.p10:
            ratio = (msg("torch.timing.ratio", ratio=f"{lat.p90 / lat.p10:.1f}") if lat.p10 > 0
                     else msg("torch.timing.far_above"))  # fmt: skip
            message = msg("torch.timing.spread", p90=f"{lat.p90:.3f}", ratio=ratio,
                          p10=f"{lat.p10:.3f}")  # fmt: skip
            out.append((msg("torch.timing.latency", mode=mode), message))
    return tuple(out)


def summarize(times: list[float], clock: str) -> Latency:
    """Median, p10, p90 and the rest of a list of run times (ms)."""
    return Latency(
        median=statistics.median(times),
        p10=percentile(times, 10),
        p90=percentile(times, 90),
        runs=len(times),
        mean=statistics.fmean(times),
        min=min(times),
        max=max(times),
        total_s=sum(times) / 1e3,
        clock=clock,
    )


def infer_step(module: nn.Module, x: torch.Tensor) -> Callable[[], Any]:
    """One inference pass (the caller has set eval mode and disabled autograd)."""

    def step() -> Any:
        return module(x)

    return step


def train_step(module: nn.Module, x: torch.Tensor, opt: Any) -> Callable[[], None]:
    """One training step: zero_grad, forward, backward (output gradient of ones), step."""
    import torch

    grad: list[torch.Tensor] = []

    def step() -> None:
        if opt is not None:
            opt.zero_grad(set_to_none=True)
        y = module(x)
        if not grad:
            grad.append(torch.ones_like(y))
        if y.requires_grad:
            y.backward(grad[0])
        if opt is not None:
            opt.step()

    return step


def make_optimizer(module: nn.Module, optimizer: str) -> Any:
    """The optimizer a training step uses: plain SGD, SGD with momentum, or Adam."""
    import torch

    params = [p for p in module.parameters() if p.requires_grad]
    if not params:
        return None
    if optimizer == "adam":
        return torch.optim.Adam(params, lr=LR)
    return torch.optim.SGD(params, lr=LR, momentum=0.9 if optimizer == "momentum" else 0.0)


def time_modes(
    module: nn.Module,
    x: torch.Tensor,
    modes: tuple[str, ...],
    clock: HostClock | CudaClock,
    *,
    warmup: int,
    min_time: float,
    optimizer: str,
    progress: Progress,
) -> dict[str, Latency]:
    """Latency of each mode: "infer" (eval mode, no autograd) and "train" (a full step)."""
    import torch

    latency: dict[str, Latency] = {}
    for m in modes:
        stage = f"timing {m}"
        report_to: Callable[[float], None] = lambda f, s=stage: progress(s, f)
        if m == "infer":
            module.eval()
            with torch.no_grad():
                step = infer_step(module, x)
                times = time_runs(step, clock, warmup=warmup, min_time=min_time, progress=report_to)
        else:
            module.train()
            step = train_step(module, x, make_optimizer(module, optimizer))
            times = time_runs(step, clock, warmup=warmup, min_time=min_time, progress=report_to)
            module.zero_grad(set_to_none=True)
        latency[m] = summarize(times, clock.name)
    return latency


# -- per-layer latency ---------------------------------------------------------------------


def time_rows(
    module: nn.Module,
    x: torch.Tensor,
    clock: HostClock | CudaClock,
    *,
    min_time: float,
    progress: Callable[[float], None] | None = None,
) -> tuple[dict[str, float], list[float]]:
    """Median forward time of every row (ms) with pre/post forward hooks, and the whole
    hooked passes' times. Eval mode, no autograd; one warm-up pass."""
    import torch

    rows = row_modules(module)
    stamp, elapsed = _row_stamps(list(rows), x.device)
    handles = []
    for name, sub in rows.items():
        handles.append(sub.register_forward_pre_hook(stamp(name, 0)))
        handles.append(sub.register_forward_hook(stamp(name, 1)))
    per_row: dict[str, list[float]] = {name: [] for name in rows}

    def timed(fn: Callable[[], Any]) -> float:
        ms = clock(fn)  # the clock waits for the pass, so every row's stamps are there
        for name in rows:
            per_row[name].append(elapsed(name))
        return ms

    try:
        module.eval()
        with torch.no_grad():
            whole = time_runs(lambda: module(x), timed, warmup=1, min_time=min_time,
                              progress=progress)  # fmt: skip
    finally:
        for handle in handles:
            handle.remove()
    return {name: statistics.median(t) for name, t in per_row.items()}, whole


def _row_stamps(
    names: list[str], dev: Any
) -> tuple[Callable[[str, int], Callable[..., None]], Callable[[str], float]]:
    """Hook factories that stamp a row's start (0) and end (1), and the ms between them:
    CUDA events on CUDA, else the host timer (after a synchronize on MPS)."""
    import torch

    if dev.type == "cuda":
        events = {name: (torch.cuda.Event(enable_timing=True),
                         torch.cuda.Event(enable_timing=True)) for name in names}  # fmt: skip

        def cuda_stamp(name: str, i: int) -> Callable[..., None]:
            return lambda *_: events[name][i].record()

        return cuda_stamp, lambda name: events[name][0].elapsed_time(events[name][1])
    # MPS runs asynchronously too: wait for the GPU before each host reading
    sync = torch.mps.synchronize if dev.type == "mps" else None
    marks: dict[str, list[float]] = {name: [0.0, 0.0] for name in names}

    def host_stamp(name: str, i: int) -> Callable[..., None]:
        def hook(*_: Any) -> None:
            if sync is not None:
                sync()
            marks[name][i] = time.perf_counter()

        return hook

    return host_stamp, lambda name: (marks[name][1] - marks[name][0]) * 1e3


def time_layers(
    module: nn.Module,
    x: torch.Tensor,
    clock: HostClock | CudaClock,
    latency: dict[str, Latency],
    *,
    min_time: float,
    progress: Progress,
) -> tuple[dict[str, float], PerLayer]:
    """Per-row forward times, and what timing them cost: the hooked pass against a plain one
    (the inference latency when it was timed, else a short timing of its own)."""
    import torch

    progress("timing layers", 0.0)
    row_ms, whole = time_rows(module, x, clock, min_time=min_time,
                              progress=lambda f: progress("timing layers", f))  # fmt: skip
    hooked = statistics.median(whole)
    if "infer" in latency:
        plain = latency["infer"].median
    else:
        module.eval()
        with torch.no_grad():
            step = infer_step(module, x)
            plain = statistics.median(time_runs(step, clock, warmup=1, min_time=min_time / 2))
    clock_name = "CUDA events" if x.device.type == "cuda" else "time.perf_counter"
    method = msg("torch.timing.per_layer_method", clock=clock_name, passes=len(whole))
    return row_ms, PerLayer(method, len(whole), hooked, plain, hooked / plain - 1)
