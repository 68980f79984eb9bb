"""Build the net in PyTorch and measure it next to the static prediction (DESIGN §6).

What is measured, and how:

- FLOPs with `torch.utils.flop_counter.FlopCounterMode`, for a forward pass (eval mode) and
  for forward + backward (train mode, the output's gradient set to ones), in total and per row.
  `aten.convolution_backward` is counted with `conv_backward_flops` below, registered through
  `custom_mapping`: PyTorch's own formula ignores `groups` in the grad-weight term, which makes
  a depthwise convolution's backward `groups + 1` times its forward instead of 2 times.
- Latency: `warmup` untimed runs, then timed runs until `min_time` seconds have been timed
  (at least MIN_RUNS runs); on CUDA each run is timed with a pair of `torch.cuda.Event`s and
  the end event is synchronised, so no host timer ever spans asynchronous work. `train` is a
  full step: zero_grad, forward, backward, optimizer step.
- Memory: on every device, the bytes autograd saves for backward, read with
  `torch.autograd.graph.saved_tensors_hooks` (each storage once, weights and running
  statistics left out since they are counted as weights and buffers), plus the weights,
  their grads, the optimizer state and the buffers, each read off the real tensors after one
  step. On CUDA also `torch.cuda.max_memory_allocated` for an inference pass and for a
  training step.

Nothing here prints; torch is imported inside the functions.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.analysis import PROFILE_DTYPES as DTYPES
from cnncalc.analysis import Report
from cnncalc.api import CnnCalcTypeError, CnnCalcValueError, check_whole, settings
from cnncalc.builder import (
    InternalError,
    RowHooks,
    assemble,
    require_torch,
    row_modules,
    self_check,
    torch_shape,
)
from cnncalc.errors import CnnCalcError
from cnncalc.ir import Shape
from cnncalc.units import nbytes

if TYPE_CHECKING:
    import torch
    from torch import nn

    from cnncalc.specs import Spec

MODES = ("infer", "train", "both")
OPTIMIZERS = ("sgd", "momentum", "adam")
DEFAULT_WARMUP = 3
DEFAULT_MIN_TIME = 1.0  # seconds of timed runs per mode
MIN_RUNS = 3
# Upper bounds on what a user may ask for (issue 9: `min_time = 1e308` or `warmup = 10**12`
# would run for ever): an hour of timing per mode, ten thousand untimed runs.
MAX_MIN_TIME = 3600.0
MAX_WARMUP = 10_000
# p90 / p10 of the timed runs above this: other work shared the machine (issue 9).
WIDE_SPREAD = 1.5
LR = 1e-6  # tiny, so that many timed steps leave the weights (and the timings) as they were

# `profile()` options a spec file's [profile] table may set (DESIGN §5), with their defaults.
DEFAULTS: dict[str, Any] = {
    "device": "cpu",
    "batch": 1,
    "dtype": "fp32",
    "mode": "infer",
    "warmup": DEFAULT_WARMUP,
    "min_time": DEFAULT_MIN_TIME,
    "optimizer": "sgd",
}

# `cnncalc profile` times both modes unless told otherwise; the API, used by `check --profile`
# for latency budgets, times inference only.
CLI_MODE = "both"

FLOP_NOTE = (
    "FLOPs counted with torch.utils.flop_counter.FlopCounterMode; convolution backward with"
    " cnncalc's groups-aware formula (PyTorch's own counts the grad-weight term of a grouped"
    " convolution `groups` times too high)"
)

Progress = Callable[[str, float], None]  # (what is being done, fraction done in [0, 1])


# -- the report ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """A static prediction next to its measurement (None when not measured)."""

    static: int
    measured: int | None

    @property
    def diff(self) -> int | None:
        """measured − static."""
        return None if self.measured is None else self.measured - self.static

    @property
    def relative_error(self) -> float | None:
        """(static − measured) / measured: how far the prediction is off, signed."""
        if self.measured is None or self.measured == 0:
            return None if self.measured is None or self.static else 0.0
        return (self.static - self.measured) / self.measured


@dataclass(frozen=True, slots=True)
class Latency:
    """Timed runs of one mode, in milliseconds."""

    median: float
    p10: float
    p90: float
    runs: int
    mean: float
    min: float
    max: float
    total_s: float  # seconds spent in the timed runs
    clock: str  # how each run was timed


@dataclass(frozen=True, slots=True)
class RowProfile:
    """One row of the static report with what was measured for it."""

    name: str
    kind: str
    depth: int
    block: bool
    output: Shape
    weights: Figure  # measured = the built module's sum(p.numel())
    flops: Figure  # forward
    train_flops: Figure  # forward + backward
    latency_ms: float | None = None  # with per_layer: median forward time of the row
    share: float | None = None  # latency_ms / the whole forward pass


@dataclass(frozen=True, slots=True)
class PerLayer:
    """How per-layer latency was measured and what it cost."""

    method: str
    runs: int
    hooked_ms: float  # median forward pass with the timing hooks
    plain_ms: float  # median forward pass without them
    overhead: float  # hooked / plain − 1


@dataclass(frozen=True, slots=True)
class Memory:
    """Training memory (and on CUDA peak inference memory), static next to measured."""

    method: str
    train_bytes: Figure
    infer_peak_bytes: Figure
    saved_bytes: Figure
    weight_bytes: Figure
    grad_bytes: Figure
    optimizer_bytes: Figure
    buffer_bytes: Figure


@dataclass(frozen=True)
class ProfileReport:
    """What `profile` returns and the profile renderers read.

    `latency_ms`, `throughput` (images/s) and `flops_per_s` are keyed by mode ("infer",
    "train") and hold only the modes that were timed; `flops` is keyed "forward" and "train"
    (forward + backward). Read-only by convention.
    """

    name: str
    description: str
    input: Shape
    output: Shape
    device: str
    device_name: str
    dtype: str
    batch: int
    mode: str
    optimizer: str
    threads: int | None
    warmup: int
    min_time: float
    torch_version: str
    weights: Figure
    flops: dict[str, Figure]
    flops_train_pytorch: int  # what PyTorch's uncorrected formula gives for forward + backward
    latency_ms: dict[str, Latency]
    throughput: dict[str, float]
    flops_per_s: dict[str, float]
    memory: Memory
    layers: tuple[RowProfile, ...]
    per_layer: PerLayer | None
    static: Report = field(repr=False)
    notes: tuple[str, ...] = ()
    warnings: tuple[tuple[str, str], ...] = ()  # (what, message), e.g. a wide timing spread


# -- FLOPs ---------------------------------------------------------------------------------


def conv_forward_flops(x_shape: Any, w_shape: Any, out_shape: Any, transposed: bool) -> int:
    """2 × multiplies of a convolution, from shapes (N, C, *spatial) and the weight's shape.

    The weight is (C_out, C_in/G, *k) — (C_in, C_out/G, *k) when transposed — so every
    position of the output (of the input, when transposed) costs prod(weight) multiplies per
    image; `groups` is already in the weight's shape.
    """
    positions = math.prod((x_shape if transposed else out_shape)[2:])
    return 2 * x_shape[0] * positions * math.prod(w_shape)


def conv_backward_flops(
    grad_out_shape: Any,
    x_shape: Any,
    w_shape: Any,
    _bias: Any,
    _stride: Any,
    _padding: Any,
    _dilation: Any,
    transposed: bool,
    _output_padding: Any,
    groups: int,
    output_mask: Any,
    out_shape: Any = None,
    **kwargs: Any,
) -> int:
    """FLOPs of `aten.convolution_backward` (shapes in, as FlopCounterMode passes them).

    Each multiply x·w of the forward appears once in grad-input (grad_out·w) and once in
    grad-weight (grad_out·x), so each computed gradient costs exactly the forward's FLOPs,
    grouped or not. PyTorch's `conv_backward_flop` counts grad-weight as a convolution with
    the batch as channels and ignores `groups`, giving `groups` × the forward (torch 2.13).
    """
    forward = conv_forward_flops(x_shape, w_shape, grad_out_shape, transposed)
    return forward * (int(bool(output_mask[0])) + int(bool(output_mask[1])))


def pytorch_conv_backward_flops(forward: int, groups: int, output_mask: Any) -> int:
    """What PyTorch's own formula gives (grad-weight counted `groups` times), for the notes."""
    return forward * (int(bool(output_mask[0])) + groups * int(bool(output_mask[1])))


