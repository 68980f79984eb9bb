"""The measured roofline (issue 13): the device's peaks measured, cached, then every row timed.

Peaks: FLOP/s from a large square matmul at the dtype (fp16/bf16 run on the tensor cores on
CUDA; fp32 stays fp32, PyTorch's default of no TF32), bandwidth the best of a large copy (read
+ write counted) and a large sum (read counted), each far larger than the last-level cache.
The best run is the ceiling (the roofline is an upper bound on speed), the median and spread
are stated, and the matmul is measured again with torch.utils.benchmark as a reference in the
same run. Peaks are cached per device, its name, dtype, threads and torch version in the user
cache directory. The rows are then timed by `profile --per-layer` (cnncalc/torch/profile.py).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnnCalcError
from cnncalc.messages import msg
from cnncalc.roofline import Peaks, Roofline, roofline, with_measured
from cnncalc.torch.build import require_torch
from cnncalc.torch.device import check_dtype, resolve_device, torch_dtype
from cnncalc.torch.timing import make_clock, percentile, time_runs

if TYPE_CHECKING:
    from cnncalc.analysis import Report
    from cnncalc.specs import Spec

CACHE_SCHEMA = "cnncalc.peaks/1"
CACHE_FILE = "roofline-peaks.json"
PEAK_SECONDS = 1.0  # timed seconds per peak measurement (each at least MIN_RUNS runs)
# Square matmul size per device type: on the CPU large enough to run at the BLAS's full speed
# (2 GFLOP), small enough that a second holds dozens of runs, so the best run escapes other
# work on a shared machine; on a GPU large enough to fill every SM.
MATMUL_N = {"cpu": 1024, "mps": 4096, "cuda": 8192}
MIN_STREAM_BYTES = 256 * 2**20  # the bandwidth tensors: at least this, and 8× the cache
CUDA_STREAM_BYTES = 2**30


@dataclass(frozen=True, slots=True)
class Measured:
    """A device's measured peaks, and how they were found (for the cache and the output)."""

    peak_flops: float
    flops_median: float
    flops_p10: float
    flops_p90: float
    runs: int
    matmul_n: int
    reference_flops: float  # torch.utils.benchmark's median, same matmul, same threads
    bandwidth: float
    copy_bandwidth: float
    read_bandwidth: float
    stream_bytes: int
    cache_bytes: int | None
    measured_at: float

    def valid(self) -> bool:
        """Every figure a positive finite number (the cache size may be unknown): a cache
        entry that is not is measured again, never shown."""
        from dataclasses import astuple

        figures = list(astuple(self))
        if self.cache_bytes is None:
            figures.remove(None)
        return all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
            and x >= 0 for x in figures
        ) and min(self.peak_flops, self.bandwidth, self.reference_flops) > 0  # fmt: skip


def cache_path() -> Path:
    """$XDG_CACHE_HOME/cnncalc/roofline-peaks.json, else ~/.cache/cnncalc/…"""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cnncalc" / CACHE_FILE


def cache_key(device: str, device_name: str, dtype: str, threads: int, torch_version: str) -> str:
    """What a measurement depends on: the device and its model, dtype, threads, torch."""
    return f"{device}|{device_name}|{dtype}|threads={threads}|torch={torch_version}"


