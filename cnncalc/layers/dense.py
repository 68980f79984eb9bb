"""Layers that reshape: the input marker, fully connected, flatten and global pooling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.ir import Shape
from cnncalc.layers.base import (
    ArgReader,
    Columns,
    LayerBase,
    Saved,
    ShapeError,
    WeightLayer,
    Window,
)
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Mode, Param, Step


def global_window(x: Shape) -> Window:
    """A window over the whole input: FC and GAP see everything (a vector counts as 1×1)."""
    return Window((x.h, x.w), (1, 1), (0, 0), whole=True)


def flat_text(x: Shape) -> str:
    """'6·6·256' for a feature map, '4096' for a vector."""
    return "·".join(str(d) for d in x.dims)


def read_input(args: ArgReader) -> Shape:
    """An input shape: `HxWxC` or `N`, or `chw:CxHxW` (converted), or `hwc:HxWxC` (as written).

    Shapes are H×W×C (DESIGN §3), but PyTorch users write C×H×W: `3x224x224` read as written is
    a 3-row image with 224 channels and silently wrong figures. So a shape that looks
    channel-first (first number 1–4, the other two ≥ 8) is an error unless a prefix says which
    order is meant (issue 9). The same rule holds for --input, a spec's `input` and `In:`.
    """
    order = next((p for p in ("chw", "hwc") if args.peek(4) == f"{p}:"), None)
    if order:
        args.i += 4
    start = args.i
    dims = args.dims(msg("layers.in.dims"), (1, 3))
    args.done()
    written = args.text[start : args.i]
    if order and len(dims) != 3:
        example = "3x224x224" if order == "chw" else "224x224x3"
        raise args.error(msg("layers.in.order", kind=args.kind, order=order,
                             axes=" x ".join(order.upper()), example=example), 0)  # fmt: skip
    if order == "chw":
        return Shape((dims[1], dims[2], dims[0]))
    if order is None and len(dims) == 3 and 1 <= dims[0] <= 4 and min(dims[1:]) >= 8:
        c, h, w = dims
        problem = msg("layers.in.channel_first", kind=args.kind, written=written, h=h, w=w, c=c)
        raise args.error(problem, start, args.i)
    return Shape(dims)


@dataclass(frozen=True, slots=True)
class In(LayerBase):
    """`In:HxWxC` or `In:N` — the input; only as the first item (or use --input).
    `In:chw:CxHxW` gives it channel-first, `In:hwc:HxWxC` insists on the order as written."""

    NAMES: ClassVar[tuple[str, ...]] = ("In", "Input")
    SETS_INPUT: ClassVar[bool] = True
    EXAMPLE: ClassVar[str] = "In:224x224x3"

    shape: Shape

    @classmethod
    def parse(cls, args: ArgReader) -> In:
        """HxWxC or N, optionally after chw: or hwc:."""
        if args.at_end():
            raise args.error(msg("layers.in.needs_shape", example=cls.EXAMPLE), 0)
        return cls(read_input(args))

    def dsl(self) -> str:
        """Canonical text."""
        return "In:" + self.shape.text


@dataclass(frozen=True, slots=True)
class FC(WeightLayer):
    """`FC:N[nb]` (also `Dense`, `Linear`) — fully connected; flattens an H×W×C input."""

    NAMES: ClassVar[tuple[str, ...]] = ("FC", "Dense", "Linear")
    EXAMPLE: ClassVar[str] = "FC:4096"

    units: int
    bias: bool = True

    @classmethod
    def parse(cls, args: ArgReader) -> FC:
        """N, then nb."""
        if args.at_end():
            raise args.error(msg("layers.fc.needs_args", example=cls.EXAMPLE), 0)
        (units,) = args.dims(msg("layers.fc.dims"), (1,))
        mods = args.modifiers({"nb": msg("layers.mod.no_bias")})
        return cls(units, not mods.get("nb"))

    def dsl(self) -> str:
        """Canonical text."""
        return f"FC:{self.units}" + ("" if self.bias else "nb")

    def out_shape(self, x: Shape) -> Shape:
        """N outputs."""
        return Shape((self.units,))

    def weights(self, x: Shape) -> int:
        """(in + bias)·N."""
        return (x.numel + int(self.bias)) * self.units

    def macs(self, x: Shape, y: Shape) -> int:
        """in·N."""
        return x.numel * self.units

    def other_ops(self, x: Shape, y: Shape) -> int:
        """The bias adds."""
        return self.units if self.bias else 0

    def window(self, x: Shape) -> Window | None:
        """Sees the whole input."""
        return global_window(x)

    def saved(self, x: Shape, y: Shape) -> Saved:
        """addmm/mm keep the (flattened view of the) input for the weight's gradient."""
        return Saved(input=True)

    def parameter_tensors(self, x: Shape) -> int:
        """weight, and bias unless nb."""
        return 1 + int(self.bias)

    def columns(self, x: Shape) -> Columns:
        """Only the weights, as the seed writes them: 6×6×256×4096, (4096+1)×1000."""
        inputs = "×".join(str(d) for d in x.dims)
        return Columns(
            weights=f"({inputs}+1)×{self.units}" if self.bias else f"{inputs}×{self.units}"
        )

    def fan(self, x: Shape) -> tuple[int, int]:
        """in, N."""
        return (x.numel, self.units)

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Weight formula and MACs."""
        inputs = flat_text(x)
        if self.bias:
            inputs = f"({inputs} + 1)"
        return [
            msg(
                "layers.fc.explain_weights",
                inputs=inputs,
                units=self.units,
                total=f"{self.weights(x):,}",
            ),
            msg(
                "layers.fc.explain_macs",
                inputs=f"{x.numel:,}",
                units=self.units,
                total=f"{self.macs(x, y):,}",
            ),
        ]

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.Linear, after nn.Flatten when the input is a feature map."""
        from torch import nn

        linear = nn.Linear(x.numel, self.units, bias=self.bias)
        return linear if x.is_flat else nn.Sequential(nn.Flatten(), linear)

    def params(self, x: Shape) -> dict[str, Param]:
        """weight N×in (PyTorch's out×in) and bias N, drawn from the fans (seed 002)."""
        from cnncalc.numeric.params import weight_and_bias

        return weight_and_bias((self.units, x.numel), self.fan(x), self.bias)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.ops.linear on the flattened input."""
        from cnncalc.numeric.ops import linear

        return linear(x, p["weight"], p.get("bias"))


class Flatten(LayerBase):
    """`Flatten` — H×W×C to a vector of H·W·C."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("Flatten",)
    ALIAS: ClassVar[bool] = True

    def out_shape(self, x: Shape) -> Shape:
        """H·W·C."""
        return Shape((x.numel,))

    def other_ops(self, x: Shape, y: Shape) -> int:
        """A view: no work."""
        return 0

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """The product."""
        return [msg("layers.flatten.explain", shape=flat_text(x), total=f"{y.numel:,}")]

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.Flatten."""
        from torch import nn

        return nn.Flatten()

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """A reshape to N×(C·H·W), PyTorch's order."""
        return x.reshape(x.shape[0], -1), lambda gy: gy.reshape(x.shape)


