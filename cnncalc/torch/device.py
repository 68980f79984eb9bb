"""Devices and dtypes: what `--device` and `--dtype` name, and whether this machine runs them."""

from __future__ import annotations

from typing import Any

from cnncalc.errors import CnnCalcError
from cnncalc.messages import msg
from cnncalc.settings import PROFILE_DTYPES, TORCH_DTYPES


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
            raise CnnCalcError(msg("torch.device.no_mps"))
        return torch.device("mps"), "Apple GPU (mps)"
    if text == "cuda" or (text.startswith("cuda:") and text[5:].isdigit()):
        if not torch.cuda.is_available():
            why = msg(
                "torch.device.no_cuda_build"
                if torch.version.cuda is None
                else "torch.device.no_gpu"
            )
            auto = msg("torch.device.auto_hint")
            raise CnnCalcError(msg("torch.device.unavailable", name=name, why=why, auto=auto))
        index = int(text[5:]) if ":" in text else torch.cuda.current_device()
        count = torch.cuda.device_count()
        if index >= count:
            if count == 1:
                raise CnnCalcError(msg("torch.device.one_gpu", name=name))
            last = f" … cuda:{count - 1}" if count > 1 else ""
            raise CnnCalcError(msg("torch.device.gpus", name=name, count=count, last=last))
        return torch.device("cuda", index), torch.cuda.get_device_name(index)
    raise CnnCalcError(msg("torch.device.unknown", name=name))


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


def check_dtype(name: str) -> None:
    """Refuse a dtype that PyTorch does not run here (int8 and fp64 only size memory)."""
    if name not in PROFILE_DTYPES:
        runs = msg("torch.device.or", names=", ".join(PROFILE_DTYPES[:-1]), last=PROFILE_DTYPES[-1])
        raise CnnCalcError(msg("torch.device.profile_dtypes", runs=runs, name=name))


def torch_dtype(name: str, device: Any) -> Any:
    """'fp32' / 'fp16' / 'bf16' → torch dtype; a dtype the device cannot run is an error."""
    import torch

    check_dtype(name)
    if device.type == "cuda" and name == "bf16" and not _cuda_bf16(torch, device):
        raise CnnCalcError(msg("torch.device.no_bf16", device=torch.cuda.get_device_name(device)))
    return getattr(torch, TORCH_DTYPES[name])


def _cuda_bf16(torch: Any, device: Any) -> bool:
    """Native bf16 on this GPU (compute capability 8.0, Ampere, or newer). PyTorch's
    is_bf16_supported() also says yes for the emulation older GPUs have, which is no basis
    for timing, and asks about the current device rather than this one."""
    return torch.cuda.get_device_capability(device)[0] >= 8


def is_oom(exc: BaseException) -> bool:
    """Whether `exc` is running out of memory, on any device."""
    import torch

    oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", ())
    if isinstance(exc, MemoryError) or (oom and isinstance(exc, oom)):
        return True
    text = str(exc).lower()
    return "out of memory" in text or "can't allocate memory" in text


def cleanup(device: Any) -> None:
    """Free what a failed step left behind, so that what follows has the memory back."""
    import gc

    import torch

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
