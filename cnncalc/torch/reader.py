"""The meta-device reader: an nn.Module (or a function that builds one) → cnncalc's IR and
Report, without allocating a single weight (issue 10, DESIGN §2).

A function is called under `torch.device("meta")`; an already-built module runs with meta
stand-ins for its tensors, so its device, state_dict and hooks stay as they were. The ops it
runs become layer kinds of the registry (cnncalc.torch.mapping) and the analysis is the one
DSL text gets, so the figures of a module and of the same net in DSL are equal by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from cnncalc.analysis import Report, analyze_net
from cnncalc.errors import CnnCalcError, first_line
from cnncalc.ir import Net, Shape
from cnncalc.messages import msg


def require_torch(why: str = "torch_io.need_torch") -> Any:
    """Import torch, or say (the message `why`) that what was asked needs it."""
    try:
        import torch
    except ImportError:
        raise CnnCalcError(msg(why)) from None
    return torch


def instantiate(factory: Any, name: str, kwargs: dict[str, Any] | None = None) -> Any:
    """An nn.Module as given, or the one `factory(**kwargs)` builds on the meta device."""
    torch = require_torch()
    if isinstance(factory, torch.nn.Module):
        return factory
    if not callable(factory):
        raise CnnCalcError(msg("torch_io.not_callable", what=type(factory).__name__))
    try:
        with torch.device("meta"):
            module = factory(**(kwargs or {}))
    except CnnCalcError:
        raise
    except Exception as exc:  # noqa: BLE001  (user code: any failure is one message)
        raise CnnCalcError(msg("torch_io.call_failed", name=name, error=first_line(exc))) from None
    if not isinstance(module, torch.nn.Module):
        raise CnnCalcError(msg("torch_io.not_module", name=name, what=type(module).__name__))
    return module


def read_net(module: Any, shape: Shape, src: str) -> Net:
    """The module's IR for an input of `shape`, every row's shape checked against PyTorch's,
    with warnings on parameters the totals do not hold as the module does."""
    torch = require_torch()
    from cnncalc.torch.build import torch_shape
    from cnncalc.torch.capture import capture
    from cnncalc.torch.parameters import parameter_warnings
    from cnncalc.torch.structure import to_net

    batch = 2  # not 1: a batch of one hides which dimension is the batch
    x = torch.empty(torch_shape(shape, batch), device="meta")
    graph = capture(module, x, batch)
    net = Net(to_net(graph, src).items, src, shape)
    seen = {op.name: (op.what, op.shape) for op in graph.ops}
    report = analyze_net(net, input=shape)
    check_shapes(report, seen)
    warnings = parameter_warnings(module, graph.ran, graph.read, report.totals.weights)
    return replace(net, warnings=warnings)


def from_torch(
    module: Any,
    *,
    input: Any,
    batch: int | None = None,
    dtype: str | None = None,
    optimizer: str | None = None,
    kwargs: dict[str, Any] | None = None,
    name: str = "",
) -> Report:
    """The static report of an nn.Module (or a function building one), as `analyze` gives
    for DSL text; figures per batch of `batch` in `dtype` (defaults 1, fp32, sgd)."""
    from cnncalc.api import as_shape

    shape = as_shape(input)
    if shape is None:
        raise CnnCalcError(msg("torch_io.need_input"))
    label = name or getattr(module, "__name__", type(module).__name__)
    built = instantiate(module, label, kwargs)
    net = read_net(built, shape, f"torch:{label}")  # rows checked against PyTorch
    report = analyze_net(
        net,
        input=shape,
        batch=batch or 1,
        dtype=dtype or "fp32",
        optimizer=optimizer or "sgd",
        name=name or type(built).__name__,
        description=msg("torch_io.description", what=type(built).__name__),
    )
    return report


def check_shapes(report: Report, seen: dict[str, tuple[str, Any]]) -> None:
    """Every row's output equals what PyTorch computed: an op read as the wrong layer kind
    (a Linear on a feature map, say) is an error naming it, never a wrong figure."""
    for row in report.rows:
        if row.name not in seen:
            continue
        what, dims = seen[row.name]
        torch_dims = (dims[1], dims[2], dims[0]) if len(dims) == 3 else tuple(dims)
        if row.output.dims != torch_dims:
            raise CnnCalcError(
                msg(
                    "torch_io.shape_mismatch",
                    name=row.name,
                    what=what,
                    torch=Shape(torch_dims),
                    kind=row.kind,
                    cnncalc=row.output,
                )
            )


Factory = Callable[..., Any]
