"""Memory (DESIGN §6): what a training step keeps, read off the real tensors, and what the
device has free.

On every device, the bytes autograd saves for backward are read with
`torch.autograd.graph.saved_tensors_hooks` (each storage once, weights and running statistics
left out since they are counted as weights and buffers), plus the weights, their grads, the
optimizer state and the buffers, each read off the real tensors after one step. On CUDA also
`torch.cuda.max_memory_allocated` for an inference pass and for a training step.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.analysis import Report
from cnncalc.errors import CnnCalcError
from cnncalc.messages import msg
from cnncalc.torch.report import Figure, Memory
from cnncalc.torch.timing import make_optimizer, train_step
from cnncalc.units import nbytes

if TYPE_CHECKING:
    import torch
    from torch import nn

    from cnncalc.specs import Spec


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


def cuda_infer_peak(module: nn.Module, x: torch.Tensor, dev: Any) -> int:
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


def cuda_train_peak(module: nn.Module, x: torch.Tensor, optimizer: str, dev: Any) -> int:
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


def memory_figures(
    static: Report,
    measured: TrainBytes | None,
    infer_peak: int | None,
    train_peak: int | None,
    cuda: bool,
) -> Memory:
    """The static memory figures next to the measured ones (CUDA: the allocator's peaks)."""
    t = static.totals
    m = measured
    if cuda:
        method = msg("torch.memory.method_cuda")
        train = train_peak
    else:
        method = msg("torch.memory.method_cpu")
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


def check_memory(
    spec: Spec, static: Report, dev: Any, free: int | None, mode: str, input: Any
) -> str | None:
    """Refuse a run whose static memory estimate exceeds the `free` bytes of device `dev`,
    saying the estimate and the largest batch that would fit; for an inference-only run whose
    training step alone would not fit, the reason to skip the training figures; else None."""
    if free is None:
        return None
    t = static.totals
    infer, train = t.peak_bytes, t.train_bytes
    need, what = ((infer, msg("torch.memory.infer_pass")) if mode == "infer"
                  else (train, msg("torch.memory.train_step")))  # fmt: skip
    if need <= free:
        if mode == "infer" and train > free:
            return msg("torch.memory.train_too_big", need=nbytes(train), free=nbytes(free),
                       device=dev)  # fmt: skip
        return None
    from cnncalc.api import analyze

    # Memory grows linearly with the batch: two points give the largest batch that fits.
    key = "peak_bytes" if mode == "infer" else "train_bytes"
    one, two = (getattr(analyze(spec, input=input, batch=b, dtype=static.dtype,
                                optimizer=static.optimizer).totals, key) for b in (1, 2))  # fmt: skip
    per_image = max(1, two - one)
    fits = (free - (one - per_image)) // per_image
    hint = (msg("torch.memory.try_batch", fits=f"{fits:,}") if fits >= 1
            else msg("torch.memory.batch_one"))  # fmt: skip
    batch = f"{static.batch:,}" if static.batch < 10**15 else f"{static.batch:.3g}"
    raise CnnCalcError(msg("torch.memory.too_big", batch=batch, need=nbytes(need), what=what,
                           device=dev, free=nbytes(free), hint=hint))  # fmt: skip
