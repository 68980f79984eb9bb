"""Normalisation layers: batch norm (seed 002) and local response norm (AlexNet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.ir import Shape
from cnncalc.layers.base import ArgReader, LayerBase, Saved, ShapeError
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Mode, Param, Step


class BN(LayerBase):
    """`BN` — batch normalisation: 2C trainable weights and 2C running statistics."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("BN", "BatchNorm")

    def weights(self, x: Shape) -> int:
        """γ and β per channel."""
        return 2 * x.c

    def buffers(self, x: Shape) -> int:
        """Running mean and variance per channel (not trainable)."""
        return 2 * x.c

    def buffer_fixed_bytes(self, x: Shape) -> int:
        """num_batches_tracked, one int64."""
        return 8

    def parameter_tensors(self, x: Shape) -> int:
        """γ and β."""
        return 2

    def other_ops(self, x: Shape, y: Shape) -> int:
        """Scale and shift per element."""
        return 2 * y.numel

    def saved(self, x: Shape, y: Shape) -> Saved:
        """native_batch_norm keeps its input and the batch's mean and inverse std per channel,
        in float32 whatever the compute dtype (the statistics do not grow with the batch)."""
        return Saved(input=True, fixed=((2 * x.c, 4),))

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Where the weights come from."""
        return [msg("layers.bn.explain", c=x.c, total=f"{2 * x.c:,}")]

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.BatchNorm1d on a vector, nn.BatchNorm2d on a feature map."""
        from torch import nn

        return nn.BatchNorm1d(x.c) if x.is_flat else nn.BatchNorm2d(x.c)

    def params(self, x: Shape) -> dict[str, Param]:
        """γ = 1, β = 0 and the running statistics (mean 0, variance 1), as PyTorch starts."""
        from cnncalc.numeric.params import const

        c = (x.c,)
        return {"weight": const(c, 1), "bias": const(c, 0), "running_mean": const(c, 0),
                "running_var": const(c, 1)}  # fmt: skip

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """pointwise.batch_norm: batch statistics with --train, running ones otherwise."""
        from cnncalc.numeric.pointwise import batch_norm

        if mode.train and x.size == x.shape[1]:
            from cnncalc.errors import CnnCalcError
            from cnncalc.messages import msg

            raise CnnCalcError(msg("run.bn_one_value", channels=x.shape[1]))
        return batch_norm(x, p, mode.train)


@dataclass(frozen=True, slots=True)
class LRN(LayerBase):
    """`LRN[:n]` — local response normalisation across n = 5 neighbouring channels."""

    NAMES: ClassVar[tuple[str, ...]] = ("LRN",)
    EXAMPLE: ClassVar[str] = "LRN:5"

    size: int = 5

    @classmethod
    def parse(cls, args: ArgReader) -> LRN:
        """Optional n."""
        if args.at_end():
            return cls()
        (size,) = args.dims(msg("layers.lrn.dims"), (1,))
        args.done()
        return cls(size)

    def dsl(self) -> str:
        """Canonical text."""
        return "LRN" if self.size == 5 else f"LRN:{self.size}"

    def out_shape(self, x: Shape) -> Shape:
        """Unchanged; needs channels to normalise across."""
        if x.is_flat:
            raise ShapeError(msg("layers.needs_spatial", kind="LRN", c=x.c))
        return x

    def other_ops(self, x: Shape, y: Shape) -> int:
        """Square, window sum, power and divide per element."""
        return y.numel * (self.size + 3)

    def saved(self, x: Shape, y: Shape) -> Saved:
        """PyTorch's composite LRN keeps its input, the padded squares and two more maps."""
        padded = (x.c + self.size // 2 + (self.size - 1) // 2) * x.h * x.w
        return Saved(input=True, extra=((padded, None), (x.numel, None), (x.numel, None)))

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.LocalResponseNorm(n)."""
        from torch import nn

        return nn.LocalResponseNorm(self.size)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """pointwise.lrn with PyTorch's α = 10⁻⁴, β = 0.75, k = 1."""
        from cnncalc.numeric.pointwise import lrn

        return lrn(x, self.size)
