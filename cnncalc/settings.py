"""Every setting a report or a measurement is made at, in one place (DESIGN §5, issue 16).

The dtypes, modes, optimizers, devices, the [profile] keys and the [budget] metrics are
defined here once; the analysis, the spec loader, the profiler and the CLI's choices all read
them from here. `resolve` is the one rule every command follows: a value given (not None)
wins, else the spec's [profile] value, else the default, each checked once.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.messages import msg

if TYPE_CHECKING:
    from cnncalc.specs import Spec

# Bytes per element of each dtype (DESIGN §4).
DTYPE_BYTES = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "fp64": 8}
DTYPES = tuple(DTYPE_BYTES)
# What `profile` builds and runs in PyTorch: our name → the torch dtype's attribute name.
TORCH_DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}
PROFILE_DTYPES = tuple(TORCH_DTYPES)
# Names people write for a dtype, pointed at ours in the "did you mean" hint.
DTYPE_ALIASES = {"float32": "fp32", "float16": "fp16", "half": "fp16", "bfloat16": "bf16",
                 "float64": "fp64", "double": "fp64", "float": "fp32"}  # fmt: skip

# Extra bytes per trainable weight kept by the optimizer (besides the weight and its grad).
OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2}
OPTIMIZERS = tuple(OPTIMIZER_STATES)
# Bytes per parameter tensor besides: torch.optim.Adam keeps a float32 `step` scalar for each.
OPTIMIZER_STEP_BYTES = {"sgd": 0, "momentum": 0, "adam": 4}

MODES = ("infer", "train", "both")
# `cnncalc profile` times both modes unless told otherwise; the API, used by `check --profile`
# for latency budgets, times inference only.
CLI_MODE = "both"

# The orders `cnncalc list` sorts the built-in specs in.
SORTS = ("family", "macs", "weights", "name")

# Devices as written; cuda:N is any CUDA device by its index.
DEVICES = ("cpu", "cuda", "cuda:N", "mps", "auto")

# What a setting is when neither the caller nor the spec's [profile] gives it (DESIGN §5).
DEFAULT_BATCH = 1
DEFAULT_DTYPE = "fp32"
DEFAULT_OPTIMIZER = "sgd"
DEFAULT_WARMUP = 3
DEFAULT_MIN_TIME = 1.0  # seconds of timed runs per mode
# The keys a spec file's [profile] table may set, with their defaults (DESIGN §5).
DEFAULTS: dict[str, Any] = {
    "batch": DEFAULT_BATCH,
    "dtype": DEFAULT_DTYPE,
    "optimizer": DEFAULT_OPTIMIZER,
    "device": "cpu",
    "mode": "infer",
    "warmup": DEFAULT_WARMUP,
    "min_time": DEFAULT_MIN_TIME,
}
PROFILE_KEYS = ("batch", "dtype", "optimizer", "device", "mode", "warmup", "min_time")

# The largest batch there is: a tensor dimension is an int64 in PyTorch. Beyond it the figures
# would only be arithmetic on a net no machine can run, and byte counts overflow a float.
MAX_BATCH = 2**63 - 1
# Upper bounds on what a user may ask for (issue 9: `min_time = 1e308` or `warmup = 10**12`
# would run for ever): an hour of timing per mode, ten thousand untimed runs.
MAX_MIN_TIME = 3600.0
MAX_WARMUP = 10_000


class Metric(NamedTuple):
    """A budget metric: its unit, the field of Report.totals it reads, and its label in words
    (the message specs.metric.FIELD)."""

    unit: str  # "count", "bytes" or "ms"
    field: str

    @property
    def label(self) -> str:
        """'weight memory', in the chosen language."""
        return msg(f"specs.metric.{self.field}")


# Budget keys, in the order an error lists them (DESIGN §5; `cnncalc check` evaluates them).
METRICS = {
    "weights": Metric("count", "weights"),
    "weight_memory": Metric("bytes", "weight_bytes"),
    "activation_memory": Metric("bytes", "activation_bytes"),
    "peak_memory": Metric("bytes", "peak_bytes"),
    "macs": Metric("count", "macs"),
    "flops": Metric("count", "flops"),
    "train_memory": Metric("bytes", "train_bytes"),
}
BUDGET_KEYS = {key: metric.unit for key, metric in METRICS.items()}  # key → unit
LATENCY = "latency_ms"  # the measured budget: a table of device = milliseconds
ROOFLINE = "roofline_ms"  # issue 13: a table of device preset = milliseconds of roofline time


class CnnCalcTypeError(CnnCalcError, TypeError):
    """An API argument of the wrong type, e.g. batch="8" or an nn.Module where a spec goes."""


class CnnCalcValueError(CnnCalcError, ValueError):
    """An API argument of the right type with a value cnncalc cannot use, e.g. input=(8, 8)."""


def type_name(value: object) -> str:
    """The type of `value` as a message names it: `int`, or `numpy.float32` beyond builtins."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def is_device(name: str, auto: bool = False) -> bool:
    """True for cpu, cuda, cuda:N and mps (and auto, when `auto`)."""
    if auto and name == "auto":
        return True
    return name in ("cpu", "cuda", "mps") or (name.startswith("cuda:") and name[5:].isdigit())


