"""Element-wise layers: activations, softmax and dropout (shape unchanged, no weights)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.ir import Shape
from cnncalc.layers.base import ArgReader, LayerBase, Saved
from cnncalc.messages import msg
from cnncalc.units import decimal

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Mode, Step


class Activation(LayerBase):
    """Base of the activations: `TORCH` names the nn class, `SAVES_OUTPUT` what backward keeps."""

    __slots__ = ()

    INPLACE: ClassVar[bool] = True
    TORCH: ClassVar[str] = ""
    NUMPY: ClassVar[str] = ""  # the function of cnncalc/numeric/pointwise.py that computes it
    SAVES_OUTPUT: ClassVar[bool] = False  # else it keeps its input (read off saved_tensors_hooks)

    def saved(self, x: Shape, y: Shape) -> Saved:
        """Its output (ReLU, Tanh, Sigmoid, Softmax) or its input (the others)."""
        return Saved(output=True) if self.SAVES_OUTPUT else Saved(input=True)

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.<TORCH>()."""
        from torch import nn

        return getattr(nn, self.TORCH)()

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """pointwise.<NUMPY>(x)."""
        from cnncalc.numeric import pointwise

        if not self.NUMPY:
            raise NotImplementedError(f"{self.kind} has no numpy forward yet")
        return getattr(pointwise, self.NUMPY)(x)


class ReLU(Activation):
    """`ReLU` — max(0, x)."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("ReLU",)
    TORCH: ClassVar[str] = "ReLU"
    NUMPY: ClassVar[str] = "relu"
    SAVES_OUTPUT: ClassVar[bool] = True


class ReLU6(Activation):
    """`ReLU6` — min(max(0, x), 6)."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("ReLU6",)
    TORCH: ClassVar[str] = "ReLU6"
    NUMPY: ClassVar[str] = "relu6"


class Tanh(Activation):
    """`Tanh` — hyperbolic tangent (LeNet-5, seed 001)."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("Tanh",)
    TORCH: ClassVar[str] = "Tanh"
    NUMPY: ClassVar[str] = "tanh"
    SAVES_OUTPUT: ClassVar[bool] = True


class Sigmoid(Activation):
    """`Sigmoid` — logistic function."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("Sigmoid",)
    TORCH: ClassVar[str] = "Sigmoid"
    NUMPY: ClassVar[str] = "sigmoid"
    SAVES_OUTPUT: ClassVar[bool] = True


class GELU(Activation):
    """`GELU` — Gaussian error linear unit."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("GELU",)
    TORCH: ClassVar[str] = "GELU"
    NUMPY: ClassVar[str] = "gelu"


class SiLU(Activation):
    """`SiLU` (also `Swish`) — x·sigmoid(x)."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("SiLU", "Swish")
    TORCH: ClassVar[str] = "SiLU"
    NUMPY: ClassVar[str] = "silu"


class HSwish(Activation):
    """`HSwish` — hard swish (MobileNetV3)."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("HSwish", "Hardswish")
    TORCH: ClassVar[str] = "Hardswish"
    NUMPY: ClassVar[str] = "hardswish"


class HSigmoid(Activation):
    """`HSigmoid` — hard sigmoid (MobileNetV3)."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("HSigmoid", "Hardsigmoid")
    TORCH: ClassVar[str] = "Hardsigmoid"
    NUMPY: ClassVar[str] = "hardsigmoid"


