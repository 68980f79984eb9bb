"""Sliding-window layers: convolution and the three poolings (DESIGN §3, seeds 000 and 004)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.ir import Shape
from cnncalc.layers import padding
from cnncalc.layers.base import (
    ArgReader,
    Columns,
    LayerBase,
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

AXES = ("rows", "columns")


def slide(n: int, k: int, s: int, p: int, d: int = 1, ceil: bool = False) -> tuple[int, int]:
    """Output size and the remainder of floor((n + 2p − d(k−1) − 1) / s) + 1 (DESIGN §3).

    With `ceil`, PyTorch's rule: round up, but the last window must start inside the input
    or its left padding.
    """
    span = n + 2 * p - d * (k - 1) - 1
    if ceil:
        out = -(-span // s) + 1
        if (out - 1) * s >= n + p:
            out -= 1
    else:
        out = span // s + 1
    return out, span % s


def formula(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> str:
    """The size formula with numbers, e.g. '(224 - 11 + 2·3) / 4 + 1 = 55.75 → 55'."""
    out, _ = slide(n, k, s, p, d, ceil)
    span = n + 2 * p - d * (k - 1) - 1
    exact = span / s + 1
    if d == 1:
        text = f"({n} - {k} + 2·{p}) / {s} + 1"
    else:
        text = f"({n} + 2·{p} - {d}·({k} - 1) - 1) / {s} + 1"
    shown = f"{exact:.2f}".rstrip("0").rstrip(".")
    if float(shown) == out and span % s == 0:
        return f"{text} = {out}"
    return f"{text} = {shown} → {out}" + (" (ceil)" if ceil else "")


def window_out(kind: str, x: Shape, win: Window, ceil: bool = False) -> Shape:
    """Spatial output of a window over x; an output size ≤ 0 is an error with the numbers."""
    if x.is_flat:
        raise ShapeError(msg("layers.needs_spatial", kind=kind, c=x.c))
    sizes = []
    for axis, n in enumerate((x.h, x.w)):
        k, s, p, d = win.kernel[axis], win.stride[axis], win.pad[axis], win.dilation[axis]
        out, _ = slide(n, k, s, p, d, ceil)
        if out <= 0:
            # The window's width is the dilated one, D·(K−1)+1: a 3×3 kernel with d3 spans 7.
            wide = msg("layers.window.wide", width=win.effective(axis))
            if d > 1:
                wide += msg("layers.window.dilated", k=k, d=d)
            padded = msg("layers.window.padded", size=n + 2 * p) if p else ""
            raise ShapeError(msg("layers.window.too_small", axis=msg(f"layers.axis.{AXES[axis]}_one"),
                                 formula=formula(n, k, s, p, d, ceil), n=n, padded=padded,
                                 axes=msg(f"layers.axis.{AXES[axis]}"), wide=wide))  # fmt: skip
        sizes.append(out)
    return Shape((sizes[0], sizes[1], x.c))


def _last(n: int, what: str, axes: str) -> str:
    """'last 3 input rows and columns are', … (what: input/padding; axes: rows/columns/both)."""
    kind = msg(f"layers.window.{what}")
    if n > 1:
        return msg("layers.window.last_many", n=n, what=kind, axes=msg(f"layers.axis.{axes}"))
    key = "layers.window.last_one_plural" if axes == "both" else "layers.window.last_one"
    return msg(key, what=kind, axes=msg(f"layers.axis.{axes}_one"))


def window_warnings(x: Shape, win: Window, ceil: bool = False, lost: bool = True) -> list[str]:
    """DESIGN §4, seed 004: a non-integer size leaves the last rows/columns uncovered, off the
    far edge of the padded input: padding first, then input. `lost`: the warnings (input left
    over; 'input ignored' only when true), else the notes: padding only (issue 15)."""
    if ceil or x.is_flat:
        return []
    found = []  # (formula, input rows left over, padding rows left over, axis name)
    for axis, n in enumerate((x.h, x.w)):
        k, s, p, d = win.kernel[axis], win.stride[axis], win.pad[axis], win.dilation[axis]
        _, rem = slide(n, k, s, p, d)
        if rem:
            pad = min(rem, p)
            found.append((formula(n, k, s, p, d, False), rem - pad, pad, AXES[axis]))
    if len(found) == 2 and found[0][:3] == found[1][:3]:
        found = [(*found[0][:3], "both")]
    notes = []
    for text, rows, pad, axes in (f for f in found if bool(f[1]) == lost):
        n, what = (rows, "input") if rows else (pad, "padding")
        key = "layers.window.ignored" if rows else "layers.window.unused"
        notes.append(msg(key, formula=text, last=_last(n, what, axes)))
    return notes


def window_explain(x: Shape, win: Window, ceil: bool = False) -> list[str]:
    """'H: …' and 'W: …' size formulas (one line when both axes agree)."""
    lines = []
    for axis, (label, n) in enumerate((("H", x.h), ("W", x.w))):
        k, s, p, d = win.kernel[axis], win.stride[axis], win.pad[axis], win.dilation[axis]
        lines.append(f"{label}: {formula(n, k, s, p, d, ceil)}")
    if lines[0][3:] == lines[1][3:]:
        return [f"H, W: {lines[0][3:]}"]
    return lines


@dataclass(frozen=True, slots=True)
class Conv(WeightLayer):
    """`Conv:KhxKwxF[/S][pP|psame][dD][gG][nb]` — 2-D convolution with F filters (seed 000)."""

    NAMES: ClassVar[tuple[str, ...]] = ("Conv",)
    EXAMPLE: ClassVar[str] = "Conv:3x3x64p1"

    kh: int
    kw: int
    filters: int
    stride: tuple[int, int] = (1, 1)
    pad: tuple[int, int] | str = (0, 0)  # or "same"
    dilation: int = 1
    groups: int = 1
    bias: bool = True
    mode: str = "zeros"  # or reflect, replicate, circular (layers/padding.py, issue 11)

    @classmethod
    def parse(cls, args: ArgReader) -> Conv:
        """Kernel and filters, then modifiers in any order."""
        if args.at_end():
            raise args.error(msg("layers.conv.needs_args", example=cls.EXAMPLE), 0)
        kh, kw, f = args.dims(msg("layers.conv.dims"), (3,))
        mods = args.modifiers(
            {
                "/": msg("layers.mod.stride"),
                "p": msg("layers.mod.pad_same"),
                "d": msg("layers.mod.dilation"),
                "g": msg("layers.mod.groups"),
                "nb": msg("layers.mod.no_bias"),
                **{mode: mode for mode in padding.MODES},
            }
        )
        stride, pad, mode = (
            mods.get("/", (1, 1)),
            mods.get("p", (0, 0)),
            padding.read_mode(args, mods),
        )
        return cls(kh, kw, f, stride, pad, mods.get("d", 1), mods.get("g", 1), not mods.get("nb"),
                   mode)  # fmt: skip

    def dsl(self) -> str:
        """Canonical text."""
        text = f"Conv:{self.kh}x{self.kw}x{self.filters}"
        if self.stride != (1, 1):
            text += "/" + fmt_pair(self.stride).replace("×", "x")
        if self.pad == "same":
            text += "psame"
        elif self.pad != (0, 0):
            text += "p" + fmt_pair(self.pad).replace("×", "x")
        text += f"d{self.dilation}" if self.dilation != 1 else ""
        text += "" if self.mode == "zeros" else self.mode
        text += f"g{self.groups}" if self.groups != 1 else ""
        return text + ("" if self.bias else "nb")

    def window(self, x: Shape) -> Window:
        """Kernel, stride, padding (the top and left one) and dilation."""
        (top, _), (left, _) = padding.conv_pads(self, x)
        return Window((self.kh, self.kw), self.stride, (top, left), (self.dilation,) * 2)

    def out_shape(self, x: Shape) -> Shape:
        """floor((H+2P−D(K−1)−1)/S)+1 per axis, F channels."""
        if x.is_flat:
            raise ShapeError(msg("layers.needs_spatial", kind="Conv", c=x.c))
        for what, n in (("input_channels", x.c), ("filters", self.filters)):
            if n % self.groups:
                raise ShapeError(msg("layers.conv.groups", what=msg(f"layers.conv.{what}"), n=n,
                                     groups=self.groups))  # fmt: skip
        padding.check(self, x)
        if self.pad == "same":  # TensorFlow's ⌈H/S⌉, H itself at stride 1
            return Shape((-(-x.h // self.stride[0]), -(-x.w // self.stride[1]), self.filters))
        y = window_out("Conv", x, self.window(x))
        return Shape((y.h, y.w, self.filters))

    def weights(self, x: Shape) -> int:
        """(Kh·Kw·C/G + bias)·F."""
        return (self.kh * self.kw * x.c // self.groups + int(self.bias)) * self.filters

    def macs(self, x: Shape, y: Shape) -> int:
        """Hout·Wout·F·Kh·Kw·C/G."""
        return y.h * y.w * self.filters * self.kh * self.kw * (x.c // self.groups)

    def other_ops(self, x: Shape, y: Shape) -> int:
        """The bias adds."""
        return y.numel if self.bias else 0

    def saved(self, x: Shape, y: Shape) -> Saved:
        """convolution_backward keeps the input (and the weight, counted as weights). With
        'same' padding of an odd total D·(K−1) on an axis, ATen's convolution_same first pads the
        input by one on the far side, and the conv keeps that padded copy instead. Padding
        modes and TensorFlow's 'same': layers/padding.py."""
        if own := padding.saved(self, x):
            return own
        if self.pad != "same":
            return Saved(input=True)
        extra_h, extra_w = (self.dilation * (k - 1) % 2 for k in (self.kh, self.kw))
        if not (extra_h or extra_w):
            return Saved(input=True)
        return Saved(extra=(((x.h + extra_h) * (x.w + extra_w) * x.c, None),))

    def columns(self, x: Shape) -> Columns:
        """'11×11×3', 96, 4, 3."""
        pad = "same" if self.pad == "same" else fmt_pair(self.pad)
        size, weights = kernel_columns(
            self.kh, self.kw, x.c // self.groups, self.filters, self.bias
        )
        return Columns(size, str(self.filters), fmt_pair(self.stride), pad, weights)

    def parameter_tensors(self, x: Shape) -> int:
        """weight, and bias unless nb."""
        return 1 + int(self.bias)

    def fan(self, x: Shape) -> tuple[int, int]:
        """PyTorch's fan-in C/G·Kh·Kw and fan-out F·Kh·Kw."""
        rf = self.kh * self.kw
        return (x.c // self.groups * rf, self.filters * rf)

    def warnings(self, x: Shape) -> list[str]:
        """Non-integer sizes that leave input rows unused."""
        return [] if self.pad == "same" else window_warnings(x, self.window(x))

    def notes(self, x: Shape) -> list[str]:
        """Non-integer sizes that leave only padding unused."""
        return [] if self.pad == "same" else window_warnings(x, self.window(x), lost=False)

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Size formula, weight formula and MACs."""
        if self.pad == "same":
            lines = [padding.explain_same(self, x, y)]
        else:
            lines = window_explain(x, self.window(x))
        cin = x.c // self.groups
        bias = " + 1" if self.bias else ""
        lines.append(
            msg(
                "layers.conv.explain_weights",
                kh=self.kh,
                kw=self.kw,
                cin=cin,
                bias=bias,
                filters=self.filters,
                total=f"{self.weights(x):,}",
            )
        )
        lines.append(msg("layers.conv.explain_macs", h=y.h, w=y.w, filters=self.filters,
                         kh=self.kh, kw=self.kw, cin=cin, total=f"{self.macs(x, y):,}"))  # fmt: skip
        return lines

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.Conv2d (with padding_mode; behind a pad module for TensorFlow's uneven 'same')."""
        return padding.conv_module(self, x)

    def params(self, x: Shape) -> dict[str, Param]:
        """weight F×C/G×Kh×Kw and bias F, drawn from the fans (seed 002)."""
        from cnncalc.numeric.params import weight_and_bias

        shape = (self.filters, x.c // self.groups, self.kh, self.kw)
        return weight_and_bias(shape, self.fan(x), self.bias)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.ops.conv2d on the padded input; 'same' puts the odd one at the far side."""
        return padding.forward_np(self, x, p)


@dataclass(frozen=True, slots=True)
class Pool(LayerBase):
    """`Pool:K[xK][/S][pP][ceil]` — max pooling; stride defaults to K; `Pool` alone is 2/2."""

    NAMES: ClassVar[tuple[str, ...]] = ("Pool", "MaxPool")
    EXAMPLE: ClassVar[str] = "Pool:3/2"

    kh: int = 2
    kw: int = 2
    stride: tuple[int, int] | None = None
    pad: tuple[int, int] = (0, 0)
    ceil: bool = False

    @classmethod
    def parse(cls, args: ArgReader) -> Pool:
        """Kernel, then /S, pP, ceil."""
        if args.at_end():
            return cls()
        kh, kw = args.pair(msg("layers.pool.kernel"))
        mods = args.modifiers(
            {"/": msg("layers.mod.stride"), "p": msg("layers.mod.pad"), "ceil": "ceil"}
        )
        pad = mods.get("p", (0, 0))
        if pad == "same":
            start, end = mods["p@"]
            raise args.error(msg("layers.pool.same", kind=cls.NAMES[0]), start, end)
        for axis, k in enumerate((kh, kw)):
            if pad[axis] * 2 > k:  # PyTorch refuses this; say so before it does
                start, end = mods["p@"]
                problem = msg("layers.pool.pad_half", kind=cls.NAMES[0], pad=pad[axis], k=k)
                raise args.error(problem, start, end)
        return cls(kh, kw, mods.get("/"), pad, bool(mods.get("ceil")))

    @property
    def strides(self) -> tuple[int, int]:
        """The stride, K when not given."""
        return self.stride or (self.kh, self.kw)

    def dsl(self) -> str:
        """Canonical text."""
        text = f"{self.kind}:{self.kh}" + (f"x{self.kw}" if self.kw != self.kh else "")
        if self.strides != (self.kh, self.kw):
            text += "/" + fmt_pair(self.strides).replace("×", "x")
        if self.pad != (0, 0):
            text += "p" + fmt_pair(self.pad).replace("×", "x")
        return text + ("ceil" if self.ceil else "")

    def window(self, x: Shape) -> Window:
        """Kernel, stride and padding."""
        return Window((self.kh, self.kw), self.strides, self.pad)

    def out_shape(self, x: Shape) -> Shape:
        """Same formula as Conv, channels kept."""
        return window_out(self.kind, x, self.window(x), self.ceil)

    def other_ops(self, x: Shape, y: Shape) -> int:
        """One comparison or add per window element."""
        return y.numel * self.kh * self.kw

    def saved(self, x: Shape, y: Shape) -> Saved:
        """max_pool2d_with_indices keeps the input and int64 indices."""
        return Saved(input=True, extra=((y.numel, 8),))

    def columns(self, x: Shape) -> Columns:
        """'3×3', stride, padding when there is one."""
        pad = fmt_pair(self.pad) if self.pad != (0, 0) else ""
        size = f"{self.kh}×{self.kw}"
        return Columns(size, "", fmt_pair(self.strides), pad)

    def warnings(self, x: Shape) -> list[str]:
        """Non-integer sizes that leave input rows unused."""
        return window_warnings(x, self.window(x), self.ceil)

    def notes(self, x: Shape) -> list[str]:
        """Non-integer sizes that leave only padding unused."""
        return window_warnings(x, self.window(x), self.ceil, lost=False)

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Size formula."""
        return window_explain(x, self.window(x), self.ceil)

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.MaxPool2d."""
        from torch import nn

        return nn.MaxPool2d((self.kh, self.kw), self.strides, self.pad, ceil_mode=self.ceil)

    def np_window(self, x: Any) -> tuple[Any, Any, Any]:
        """Kernel, stride and padding per side for numeric.ops (ceil mode's extra at the end)."""
        from cnncalc.numeric.ops import pool_pads

        k, y = (self.kh, self.kw), self.out_shape(Shape((*x.shape[2:], 1)))
        return k, self.strides, pool_pads(x.shape[2:], k, self.strides, self.pad, y.dims[:2])

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.ops.max_pool: each window's largest value (seed 000)."""
        from cnncalc.numeric.ops import max_pool

        return max_pool(x, *self.np_window(x))


class AvgPool(Pool):
    """`AvgPool:K[xK][/S][pP][ceil]` — average pooling; stride defaults to K."""

    __slots__ = ()  # no new fields: Pool's dataclass methods serve

    NAMES: ClassVar[tuple[str, ...]] = ("AvgPool",)
    EXAMPLE: ClassVar[str] = "AvgPool:2/2"

    def saved(self, x: Shape, y: Shape) -> Saved:
        """avg_pool2d keeps its input."""
        return Saved(input=True)

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.AvgPool2d (padding counted in the average, PyTorch's default)."""
        from torch import nn

        return nn.AvgPool2d((self.kh, self.kw), self.strides, self.pad, ceil_mode=self.ceil)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.ops.avg_pool: each window's mean (seed 000)."""
        from cnncalc.numeric.ops import avg_pool

        return avg_pool(x, *self.np_window(x), self.pad)


class StochPool(Pool):
    """`StochPool:K[xK][/S][pP][ceil]` — stochastic pooling (seed 000).

    Training samples one a_i per window with p_i = a_i / Σa_k; inference gives Σ p_i·a_i.
    """

    __slots__ = ()  # no new fields: Pool's dataclass methods serve

    NAMES: ClassVar[tuple[str, ...]] = ("StochPool",)
    EXAMPLE: ClassVar[str] = "StochPool:2/2"

    def saved(self, x: Shape, y: Shape) -> Saved:
        """The sampled positions (int64) and the input, as the module's gather keeps them."""
        return Saved(input=True, extra=((y.numel, 8),))

    def to_torch(self, x: Shape) -> nn.Module:
        """cnncalc's own StochasticPool2d."""
        from cnncalc.torch.modules import StochasticPool2d

        return StochasticPool2d((self.kh, self.kw), self.strides, self.pad, ceil_mode=self.ceil)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.ops.stoch_pool: sampled in training, Σ p_i·a_i at inference; shows p_i."""
        from cnncalc.numeric.ops import stoch_pool

        y, back, p_i = stoch_pool(x, *self.np_window(x), mode.sampler)
        return y, back, (("p", p_i),)
