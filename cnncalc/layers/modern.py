"""Per-channel layers of modern CNNs (issue 11): the learnable layer scale and stochastic depth
of ConvNeXt, and the parametric ReLU."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.ir import Shape
from cnncalc.layers.act import Activation
from cnncalc.layers.base import ArgReader, LayerBase, Saved, ShapeError
from cnncalc.messages import msg
from cnncalc.units import decimal

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Mode, Param, Step


@dataclass(frozen=True, slots=True)
class Scale(LayerBase):
    """`Scale[:init]` (also `LayerScale`) — a learnable multiplier per channel, ConvNeXt's
    layer scale (a C×1×1 parameter, N on a vector), starting at init = 1e-6 as torchvision's."""

    NAMES: ClassVar[tuple[str, ...]] = ("Scale", "LayerScale")
    EXAMPLE: ClassVar[str] = "Scale:0.1"

    init: float = 1e-6

    @classmethod
    def parse(cls, args: ArgReader) -> Scale:
        """Optional initial value."""
        if args.at_end():
            return cls()
        init = args.number("initial value")
        args.done()
        return cls(init)

    def dsl(self) -> str:
        """Canonical text."""
        return "Scale" if self.init == 1e-6 else f"Scale:{decimal(self.init)}"

    def weights(self, x: Shape) -> int:
        """One per channel."""
        return x.c

    def parameter_tensors(self, x: Shape) -> int:
        """The scale."""
        return 1

    def saved(self, x: Shape, y: Shape) -> Saved:
        """The multiply keeps its input, for the scale's gradient (and the scale, a weight)."""
        return Saved(input=True)

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Its weights."""
        return [msg("kinds.scale_explain", c=x.c)]

    def to_torch(self, x: Shape) -> nn.Module:
        """cnncalc's LayerScale."""
        from cnncalc.torch.modules import LayerScale

        return LayerScale(x.c, not x.is_flat, self.init)

    def params(self, x: Shape) -> dict[str, Param]:
        """layer_scale, C×1×1 (N on a vector), starting at init."""
        from cnncalc.numeric.params import const

        return {"layer_scale": const((x.c,) if x.is_flat else (x.c, 1, 1), self.init)}

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.norms.scale."""
        from cnncalc.numeric.norms import scale

        return scale(x, p["layer_scale"].reshape(-1))


@dataclass(frozen=True, slots=True)
class DropPath(LayerBase):
    """`DropPath[:p]` (also `StochasticDepth`) — stochastic depth, p = 0.1 (ConvNeXt-T's rate):
    in training each image's whole tensor is zeroed with probability p and the others scaled
    by 1/(1 − p), as torchvision.ops.StochasticDepth(p, "row"); the identity at inference."""

    NAMES: ClassVar[tuple[str, ...]] = ("DropPath", "StochasticDepth")
    EXAMPLE: ClassVar[str] = "DropPath:0.2"
    INPLACE: ClassVar[bool] = True  # the identity at inference, as Drop

    p: float = 0.1

    @classmethod
    def parse(cls, args: ArgReader) -> DropPath:
        """Optional p in [0, 1]."""
        if args.at_end():
            return cls()
        start = args.i
        p = args.number("drop probability")
        if not 0 <= p <= 1:
            raise args.error(msg("kinds.droppath_p", p=f"{p:g}"), start, args.i)
        args.done()
        return cls(p)

    def dsl(self) -> str:
        """Canonical text."""
        return "DropPath" if self.p == 0.1 else f"DropPath:{decimal(self.p)}"

    def aliases(self) -> bool:
        """At p = 0 the module returns its input itself, in training too."""
        return self.p == 0

    def saved(self, x: Shape, y: Shape) -> Saved:
        """In training the multiply keeps the per-image noise (one value per image)."""
        return Saved() if self.p == 0 else Saved(extra=((1, None),))

    def to_torch(self, x: Shape) -> nn.Module:
        """cnncalc's StochasticDepth."""
        from cnncalc.torch.modules import StochasticDepth

        return StochasticDepth(self.p)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.norms.drop_path: the identity at inference, a per-image draw with --train."""
        from cnncalc.numeric.norms import drop_path

        return drop_path(x, self.p, mode.sampler)


@dataclass(frozen=True, slots=True)
class PReLU(Activation):
    """`PReLU[:C]` — x for x > 0, a·x below, with a learnable slope a (one, or one per channel:
    C must then be the input's channels), starting at 0.25 as nn.PReLU."""

    NAMES: ClassVar[tuple[str, ...]] = ("PReLU",)
    EXAMPLE: ClassVar[str] = "PReLU"

    slopes: int = 1

    @classmethod
    def parse(cls, args: ArgReader) -> PReLU:
        """Optional number of slopes."""
        if args.at_end():
            return cls()
        (slopes,) = args.dims("number of slopes (1 or the channels)", (1,))
        args.done()
        return cls(slopes)

    def dsl(self) -> str:
        """Canonical text."""
        return "PReLU" if self.slopes == 1 else f"PReLU:{self.slopes}"

    def out_shape(self, x: Shape) -> Shape:
        """Unchanged; C slopes need C channels."""
        if self.slopes not in (1, x.c):
            raise ShapeError(msg("kinds.prelu_slopes", n=self.slopes, c=x.c))
        return x

    def weights(self, x: Shape) -> int:
        """One slope, or one per channel."""
        return self.slopes

    def parameter_tensors(self, x: Shape) -> int:
        """The slopes."""
        return 1

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.PReLU(C)."""
        from torch import nn

        return nn.PReLU(self.slopes)

    def params(self, x: Shape) -> dict[str, Param]:
        """weight: the slopes, 0.25 each."""
        from cnncalc.numeric.params import const

        return {"weight": const((self.slopes,), 0.25)}

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.norms.prelu."""
        from cnncalc.numeric.norms import prelu

        return prelu(x, p["weight"])