def read_cache(path: Path, key: str) -> Measured | None:
    """The cached peaks for `key`; None when absent, unreadable or corrupt (then measured)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entry = data["entries"][key] if data.get("schema") == CACHE_SCHEMA else None
        found = Measured(**entry) if isinstance(entry, dict) else None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return found if found is not None and found.valid() else None


def write_cache(path: Path, key: str, m: Measured) -> str | None:
    """Store `m` under `key`, keeping the other entries (a corrupt file is replaced); written
    whole or not at all (a temporary file renamed). Returns why it failed, else None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["entries"] if data.get("schema") == CACHE_SCHEMA else {}
        entries = entries if isinstance(entries, dict) else {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        entries = {}
    from dataclasses import asdict

    entries[key] = asdict(m)
    text = json.dumps({"schema": CACHE_SCHEMA, "entries": entries}, indent=1)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        return str(exc)
    return None


def last_level_cache(dev: Any) -> int | None:
    """Bytes of the largest cache: the CPU's from sysfs (Linux), the GPU's L2; None if unknown."""
    import torch

    if dev.type == "cuda":
        return int(getattr(torch.cuda.get_device_properties(dev), "L2_cache_size", 0)) or None
    if dev.type != "cpu":
        return None
    sizes = []
    for entry in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        try:
            text = entry.read_text().strip()
            scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
            sizes.append(int(text.rstrip("KMG")) * scale)
        except (OSError, ValueError):
            continue
    return max(sizes) if sizes else None


def _matmul_peak(dev: Any, tdtype: Any, threads: int) -> tuple[list[float], float, int]:
    """Timed runs of an n×n matmul (FLOP/s each), torch.utils.benchmark's median FLOP/s for
    the same matmul and thread count, and n."""
    import torch
    from torch.utils import benchmark

    n = MATMUL_N[dev.type]
    a = torch.randn(n, n, device=dev, dtype=tdtype)
    b = torch.randn(n, n, device=dev, dtype=tdtype)
    out = torch.empty(n, n, device=dev, dtype=tdtype)
    flops = 2 * n**3
    times = time_runs(lambda: torch.matmul(a, b, out=out), make_clock(dev), warmup=2,
                      min_time=PEAK_SECONDS)  # fmt: skip
    timer = benchmark.Timer("torch.matmul(a, b)", globals={"torch": torch, "a": a, "b": b},
                            num_threads=threads)  # fmt: skip
    ref = timer.blocked_autorange(min_run_time=PEAK_SECONDS)
    return [flops / (ms / 1e3) for ms in times], flops / ref.median, n


def _stream_bandwidth(dev: Any, tdtype: Any, cache: int | None) -> tuple[float, float, int]:
    """The best copy bandwidth (read + write counted), the best sum bandwidth (read counted)
    and the bytes of one tensor: far larger than the cache, so both come from memory."""
    import torch

    size = CUDA_STREAM_BYTES if dev.type == "cuda" else max(MIN_STREAM_BYTES, 8 * (cache or 0))
    elem = torch.tensor([], dtype=tdtype).element_size()
    src = torch.ones(size // elem, device=dev, dtype=tdtype)
    dst = torch.empty_like(src)
    clock = make_clock(dev)
    copy = time_runs(lambda: dst.copy_(src), clock, warmup=1, min_time=PEAK_SECONDS)
    read = time_runs(lambda: src.sum(), clock, warmup=1, min_time=PEAK_SECONDS)
    nbytes = src.numel() * elem
    return 2 * nbytes / (min(copy) / 1e3), nbytes / (min(read) / 1e3), nbytes


def measure_peaks(dev: Any, dtype: str, threads: int) -> Measured:
    """Measure the device's peak FLOP/s and bandwidth now (module doc)."""
    tdtype = torch_dtype(dtype, dev)
    rates, reference, n = _matmul_peak(dev, tdtype, threads)
    cache = last_level_cache(dev)
    copy_bw, read_bw, nbytes = _stream_bandwidth(dev, tdtype, cache)
    return Measured(
        peak_flops=max(rates), flops_median=statistics.median(rates),
        flops_p10=percentile(rates, 10), flops_p90=percentile(rates, 90), runs=len(rates),
        matmul_n=n, reference_flops=reference, bandwidth=max(copy_bw, read_bw),
        copy_bandwidth=copy_bw, read_bandwidth=read_bw, stream_bytes=nbytes, cache_bytes=cache,
        measured_at=time.time(),
    )  # fmt: skip


def _details(m: Measured, dtype: str, threads: int, where: str) -> tuple[tuple[str, str], ...]:
    """How the peaks were found, as label → text pairs for the output and the JSON."""
    from cnncalc.render.as_roofline import rate
    from cnncalc.units import nbytes

    g = lambda x: rate(x, "FLOP/s")
    return (
        (msg("roofline.d_flops"), msg("roofline.d_flops_text", peak=g(m.peak_flops), n=m.matmul_n,
                                      dtype=dtype, runs=m.runs, median=g(m.flops_median),
                                      p10=g(m.flops_p10), p90=g(m.flops_p90))),
        (msg("roofline.d_reference"), msg("roofline.d_reference_text", ref=g(m.reference_flops),
                                          ratio=f"{m.peak_flops / m.reference_flops:.2f}")),
        (msg("roofline.d_bandwidth"), msg("roofline.d_bandwidth_text", bw=rate(m.bandwidth, "B/s"),
                                          copy=rate(m.copy_bandwidth, "B/s"),
                                          read=rate(m.read_bandwidth, "B/s"),
                                          size=nbytes(m.stream_bytes))),
        (msg("roofline.d_threads"), msg("roofline.d_threads_text", threads=threads)),
        (msg("roofline.d_cache"), nbytes(m.cache_bytes) if m.cache_bytes else "?"),
        (msg("roofline.d_when"), where),
    )  # fmt: skip


def device_peaks(
    dev: Any,
    device_name: str,
    dtype: str,
    threads: int,
    *,
    remeasure: bool = False,
    path: Path | None = None,
) -> tuple[Peaks, Measured, tuple[tuple[str, str], ...]]:
    """The device's peaks from the cache, else measured now and cached."""
    import torch

    path = path or cache_path()
    key = cache_key(dev.type if dev.type != "cuda" else str(dev), device_name, dtype, threads,
                    torch.__version__)  # fmt: skip
    m = None if remeasure else read_cache(path, key)
    if m is not None:
        when = msg("roofline.d_from_cache", at=_utc(m.measured_at), path=str(path))
    else:
        m = measure_peaks(dev, dtype, threads)
        failed = write_cache(path, key, m)
        when = (
            msg("roofline.d_cache_failed", why=failed)
            if failed
            else msg("roofline.d_measured_now", path=str(path))
        )
    method = msg("roofline.method_measured", name=device_name, n=m.matmul_n, dtype=dtype)
    peaks = Peaks(str(dev), m.peak_flops, m.bandwidth, method, measured=True)
    return peaks, m, _details(m, dtype, threads, when)


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t))


