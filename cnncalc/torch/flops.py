"""FLOPs with `torch.utils.flop_counter.FlopCounterMode`, in total and per row (DESIGN §6).

A forward pass is counted in eval mode; forward + backward in train mode with the output's
gradient set to ones. `aten.convolution_backward` is counted with `conv_backward_flops`
below, registered through `custom_mapping`: PyTorch's own formula ignores `groups` in the
grad-weight term, which makes a depthwise convolution's backward `groups + 1` times its
forward instead of 2 times.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cnncalc.torch.build import RowHooks, row_modules

if TYPE_CHECKING:
    import torch
    from torch import nn


def conv_forward_flops(x_shape: Any, w_shape: Any, out_shape: Any, transposed: bool) -> int:
    """2 × multiplies of a convolution, from shapes (N, C, *spatial) and the weight's shape.

    The weight is (C_out, C_in/G, *k) — (C_in, C_out/G, *k) when transposed — so every
    position of the output (of the input, when transposed) costs prod(weight) multiplies per
    image; `groups` is already in the weight's shape.
    """
    positions = math.prod((x_shape if transposed else out_shape)[2:])
    return 2 * x_shape[0] * positions * math.prod(w_shape)


def conv_backward_flops(
    grad_out_shape: Any,
    x_shape: Any,
    w_shape: Any,
    _bias: Any,
    _stride: Any,
    _padding: Any,
    _dilation: Any,
    transposed: bool,
    _output_padding: Any,
    groups: int,
    output_mask: Any,
    out_shape: Any = None,
    *,
    as_pytorch: bool = False,
    **kwargs: Any,
) -> int:
    """FLOPs of `aten.convolution_backward` (shapes in, as FlopCounterMode passes them).

    Each multiply x·w of the forward appears once in grad-input (grad_out·w) and once in
    grad-weight (grad_out·x), so each computed gradient costs exactly the forward's FLOPs,
    grouped or not. PyTorch's `conv_backward_flop` counts grad-weight as a convolution with
    the batch as channels and ignores `groups`, giving `groups` × the forward (torch 2.13);
    `as_pytorch` gives that figure, for the report's notes.
    """
    forward = conv_forward_flops(x_shape, w_shape, grad_out_shape, transposed)
    weight_term = groups if as_pytorch else 1
    return forward * (int(bool(output_mask[0])) + weight_term * int(bool(output_mask[1])))


class _RowParents(RowHooks):
    """FlopCounterMode's module tracker, replaced so that `parents` holds the names of the
    rows running now, forward and backward, and the counts come out per row.

    A row enters backward when its output's gradient arrives and leaves when its input's
    gradient is done. Both moments are marked with identity autograd functions wrapped around
    the row's input and output, so they fire exactly when this row's own backward starts and
    ends. PyTorch's ModuleTracker instead waits for the whole gradient of the input tensor,
    which, when several branches read that tensor, is only complete after the other branches'
    backward too, and it never leaves a module whose input needs no gradient; both charge
    other rows' backward FLOPs to the wrong row. A row whose input needs no gradient (the
    first weight layer) leaves once its parameters' gradients are done.
    """

    def __init__(self, rows: dict[str, nn.Module]) -> None:
        super().__init__(rows)
        self.parents: set[str] = {"Global"}

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.parents = {"Global"}

    def _enter(self, name: str) -> Any:
        import torch
        from torch.autograd.graph import register_multi_grad_hook

        mark = _marker()

        def hook(module: nn.Module, args: tuple[Any, ...]) -> Any:
            self.parents.add(name)
            if not torch.is_grad_enabled():
                return None
            leave = lambda: self.parents.discard(name)
            if any(isinstance(a, torch.Tensor) and a.requires_grad for a in args):
                return tuple(mark.apply(a, leave) if isinstance(a, torch.Tensor)
                             and a.requires_grad else a for a in args)  # fmt: skip
            params = [p for p in module.parameters() if p.requires_grad]
            if params:
                self.handles.append(register_multi_grad_hook(params, lambda grads: leave()))
            return None

        return hook

    def _leave(self, name: str) -> Any:
        import torch

        mark = _marker()

        def hook(module: nn.Module, args: Any, output: Any) -> Any:
            self.parents.discard(name)
            if isinstance(output, torch.Tensor) and output.requires_grad:
                return mark.apply(output, lambda: self.parents.add(name))
            return None

        return hook


_MARKER: list[Any] = []


def _marker() -> Any:
    """An identity autograd function that calls back when its backward runs (made once)."""
    if not _MARKER:
        import torch

        class Marker(torch.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: torch.Tensor, callback: Callable[[], None]) -> torch.Tensor:
                ctx.callback = callback
                return x.view_as(x)

            @staticmethod
            def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
                ctx.callback()
                return grad, None

        _MARKER.append(Marker)
    return _MARKER[0]


@dataclass(frozen=True, slots=True)
class FlopCount:
    """Total and per-row FLOPs of one pass, and PyTorch's uncorrected total."""

    total: int
    rows: dict[str, int]
    pytorch_total: int


def count_flops(module: nn.Module, x: torch.Tensor, *, train: bool) -> FlopCount:
    """FLOPs of a forward pass (eval mode, no autograd) or of forward + backward (train
    mode, the output's gradient set to ones), with FlopCounterMode and the corrected
    convolution backward."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    rows = row_modules(module)
    uncorrected = [0]

    def conv_backward(*args: Any, **kwargs: Any) -> int:
        flops = conv_backward_flops(*args, **kwargs)
        uncorrected[0] += conv_backward_flops(*args, as_pytorch=True, **kwargs) - flops
        return flops

    counter = FlopCounterMode(
        display=False, custom_mapping={torch.ops.aten.convolution_backward: conv_backward}
    )
    counter.mod_tracker = _RowParents(rows)  # per-row names, forward and backward
    module.train(train)
    with counter:
        if train:
            y = module(x)
            if y.requires_grad:  # a net without weights has no backward
                y.sum().backward()  # the output's gradient is ones; sum is not a FLOP op
        else:
            with torch.no_grad():
                module(x)
    module.zero_grad(set_to_none=True)
    counts = counter.get_flop_counts()
    per_row = {name: sum(counts.get(name, {}).values()) for name in rows}
    total = counter.get_total_flops()
    return FlopCount(total, per_row, total + uncorrected[0])
