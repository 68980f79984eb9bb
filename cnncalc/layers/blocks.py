"""Block kinds: branches side by side and how their outputs merge (DESIGN §3, §4).

Like a layer kind, a block kind owns its rules: the merge (which shapes it takes, its output,
its own element-wise work and memory), the receptive field, and its PyTorch container. The
parser, the analysis and the builder ask the kind; none of them branches on its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from cnncalc.ir import Shape
from cnncalc.layers.base import ShapeError
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Step

F = TypeVar("F")  # a receptive field (cnncalc.figures.Rf): anything with a size


class BlockKind:
    """Defaults: one branch, passed through (a labelled `Seq`)."""

    NAME: ClassVar[str] = ""
    EXAMPLE: ClassVar[str] = ""
    MAX_BRANCHES: ClassVar[int] = 1_000_000_000
    TOO_MANY: ClassVar[str] = ""  # the message's key when more branches are written than allowed
    # With a single branch, the block's input is a branch of its own (Res's identity shortcut).
    INPUT_IS_BRANCH_WHEN_ALONE: ClassVar[bool] = False
    # The output is the first branch's tensor itself (no new storage).
    PASSES_THROUGH: ClassVar[bool] = False

    @classmethod
    def merge(cls, shapes: list[Shape], written: int) -> tuple[Shape, int, bool]:
        """(output shape, element-wise ops per image, whether the output takes new memory) for
        the branches' output shapes; `written`: how many branches the text has. Raises
        ShapeError when the shapes do not merge."""
        return shapes[0], 0, False

    @staticmethod
    def field(fields: Sequence[F]) -> F:
        """The block's receptive field: its largest branch's (DESIGN §4)."""
        return max(fields, key=lambda r: r.size[0] * r.size[1])  # type: ignore[attr-defined]

    @classmethod
    def to_torch(cls, branches: list[nn.Sequential]) -> nn.Module:
        """The PyTorch container for the branches, each already built as a Seq module."""
        return branches[0]

    @classmethod
    def merge_np(cls, outs: list[Any]) -> Step:
        """`cnncalc run`: the branches' numpy outputs merged, and the backward that hands the
        merged gradient to each branch (a list, one per output)."""
        return outs[0], lambda gy: [gy]


class Seq(BlockKind):
    """A labelled repetition `(…)*N@label`: one branch, its rows under one header row."""

    NAME: ClassVar[str] = "Seq"
    PASSES_THROUGH: ClassVar[bool] = True


class Res(BlockKind):
    """`Res(main | shortcut)`: main(x) + shortcut(x); the shortcut is the identity when absent."""

    NAME: ClassVar[str] = "Res"
    EXAMPLE: ClassVar[str] = "Res(Conv:3x3x64p1-BN | Conv:1x1x64)"
    MAX_BRANCHES: ClassVar[int] = 2
    TOO_MANY: ClassVar[str] = "layers.res.too_many"
    INPUT_IS_BRANCH_WHEN_ALONE: ClassVar[bool] = True

    @classmethod
    def merge(cls, shapes: list[Shape], written: int) -> tuple[Shape, int, bool]:
        """Both shapes equal; one add per element, done in place (out += identity), as
        torchvision does, so no new memory."""
        if shapes[0] != shapes[1]:
            which = msg("layers.res.identity_shortcut" if written == 1 else "layers.res.shortcut")
            raise ShapeError(msg("layers.res.shapes", main=shapes[0], which=which, other=shapes[1]))
        return shapes[0], shapes[0].numel, False

    @classmethod
    def to_torch(cls, branches: list[nn.Sequential]) -> nn.Module:
        """cnncalc.torch.modules.Res."""
        from cnncalc.torch import modules

        return modules.Res(branches[0], branches[1] if len(branches) > 1 else None)

    @classmethod
    def merge_np(cls, outs: list[Any]) -> Step:
        """main + shortcut; the gradient reaches both unchanged."""
        return outs[0] + outs[1], lambda gy: [gy, gy]


class Cat(BlockKind):
    """`Cat(b1 | b2 | …)`: the branches' outputs concatenated along the channels."""

    NAME: ClassVar[str] = "Cat"
    EXAMPLE: ClassVar[str] = "Cat(Conv:1x1x32 | Conv:3x3x32p1)"

    @classmethod
    def merge(cls, shapes: list[Shape], written: int) -> tuple[Shape, int, bool]:
        """Channels added up over an H×W all branches share (or flat vectors joined); the
        concatenation is a new tensor."""
        if all(s.is_flat for s in shapes):
            return Shape((sum(s.c for s in shapes),)), 0, True
        if any(s.is_flat for s in shapes) or len({(s.h, s.w) for s in shapes}) > 1:
            shown = msg("layers.cat.and").join(str(s) for s in shapes)
            raise ShapeError(msg("layers.cat.shapes", shapes=shown))
        return Shape((shapes[0].h, shapes[0].w, sum(s.c for s in shapes))), 0, True

    @classmethod
    def to_torch(cls, branches: list[nn.Sequential]) -> nn.Module:
        """cnncalc.torch.modules.Cat."""
        from cnncalc.torch import modules

        return modules.Cat(branches)

    @classmethod
    def merge_np(cls, outs: list[Any]) -> Step:
        """The outputs concatenated along the channels (axis 1); the gradient split back."""
        import numpy as np

        ends = np.cumsum([o.shape[1] for o in outs])[:-1]
        return np.concatenate(outs, axis=1), lambda gy: np.split(gy, ends, axis=1)