class _RowParents(RowHooks):
    """FlopCounterMode's module tracker, replaced so that `parents` holds the names of the
    rows running now, forward and backward, and the counts come out per row.

    A row enters backward when its output's gradient arrives and leaves when its input's
    gradient is done. Both moments are marked with identity autograd functions wrapped around
    the row's input and output, so they fire exactly when this row's own backward starts and
    ends. PyTorch's ModuleTracker instead waits for the whole gradient of the input tensor,
    which, when several branches read that tensor, is only complete after the other branches'
    backward too, and it never leaves a module whose input needs no gradient; both charge
    other rows' backward FLOPs to the wrong row. A row whose input needs no gradient (the
    first weight layer) leaves once its parameters' gradients are done.
    """

    def __init__(self, rows: dict[str, nn.Module]) -> None:
        super().__init__(rows)
        self.parents: set[str] = {"Global"}

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.parents = {"Global"}

    def _enter(self, name: str) -> Any:
        import torch
        from torch.autograd.graph import register_multi_grad_hook

        mark = _marker()

        def hook(module: nn.Module, args: tuple[Any, ...]) -> Any:
            self.parents.add(name)
            if not torch.is_grad_enabled():
                return None
            leave = lambda: self.parents.discard(name)
            if any(isinstance(a, torch.Tensor) and a.requires_grad for a in args):
                return tuple(mark.apply(a, leave) if isinstance(a, torch.Tensor)
                             and a.requires_grad else a for a in args)  # fmt: skip
            params = [p for p in module.parameters() if p.requires_grad]
            if params:
                self.handles.append(register_multi_grad_hook(params, lambda grads: leave()))
            return None

        return hook

    def _leave(self, name: str) -> Any:
        import torch

        mark = _marker()

        def hook(module: nn.Module, args: Any, output: Any) -> Any:
            self.parents.discard(name)
            if isinstance(output, torch.Tensor) and output.requires_grad:
                return mark.apply(output, lambda: self.parents.add(name))
            return None

        return hook


