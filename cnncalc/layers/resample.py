"""Layers that change the grid without weights (issue 11): upsampling, pixel shuffle and the
centre crop of U-Net's copy-and-crop.

Receptive field (README, "Receptive field through upsampling"): the window is read in input
pixels, then the jump is divided by the upsampling factor, so a field measured on the input of
the net can be a fraction of a pixel apart from one output to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.ir import Shape
from cnncalc.layers.base import ArgReader, Columns, LayerBase, ShapeError, Window, fmt_pair
from cnncalc.layers.transposed import bounded
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Mode, Step


def _ratio(out: int, n: int) -> float:
    """out / n, an int when it divides exactly."""
    return out // n if out % n == 0 else out / n


@dataclass(frozen=True, slots=True)
class Up(LayerBase):
    """`Up:S` or `Up:HxW`, then `nearest` (default) or `bilinear` — upsampling by a factor S,
    or to an H×W size, as nn.Upsample (bilinear with align_corners=False, PyTorch's default)."""

    NAMES: ClassVar[tuple[str, ...]] = ("Up", "Upsample")
    EXAMPLE: ClassVar[str] = "Up:2"

    factor: int | None = 2
    size: tuple[int, int] | None = None
    bilinear: bool = False

    @classmethod
    def parse(cls, args: ArgReader) -> Up:
        """S or HxW, then nearest or bilinear."""
        if args.at_end():
            raise args.error(msg("kinds.up_needs", example=cls.EXAMPLE), 0)
        dims = args.dims("scale factor S or output size HxW", (1, 2))
        mods = args.modifiers({"nearest": "nearest", "bilinear": "bilinear"})
        if "nearest" in mods and "bilinear" in mods:
            raise args.error(msg("kinds.up_both"), *mods["bilinear@"])
        if len(dims) == 1:
            return cls(dims[0], None, "bilinear" in mods)
        return cls(None, (dims[0], dims[1]), "bilinear" in mods)

    def dsl(self) -> str:
        """Canonical text: `Up:2`, `Up:56x56bilinear`."""
        text = f"Up:{self.factor}" if self.size is None else f"Up:{self.size[0]}x{self.size[1]}"
        return text + ("bilinear" if self.bilinear else "")

    def _factors(self, x: Shape) -> tuple[float, float]:
        if self.size is None:
            return (self.factor, self.factor)  # type: ignore[return-value]
        return (_ratio(self.size[0], x.h), _ratio(self.size[1], x.w))

    def out_shape(self, x: Shape) -> Shape:
        """H·S × W·S × C, or H × W × C."""
        if x.is_flat:
            raise ShapeError(msg("kinds.needs_map", kind="Up", n=x.c))
        if self.size is not None:
            return Shape((self.size[0], self.size[1], x.c))
        return bounded("Up", Shape((x.h * self.factor, x.w * self.factor, x.c)))  # type: ignore[operator]

    def other_ops(self, x: Shape, y: Shape) -> int:
        """Nearest copies (no arithmetic); bilinear weighs four neighbours: 4 multiplies and 3
        adds per output element."""
        return 7 * y.numel if self.bilinear else 0

    def window(self, x: Shape) -> Window:
        """Nearest: one input pixel per output; bilinear: a 2×2 neighbourhood, centred half a
        pixel on. Then the jump is divided by the factor."""
        k = 2 if self.bilinear else 1
        return Window((k, k), (1, 1), (0, 0), up=self._factors(x))

    def columns(self, x: Shape) -> Columns:
        """'×2 nearest' or '56×56 bilinear'."""
        what = f"×{self.factor}" if self.size is None else fmt_pair(self.size)
        return Columns(f"{what} {'bilinear' if self.bilinear else 'nearest'}")

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """The size rule."""
        mode = "bilinear" if self.bilinear else "nearest"
        if self.size is None:
            return [f"H, W: {x.h}·{self.factor} × {x.w}·{self.factor} = {y.h}×{y.w} ({mode})"]
        return [f"H, W: resized to {y.h}×{y.w} ({mode})"]

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.Upsample."""
        from torch import nn

        mode = "bilinear" if self.bilinear else "nearest"
        if self.size is not None:
            return nn.Upsample(size=self.size, mode=mode)
        return nn.Upsample(scale_factor=self.factor, mode=mode)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.resample.upsample."""
        from cnncalc.numeric.resample import upsample

        n = Shape((x.shape[2], x.shape[3], x.shape[1]))
        y = self.out_shape(n)
        return upsample(x, (y.h, y.w), self.factor, self.bilinear)


@dataclass(frozen=True, slots=True)
class PS(LayerBase):
    """`PS:r` (also `PixelShuffle`) — pixel shuffle: H×W×C to H·r × W·r × C/r²."""

    NAMES: ClassVar[tuple[str, ...]] = ("PS", "PixelShuffle")
    EXAMPLE: ClassVar[str] = "PS:2"

    r: int

    @classmethod
    def parse(cls, args: ArgReader) -> PS:
        """r."""
        if args.at_end():
            raise args.error(msg("kinds.ps_needs", example=cls.EXAMPLE), 0)
        (r,) = args.dims("upscale factor r", (1,))
        args.done()
        return cls(r)

    def dsl(self) -> str:
        """Canonical text."""
        return f"PS:{self.r}"

    def out_shape(self, x: Shape) -> Shape:
        """H·r × W·r × C/r²; C must be divisible by r²."""
        if x.is_flat:
            raise ShapeError(msg("kinds.needs_map", kind="PS", n=x.c))
        if x.c % (self.r * self.r):
            raise ShapeError(msg("kinds.ps_channels", c=x.c, r=self.r, r2=self.r * self.r))
        return bounded("PS", Shape((x.h * self.r, x.w * self.r, x.c // (self.r * self.r))))

    def other_ops(self, x: Shape, y: Shape) -> int:
        """A rearrangement: no arithmetic."""
        return 0

    def window(self, x: Shape) -> Window:
        """Each output pixel is one input pixel (of another channel); the jump is divided by r."""
        return Window((1, 1), (1, 1), (0, 0), up=(self.r, self.r))

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """The size rule."""
        r = self.r
        return [f"H, W, C: {x.h}·{r} × {x.w}·{r} × {x.c}/{r}² = {y.h}×{y.w}×{y.c}"]

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.PixelShuffle(r)."""
        from torch import nn

        return nn.PixelShuffle(self.r)

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.resample.pixel_shuffle."""
        from cnncalc.numeric.resample import pixel_shuffle

        return pixel_shuffle(x, self.r)


@dataclass(frozen=True, slots=True)
class Crop(LayerBase):
    """`Crop:HxW` (or `Crop:N` for N×N) — centre crop to H×W×C, U-Net's copy-and-crop: the
    window starts floor((Hin − H)/2) rows and floor((Win − W)/2) columns in."""

    NAMES: ClassVar[tuple[str, ...]] = ("Crop", "CenterCrop")
    EXAMPLE: ClassVar[str] = "Crop:6x6"

    oh: int
    ow: int

    @classmethod
    def parse(cls, args: ArgReader) -> Crop:
        """HxW or N."""
        if args.at_end():
            raise args.error(msg("kinds.crop_needs", example=cls.EXAMPLE), 0)
        oh, ow = args.pair("output size")
        args.done()
        return cls(oh, ow)

    def dsl(self) -> str:
        """Canonical text."""
        return f"Crop:{self.oh}x{self.ow}"

    def out_shape(self, x: Shape) -> Shape:
        """H×W×C, at most the input's size."""
        if x.is_flat:
            raise ShapeError(msg("kinds.needs_map", kind="Crop", n=x.c))
        if self.oh > x.h or self.ow > x.w:
            raise ShapeError(msg("kinds.crop_larger", size=f"{self.oh}×{self.ow}",
                                 input=f"{x.h}×{x.w}"))  # fmt: skip
        return Shape((self.oh, self.ow, x.c))

    def offsets(self, x: Shape) -> tuple[int, int]:
        """Rows and columns cut off at the top and left."""
        return ((x.h - self.oh) // 2, (x.w - self.ow) // 2)

    def other_ops(self, x: Shape, y: Shape) -> int:
        """A copy: no arithmetic."""
        return 0

    def window(self, x: Shape) -> Window:
        """A 1×1 window starting `offsets` in: the field moves, its size and jump stay."""
        top, left = self.offsets(x)
        return Window((1, 1), (1, 1), (-top, -left))

    def columns(self, x: Shape) -> Columns:
        """'56×56'."""
        return Columns(fmt_pair((self.oh, self.ow)))

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Where the window sits."""
        top, left = self.offsets(x)
        return [msg("kinds.crop_explain", input=f"{x.h}×{x.w}", size=f"{y.h}×{y.w}",
                    top=top, left=left)]  # fmt: skip

    def to_torch(self, x: Shape) -> nn.Module:
        """cnncalc's CenterCrop2d (a copy of the window, as U-Net's crop before a cat)."""
        from cnncalc.torch.modules import CenterCrop2d

        return CenterCrop2d((self.oh, self.ow))

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """numeric.resample.center_crop."""
        from cnncalc.numeric.resample import center_crop

        top, left = self.offsets(Shape((x.shape[2], x.shape[3], x.shape[1])))
        return center_crop(x, top, left, self.oh, self.ow)