def check_whole(name: str, value: object, minimum: int, maximum: int, why: str = "") -> int:
    """`value` as a whole number in [minimum, maximum]; bool and float are refused, not
    rounded; `why` explains the maximum."""
    number: int | None = None
    if not isinstance(value, bool):  # True is an int to Python, never a batch size
        try:  # int, or an integer type such as numpy's, but not float or "8"
            number = operator.index(value)  # type: ignore[call-overload]
        except TypeError:
            pass
    if number is None:
        raise CnnCalcTypeError(msg("specs.settings.whole", name=name, value=repr(value),
                                   type=type_name(value)))  # fmt: skip
    if number < minimum:
        raise CnnCalcValueError(
            msg("specs.settings.at_least", name=name, minimum=minimum, value=number)
        )
    if number > maximum:
        shown = (f"{number:,}" if number < 10**30
                 else msg("specs.settings.digits", digits=len(str(number))))  # fmt: skip
        raise CnnCalcValueError(msg("specs.settings.between", name=name, minimum=minimum,
                                    maximum=f"{maximum:,}", why=why, value=shown))  # fmt: skip
    return number


def check_choice(
    name: str, value: object, choices: tuple[str, ...], aliases: dict[str, str] | None = None
) -> str:
    """`value` as one of `choices`, else an error with a "did you mean" hint (`aliases` maps
    names people write, such as float16, to ours)."""
    if not isinstance(value, str):
        raise CnnCalcTypeError(msg("specs.settings.not_string", name=name,
                                   choices=", ".join(choices), value=repr(value),
                                   type=type_name(value)))  # fmt: skip
    if value not in choices:
        alias = (aliases or {}).get(value.lower())
        hint = (msg("specs.settings.alias", alias=alias) if alias
                else did_you_mean(value, list(choices)))  # fmt: skip
        raise CnnCalcValueError(msg("specs.settings.unknown_choice", name=name, value=value,
                                    choices=", ".join(choices), hint=hint))  # fmt: skip
    return value


def check_device(value: object, name: str = "device") -> str:
    """`value` as a device name (cpu, cuda, cuda:N, mps or auto); whether it is there is the
    profiler's to say."""
    if not isinstance(value, str) or not is_device(value, auto=True):
        raise CnnCalcError(msg("specs.settings.unknown_device", name=name, value=value))
    return value


def check_min_time(value: object, name: str = "min_time") -> float:
    """`value` as seconds of timing: positive and at most MAX_MIN_TIME."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CnnCalcTypeError(msg("specs.settings.seconds", name=name, value=repr(value)))
    if not 0 < value <= MAX_MIN_TIME:  # inf, nan and 1e308 would time for ever
        raise CnnCalcValueError(msg("specs.settings.positive_seconds", name=name,
                                    most=f"{MAX_MIN_TIME:.0f}", value=value))  # fmt: skip
    return value


# How each [profile] key is checked, wherever its value comes from: a call's argument, the
# CLI, or a spec file when it is loaded (issue 16: one check per setting). Each takes the value
# and the name a message calls it by.
_CHECKS: dict[str, Callable[[object, str], Any]] = {
    "batch": lambda v, name: check_whole(name, v, 1, MAX_BATCH, msg("specs.settings.why_batch")),
    "dtype": lambda v, name: check_choice(name, v, DTYPES, DTYPE_ALIASES),
    "optimizer": lambda v, name: check_choice(name, v, OPTIMIZERS),
    "device": lambda v, name: check_device(v, name),
    "mode": lambda v, name: check_choice(name, v, MODES),
    "warmup": lambda v, name: check_whole(name, v, 0, MAX_WARMUP, msg("specs.settings.why_warmup")),
    "min_time": lambda v, name: check_min_time(v, name),
}


def check_setting(key: str, value: object, name: str | None = None) -> Any:
    """`value` of the [profile] key `key`, checked; `name` is what a message calls it (the key
    by default)."""
    return _CHECKS[key](value, name or key)


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings a report or a measurement is made at. batch, dtype and optimizer are always
    resolved; device, mode, warmup and min_time only when asked for (else None)."""

    batch: int
    dtype: str
    optimizer: str
    device: str | None = None
    mode: str | None = None
    warmup: int | None = None
    min_time: float | None = None


def resolve(spec: Spec, defaults: dict[str, Any] | None = None, **given: Any) -> Settings:
    """The one rule every command follows (issue 9): a value given (not None) wins, else the
    spec's [profile] value, else `defaults` (DEFAULTS). batch, dtype and optimizer are always
    resolved; device, mode, warmup and min_time only when passed (None: not given). Each value
    is checked by settings' one check for its key (a spec file's, when the file is loaded)."""
    unknown = [key for key in given if key not in PROFILE_KEYS]
    if unknown:
        raise TypeError(f"resolve() got unknown settings: {', '.join(unknown)}")
    base = DEFAULTS if defaults is None else {**DEFAULTS, **defaults}

    def pick(key: str) -> Any:
        value = given.get(key)
        return spec.profile_value(key, base[key]) if value is None else value

    picked = {key: check_setting(key, pick(key)) for key in PROFILE_KEYS
              if key in ("batch", "dtype", "optimizer") or key in given}  # fmt: skip
    return Settings(**picked)