_MARKER: list[Any] = []


def _marker() -> Any:
    """An identity autograd function that calls back when its backward runs (made once)."""
    if not _MARKER:
        import torch

        class Marker(torch.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: torch.Tensor, callback: Callable[[], None]) -> torch.Tensor:
                ctx.callback = callback
                return x.view_as(x)

            @staticmethod
            def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
                ctx.callback()
                return grad, None

        _MARKER.append(Marker)
    return _MARKER[0]


def _tensors(value: Any) -> list[Any]:
    import torch
    from torch.utils._pytree import tree_flatten

    return [t for t in tree_flatten(value)[0] if isinstance(t, torch.Tensor)]


@dataclass(frozen=True, slots=True)
class FlopCount:
    """Total and per-row FLOPs of one pass, and PyTorch's uncorrected total."""

    total: int
    rows: dict[str, int]
    pytorch_total: int


def count_flops(module: nn.Module, x: torch.Tensor, *, train: bool) -> FlopCount:
    """FLOPs of a forward pass (eval mode, no autograd) or of forward + backward (train
    mode, the output's gradient set to ones), with FlopCounterMode and the corrected
    convolution backward."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    rows = row_modules(module)
    uncorrected = [0]

    def conv_backward(
        grad_out: Any,
        x_shape: Any,
        w_shape: Any,
        bias: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        transposed: bool,
        output_padding: Any,
        groups: int,
        output_mask: Any,
        out_shape: Any = None,
        **kwargs: Any,
    ) -> int:
        flops = conv_backward_flops(
            grad_out,
            x_shape,
            w_shape,
            bias,
            stride,
            padding,
            dilation,
            transposed,
            output_padding,
            groups,
            output_mask,
        )
        forward = conv_forward_flops(x_shape, w_shape, grad_out, transposed)
        uncorrected[0] += pytorch_conv_backward_flops(forward, groups, output_mask) - flops
        return flops

    counter = FlopCounterMode(
        display=False, custom_mapping={torch.ops.aten.convolution_backward: conv_backward}
    )
    counter.mod_tracker = _RowParents(rows)  # per-row names, forward and backward
    module.train(train)
    with counter:
        if train:
            y = module(x)
            if y.requires_grad:  # a net without weights has no backward
                y.sum().backward()  # the output's gradient is ones; sum is not a FLOP op
        else:
            with torch.no_grad():
                module(x)
    module.zero_grad(set_to_none=True)
    counts = counter.get_flop_counts()
    per_row = {name: sum(counts.get(name, {}).values()) for name in rows}
    total = counter.get_total_flops()
    return FlopCount(total, per_row, total + uncorrected[0])


# -- memory --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainBytes:
    """Bytes of one training step, read off the real tensors."""

    saved: int
    weights: int
    grads: int
    optimizer: int
    buffers: int

    @property
    def total(self) -> int:
        """All of them: what the static `train_bytes` predicts."""
        return self.saved + self.weights + self.grads + self.optimizer + self.buffers


def _storage_key(t: Any) -> tuple[str, int]:
    storage = t.untyped_storage()
    return (str(t.device), storage.data_ptr())


def make_optimizer(module: nn.Module, optimizer: str) -> Any:
    """The optimizer a training step uses: plain SGD, SGD with momentum, or Adam."""
    import torch

    params = [p for p in module.parameters() if p.requires_grad]
    if not params:
        return None
    if optimizer == "adam":
        return torch.optim.Adam(params, lr=LR)
    return torch.optim.SGD(params, lr=LR, momentum=0.9 if optimizer == "momentum" else 0.0)


def measure_train_bytes(module: nn.Module, x: torch.Tensor, optimizer: str = "sgd") -> TrainBytes:
    """One training step: the storages autograd saves (each once, weights and buffers left
    out), then the weights, grads, optimizer state and buffers as they are after the step."""
    import torch

    own = {_storage_key(t) for t in [*module.parameters(), *module.buffers()]}
    saved: dict[tuple[str, int], int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        key = _storage_key(t)
        if key not in own and key[1] != 0:
            saved[key] = t.untyped_storage().nbytes()
        return t

    opt = make_optimizer(module, optimizer)
    module.train()
    module.zero_grad(set_to_none=True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = module(x)
    if y.requires_grad:  # a net without weights has no backward
        y.backward(torch.ones_like(y))
    if opt is not None:
        opt.step()
    params = [p for p in module.parameters() if p.requires_grad]
    grads = sum(p.grad.nbytes for p in params if p.grad is not None)
    state = 0
    if opt is not None:
        for per_param in opt.state.values():
            state += sum(v.nbytes for v in per_param.values() if isinstance(v, torch.Tensor))
    result = TrainBytes(
        saved=sum(saved.values()),
        weights=sum(p.nbytes for p in params),
        grads=grads,
        optimizer=state,
        buffers=sum(b.nbytes for b in module.buffers()),
    )
    module.zero_grad(set_to_none=True)
    return result


# -- latency -------------------------------------------------------------------------------


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
            ratio = f"{lat.p90 / lat.p10:.1f}×" if lat.p10 > 0 else "far above"
            message = (
                f"the timing spread is wide (p90 {lat.p90:.3f} ms is {ratio} p10"
                f" {lat.p10:.3f} ms): the machine was busy and these timings are unreliable;"
                " close other work or raise --min-time"
            )
            out.append((f"latency {mode}", message))
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


# -- per-layer latency ---------------------------------------------------------------------


def time_rows(
    module: nn.Module,
    x: torch.Tensor,
    *,
    cuda: bool,
    min_time: float,
    progress: Callable[[float], None] | None = None,
) -> tuple[dict[str, float], list[float]]:
    """Median forward time of every row (ms) with pre/post forward hooks, and the whole
    hooked passes' times. Eval mode, no autograd."""
    import torch

    rows = row_modules(module)
    marks: dict[str, list[Any]] = {name: [None, None] for name in rows}
    if cuda:
        events = {
            name: (torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
            for name in rows
        }

        def stamp(name: str, i: int) -> Any:
            def hook(*_: Any) -> None:
                events[name][i].record()

            return hook
    else:
        # MPS runs asynchronously too: wait for the GPU before each host reading
        sync = torch.mps.synchronize if x.device.type == "mps" else None

        def stamp(name: str, i: int) -> Any:
            def hook(*_: Any) -> None:
                if sync is not None:
                    sync()
                marks[name][i] = time.perf_counter()

            return hook

    handles = []
    for name, sub in rows.items():
        handles.append(sub.register_forward_pre_hook(stamp(name, 0)))
        handles.append(sub.register_forward_hook(stamp(name, 1)))
    per_row: dict[str, list[float]] = {name: [] for name in rows}
    whole: list[float] = []
    clock = CudaClock(x.device) if cuda else HostClock(sync)
    try:
        module.eval()
        with torch.no_grad():
            module(x)  # warm-up
            spent, budget = 0.0, min_time * 1e3
            while spent < budget or len(whole) < MIN_RUNS:
                ms = clock(lambda: module(x))
                whole.append(ms)
                spent += ms
                for name in rows:
                    if cuda:
                        per_row[name].append(events[name][0].elapsed_time(events[name][1]))
                    else:
                        per_row[name].append((marks[name][1] - marks[name][0]) * 1e3)
                if progress is not None:
                    progress(min(1.0, spent / budget) if budget else 1.0)
    finally:
        for handle in handles:
            handle.remove()
    return {name: statistics.median(t) for name, t in per_row.items()}, whole


# -- devices and dtypes --------------------------------------------------------------------


def resolve_device(name: str) -> tuple[Any, str]:
    """'cpu', 'cuda', 'cuda:N', 'mps' or 'auto' → (torch.device, a readable name)."""
    import platform

    import torch

    text = name.strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            text = "cuda"
        elif _mps_available(torch):
            text = "mps"
        else:
            text = "cpu"
    if text == "cpu":
        return torch.device("cpu"), _cpu_name() or platform.processor() or platform.machine()
    if text == "mps":
        if not _mps_available(torch):
            raise CnnCalcError(
                "device 'mps' is not available: this PyTorch build or machine"
                " has no Apple GPU support; use --device cpu"
            )
        return torch.device("mps"), "Apple GPU (mps)"
    if text == "cuda" or (text.startswith("cuda:") and text[5:].isdigit()):
        if not torch.cuda.is_available():
            why = (
                "this PyTorch build has no CUDA support"
                if torch.version.cuda is None
                else "no CUDA GPU is visible"
            )
            raise CnnCalcError(
                f"device '{name}' is not available: {why}; use --device cpu (or --device auto)"
            )
        index = int(text[5:]) if ":" in text else torch.cuda.current_device()
        count = torch.cuda.device_count()
        if index >= count:
            raise CnnCalcError(
                f"device '{name}' is not available: there {'is' if count == 1 else 'are'}"
                f" {count} CUDA device{'s' if count != 1 else ''} (cuda:0"
                f"{f' … cuda:{count - 1}' if count > 1 else ''})"
            )
        return torch.device("cuda", index), torch.cuda.get_device_name(index)
    raise CnnCalcError(f"unknown device '{name}'; expected cpu, cuda, cuda:N, mps or auto")


def _cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else ''."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _mps_available(torch: Any) -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def torch_dtype(name: str, device: Any) -> Any:
    """'fp32' / 'fp16' / 'bf16' → torch dtype; a dtype the device cannot run is an error."""
    import torch

    table = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
    if name not in table:
        raise CnnCalcError(f"profile runs fp32, fp16 or bf16, not '{name}'")
    if device.type == "cuda" and name == "bf16" and not _cuda_bf16(torch, device):
        raise CnnCalcError(
            f"dtype bf16 is not supported on {torch.cuda.get_device_name(device)};"
            " use --dtype fp16 or fp32"
        )
    return table[name]


def _cuda_bf16(torch: Any, device: Any) -> bool:
    """Native bf16 on this GPU (compute capability 8.0, Ampere, or newer). PyTorch's
    is_bf16_supported() also says yes for the emulation older GPUs have, which is no basis
    for timing, and asks about the current device rather than this one."""
    return torch.cuda.get_device_capability(device)[0] >= 8


def _is_oom(exc: BaseException) -> bool:
    import torch

    oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", ())
    if isinstance(exc, MemoryError) or (oom and isinstance(exc, oom)):
        return True
    text = str(exc).lower()
    return "out of memory" in text or "can't allocate memory" in text


def _cleanup(device: Any) -> None:
    import gc

    import torch

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


# -- the whole profile ---------------------------------------------------------------------


def resolve_options(
    spec: Spec, defaults: dict[str, Any] | None = None, **given: Any
) -> dict[str, Any]:
    """Keyword arguments for `profile`: each option given (not None), else the spec file's
    [profile] value, else `defaults` (DEFAULTS, the API's) (DESIGN §5). Batch, dtype and
    optimizer follow api.settings, the rule of every command (issue 9)."""
    chosen = settings(spec, batch=given.pop("batch", None), dtype=given.pop("dtype", None),
                      optimizer=given.pop("optimizer", None))  # fmt: skip
    out: dict[str, Any] = {"batch": chosen.batch, "dtype": chosen.dtype,
                           "optimizer": chosen.optimizer}  # fmt: skip
    for key, default in (defaults or DEFAULTS).items():
        if key in out:
            continue
        value = given.pop(key, None)
        out[key] = value if value is not None else spec.profile_value(key, default)
    out.update({k: v for k, v in given.items() if v is not None})
    return out


def profile(
    spec: str | Path | Spec,
    *,
    device: str | None = None,
    batch: int | None = None,
    dtype: str | None = None,
    mode: str | None = None,
    warmup: int | None = None,
    min_time: float | None = None,
    threads: int | None = None,
    per_layer: bool = False,
    optimizer: str | None = None,
    input: str | Shape | tuple[int, ...] | None = None,
    progress: Progress | None = None,
) -> ProfileReport:
    """Build the spec in PyTorch on `device` and measure FLOPs, latency, throughput and
    memory next to the static figures (DESIGN §6); `progress(stage, fraction)` is told how
    far it has got. An option not given comes from the spec file's [profile] table, else
    DEFAULTS (cpu, batch 1, fp32, infer, …). Errors a user can fix raise CnnCalcError."""
    from cnncalc.api import analyze, load

    resolved = load(spec)
    given_warmup, given_min_time = warmup, min_time
    options = resolve_options(resolved, DEFAULTS, device=device, batch=batch, dtype=dtype,
                              mode=mode, warmup=warmup, min_time=min_time,
                              optimizer=optimizer)  # fmt: skip
    device, batch, dtype, mode = (options[k] for k in ("device", "batch", "dtype", "mode"))
    warmup, min_time, optimizer = (options[k] for k in ("warmup", "min_time", "optimizer"))
    if mode not in MODES:
        raise CnnCalcError(f"unknown mode '{mode}'; expected one of {', '.join(MODES)}")
    if optimizer not in OPTIMIZERS:
        raise CnnCalcError(
            f"unknown optimizer '{optimizer}'; expected one of {', '.join(OPTIMIZERS)}"
        )
    if dtype not in DTYPES:
        raise CnnCalcError(f"profile runs fp32, fp16 or bf16, not '{dtype}'")
    from_spec = {k for k, v in (("warmup", given_warmup), ("min_time", given_min_time))
                 if v is None and resolved.path and k in dict(resolved.profile)}  # fmt: skip
    where = {k: f" (in the [profile] of {resolved.path})" if k in from_spec else ""
             for k in ("warmup", "min_time")}  # fmt: skip
    warmup = check_whole("warmup", warmup, 0, MAX_WARMUP, " untimed runs" + where["warmup"])
    if isinstance(min_time, bool) or not isinstance(min_time, (int, float)):
        raise CnnCalcTypeError(f"min_time must be a number of seconds, got {min_time!r}")
    if not 0 < min_time <= MAX_MIN_TIME:  # inf, nan and 1e308 would time for ever
        raise CnnCalcValueError(
            f"min_time must be a positive number of seconds, at most {MAX_MIN_TIME:.0f}"
            f"{where['min_time']}, got {min_time}"
        )
    cpus = os.cpu_count() or 1
    if threads is not None:  # thousands crash libgomp
        threads = check_whole("threads", threads, 1, cpus, " (this machine's CPUs)")
    # errors located in the spec file as written, [blocks] calls included
    static = analyze(resolved, input=input, batch=batch, dtype=dtype, optimizer=optimizer)
    # Before a single tensor is made (on the CPU before torch is even imported): a batch the
    # device cannot hold is refused with the static estimate (issue 9: `--batch 10**30`).
    if device == "cpu":
        skip_train = _check_memory(resolved, static, "cpu", host_free_bytes(), mode, input)
    torch = require_torch()
    dev, device_name = resolve_device(device)
    tdtype = torch_dtype(dtype, dev)
    if device != "cpu":
        skip_train = _check_memory(resolved, static, dev, free_bytes(dev), mode, input)
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    cuda = dev.type == "cuda"
    try:
        # Seeded for repeatable weights, dropout masks and StochPool samples, without touching
        # the caller's random state; on CUDA the chosen GPU is the current device throughout,
        # so events, streams and allocations are all on it.
        with (
            torch.random.fork_rng(devices=[dev.index] if cuda else []),
            torch.cuda.device(dev) if cuda else contextlib.nullcontext(),
        ):
            torch.manual_seed(0)
            return _measure(
                resolved.net,
                static,
                dev,
                device_name,
                tdtype,
                mode=mode,
                warmup=warmup,
                min_time=min_time,
                per_layer=per_layer,
                optimizer=optimizer,
                threads=torch.get_num_threads() if dev.type == "cpu" else threads,
                progress=progress or (lambda stage, done: None),
                skip_train=skip_train,
            )
    except CnnCalcError:
        raise
    except Exception as exc:
        if _is_oom(exc):
            _cleanup(dev)
            raise CnnCalcError(
                f"out of memory on {dev} at batch {batch} ({dtype}): try a smaller --batch"
            ) from None
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, NotImplementedError) or "not implemented for" in text:
            raise CnnCalcError(
                f"dtype {dtype} is not supported on {dev} for this net: PyTorch"
                f" says {text}; try --dtype fp32"
            ) from None
        raise
    finally:
        if threads is not None:
            torch.set_num_threads(previous_threads)


