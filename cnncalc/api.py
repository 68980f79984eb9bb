"""The Python API: the same entry points the CLI uses, returning report objects.

Arguments are checked here, at the door: a value of the wrong type or out of range is a
`CnnCalcTypeError` or `CnnCalcValueError` (both CnnCalcErrors, and TypeError / ValueError for
Python callers), never a silent wrong figure (issue 9).
"""

from __future__ import annotations

from pathlib import Path

from cnncalc.analysis import Report, analyze_net
from cnncalc.dsl import parse_shape
from cnncalc.errors import DslError
from cnncalc.ir import Shape
from cnncalc.messages import msg
from cnncalc.settings import (  # noqa: F401  (the errors are re-exported: the API's names)
    MAX_BATCH,
    CnnCalcTypeError,
    CnnCalcValueError,
    resolve,
)
from cnncalc.settings import type_name as _type_name
from cnncalc.specs import Spec, resolve_spec


def _is_torch_module(value: object) -> bool:
    # Without importing torch (DESIGN §2): an nn.Module has it among its classes.
    return any(
        c.__module__ == "torch.nn.modules.module" and c.__name__ == "Module"
        for c in type(value).__mro__
    )


def as_shape(value: str | Shape | tuple[int, ...] | list[int] | None) -> Shape | None:
    """'224x224x3', (224, 224, 3), Shape or None; anything else is a CnnCalcTypeError."""
    if value is None or isinstance(value, Shape):
        return value
    if isinstance(value, str):
        return parse_shape(value)
    if not isinstance(value, (tuple, list)):
        raise CnnCalcTypeError(
            msg("analysis.api.input_type", value=repr(value), type=_type_name(value))
        )
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise CnnCalcTypeError(msg("analysis.api.input_whole", value=repr(tuple(value))))
    if len(value) not in (1, 3):
        raise CnnCalcValueError(
            msg("analysis.api.input_rank", rank=len(value), value=repr(tuple(value)))
        )
    if min(value) < 1:
        raise CnnCalcValueError(msg("analysis.api.input_positive", value=repr(tuple(value))))
    try:  # the same checks as text (limits, channel-first), with the tuple in the message
        return parse_shape("x".join(str(v) for v in value))
    except DslError as exc:
        problem = msg("analysis.api.input_problem", value=repr(tuple(value)), problem=exc.msg)
        raise CnnCalcValueError(problem) from None


def load(spec: str | Path | Spec, input: str | Shape | tuple[int, ...] | None = None) -> Spec:
    """A DSL string, a built-in name, a path to a spec file or `torch:MODULE:CALLABLE`, resolved
    (DESIGN §2); `input` is the shape a torch: module is read at (issue 10)."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, (str, Path)):
        return resolve_spec(str(spec), as_shape(input))
    if _is_torch_module(spec):
        raise CnnCalcTypeError(msg("analysis.api.torch_module", type=_type_name(spec)))
    raise CnnCalcTypeError(msg("analysis.api.spec_type", type=_type_name(spec)))


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
    resolved = load(spec, input)
    shape = as_shape(input) or resolved.input
    at = resolve(resolved, batch=batch, dtype=dtype, optimizer=optimizer)
    if not isinstance(strict, bool):
        raise CnnCalcTypeError(msg("analysis.api.strict", value=repr(strict)))
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


def from_torch(
    module: object,
    *,
    input: str | Shape | tuple[int, ...],
    batch: int | None = None,
    dtype: str | None = None,
    optimizer: str | None = None,
    kwargs: dict | None = None,
) -> Report:
    """The report of an nn.Module, or of a function building one (called on the meta device),
    as `analyze` gives it for the same net in DSL (issue 10); nothing is allocated."""
    from cnncalc.torch.reader import from_torch as read

    return read(module, input=input, batch=batch, dtype=dtype, optimizer=optimizer,
                kwargs=kwargs)  # fmt: skip
