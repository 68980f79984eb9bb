"""What `profile` returns and the profile renderers read: static figures next to measured ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from cnncalc.analysis import Report
from cnncalc.ir import Shape


@dataclass(frozen=True, slots=True)
class Figure:
    """A static prediction next to its measurement (None when not measured)."""

    static: int
    measured: int | None

    @property
    def diff(self) -> int | None:
        """measured − static: how far the measurement is from the prediction, signed."""
        return None if self.measured is None else self.measured - self.static

    @property
    def relative_error(self) -> float | None:
        """diff / measured = (measured − static) / measured, with diff's sign: positive when
        the measurement exceeds the prediction (issue 16; schema cnncalc.profile/1 had the
        opposite sign, /2 has this one)."""
        diff = self.diff
        if diff is None or self.measured == 0:
            return None if diff is None or self.static else 0.0
        return diff / self.measured


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
