"""Normalisations of modern CNNs (issue 11): layer norm over the channels at each position
(ConvNeXt's LayerNorm2d), group norm and instance norm.

Each computes its statistics on the fly, at inference too, so their element-wise work counts
them: a sum and a sum of squares per element (2), subtract and multiply to normalise (2), and
scale and shift (2) when the layer has γ and β. What autograd keeps was read off
saved_tensors_hooks: the input, and the mean and 1/std per normalised group, in the compute
dtype on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.ir import Shape
from cnncalc.layers.base import ArgReader, LayerBase, Saved, ShapeError
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Mode, Param, Step


def affine(c: int) -> dict[str, Param]:
    """γ = 1 and β = 0 per channel, as PyTorch's norms start."""
    from cnncalc.numeric.params import const

    return {"weight": const((c,), 1.0), "bias": const((c,), 0.0)}


class _AffineNorm(LayerBase):
    """What LN and GN share: a learnable γ and β per channel (per value of a vector), and six
    element-wise ops per element (statistics, normalise, scale, shift)."""

    __slots__ = ()

    def weights(self, x: Shape) -> int:
        """γ and β per channel (per value of a vector)."""
        return 2 * x.c

    def parameter_tensors(self, x: Shape) -> int:
        """γ and β."""
        return 2

    def other_ops(self, x: Shape, y: Shape) -> int:
        """Statistics, normalise, scale and shift: 6 per element."""
        return 6 * y.numel


class LN(_AffineNorm):
    """`LN` (also `LayerNorm`) — layer normalisation over the C channels at each position, as
    ConvNeXt's LayerNorm2d (eps 1e-6); over the N values of a vector, as nn.LayerNorm(N)."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("LN", "LayerNorm", "LayerNorm2d")

    def saved(self, x: Shape, y: Shape) -> Saved:
        """native_layer_norm keeps its input and a mean and 1/std per position (one for a vector)."""
        per_image = x.h * x.w
        return Saved(input=True, extra=((per_image, None), (per_image, None)))

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Where it normalises and its weights."""
        where = "the C values of each position" if not x.is_flat else "the vector's values"
        return [msg("kinds.norm_explain", kind="LN", over=where, c=x.c, weights=2 * x.c)]

    def to_torch(self, x: Shape) -> nn.Module:
        """LayerNorm2d (cnncalc.torch.modules) on a feature map, nn.LayerNorm on a vector."""
        from torch import nn

        from cnncalc.torch.modules import LayerNorm2d

        return nn.LayerNorm(x.c) if x.is_flat else LayerNorm2d(x.c)

    def params(self, x: Shape) -> dict[str, Param]:
        """γ = 1, β = 0."""
        return affine(x.c)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.norms.layer_norm over the channels."""
        from cnncalc.numeric.norms import layer_norm

        return layer_norm(x, p, 1e-5 if x.ndim == 2 else 1e-6)


@dataclass(frozen=True, slots=True)
class GN(_AffineNorm):
    """`GN:G` (also `GroupNorm`) — group normalisation over G groups of C/G channels, as
    nn.GroupNorm(G, C); G must divide C."""

    NAMES: ClassVar[tuple[str, ...]] = ("GN", "GroupNorm")
    EXAMPLE: ClassVar[str] = "GN:2"

    groups: int

    @classmethod
    def parse(cls, args: ArgReader) -> GN:
        """G."""
        if args.at_end():
            raise args.error(msg("kinds.gn_needs", example=cls.EXAMPLE), 0)
        (groups,) = args.dims("number of groups", (1,))
        args.done()
        return cls(groups)

    def dsl(self) -> str:
        """Canonical text."""
        return f"GN:{self.groups}"

    def out_shape(self, x: Shape) -> Shape:
        """Unchanged; G must divide the channels."""
        if x.c % self.groups:
            raise ShapeError(msg("kinds.gn_groups", c=x.c, g=self.groups))
        return x

    def saved(self, x: Shape, y: Shape) -> Saved:
        """native_group_norm keeps its input and a mean and 1/std per group."""
        return Saved(input=True, extra=((self.groups, None), (self.groups, None)))

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Where it normalises and its weights."""
        where = f"{self.groups} groups of {x.c // self.groups} channels × {x.h}·{x.w} positions"
        return [msg("kinds.norm_explain", kind="GN", over=where, c=x.c, weights=2 * x.c)]

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.GroupNorm(G, C)."""
        from torch import nn

        return nn.GroupNorm(self.groups, x.c)

    def params(self, x: Shape) -> dict[str, Param]:
        """γ = 1, β = 0."""
        return affine(x.c)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.norms.group_norm."""
        from cnncalc.numeric.norms import group_norm

        return group_norm(x, self.groups, p)


class InstNorm(LayerBase):
    """`InstNorm` (also `InstanceNorm`, and `IN` written in capitals without arguments) —
    instance normalisation of each channel of each image over its H×W positions, as
    nn.InstanceNorm2d(C): no γ, β or running statistics. `In:shape`, in any case, stays the
    input (README, "Instance norm and the input")."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("InstNorm", "InstanceNorm", "InstanceNorm2d")

    def out_shape(self, x: Shape) -> Shape:
        """Unchanged; needs more than one position per channel (PyTorch refuses one in training)."""
        if x.is_flat:
            raise ShapeError(msg("kinds.needs_map", kind="InstNorm", n=x.c))
        if x.h * x.w == 1:
            raise ShapeError(msg("kinds.in_one_position", c=x.c))
        return x

    def other_ops(self, x: Shape, y: Shape) -> int:
        """Statistics and normalise: 4 per element (no γ, β)."""
        return 4 * y.numel

    def saved(self, x: Shape, y: Shape) -> Saved:
        """instance_norm runs batch_norm on a 1×(N·C)×H×W view: its input and a mean and 1/std
        per channel of each image."""
        return Saved(input=True, extra=((x.c, None), (x.c, None)))

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Where it normalises."""
        return [msg("kinds.in_explain", c=x.c, h=x.h, w=x.w)]

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.InstanceNorm2d(C)."""
        from torch import nn

        return nn.InstanceNorm2d(x.c)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.norms.instance_norm, no γ and β."""
        from cnncalc.numeric.norms import instance_norm

        return instance_norm(x, p)