class GAP(LayerBase):
    """`GAP` — global average pooling to 1×1×C (seed 002)."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("GAP",)

    def out_shape(self, x: Shape) -> Shape:
        """1×1×C."""
        if x.is_flat:
            raise ShapeError(msg("layers.needs_spatial", kind="GAP", c=x.c))
        return Shape((1, 1, x.c))

    def other_ops(self, x: Shape, y: Shape) -> int:
        """One add per input element."""
        return x.numel

    def window(self, x: Shape) -> Window | None:
        """Sees the whole input."""
        return global_window(x)

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """What it averages."""
        return [msg("layers.gap.explain", c=x.c, h=x.h, w=x.w)]

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.AdaptiveAvgPool2d(1); PyTorch computes it as a mean, which saves nothing."""
        from torch import nn

        return nn.AdaptiveAvgPool2d(1)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.ops.global_avg: each channel's mean."""
        from cnncalc.numeric.ops import global_avg

        return global_avg(x)


@dataclass(frozen=True, slots=True)
class AdaptAvg(LayerBase):
    """`AdaptAvg:HxW` (or `AdaptAvg:N` for N×N) — adaptive average pooling to H×W×C."""

    NAMES: ClassVar[tuple[str, ...]] = ("AdaptAvg", "AdaptiveAvgPool")
    EXAMPLE: ClassVar[str] = "AdaptAvg:6x6"

    oh: int
    ow: int

    @classmethod
    def parse(cls, args: ArgReader) -> AdaptAvg:
        """HxW or N."""
        if args.at_end():
            raise args.error(msg("layers.adapt.needs_args", example=cls.EXAMPLE), 0)
        oh, ow = args.pair(msg("layers.adapt.dims"))
        args.done()
        return cls(oh, ow)

    def dsl(self) -> str:
        """Canonical text."""
        return f"AdaptAvg:{self.oh}x{self.ow}"

    def out_shape(self, x: Shape) -> Shape:
        """H×W×C."""
        if x.is_flat:
            raise ShapeError(msg("layers.needs_spatial", kind="AdaptAvg", c=x.c))
        return Shape((self.oh, self.ow, x.c))

    def other_ops(self, x: Shape, y: Shape) -> int:
        """Adds over each output's window (at least one input element each)."""
        kh, kw = -(-x.h // self.oh), -(-x.w // self.ow)
        return y.numel * kh * kw

    def window(self, x: Shape) -> Window | None:
        """PyTorch's windows are ceil(H/Ho) wide, starting every floor(H/Ho) (approximately);
        to 1×1 it is GAP and sees the whole input."""
        if x.is_flat:
            return None
        kernel = (-(-x.h // self.oh), -(-x.w // self.ow))
        stride = (max(1, x.h // self.oh), max(1, x.w // self.ow))
        return Window(kernel, stride, (0, 0), whole=(self.oh, self.ow) == (1, 1))

    def saved(self, x: Shape, y: Shape) -> Saved:
        """adaptive_avg_pool2d keeps its input, except the 1×1 case PyTorch computes as mean."""
        return Saved() if (self.oh, self.ow) == (1, 1) else Saved(input=True)

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.AdaptiveAvgPool2d."""
        from torch import nn

        return nn.AdaptiveAvgPool2d((self.oh, self.ow))

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.ops.adaptive_avg: PyTorch's windows, as averaging matrices."""
        from cnncalc.numeric.ops import adaptive_avg

        return adaptive_avg(x, self.oh, self.ow)
