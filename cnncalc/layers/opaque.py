"""A PyTorch op cnncalc cannot count, read by `from_torch` (issue 10): never written in DSL.

Its output shape and parameters are what PyTorch reported; its MACs and element-wise work are
unknown, so the row says so in a warning instead of showing a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from cnncalc.errors import CnnCalcError
from cnncalc.ir import Shape
from cnncalc.layers.base import LayerBase
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True, slots=True)
class Uncounted(LayerBase):
    """An op of a PyTorch module with no cnncalc kind: shape and weights as measured."""

    NAMES: ClassVar[tuple[str, ...]] = ("Uncounted",)

    op: str
    shape: Shape
    params: int = 0

    def dsl(self) -> str:
        """No DSL text exists; the op's name stands in for messages."""
        return f"?{self.op}"

    def out_shape(self, x: Shape) -> Shape:
        """As PyTorch computed it."""
        return self.shape

    def weights(self, x: Shape) -> int:
        """The op's parameters, counted exactly."""
        return self.params

    def other_ops(self, x: Shape, y: Shape) -> int:
        """Unknown: the warning says so."""
        return 0

    def warnings(self, x: Shape) -> list[str]:
        """The op is not counted."""
        return [msg("torch_io.uncounted", op=self.op)]

    def to_torch(self, x: Shape) -> nn.Module:
        """None can be built: `profile` and `build` measure the net as cnncalc reads it, and
        cnncalc has no rule for this op (one clear error, not a dtype's)."""
        raise CnnCalcError(msg("torch_io.no_build", op=self.op))