@dataclass(frozen=True, slots=True)
class LReLU(Activation):
    """`LReLU[:slope]` (also `LeakyReLU`) — leaky ReLU, slope 0.01 as in PyTorch."""

    NAMES: ClassVar[tuple[str, ...]] = ("LReLU", "LeakyReLU")
    EXAMPLE: ClassVar[str] = "LReLU:0.1"

    slope: float = 0.01

    @classmethod
    def parse(cls, args: ArgReader) -> LReLU:
        """Optional slope."""
        if args.at_end():
            return cls()
        slope = args.number(msg("layers.lrelu.slope"))
        args.done()
        return cls(slope)

    def dsl(self) -> str:
        """Canonical text."""
        return "LReLU" if self.slope == 0.01 else f"LReLU:{decimal(self.slope)}"

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.LeakyReLU(slope)."""
        from torch import nn

        return nn.LeakyReLU(self.slope)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """pointwise.leaky_relu."""
        from cnncalc.numeric.pointwise import leaky_relu

        return leaky_relu(x, self.slope)


@dataclass(frozen=True, slots=True)
class ELU(Activation):
    """`ELU[:alpha]` — x for x > 0, alpha·(exp(x) − 1) below; alpha 1.0 as in PyTorch."""

    NAMES: ClassVar[tuple[str, ...]] = ("ELU",)
    EXAMPLE: ClassVar[str] = "ELU:0.5"

    alpha: float = 1.0

    @classmethod
    def parse(cls, args: ArgReader) -> ELU:
        """Optional alpha."""
        if args.at_end():
            return cls()
        alpha = args.number("alpha")
        args.done()
        return cls(alpha)

    def dsl(self) -> str:
        """Canonical text."""
        return "ELU" if self.alpha == 1.0 else f"ELU:{decimal(self.alpha)}"

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.ELU(alpha)."""
        from torch import nn

        return nn.ELU(self.alpha)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """pointwise.elu."""
        from cnncalc.numeric.pointwise import elu

        return elu(x, self.alpha)


class Mish(Activation):
    """`Mish` — x·tanh(softplus(x))."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("Mish",)
    TORCH: ClassVar[str] = "Mish"
    NUMPY: ClassVar[str] = "mish"


class Softmax(Activation):
    """`SM` (also `Softmax`) — softmax over the channels (seed 000: outputs ≥ 0 summing to 1)."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("SM", "Softmax")
    NUMPY: ClassVar[str] = "softmax"
    SAVES_OUTPUT: ClassVar[bool] = True

    def other_ops(self, x: Shape, y: Shape) -> int:
        """exp, sum and divide per element."""
        return 3 * y.numel

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.Softmax(dim=1)."""
        from torch import nn

        return nn.Softmax(dim=1)


@dataclass(frozen=True, slots=True)
class Drop(LayerBase):
    """`Drop[:p]` (also `Dropout`) — dropout with probability p = 0.5; identity at inference."""

    NAMES: ClassVar[tuple[str, ...]] = ("Drop", "Dropout")
    EXAMPLE: ClassVar[str] = "Drop:0.5"
    INPLACE: ClassVar[bool] = True

    p: float = 0.5

    @classmethod
    def parse(cls, args: ArgReader) -> Drop:
        """Optional p in [0, 1]."""
        if args.at_end():
            return cls()
        start = args.i
        p = args.number(msg("layers.drop.probability"))
        if not 0 <= p <= 1:
            raise args.error(msg("layers.drop.range", p=f"{p:g}"), start, args.i)
        args.done()
        return cls(p)

    def dsl(self) -> str:
        """Canonical text."""
        return "Drop" if self.p == 0.5 else f"Drop:{decimal(self.p)}"

    def aliases(self) -> bool:
        """At p = 0 PyTorch returns the input itself, in training too."""
        return self.p == 0

    def saved(self, x: Shape, y: Shape) -> Saved:
        """In training PyTorch keeps a mask of the compute dtype (read off saved_tensors_hooks);
        at p = 0 it returns the input and keeps nothing, at p = 1 it multiplies by a scalar zero
        and keeps that one element (ATen's _dropout_impl, measured in test_hostile_dsl)."""
        if self.p == 0:
            return Saved()
        if self.p == 1:
            return Saved(fixed=((1, None),))
        return Saved(extra=((y.numel, None),))

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.Dropout(p)."""
        from torch import nn

        return nn.Dropout(self.p)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """pointwise.dropout: identity at inference, a random mask with --train."""
        from cnncalc.numeric.pointwise import dropout

        return dropout(x, self.p, mode.sampler)
