"""What every layer kind shares: argument reading with source positions, and default rules.

A layer kind is a frozen dataclass with a docstring that gives its DSL syntax. The analysis
only ever calls the methods below; outside `cnncalc.layers` nothing branches on a kind's name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.errors import DslError, did_you_mean
from cnncalc.ir import DIM_SEPARATORS, Shape
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Mode, Param, Step


# The largest number a spec may write (sizes, filters, strides, …): far beyond any real net, and
# small enough that every figure the analysis derives stays exact and fits a float (issue 9).
MAX_NUMBER = 1_000_000_000


class ShapeError(Exception):
    """A layer cannot take this input; the analysis adds the layer's position and name."""


@dataclass(frozen=True, slots=True)
class Window:
    """A sliding window on both axes, for the size formula and the receptive field (DESIGN §4)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]
    dilation: tuple[int, int] = (1, 1)
    # The layer sees its whole input at once (GAP, FC): the receptive field of the net stops
    # being a sliding window's there (issue 9: totals give the last spatial layer's field).
    whole: bool = False
    # The layer's output grid is finer than its input's by this factor per axis (a transposed
    # conv, an upsample, a pixel shuffle: issue 11): the window is read in input pixels, then
    # the jump is divided by it.
    up: tuple[float, float] = (1, 1)

    def effective(self, axis: int) -> int:
        """Kernel extent on one axis once dilation spreads it: D·(K−1)+1."""
        return self.dilation[axis] * (self.kernel[axis] - 1) + 1


@dataclass(frozen=True, slots=True)
class Saved:
    """What autograd keeps for backward when this layer runs in training mode.

    `input`/`output` name the layer's own tensors (shared storage is counted once by the
    analysis); `extra` lists further tensors as (elements per image, bytes per element or
    None for the compute dtype). Read off PyTorch with saved_tensors_hooks. Nothing is saved
    when the layer has no gradient to compute (no weights and an input that needs none).
    """

    input: bool = False
    output: bool = False
    extra: tuple[tuple[int, int | None], ...] = ()
    # Tensors whose size does not grow with the batch, as (elements, bytes per element or None).
    fixed: tuple[tuple[int, int | None], ...] = ()
    # The input, kept only when it needs a gradient itself (a reflect pad in front of a conv:
    # as the first layer nothing asks for it; issue 11).
    input_if_grad: bool = False


NOTHING_SAVED = Saved()


@dataclass(frozen=True, slots=True)
class Columns:
    """The seed table's descriptive columns for one row (DESIGN §4, default columns)."""

    size: str = ""
    filters: str = ""
    stride: str = ""
    padding: str = ""
    weights: str = ""  # the weight count as the seed table writes it: (11×11×3+1)×96


