"""The transposed convolution (issue 11): every input pixel scatters a K×K kernel onto a grid
S times finer, as `nn.ConvTranspose2d` does (U-Net's up-convolutions, the DCGAN generator).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.ir import Shape
from cnncalc.layers.base import (
    MAX_NUMBER,
    ArgReader,
    Columns,
    Saved,
    ShapeError,
    WeightLayer,
    Window,
    fmt_pair,
    kernel_columns,
)
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Mode, Param, Step

AXES = ("H", "W")


def transposed_size(n: int, k: int, s: int, p: int, op: int, d: int) -> int:
    """(N − 1)·S − 2P + D(K − 1) + OP + 1, nn.ConvTranspose2d's output size on one axis."""
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def bounded(kind: str, y: Shape) -> Shape:
    """y, unless a side passes cnncalc's limit for any number (an upsampling layer can grow a
    map without bound: `Up:1000*5`, a stride of 10^9; issue 9's limits)."""
    for side in y.dims[:-1]:
        if side > MAX_NUMBER:
            raise ShapeError(msg("kinds.too_large", kind=kind, side=f"{side:,}",
                                 limit=f"{MAX_NUMBER:,}"))  # fmt: skip
    return y


@dataclass(frozen=True, slots=True)
class ConvT(WeightLayer):
    """`ConvT:KhxKwxF[/S][pP][opP][dD][gG][nb]` — transposed convolution with F filters.

    Output (H−1)·S − 2P + D(K−1) + OP + 1 per axis; weights Kh·Kw·C·F/G (+ F bias), the
    (C, F/G, Kh, Kw) weight of nn.ConvTranspose2d; MACs Hin·Win·C·Kh·Kw·F/G: each input pixel
    scatters its kernel once, whatever the stride (FlopCounterMode measures the same, forward
    and grad-input; its grad-weight of a grouped one is G times too high, as for Conv).
    """

    NAMES: ClassVar[tuple[str, ...]] = ("ConvT", "ConvTranspose", "Deconv", "UpConv")
    EXAMPLE: ClassVar[str] = "ConvT:2x2x64/2"

    kh: int
    kw: int
    filters: int
    stride: tuple[int, int] = (1, 1)
    pad: tuple[int, int] = (0, 0)
    out_pad: tuple[int, int] = (0, 0)
    dilation: int = 1
    groups: int = 1
    bias: bool = True

    @classmethod
    def parse(cls, args: ArgReader) -> ConvT:
        """Kernel and filters, then modifiers in any order."""
        if args.at_end():
            raise args.error(msg("kinds.convt_needs_size", example=cls.EXAMPLE), 0)
        kh, kw, f = args.dims("kernel size and filters (KhxKwxF)", (3,))
        mods = args.modifiers({"/": "/S stride", "p": "pP padding", "op": "opP output padding",
                               "d": "dD dilation", "g": "gG groups", "nb": "nb (no bias)"})  # fmt: skip
        stride, pad, dilation = mods.get("/", (1, 1)), mods.get("p", (0, 0)), mods.get("d", 1)
        if pad == "same":
            raise args.error(msg("kinds.convt_same"), *mods["p@"])
        out_pad = mods.get("op", (0, 0))
        for axis in (0, 1):
            # PyTorch: "output padding must be smaller than either stride or dilation"
            if out_pad[axis] >= max(stride[axis], dilation):
                raise args.error(msg("kinds.convt_out_pad", op=out_pad[axis], s=stride[axis],
                                     d=dilation), *mods["op@"])  # fmt: skip
        groups = mods.get("g", 1)
        return cls(kh, kw, f, stride, pad, out_pad, dilation, groups, not mods.get("nb"))

    def dsl(self) -> str:
        """Canonical text."""
        text = f"ConvT:{self.kh}x{self.kw}x{self.filters}"
        if self.stride != (1, 1):
            text += "/" + fmt_pair(self.stride).replace("×", "x")
        if self.pad != (0, 0):
            text += "p" + fmt_pair(self.pad).replace("×", "x")
        if self.out_pad != (0, 0):
            text += "op" + fmt_pair(self.out_pad).replace("×", "x")
        text += f"d{self.dilation}" if self.dilation != 1 else ""
        text += f"g{self.groups}" if self.groups != 1 else ""
        return text + ("" if self.bias else "nb")

    def _sizes(self, x: Shape) -> tuple[int, int]:
        k, s, p, op = (self.kh, self.kw), self.stride, self.pad, self.out_pad
        return tuple(  # type: ignore[return-value]
            transposed_size(n, k[a], s[a], p[a], op[a], self.dilation)
            for a, n in enumerate((x.h, x.w))
        )

    def out_shape(self, x: Shape) -> Shape:
        """(H−1)·S − 2P + D(K−1) + OP + 1 per axis, F channels."""
        if x.is_flat:
            raise ShapeError(msg("kinds.needs_map", kind="ConvT", n=x.c))
        for what, n in (("input channels", x.c), ("filters", self.filters)):
            if n % self.groups:
                raise ShapeError(msg("kinds.groups_divide", what=what, n=n, g=self.groups))
        sizes = self._sizes(x)
        for axis, out in enumerate(sizes):
            if out <= 0:
                raise ShapeError(msg("kinds.convt_empty", formula=self._formula(x, axis)))
        return bounded("ConvT", Shape((sizes[0], sizes[1], self.filters)))

    def _formula(self, x: Shape, axis: int) -> str:
        """'(5 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 10'."""
        n = (x.h, x.w)[axis]
        k, s, p, op = (
            (self.kh, self.kw)[axis],
            self.stride[axis],
            self.pad[axis],
            self.out_pad[axis],
        )
        out = transposed_size(n, k, s, p, op, self.dilation)
        return f"({n} - 1)·{s} - 2·{p} + {self.dilation}·({k} - 1) + {op} + 1 = {out}"

    def weights(self, x: Shape) -> int:
        """Kh·Kw·C·F/G, plus F biases."""
        return self.kh * self.kw * x.c * (self.filters // self.groups) + self.bias * self.filters

    def macs(self, x: Shape, y: Shape) -> int:
        """Hin·Win·C·Kh·Kw·F/G: each input pixel scatters one kernel per group's filters."""
        return x.h * x.w * x.c * self.kh * self.kw * (self.filters // self.groups)

    def other_ops(self, x: Shape, y: Shape) -> int:
        """The bias adds."""
        return y.numel if self.bias else 0

    def window(self, x: Shape) -> Window:
        """In input pixels (issue 11's convention, README): an output pixel is reached by the
        input pixels its dilated kernel spans, at most ceil((D(K−1)+1)/S) per axis, centred
        (P − D(K−1)/2)/S pixels from output 0's position; then the jump is divided by S."""
        kernel, pad = [], []
        for axis, k in enumerate((self.kh, self.kw)):
            s, extent = self.stride[axis], self.dilation * (k - 1) + 1
            taps = -(-extent // s)
            kernel.append(taps)
            pad.append((taps - 1) / 2 - (self.pad[axis] - (extent - 1) / 2) / s)
        return Window((kernel[0], kernel[1]), (1, 1), (pad[0], pad[1]), up=self.stride)  # type: ignore[arg-type]

    def saved(self, x: Shape, y: Shape) -> Saved:
        """convolution_backward keeps the input (and the weight, counted as weights)."""
        return Saved(input=True)

    def columns(self, x: Shape) -> Columns:
        """'2×2×64', 32, 2, 0 and '(2×2×64+1)×32': the kernel over C/G input channels, as Conv's
        columns; Kh·Kw·C·(F/G) + F = (Kh·Kw·C/G + 1)·F, so the weights read as Conv's too."""
        size, weights = kernel_columns(
            self.kh, self.kw, x.c // self.groups, self.filters, self.bias
        )
        return Columns(size, str(self.filters), fmt_pair(self.stride), fmt_pair(self.pad), weights)

    def parameter_tensors(self, x: Shape) -> int:
        """weight, and bias unless nb."""
        return 1 + int(self.bias)

    def fan(self, x: Shape) -> tuple[int, int]:
        """PyTorch's init reads the (C, F/G, Kh, Kw) weight: fan-in F/G·Kh·Kw, fan-out C·Kh·Kw."""
        rf = self.kh * self.kw
        return (self.filters // self.groups * rf, x.c * rf)

    def warnings(self, x: Shape) -> list[str]:
        """Output padding beyond the padding leaves the last OP − P rows only the bias."""
        notes = []
        for axis in (0, 1):
            bare = self.out_pad[axis] - self.pad[axis]
            if bare > 0:
                what = ("rows", "columns")[axis]
                notes.append(msg("kinds.convt_bare", n=bare, what=what, op=self.out_pad[axis],
                                 p=self.pad[axis]))  # fmt: skip
        return notes

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Size formula, weight formula and MACs."""
        lines = [f"H: {self._formula(x, 0)}", f"W: {self._formula(x, 1)}"]
        if lines[0][3:] == lines[1][3:]:
            lines = [f"H, W: {lines[0][3:]}"]
        per_group = self.filters // self.groups
        bias = f" + {self.filters}" if self.bias else ""
        lines.append(f"weights: {self.kh}·{self.kw}·{x.c}·{per_group}{bias} = {self.weights(x):,}")
        lines.append(
            f"MACs: {x.h}·{x.w}·{x.c}·{self.kh}·{self.kw}·{per_group} = {self.macs(x, y):,}"
            + msg("kinds.convt_macs_note")
        )
        return lines

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.ConvTranspose2d."""
        from torch import nn

        return nn.ConvTranspose2d(
            x.c,
            self.filters,
            (self.kh, self.kw),
            stride=self.stride,
            padding=self.pad,
            output_padding=self.out_pad,
            dilation=self.dilation,
            groups=self.groups,
            bias=self.bias,
        )

    def params(self, x: Shape) -> dict[str, Param]:
        """weight C×F/G×Kh×Kw and bias F, drawn from the fans (seed 002)."""
        from cnncalc.numeric.params import Param

        shape = (x.c, self.filters // self.groups, self.kh, self.kw)
        w = Param(shape, "weight", self.fan(x))
        bias = {"bias": Param((self.filters,), "bias", w.fan)} if self.bias else {}
        return {"weight": w, **bias}

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.resample.conv_transpose2d."""
        from cnncalc.numeric.resample import conv_transpose2d

        d = (self.dilation, self.dilation)
        return conv_transpose2d(x, p["weight"], p.get("bias"), self.stride, self.pad,
                                self.out_pad, d, self.groups)  # fmt: skip
