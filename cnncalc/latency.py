"""Latency budgets measured with PyTorch, for `check --profile` (DESIGN §5).

The torch side of `check`: budget.py stays pure and is handed `measure_latency` by the CLI,
which imports this module only with --profile. The profiler, and through it torch, is imported
only when a latency is measured.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from cnncalc.budget import latency_devices
from cnncalc.errors import CnnCalcError, SpecFileError
from cnncalc.messages import msg
from cnncalc.settings import LATENCY, PROFILE_DTYPES, resolve
from cnncalc.specs import Spec


def device_missing(device: str) -> str:
    """Why `device` cannot be used here, or '' when it can (imports torch)."""
    import torch

    if device == "cpu":
        return ""
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            return msg("check.latency.no_cuda", device=device)
        index = int(device.split(":", 1)[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            return msg("check.latency.gpus", device=device, count=torch.cuda.device_count())
        return ""
    if device == "mps":
        mps = getattr(torch.backends, "mps", None)
        return "" if mps is not None and mps.is_available() else msg("check.latency.no_mps")
    return msg("check.latency.unknown_device", device=device)


def measure_with(
    progress: Callable[..., None] | None,
) -> Callable[[Spec], dict[str, float | str]]:
    """measure_latency telling `progress` (the progress bar of `check --profile` on a
    terminal, issue 15) which spec and device it measures, and how far it is."""
    return functools.partial(measure_latency, progress=progress)


def measure_latency(
    spec: Spec, progress: Callable[..., None] | None = None
) -> dict[str, float | str]:
    """Median inference latency in ms per device of the spec's latency budget, measured with
    the profiler at the spec's [profile] settings; unavailable devices map to the reason."""
    devices = latency_devices(spec)
    if not devices:
        return {}
    try:
        import torch  # noqa: F401  (only to give a clear message when it is missing)
    except ImportError:
        raise CnnCalcError(msg("check.latency.no_torch")) from None
    from cnncalc.torch.profile import profile

    at = resolve(spec)
    batch, dtype = at.batch, at.dtype
    if dtype not in PROFILE_DTYPES:  # int8 and fp64 size memory; PyTorch runs neither here
        reason = msg("check.latency.dtype", dtypes=", ".join(PROFILE_DTYPES), dtype=dtype)
        return dict.fromkeys(devices, reason)
    options = {k: spec.profile_value(k, None) for k in ("warmup", "min_time")}
    out: dict[str, float | str] = {}
    for device in devices:
        missing = device_missing(device)
        if missing:
            out[device] = missing
            continue
        try:
            result = profile(
                spec,
                device=device,
                batch=batch,
                dtype=dtype,
                mode="infer",
                progress=_told(progress, f"{spec.name} {device}"),
                **{k: v for k, v in options.items() if v is not None},
            )
        except CnnCalcError as exc:
            raise latency_error(spec, device, exc) from None
        out[device] = float(result.latency_ms["infer"].median)
    return out


def _told(progress: Callable[..., None] | None, what: str) -> Callable[[str, float], None] | None:
    """`progress` told whose stage it is (the spec and the device), beside the stage's key."""
    if progress is None:
        return None
    return lambda stage, done: progress(stage, done, what)


# The profiler's messages name `cnncalc profile`'s options; check has none of them, and takes
# its settings from the spec's [profile] table and its devices from [budget.latency_ms].
_DEVICE_OPTION = re.compile(r"--device (\S+?)(?=[\s;,.)]|$)")
_PROFILE_OPTION = re.compile(r"--(batch|dtype|warmup|min-time|optimizer|threads)\b(?: (\w[\w.]*))?")


def _in_check_terms(text: str) -> str:
    """A profiler message with `--batch 2` as `[profile] batch = 2`, `--device cpu` as a cpu
    latency budget, and so on (issue 9: `check --profile` suggested options it lacks)."""

    def option(m: re.Match[str]) -> str:
        key = m[1].replace("-", "_")
        if m[2] is None:
            return f"[profile] {key}"
        value = m[2] if m[2].replace(".", "").isdigit() else f'"{m[2]}"'
        return f"[profile] {key} = {value}"

    text = text.replace(msg("torch.device.auto_hint"), "")
    text = _DEVICE_OPTION.sub(lambda m: msg("check.latency.device_budget", device=m[1]), text)
    return _PROFILE_OPTION.sub(option, text)


def latency_error(spec: Spec, device: str, exc: CnnCalcError) -> CnnCalcError:
    """A failure to measure a latency budget, in check's terms: it names the spec file and
    the line of the budget item, and suggests [profile] keys, not `profile`'s options."""
    problem = msg("check.latency.failed", device=device, problem=_in_check_terms(str(exc)))
    if spec.path is None:
        return CnnCalcError(problem)
    line = next((lim.line for lim in spec.budget if lim.key == LATENCY and lim.device == device),
                None)  # fmt: skip
    return SpecFileError(problem, spec.path, line)
