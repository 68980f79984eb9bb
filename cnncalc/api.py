"""The Python API: the same entry points the CLI uses, returning report objects."""

from __future__ import annotations

from pathlib import Path

from cnncalc.analysis import Report, analyze_net
from cnncalc.dsl import parse_shape
from cnncalc.errors import DslError
from cnncalc.ir import Shape
from cnncalc.specs import Spec, resolve_spec


def as_shape(value: str | Shape | tuple[int, ...] | list[int] | None) -> Shape | None:
    """'224x224x3', (224, 224, 3), Shape or None."""
    if value is None or isinstance(value, Shape):
        return value
    if isinstance(value, str):
        return parse_shape(value)
    return Shape(tuple(int(v) for v in value))


def load(spec: str | Path | Spec) -> Spec:
    """A DSL string, a built-in name or a path to a spec file, resolved (DESIGN §2)."""
    if isinstance(spec, Spec):
        return spec
    return resolve_spec(str(spec))


def analyze(
    spec: str | Path | Spec,
    *,
    input: str | Shape | tuple[int, ...] | None = None,
    batch: int = 1,
    dtype: str = "fp32",
    optimizer: str = "sgd",
    strict: bool = False,
) -> Report:
    """Static analysis of a spec: rows and totals, exactly what `cnncalc shape` renders."""
    resolved = load(spec)
    shape = as_shape(input) or resolved.input
    try:
        return analyze_net(
            resolved.net,
            input=shape,
            batch=batch,
            dtype=dtype,
            optimizer=optimizer,
            strict=strict,
            name=resolved.name,
            description=resolved.description,
        )
    except DslError as exc:  # a size or shape error in a spec file: give its file and line
        if resolved.path is None or exc.origin is not None:
            raise
        raise resolved.relocate(exc) from None  # blocks expanded: back into the text as written