def measured_roofline(
    spec: Spec,
    report: Report,
    *,
    device: str,
    mode: str = "infer",
    threads: int | None = None,
    min_time: float | None = None,
    remeasure: bool = False,
    input: str | None = None,
) -> Roofline:
    """The roofline on the measured peaks of `device`, every row timed as `profile
    --per-layer` times it (forward passes: infer mode only)."""
    from cnncalc.settings import check_whole
    from cnncalc.torch.profile import profile

    if mode != "infer":
        raise CnnCalcError(msg("roofline.measured_infer_only"))
    check_dtype(report.dtype)
    if threads is not None:
        threads = check_whole("threads", threads, 1, os.cpu_count() or 1, " (this machine's CPUs)")
    torch = require_torch()
    dev, name = resolve_device(device)
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        used = torch.get_num_threads()
        peaks, m, details = device_peaks(dev, name, report.dtype, used, remeasure=remeasure)
    finally:
        torch.set_num_threads(before)
    prof = profile(spec, device=device, batch=report.batch, dtype=report.dtype, mode="infer",
                   per_layer=True, threads=used, input=input,
                   min_time=min_time)  # fmt: skip
    row_ms = {r.name: r.latency_ms for r in prof.layers if r.latency_ms is not None}
    roof = roofline(report, peaks)
    return with_measured(roof, row_ms, prof.latency_ms["infer"].median, m.cache_bytes, details)
