"""The Python API: the same entry points the CLI uses, returning report objects.

Arguments are checked here, at the door: a value of the wrong type or out of range is a
`CnnCalcTypeError` or `CnnCalcValueError` (both CnnCalcErrors, and TypeError / ValueError for
Python callers), never a silent wrong figure (issue 9).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from pathlib import Path

from cnncalc.analysis import DTYPE_BYTES, OPTIMIZER_STATES, Report, analyze_net
from cnncalc.dsl import parse_shape
from cnncalc.errors import CnnCalcError, DslError
from cnncalc.ir import Shape
from cnncalc.specs import Spec, resolve_spec

# What a setting is when neither the caller nor the spec's [profile] gives it (DESIGN §5).
DEFAULT_BATCH = 1
DEFAULT_DTYPE = "fp32"
DEFAULT_OPTIMIZER = "sgd"
# The largest batch there is: a tensor dimension is an int64 in PyTorch. Beyond it the figures
# would only be arithmetic on a net no machine can run, and byte counts overflow a float.
MAX_BATCH = 2**63 - 1


class CnnCalcTypeError(CnnCalcError, TypeError):
    """An API argument of the wrong type, e.g. batch="8" or an nn.Module where a spec goes."""


class CnnCalcValueError(CnnCalcError, ValueError):
    """An API argument of the right type with a value cnncalc cannot use, e.g. input=(8, 8)."""


def _type_name(value: object) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _is_torch_module(value: object) -> bool:
    # Without importing torch (DESIGN §2): an nn.Module has it among its classes.
    return any(
        c.__module__ == "torch.nn.modules.module" and c.__name__ == "Module"
        for c in type(value).__mro__
    )


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
        raise CnnCalcTypeError(
            f"{name} must be a whole number (int), got {value!r} ({_type_name(value)})"
        )
    if number < minimum:
        raise CnnCalcValueError(f"{name} must be at least {minimum}, got {number}")
    if number > maximum:
        shown = f"{number:,}" if number < 10**30 else f"a {len(str(number))}-digit number"
        raise CnnCalcValueError(
            f"{name} must be between {minimum} and {maximum:,}{why}, got {shown}"
        )
    return number


def _choice(name: str, value: object, choices: dict[str, int]) -> str:
    if not isinstance(value, str):
        raise CnnCalcTypeError(
            f"{name} must be a string, one of {', '.join(choices)}; got {value!r}"
            f" ({_type_name(value)})"
        )
    if value not in choices:
        from cnncalc.errors import did_you_mean

        aliases = {"float32": "fp32", "float16": "fp16", "half": "fp16", "bfloat16": "bf16",
                   "float64": "fp64", "double": "fp64", "float": "fp32"}  # fmt: skip
        alias = aliases.get(value.lower()) if name == "dtype" else None
        hint = f" — did you mean '{alias}'?" if alias else did_you_mean(value, list(choices))
        raise CnnCalcValueError(
            f"unknown {name} '{value}'; expected one of {', '.join(choices)}{hint}"
        )
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Batch, dtype and optimizer a report is made at."""

    batch: int
    dtype: str
    optimizer: str


def settings(
    spec: Spec,
    *,
    batch: int | None = None,
    dtype: str | None = None,
    optimizer: str | None = None,
) -> Settings:
    """The one rule every command follows (issue 9): a value given (not None) wins, else the
    spec's [profile] value, else the default (batch 1, fp32, sgd)."""
    return Settings(
        batch=check_whole(
            "batch", spec.profile_value("batch", DEFAULT_BATCH) if batch is None else batch, 1,
            MAX_BATCH, " (the largest tensor dimension PyTorch can hold)",
        ),
        dtype=_choice(
            "dtype", spec.profile_value("dtype", DEFAULT_DTYPE) if dtype is None else dtype,
            DTYPE_BYTES,
        ),
        optimizer=_choice(
            "optimizer",
            spec.profile_value("optimizer", DEFAULT_OPTIMIZER) if optimizer is None else optimizer,
            OPTIMIZER_STATES,
        ),
    )  # fmt: skip


def as_shape(value: str | Shape | tuple[int, ...] | list[int] | None) -> Shape | None:
    """'224x224x3', (224, 224, 3), Shape or None; anything else is a CnnCalcTypeError."""
    if value is None or isinstance(value, Shape):
        return value
    if isinstance(value, str):
        return parse_shape(value)
    if not isinstance(value, (tuple, list)):
        raise CnnCalcTypeError(
            f"input must be text like '224x224x3', a tuple (H, W, C) or (N,), or None;"
            f" got {value!r} ({_type_name(value)})"
        )
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise CnnCalcTypeError(
            f"input dimensions must be whole numbers (int), got {tuple(value)!r}"
        )
    if len(value) not in (1, 3):
        raise CnnCalcValueError(
            f"input must have 3 dimensions (H, W, C) or 1 (N,), got {len(value)}:"
            f" {tuple(value)!r}; example: (224, 224, 3)"
        )
    if min(value) < 1:
        raise CnnCalcValueError(f"input dimensions must be at least 1, got {tuple(value)!r}")
    try:  # the same checks as text (limits, channel-first), with the tuple in the message
        return parse_shape("x".join(str(v) for v in value))
    except DslError as exc:
        raise CnnCalcValueError(f"input {tuple(value)!r}: {exc.msg}") from None


def load(spec: str | Path | Spec) -> Spec:
    """A DSL string, a built-in name or a path to a spec file, resolved (DESIGN §2)."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, (str, Path)):
        return resolve_spec(str(spec))
    if _is_torch_module(spec):
        raise CnnCalcTypeError(
            f"analyze does not take PyTorch modules yet (got {_type_name(spec)}); give the net as"
            " DSL text ('In:32x32x3-Conv:3x3x16p1-ReLU-FC:10'), a built-in name ('alexnet'),"
            " a .toml spec file path or a Spec"
        )
    raise CnnCalcTypeError(
        "a spec must be DSL text, a built-in name, a .toml path (str or Path) or a Spec;"
        f" got {_type_name(spec)}"
    )


def analyze(
    spec: str | Path | Spec,
    *,
    input: str | Shape | tuple[int, ...] | None = None,
    batch: int | None = None,
    dtype: str | None = None,
    optimizer: str | None = None,
    strict: bool = False,
) -> Report:
    """Static analysis of a spec: rows and totals, exactly what `cnncalc shape` renders.
    batch, dtype and optimizer not given come from the spec's [profile], else 1, fp32, sgd."""
    resolved = load(spec)
    shape = as_shape(input) or resolved.input
    at = settings(resolved, batch=batch, dtype=dtype, optimizer=optimizer)
    if not isinstance(strict, bool):
        raise CnnCalcTypeError(f"strict must be True or False, got {strict!r}")
    try:
        return analyze_net(
            resolved.net,
            input=shape,
            batch=at.batch,
            dtype=at.dtype,
            optimizer=at.optimizer,
            strict=strict,
            name=resolved.name,
            description=resolved.description,
        )
    except DslError as exc:  # a size or shape error in a spec file: give its file and line
        if resolved.path is None or exc.origin is not None:
            raise
        raise resolved.relocate(exc) from None  # blocks expanded: back into the text as written
