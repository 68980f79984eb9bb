"""Devices and dtypes: what `--device` and `--dtype` name, and whether this machine runs them."""

from __future__ import annotations

from typing import Any

from cnncalc.errors import CnnCalcError
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


def check_dtype(name: str) -> None:
    """Refuse a dtype that PyTorch does not run here (int8 and fp64 only size memory)."""
    if name not in PROFILE_DTYPES:
        runs = f"{', '.join(PROFILE_DTYPES[:-1])} or {PROFILE_DTYPES[-1]}"
        raise CnnCalcError(f"profile runs {runs}, not '{name}'")


def torch_dtype(name: str, device: Any) -> Any:
    """'fp32' / 'fp16' / 'bf16' → torch dtype; a dtype the device cannot run is an error."""
    import torch

    check_dtype(name)
    if device.type == "cuda" and name == "bf16" and not _cuda_bf16(torch, device):
        raise CnnCalcError(
            f"dtype bf16 is not supported on {torch.cuda.get_device_name(device)};"
            " use --dtype fp16 or fp32"
        )
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