def free_bytes(dev: Any) -> int | None:
    """Memory the device can still give, where it can be read: CUDA's free memory, the host's
    MemAvailable (Linux) or physical memory for the CPU; None when unknown (MPS)."""
    if dev.type == "cuda":
        import torch

        return int(torch.cuda.mem_get_info(dev)[0])
    return host_free_bytes() if dev.type == "cpu" else None


def host_free_bytes() -> int | None:
    """The host's available memory (Linux MemAvailable, else physical memory), without torch."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    with contextlib.suppress(AttributeError, OSError, ValueError):
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return None


def _check_memory(
    spec: Spec, static: Report, dev: Any, free: int | None, mode: str, input: Any
) -> str | None:
    """Refuse a run whose static memory estimate exceeds the `free` bytes of device `dev`,
    saying the estimate and the largest batch that would fit; for an inference-only run whose
    training step alone would not fit, the reason to skip the training figures; else None."""
    if free is None:
        return None
    t = static.totals
    infer, train = t.peak_bytes, t.train_bytes
    need, what = (infer, "an inference pass") if mode == "infer" else (train, "a training step")
    if need <= free:
        if mode == "infer" and train > free:
            return (f"a training step needs about {nbytes(train)} (static estimate), more than"
                    f" the {nbytes(free)} free on {dev}")  # fmt: skip
        return None
    from cnncalc.api import analyze

    # Memory grows linearly with the batch: two points give the largest batch that fits.
    key = "peak_bytes" if mode == "infer" else "train_bytes"
    one, two = (getattr(analyze(spec, input=input, batch=b, dtype=static.dtype,
                                optimizer=static.optimizer).totals, key) for b in (1, 2))  # fmt: skip
    per_image = max(1, two - one)
    fits = (free - (one - per_image)) // per_image
    hint = f"try --batch {fits:,} or less" if fits >= 1 else "even batch 1 does not fit"
    batch = f"{static.batch:,}" if static.batch < 10**15 else f"{static.batch:.3g}"
    raise CnnCalcError(
        f"batch {batch} needs about {nbytes(need)} for {what} on {dev} (static estimate),"
        f" more than the {nbytes(free)} free: {hint}"
    )


def _measure(
    net: Any,
    static: Report,
    dev: Any,
    device_name: str,
    tdtype: Any,
    *,
    mode: str,
    warmup: int,
    min_time: float,
    per_layer: bool,
    optimizer: str,
    threads: int | None,
    progress: Progress,
    skip_train: str | None = None,
) -> ProfileReport:
    import torch

    batch = static.batch
    cuda = dev.type == "cuda"
    progress("building", 0.0)
    with torch.device(dev):
        module = assemble(net, static)
    module.to(dtype=tdtype)
    x = torch.randn(torch_shape(static.input, batch), device=dev, dtype=tdtype)
    self_check(module, static, x)
    rows = row_modules(module)

    progress("counting FLOPs", 0.0)
    forward = count_flops(module, x, train=False)
    notes: list[str] = [FLOP_NOTE]
    infer_peak = _cuda_infer_peak(module, x, dev) if cuda else None
    train_ok = True
    try:
        if skip_train is not None:  # infer mode, and a training step would not fit
            raise MemoryError(skip_train)
        train_flops = count_flops(module, x, train=True)
        progress("counting FLOPs", 1.0)
        progress("measuring memory", 0.0)
        bytes_now = measure_train_bytes(module, x, optimizer)
        train_peak = _cuda_train_peak(module, x, optimizer, dev) if cuda else None
    except (ValueError, RuntimeError, NotImplementedError, MemoryError) as exc:
        if isinstance(exc, ValueError) and mode != "infer":  # BatchNorm on one value a channel
            raise CnnCalcError(
                f"training mode fails at batch {batch}: {exc}; try --batch 2 or more"
            ) from None
        if mode != "infer":
            raise  # out of memory or a missing kernel: profile() says which
        # Inference was asked for: a training step that cannot run here (BatchNorm at batch 1,
        # a backward kernel missing for the dtype, memory for inference but not for training)
        # only leaves the training figures out.
        module.zero_grad(set_to_none=True)
        _cleanup(dev)
        train_ok = False
        train_flops, bytes_now, train_peak = FlopCount(0, {}, 0), None, None
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = " (try --batch 2 or more)" if isinstance(exc, ValueError) else ""
        notes.append(f"training figures skipped: {why}{hint}")
        progress("counting FLOPs", 1.0)
    progress("measuring memory", 1.0)

    latency: dict[str, Latency] = {}
    modes = ("infer", "train") if mode == "both" else (mode,)
    sync = torch.mps.synchronize if dev.type == "mps" else None
    clock = CudaClock(dev) if cuda else HostClock(sync)
    for m in modes:
        stage = f"timing {m}"
        report_to: Callable[[float], None] = lambda f, s=stage: progress(s, f)
        if m == "infer":
            module.eval()
            with torch.no_grad():
                times = time_runs(
                    infer_step(module, x),
                    clock,
                    warmup=warmup,
                    min_time=min_time,
                    progress=report_to,
                )
        else:
            module.train()
            step = train_step(module, x, make_optimizer(module, optimizer))
            times = time_runs(step, clock, warmup=warmup, min_time=min_time, progress=report_to)
            module.zero_grad(set_to_none=True)
        latency[m] = summarize(times, clock.name)

    row_ms: dict[str, float] = {}
    layer_info = None
    if per_layer:
        progress("timing layers", 0.0)
        row_ms, whole = time_rows(
            module, x, cuda=cuda, min_time=min_time, progress=lambda f: progress("timing layers", f)
        )
        hooked = statistics.median(whole)
        if "infer" in latency:
            plain = latency["infer"].median
        else:
            module.eval()
            with torch.no_grad():
                plain = statistics.median(
                    time_runs(infer_step(module, x), clock, warmup=1, min_time=min_time / 2)
                )
        method = (
            f"forward pre/post hooks on every row's module, timed with"
            f" {'CUDA events' if cuda else 'time.perf_counter'}; eval mode, median of"
            f" {len(whole)} passes; a block row includes its children"
        )
        layer_info = PerLayer(method, len(whole), hooked, plain, hooked / plain - 1)

    static_rows = static.rows
    layers = []
    for row in static_rows:
        sub = rows[row.name]
        ms = row_ms.get(row.name)
        layers.append(RowProfile(
            name=row.name, kind=row.kind, depth=row.depth, block=row.block, output=row.output,
            weights=Figure(row.weights, sum(p.numel() for p in sub.parameters())),
            flops=Figure(row.flops, forward.rows.get(row.name, 0)),
            train_flops=Figure(row.flops + row.backward_flops,
                               train_flops.rows.get(row.name, 0) if train_ok else None),
            latency_ms=ms, share=(ms / layer_info.hooked_ms) if ms is not None and layer_info
            else None,
        ))  # fmt: skip

    t = static.totals
    flops = {
        "forward": Figure(t.flops, forward.total),
        "train": Figure(t.flops + t.backward_flops, train_flops.total if train_ok else None),
    }
    throughput = {m: batch / (lat.median / 1e3) for m, lat in latency.items()}
    flops_per_s = {
        m: (flops["forward" if m == "infer" else "train"].measured or 0) / (lat.median / 1e3)
        for m, lat in latency.items()
    }
    memory = _memory(static, bytes_now, infer_peak, train_peak, cuda)
    if flops["train"].measured is not None and train_flops.pytorch_total != train_flops.total:
        notes.append(
            f"grouped convolutions: PyTorch's own formula would count {train_flops.pytorch_total:,}"
            f" FLOPs for forward + backward instead of {train_flops.total:,}"
        )
    return ProfileReport(
        name=static.name,
        description=static.description,
        input=static.input,
        output=static.output,
        device=str(dev),
        device_name=device_name,
        dtype=static.dtype,
        batch=batch,
        mode=mode,
        optimizer=optimizer,
        threads=threads,
        warmup=warmup,
        min_time=min_time,
        torch_version=torch.__version__,
        weights=Figure(t.weights, sum(p.numel() for p in module.parameters())),
        flops=flops,
        flops_train_pytorch=train_flops.pytorch_total,
        latency_ms=latency,
        throughput=throughput,
        flops_per_s=flops_per_s,
        memory=memory,
        layers=tuple(layers),
        per_layer=layer_info,
        static=static,
        notes=tuple(notes),
        warnings=spread_warnings(latency),
    )


def _cuda_infer_peak(module: nn.Module, x: torch.Tensor, dev: Any) -> int:
    """torch.cuda.max_memory_allocated over one inference pass."""
    import torch

    module.eval()
    torch.cuda.synchronize(dev)
    torch.cuda.reset_peak_memory_stats(dev)
    with torch.no_grad():
        y = module(x)
    torch.cuda.synchronize(dev)
    del y
    return torch.cuda.max_memory_allocated(dev)


def _cuda_train_peak(module: nn.Module, x: torch.Tensor, optimizer: str, dev: Any) -> int:
    """torch.cuda.max_memory_allocated over one training step, after a first step so that
    grads and optimizer state exist as they do in training."""
    import torch

    module.train()
    step = train_step(module, x, make_optimizer(module, optimizer))
    step()
    torch.cuda.synchronize(dev)
    torch.cuda.reset_peak_memory_stats(dev)
    step()
    torch.cuda.synchronize(dev)
    train = torch.cuda.max_memory_allocated(dev)
    module.zero_grad(set_to_none=True)
    return train


def _memory(
    static: Report,
    measured: TrainBytes | None,
    infer_peak: int | None,
    train_peak: int | None,
    cuda: bool,
) -> Memory:
    t = static.totals
    m = measured
    if cuda:
        method = (
            "torch.cuda.max_memory_allocated for an inference pass and a training step;"
            " parts from saved_tensors_hooks and the real tensors"
        )
        train = train_peak
    else:
        method = (
            "saved_tensors_hooks (each storage once) + weights + grads + optimizer state"
            " + buffers, read off the real tensors after one training step"
        )
        train = m.total if m else None
    return Memory(
        method=method,
        train_bytes=Figure(t.train_bytes, train),
        infer_peak_bytes=Figure(t.peak_bytes, infer_peak),
        saved_bytes=Figure(t.saved_bytes, m.saved if m else None),
        weight_bytes=Figure(t.weight_bytes, m.weights if m else None),
        grad_bytes=Figure(t.weight_bytes, m.grads if m else None),
        optimizer_bytes=Figure(t.optimizer_bytes, m.optimizer if m else None),
        buffer_bytes=Figure(t.buffer_bytes, m.buffers if m else None),
    )


__all__ = [
    "DEFAULTS",
    "Figure",
    "InternalError",
    "Latency",
    "Memory",
    "PerLayer",
    "ProfileReport",
    "RowProfile",
    "conv_backward_flops",
    "count_flops",
    "measure_train_bytes",
    "profile",
    "resolve_options",
]
