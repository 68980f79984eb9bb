"""The intermediate representation: frozen values that the parser makes and everything else reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnncalc.layers.blocks import BlockKind

# DESIGN §3: '×' as in the seed tables, 'x' as typed; both read the same.
DIM_SEPARATORS = "xX×"


@dataclass(frozen=True, slots=True)
class Shape:
    """A tensor shape without the batch: (H, W, C) for feature maps, (N,) for flat vectors."""

    dims: tuple[int, ...]

    @property
    def is_flat(self) -> bool:
        """True for an (N,) vector."""
        return len(self.dims) == 1

    # h and w read dims directly: the analysis asks for them several times a row (issue 9's
    # 100,000-row nets), and a property calling a property doubles the cost.
    @property
    def h(self) -> int:
        """Height (1 for a flat vector)."""
        dims = self.dims
        return 1 if len(dims) == 1 else dims[0]

    @property
    def w(self) -> int:
        """Width (1 for a flat vector)."""
        dims = self.dims
        return 1 if len(dims) == 1 else dims[1]

    @property
    def c(self) -> int:
        """Channels, or the length of a flat vector."""
        return self.dims[-1]

    @property
    def numel(self) -> int:
        """Number of elements ('nodes' in the seed tables)."""
        n = 1
        for d in self.dims:
            n *= d
        return n

    def __str__(self) -> str:
        return "×".join(str(d) for d in self.dims)

    @property
    def text(self) -> str:
        """'224x224x3': the shape as DSL text and --input write it."""
        return "x".join(str(d) for d in self.dims)

    def as_json(self) -> dict[str, Any]:
        """Named fields for JSON output (DESIGN §3)."""
        if self.is_flat:
            return {"n": self.c}
        return {"h": self.h, "w": self.w, "c": self.c}

    @staticmethod
    def of(*dims: int) -> Shape:
        """Shape.of(224, 224, 3) or Shape.of(4096)."""
        return Shape(tuple(dims))


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range [pos, end) in the DSL text."""

    pos: int
    end: int


@dataclass(frozen=True, slots=True)
class Node:
    """One layer of the net: a layer-kind value plus where it was written."""

    layer: Any  # an instance of a class in cnncalc.layers.REGISTRY
    span: Span
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Block:
    """A Res or Cat block (branches side by side), or a labelled Seq (one branch). A branch of a
    Res or Cat may start with a Ref."""

    kind: type[BlockKind]  # Res, Cat or Seq: the kind holds the merge rule
    branches: tuple[tuple[Item, ...], ...]
    span: Span
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    """`&label` at the start of a branch (issue 11): the branch starts from the output of the
    item labelled `@label` in an enclosing chain, not from the block's input."""

    label: str
    span: Span


Item = Node | Block | Ref


@dataclass(frozen=True, slots=True)
class Net:
    """A whole parsed spec: its items, the input shape if the text set one, and the text."""

    items: tuple[Item, ...]
    src: str
    input: Shape | None = None
    input_span: Span | None = None
    warnings: tuple[tuple[str, str], ...] = ()  # (row, message) a torch: reader adds (issue 10)
