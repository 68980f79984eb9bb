"""Build the net in PyTorch and measure it next to the static prediction (DESIGN §6).

The orchestration: options resolved and checked, memory checked before a tensor is made,
then FLOPs (flops.py), memory (memory.py) and latency (timing.py) measured on the device
(device.py) and put together in a ProfileReport (report.py). Nothing here prints; torch is
imported inside the functions.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.analysis import Report
from cnncalc.errors import CnnCalcError, first_line
from cnncalc.ir import Shape
from cnncalc.messages import msg
from cnncalc.settings import PROFILE_KEYS, check_whole, resolve
from cnncalc.torch.build import assemble, require_torch, row_modules, self_check, torch_shape
from cnncalc.torch.device import check_dtype, cleanup, is_oom, resolve_device, torch_dtype
from cnncalc.torch.flops import FlopCount, count_flops
from cnncalc.torch.memory import (
    TrainBytes,
    check_memory,
    cuda_infer_peak,
    cuda_train_peak,
    free_bytes,
    host_free_bytes,
    measure_train_bytes,
    memory_figures,
)
from cnncalc.torch.report import Figure, PerLayer, ProfileReport, RowProfile
from cnncalc.torch.timing import Progress, make_clock, spread_warnings, time_layers, time_modes

if TYPE_CHECKING:
    import torch
    from torch import nn

    from cnncalc.specs import Spec


@dataclass(frozen=True, slots=True)
class Options:
    """What one profile run is made at, resolved and checked."""

    device: str
    batch: int
    dtype: str
    mode: str
    warmup: int
    min_time: float
    optimizer: str
    threads: int | None
    per_layer: bool


def checked_options(spec: Spec, *, threads: int | None, per_layer: bool, **given: Any) -> Options:
    """The options of one run by the rule of every command (settings.resolve: given, else the
    spec's [profile], else DEFAULTS), each checked once; a dtype PyTorch does not run and a
    thread count beyond this machine's CPUs are refused too."""
    chosen = resolve(spec, **{**dict.fromkeys(PROFILE_KEYS), **given})  # every key resolved
    check_dtype(chosen.dtype)
    if threads is not None:  # thousands crash libgomp
        why = msg("torch.profile.threads_why")
        threads = check_whole("threads", threads, 1, os.cpu_count() or 1, why)
    return Options(
        chosen.device, chosen.batch, chosen.dtype, chosen.mode, chosen.warmup, chosen.min_time,
        chosen.optimizer, threads, per_layer,
    )  # fmt: skip


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
    settings.DEFAULTS (cpu, batch 1, fp32, infer, …). Errors a user can fix raise
    CnnCalcError."""
    from cnncalc.api import analyze, load

    resolved = load(spec, input)
    opts = checked_options(resolved, threads=threads, per_layer=per_layer, device=device,
                           batch=batch, dtype=dtype, mode=mode, warmup=warmup,
                           min_time=min_time, optimizer=optimizer)  # fmt: skip
    # errors located in the spec file as written, [blocks] calls included
    static = analyze(resolved, input=input, batch=opts.batch, dtype=opts.dtype,
                     optimizer=opts.optimizer)  # fmt: skip
    # Before a single tensor is made (on the CPU before torch is even imported): a batch the
    # device cannot hold is refused with the static estimate (issue 9: `--batch 10**30`).
    if opts.device == "cpu":
        skip_train = check_memory(resolved, static, "cpu", host_free_bytes(), opts.mode, input)
    require_torch()
    dev, device_name = resolve_device(opts.device)
    tdtype = torch_dtype(opts.dtype, dev)
    if opts.device != "cpu":
        skip_train = check_memory(resolved, static, dev, free_bytes(dev), opts.mode, input)
    job = _Job(resolved.net, static, dev, device_name, tdtype, opts, skip_train)
    return _run(job, progress or (lambda stage, done: None))


@dataclass(frozen=True, slots=True)
class _Job:
    """One profile run with everything decided: the net and its static report, the device
    and dtype it runs at, the options, and why the training step is skipped (None: it is not)."""

    net: Any
    static: Report
    dev: Any
    device_name: str
    tdtype: Any
    opts: Options
    skip_train: str | None


def _run(job: _Job, progress: Progress) -> ProfileReport:
    """`_measure` with the thread count set and restored, seeded, on the chosen device, and
    PyTorch's errors turned into messages a user can act on."""
    import torch

    dev, opts = job.dev, job.opts

    previous_threads = torch.get_num_threads()
    if opts.threads is not None:
        torch.set_num_threads(opts.threads)
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
            threads = torch.get_num_threads() if dev.type == "cpu" else opts.threads
            return _measure(replace(job, opts=replace(opts, threads=threads)), progress)
    except CnnCalcError:
        raise
    except Exception as exc:
        if is_oom(exc):
            cleanup(dev)
            raise CnnCalcError(
                msg("torch.profile.oom", device=dev, batch=opts.batch, dtype=opts.dtype)
            ) from None
        text = first_line(exc)
        if isinstance(exc, NotImplementedError) or "not implemented for" in text:
            raise CnnCalcError(
                msg("torch.profile.dtype", dtype=opts.dtype, device=dev, text=text)
            ) from None
        raise
    finally:
        if opts.threads is not None:
            torch.set_num_threads(previous_threads)


@dataclass(frozen=True, slots=True)
class _Counts:
    """FLOPs and memory of one net, before any timing."""

    forward: FlopCount
    train: FlopCount | None  # None: the training step could not run (infer mode only)
    train_bytes: TrainBytes | None
    infer_peak: int | None  # CUDA only
    train_peak: int | None  # CUDA only
    notes: tuple[str, ...]


def _measure(job: _Job, progress: Progress) -> ProfileReport:
    """Build the net on its device, count its FLOPs and memory, time it, and report."""
    import torch

    static, dev, opts = job.static, job.dev, job.opts

    progress("building", 0.0)
    with torch.device(dev):
        module = assemble(job.net, static)
    module.to(dtype=job.tdtype)
    x = torch.randn(torch_shape(static.input, static.batch), device=dev, dtype=job.tdtype)
    self_check(module, static, x)
    counts = _count(module, x, static, dev, opts, progress, job.skip_train)
    modes = ("infer", "train") if opts.mode == "both" else (opts.mode,)
    clock = make_clock(dev)
    latency = time_modes(module, x, modes, clock, warmup=opts.warmup, min_time=opts.min_time,
                         optimizer=opts.optimizer, progress=progress)  # fmt: skip
    row_ms: dict[str, float] = {}
    layer_info = None
    if opts.per_layer:
        row_ms, layer_info = time_layers(module, x, clock, latency, min_time=opts.min_time,
                                         progress=progress)  # fmt: skip
    t = static.totals
    train_total = counts.train.total if counts.train else None
    flops = {"forward": Figure(t.flops, counts.forward.total),
             "train": Figure(t.flops + t.backward_flops, train_total)}  # fmt: skip
    pytorch_total = counts.train.pytorch_total if counts.train else 0
    notes = list(counts.notes)
    if train_total is not None and pytorch_total != train_total:
        notes.append(msg("torch.profile.grouped", pytorch=f"{pytorch_total:,}",
                         ours=f"{train_total:,}"))  # fmt: skip
    rates = {m: (flops["forward" if m == "infer" else "train"].measured or 0) / (lat.median / 1e3)
             for m, lat in latency.items()}  # fmt: skip
    return ProfileReport(
        name=static.name, description=static.description, input=static.input,
        output=static.output, device=str(dev), device_name=job.device_name, dtype=static.dtype,
        batch=static.batch, mode=opts.mode, optimizer=opts.optimizer, threads=opts.threads,
        warmup=opts.warmup, min_time=opts.min_time, torch_version=torch.__version__,
        weights=Figure(t.weights, sum(p.numel() for p in module.parameters())),
        flops=flops, flops_train_pytorch=pytorch_total, latency_ms=latency,
        throughput={m: static.batch / (lat.median / 1e3) for m, lat in latency.items()},
        flops_per_s=rates,
        memory=memory_figures(static, counts.train_bytes, counts.infer_peak, counts.train_peak,
                              dev.type == "cuda"),
        layers=_rows(static, row_modules(module), counts, row_ms, layer_info),
        per_layer=layer_info, static=static, notes=tuple(notes),
        warnings=spread_warnings(latency),
    )  # fmt: skip


def _count(
    module: nn.Module,
    x: torch.Tensor,
    static: Report,
    dev: Any,
    opts: Options,
    progress: Progress,
    skip_train: str | None,
) -> _Counts:
    """FLOPs of a forward pass and of a training step, and a training step's memory. With
    mode infer, a training step that cannot run only leaves its figures out, with a note."""
    progress("counting FLOPs", 0.0)
    forward = count_flops(module, x, train=False)
    cuda = dev.type == "cuda"
    infer_peak = cuda_infer_peak(module, x, dev) if cuda else None
    try:
        if skip_train is not None:  # infer mode, and a training step would not fit
            raise MemoryError(skip_train)
        train = count_flops(module, x, train=True)
        progress("counting FLOPs", 1.0)
        progress("measuring memory", 0.0)
        train_bytes = measure_train_bytes(module, x, opts.optimizer)
        train_peak = cuda_train_peak(module, x, opts.optimizer, dev) if cuda else None
    except (ValueError, RuntimeError, NotImplementedError, MemoryError) as exc:
        if isinstance(exc, ValueError) and opts.mode != "infer":  # BatchNorm on 1 value a channel
            raise CnnCalcError(
                msg("torch.profile.train_fails", batch=static.batch, problem=exc)
            ) from None
        if opts.mode != "infer":
            raise  # out of memory or a missing kernel: profile() says which
        # Inference was asked for: a training step that cannot run here (BatchNorm at batch 1,
        # a backward kernel missing for the dtype, memory for inference but not for training)
        # only leaves the training figures out.
        module.zero_grad(set_to_none=True)
        cleanup(dev)
        hint = msg("torch.profile.try_batch_two") if isinstance(exc, ValueError) else ""
        progress("counting FLOPs", 1.0)
        progress("measuring memory", 1.0)
        note = msg("torch.profile.train_skipped", problem=first_line(exc), hint=hint)
        return _Counts(forward, None, None, infer_peak, None, (msg("torch.flops.note"), note))
    progress("measuring memory", 1.0)
    return _Counts(forward, train, train_bytes, infer_peak, train_peak, (msg("torch.flops.note"),))


def _rows(
    static: Report,
    modules: dict[str, nn.Module],
    counts: _Counts,
    row_ms: dict[str, float],
    layer_info: PerLayer | None,
) -> tuple[RowProfile, ...]:
    """Each row of the static report next to what was measured for its module."""
    out = []
    for row in static.rows:
        ms = row_ms.get(row.name)
        train = counts.train.rows.get(row.name, 0) if counts.train else None
        out.append(RowProfile(
            name=row.name, kind=row.kind, depth=row.depth, block=row.block, output=row.output,
            weights=Figure(row.weights, sum(p.numel() for p in modules[row.name].parameters())),
            flops=Figure(row.flops, counts.forward.rows.get(row.name, 0)),
            train_flops=Figure(row.flops + row.backward_flops, train),
            latency_ms=ms,
            share=ms / layer_info.hooked_ms if ms is not None and layer_info else None,
        ))  # fmt: skip
    return tuple(out)


__all__ = ["Options", "checked_options", "profile"]