class ArgReader:
    """Reads a layer's argument text left to right, keeping absolute positions for errors."""

    def __init__(self, kind: str, text: str, src: str, offset: int, example: str) -> None:
        self.kind = kind
        self.text = text
        self.src = src
        self.offset = offset  # position of text[0] in src
        self.example = example
        self.i = 0

    # -- position helpers -------------------------------------------------------------
    def error(self, msg: str, start: int | None = None, end: int | None = None) -> DslError:
        """A DslError pointing into the argument text (default: at the current position)."""
        start = self.i if start is None else start
        end = max(start + 1, len(self.text) if end is None else end)
        return DslError(msg, self.src, self.offset + start, self.offset + end)

    def at_end(self) -> bool:
        """True when all argument text is consumed."""
        return self.i >= len(self.text)

    def peek(self, n: int = 1) -> str:
        """The next n characters, lowercased."""
        return self.text[self.i : self.i + n].lower()

    # -- values -----------------------------------------------------------------------
    def digits(self, what: str) -> int | None:
        """A run of ASCII digits as an int (None when there is none), at most MAX_NUMBER.

        `str.isdigit` also accepts '²', '３' and '٣', which `int` rejects or reads as 3: only
        0-9 are digits here, and a number past the limit is refused before `int` reads it
        (a 5,000-digit one would hit Python's int-string limit; issue 9).
        """
        start = self.i
        text = self.text
        while self.i < len(text) and text[self.i].isdigit():
            if not ("0" <= text[self.i] <= "9"):
                problem = msg("layers.args.digit", kind=self.kind, char=text[self.i],
                              example=self.example)  # fmt: skip
                raise self.error(problem, self.i, self.i + 1)
            self.i += 1
        if self.i == start:
            return None
        run = text[start : self.i]
        if len(run.lstrip("0")) > len(str(MAX_NUMBER)) or int(run) > MAX_NUMBER:
            shown = (
                run
                if len(run) <= 24
                else msg("layers.args.digits", digits=run[:12], count=f"{len(run):,}")
            )
            problem = msg("layers.args.too_large", kind=self.kind, shown=shown,
                          limit=f"{MAX_NUMBER:,}")  # fmt: skip
            raise self.error(problem, start, self.i)
        return int(run)

    def int(self, what: str) -> int:
        """A positive integer."""
        start = self.i
        value = self.digits(what)
        if value is None:
            got = self.text[start:] or msg("layers.args.nothing")
            problem = msg("layers.args.expected_int", kind=self.kind, what=what, got=got,
                          example=self.example)  # fmt: skip
            raise self.error(problem, start)
        if value <= 0:
            problem = msg("layers.args.at_least_one", kind=self.kind, what=what, value=value)
            raise self.error(problem, start, self.i)
        return value

    def number(self, what: str) -> float:
        """A finite, non-negative decimal number such as 0.5, 1e3, 1e+3 or 1e-3, in ASCII digits."""
        start = self.i
        while self.i < len(self.text) and (
            "0" <= self.text[self.i] <= "9"
            or self.text[self.i] in ".eE"
            or (self.text[self.i] in "+-" and self.text[self.i - 1 : self.i] in ("e", "E"))
        ):
            self.i += 1
        try:
            value = float(self.text[start : self.i])
        except ValueError:
            got = self.text[start:] or msg("layers.args.nothing")
            problem = msg("layers.args.expected_number", kind=self.kind, what=what, got=got,
                          example=self.example)  # fmt: skip
            raise self.error(problem, start) from None
        if not math.isfinite(value):  # '1e400' reads as inf (issue 9)
            problem = msg("layers.args.number_too_large", kind=self.kind, what=what,
                          text=self.text[start : self.i], example=self.example)  # fmt: skip
            raise self.error(problem, start, self.i)
        return value

    def dims(self, what: str, count: tuple[int, ...]) -> tuple[int, ...]:
        """Integers joined by 'x' (or '×'); how many are allowed is given by `count`."""
        start = self.i
        values = [self.int(what)]
        while self.i < len(self.text) and self.text[self.i] in DIM_SEPARATORS:
            self.i += 1
            values.append(self.int(what))
        if len(values) not in count:
            allowed = msg("layers.args.or").join(str(c) for c in count)
            problem = msg("layers.args.count", kind=self.kind, what=what, allowed=allowed,
                          got=len(values), example=self.example)  # fmt: skip
            raise self.error(problem, start, self.i)
        return tuple(values)

    def pair(self, what: str) -> tuple[int, int]:
        """`N` (both axes) or `HxW`."""
        values = self.dims(what, (1, 2))
        return (values[0], values[-1])

    def modifiers(self, allowed: dict[str, str]) -> dict[str, Any]:
        """Modifiers in any order, each once: '/S', 'pP', 'dD', 'gG', 'nb', 'ceil', …

        `allowed` maps a modifier's key ('/', 'p', 'd', 'g', 'nb', 'ceil') to its help text.
        """
        seen: dict[str, Any] = {}
        words = sorted((k for k in allowed if len(k) > 1), key=len, reverse=True)
        while not self.at_end():
            start = self.i
            key = next((w for w in words if self.peek(len(w)) == w), None)
            if key is None and self.peek() in allowed:
                key = self.peek()
            if key is None:
                bad = self.text[start:]
                expected = ", ".join(allowed.values())
                hint = did_you_mean(bad.rstrip("0123456789"), [w for w in words])
                problem = msg("layers.args.unknown_modifier", kind=self.kind, bad=bad, hint=hint,
                              expected=expected, example=self.example)  # fmt: skip
                raise self.error(problem, start)
            if key in seen:
                problem = msg("layers.args.modifier_twice", kind=self.kind, key=key)
                raise self.error(problem, start, start + len(key))
            self.i += len(key)
            if key == "/":
                seen[key] = self.pair(msg("layers.what.stride"))
            elif key == "p":
                if self.peek(4) == "same":
                    self.i += 4
                    seen[key] = "same"
                else:
                    seen[key] = self.pad_pair()
            elif key == "op":  # a transposed conv's output padding, `opP` or `opPHxPW`
                seen[key] = self.pad_pair()
            elif key in ("d", "g"):
                seen[key] = self.int(
                    msg("layers.what.dilation" if key == "d" else "layers.what.groups")
                )
            else:
                seen[key] = True
            seen[key + "@"] = (start, self.i)  # where it was written, for later errors
        return seen

    def pad_pair(self) -> tuple[int, int]:
        """Padding: `P` or `PHxPW`, zero allowed."""
        start = self.i
        values = []
        while True:
            s = self.i
            value = self.digits(msg("layers.what.padding"))
            if value is None:
                got = self.text[s:] or msg("layers.args.nothing")
                problem = msg("layers.args.expected_padding", kind=self.kind, got=got,
                              example=self.example)  # fmt: skip
                raise self.error(problem, s)
            values.append(value)
            if self.i < len(self.text) and self.text[self.i] in DIM_SEPARATORS:
                self.i += 1
                continue
            break
        if len(values) > 2:
            raise self.error(msg("layers.args.padding_count", kind=self.kind), start, self.i)
        return (values[0], values[-1])

    def done(self) -> None:
        """Fail if argument text is left over."""
        if not self.at_end():
            raise self.error(msg("layers.args.unexpected", kind=self.kind,
                                 text=self.text[self.i :], example=self.example))  # fmt: skip


def fmt_pair(p: tuple[int, int]) -> str:
    """'2' for (2, 2), '2×1' otherwise."""
    return str(p[0]) if p[0] == p[1] else f"{p[0]}×{p[1]}"


def kernel_columns(kh: int, kw: int, per_group: int, filters: int, bias: bool) -> tuple[str, str]:
    """A kernel's size column and its weights as the seed table writes them:
    ('11×11×3', '(11×11×3+1)×96'), the bias one more per filter (Conv and ConvT alike)."""
    size = f"{kh}×{kw}×{per_group}"
    return size, f"({size}+1)×{filters}" if bias else f"{size}×{filters}"


class LayerBase:
    """Defaults for a layer kind that keeps the shape and has no weights."""

    __slots__ = ()
    NAMES: ClassVar[tuple[str, ...]] = ()  # canonical name first, then aliases
    EXAMPLE: ClassVar[str] = ""
    NUMBERED: ClassVar[bool] = False  # counts 1, 2, 3… in row names (DESIGN §4)
    SETS_INPUT: ClassVar[bool] = False  # the net's input, not a row: only as the first item
    # Element-wise and computable in place: shown with its output, but adds no activation
    # memory at inference, as the seed table folds ReLU into the conv rows (781,736 nodes).
    INPLACE: ClassVar[bool] = False
    ALIAS: ClassVar[bool] = False  # output is a view of the input (shares storage)

    @classmethod
    def parse(cls, args: ArgReader) -> LayerBase:
        """Read the arguments; the default takes none."""
        if not args.at_end():
            raise args.error(msg("layers.args.no_arguments", kind=cls.NAMES[0], text=args.text), 0)
        return cls()

    # Kinds without arguments are plain classes (a dataclass costs ~0.6 ms of start-up each):
    # all their values are equal. Kinds with arguments are frozen dataclasses and get their own.
    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @property
    def kind(self) -> str:
        """The canonical name of the kind."""
        return self.NAMES[0]

    def dsl(self) -> str:
        """Canonical DSL text for this layer."""
        return self.kind

    def out_shape(self, x: Shape) -> Shape:
        """Output shape for input x (raises ShapeError)."""
        return x

    def weights(self, x: Shape) -> int:
        """Trainable parameters, exactly sum(p.numel()) of the PyTorch build."""
        return 0

    def buffers(self, x: Shape) -> int:
        """Non-trainable state (BN running statistics)."""
        return 0

    def macs(self, x: Shape, y: Shape) -> int:
        """Multiply-accumulates per image of conv / matmul work (DESIGN §4)."""
        return 0

    def other_ops(self, x: Shape, y: Shape) -> int:
        """Element-wise work per image, never part of FLOPs: one op per output element."""
        return y.numel

    def backward_macs(self, macs: int, grad_input: bool) -> int:
        """Backward MACs given the forward `macs` (DESIGN §4 counts matmul work only); whether
        the input needs a gradient is `grad_input`."""
        return 0

    def window(self, x: Shape) -> Window | None:
        """The sliding window for the receptive field, or None when the RF is unchanged."""
        return None

    def saved(self, x: Shape, y: Shape) -> Saved:
        """Tensors autograd saves for backward in training mode."""
        return NOTHING_SAVED

    def columns(self, x: Shape) -> Columns:
        """The seed table's descriptive columns."""
        return Columns()

    def aliases(self) -> bool:
        """True when the output is the input tensor itself (ALIAS, or a value that makes it so)."""
        return self.ALIAS

    def buffer_fixed_bytes(self, x: Shape) -> int:
        """Bytes of non-trainable state besides `buffers` elements that do not follow the dtype
        (BN's int64 batch counter)."""
        return 0

    def parameter_tensors(self, x: Shape) -> int:
        """How many parameter tensors PyTorch's module has (Adam keeps a step counter for each)."""
        return 0

    def fan(self, x: Shape) -> tuple[int, int] | None:
        """(fan_in, fan_out) as PyTorch's init computes them, for weight layers."""
        return None

    def warnings(self, x: Shape) -> list[str]:
        """Notes about this row (e.g. input rows ignored by a non-integer size)."""
        return []

    def notes(self, x: Shape) -> list[str]:
        """Remarks that are no warning (e.g. padding left unused by a non-integer size)."""
        return []

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """The size formula with the numbers filled in (for --explain)."""
        return []

    def to_torch(self, x: Shape) -> nn.Module:
        """The PyTorch module for this layer, for input x (batch dimension excluded)."""
        raise NotImplementedError(f"{self.kind} has no PyTorch build yet")

    def params(self, x: Shape) -> dict[str, Param]:
        """The parameter tensors `cnncalc run` gives this layer, named and laid out as PyTorch's
        module has them (issue 12); none by default."""
        return {}

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """`cnncalc run`'s numpy forward pass of a N×C×H×W (or N×F) array, with its backward
        (cnncalc/numeric); every kind has one (tests/test_run.py asks the registry)."""
        raise NotImplementedError(f"{self.kind} has no numpy forward yet")


class WeightLayer(LayerBase):
    """A layer with matmul work on trainable weights (Conv, FC, SE): numbered in row names."""

    __slots__ = ()
    NUMBERED: ClassVar[bool] = True

    def backward_macs(self, macs: int, grad_input: bool) -> int:
        """DESIGN §4: grad-weight plus grad-input, as many MACs as forward each; the first
        weight layer (whose input needs no gradient) computes no grad-input."""
        return macs + (macs if grad_input else 0)
