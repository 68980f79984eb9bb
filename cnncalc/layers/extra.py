"""Layers for the model zoo: the identity (DenseNet's `Cat(Id | …)`) and squeeze-and-excitation
as torchvision builds it (MobileNetV3, EfficientNet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.ir import Shape
from cnncalc.layers.act import Activation, HSigmoid, HSwish, ReLU, Sigmoid, SiLU
from cnncalc.layers.base import ArgReader, Columns, LayerBase, Saved, ShapeError, WeightLayer
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.numeric.params import Mode, Param, Step


class Id(LayerBase):
    """`Id` (also `Identity`) — passes its input on unchanged, e.g. `Cat(Id | Conv:3x3x32p1)`."""

    __slots__ = ()

    NAMES: ClassVar[tuple[str, ...]] = ("Id", "Identity")
    ALIAS: ClassVar[bool] = True  # the output is the input itself: no memory, no work

    def other_ops(self, x: Shape, y: Shape) -> int:
        """No work."""
        return 0

    def to_torch(self, x: Shape) -> nn.Module:
        """nn.Identity."""
        from torch import nn

        return nn.Identity()

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """The input itself."""
        return x, lambda gy: gy


# SE modifiers: word → (slot, activation kind). The activation after the squeeze conv and the
# gate; torchvision's SqueezeExcitation defaults are ReLU and Sigmoid, MobileNetV3 passes
# Hardsigmoid as the gate, EfficientNet SiLU as the activation. What each saves for backward,
# its element-wise work and its PyTorch module are the kind's own (layers/act.py).
SE_WORDS: dict[str, tuple[str, type[Activation]]] = {
    "relu": ("act", ReLU),
    "silu": ("act", SiLU),
    "hswish": ("act", HSwish),
    "sigmoid": ("gate", Sigmoid),
    "hsigmoid": ("gate", HSigmoid),
}
_ACTIVATIONS: dict[str, type[Activation]] = {k.NAMES[0]: k for _, k in SE_WORDS.values()}


@dataclass(frozen=True, slots=True)
class SE(WeightLayer):
    """`SE:n[relu|silu|hswish][sigmoid|hsigmoid]` — squeeze-and-excitation with n squeeze channels.

    As torchvision.ops.SqueezeExcitation: global average pool, 1×1 conv with bias C → n, the
    activation (ReLU), 1×1 conv with bias n → C, the gate (Sigmoid), and the input multiplied
    by the gate. MobileNetV3 writes `SE:nhsigmoid`, EfficientNet `SE:nsilu`.

    Backward FLOPs and saved tensors assume the input needs a gradient (an SE after a weight
    layer, as in every real net); as the very first layer PyTorch does slightly different work.
    """

    NAMES: ClassVar[tuple[str, ...]] = ("SE",)
    EXAMPLE: ClassVar[str] = "SE:16hsigmoid"

    squeeze: int
    act: str = "ReLU"
    gate: str = "Sigmoid"

    @classmethod
    def parse(cls, args: ArgReader) -> SE:
        """n, then at most one activation and one gate word."""
        if args.at_end():
            raise args.error(msg("layers.se.needs_args", example=cls.EXAMPLE), 0)
        (squeeze,) = args.dims(msg("layers.se.dims"), (1,))
        chosen: dict[str, str] = {}
        words = sorted(SE_WORDS, key=len, reverse=True)
        while not args.at_end():
            start = args.i
            word = next((w for w in words if args.peek(len(w)) == w), None)
            if word is None:
                raise args.error(
                    msg("layers.se.unknown_modifier", bad=args.text[start:], example=cls.EXAMPLE),
                    start,
                )
            slot, kind = SE_WORDS[word]
            if slot in chosen:
                what = msg("layers.se.activation" if slot == "act" else "layers.se.gate")
                raise args.error(msg("layers.se.twice", what=what), start, start + len(word))
            chosen[slot] = kind.NAMES[0]
            args.i += len(word)
        return cls(squeeze, chosen.get("act", "ReLU"), chosen.get("gate", "Sigmoid"))

    def dsl(self) -> str:
        """Canonical text."""
        text = f"SE:{self.squeeze}"
        if self.act != "ReLU":
            text += self.act.lower()
        if self.gate != "Sigmoid":
            text += self.gate.lower()
        return text

    def out_shape(self, x: Shape) -> Shape:
        """Unchanged; needs channels to squeeze."""
        if x.is_flat:
            raise ShapeError(msg("layers.needs_spatial", kind="SE", c=x.c))
        return x

    def weights(self, x: Shape) -> int:
        """(C + 1)·n for the squeeze conv, (n + 1)·C for the excitation conv."""
        return (x.c + 1) * self.squeeze + (self.squeeze + 1) * x.c

    def parameter_tensors(self, x: Shape) -> int:
        """fc1 and fc2, each a weight and a bias."""
        return 4

    def macs(self, x: Shape, y: Shape) -> int:
        """The two 1×1 convs on the pooled 1×1×C vector: C·n + n·C."""
        return 2 * x.c * self.squeeze

    def _parts(self) -> tuple[Activation, Activation]:
        """The activation and the gate as layer values."""
        return _ACTIVATIONS[self.act](), _ACTIVATIONS[self.gate]()

    def other_ops(self, x: Shape, y: Shape) -> int:
        """Pooling adds, bias adds (n + C), the activation on n, the gate on C, the multiply."""
        act, gate = self._parts()
        pooled, squeezed = Shape((x.c,)), Shape((self.squeeze,))
        act_ops = act.other_ops(squeezed, squeezed) + gate.other_ops(pooled, pooled)
        return 2 * x.numel + self.squeeze + x.c + act_ops

    def saved(self, x: Shape, y: Shape) -> Saved:
        """The input (for the multiply), the pooled vector (squeeze conv), the activation's and the
        gate's tensors; a tensor two ops keep (ReLU's output is the next conv's input, Sigmoid's
        output the multiply's operand) is counted once."""
        c, n = x.c, self.squeeze
        extra = [(c, None)]  # pooled input of the squeeze conv
        act, gate = self._parts()
        extra += [(n, None)] if act.SAVES_OUTPUT else [(n, None), (n, None)]
        extra += [(c, None)] if gate.SAVES_OUTPUT else [(c, None), (c, None)]
        return Saved(input=True, extra=tuple(extra))

    def columns(self, x: Shape) -> Columns:
        """'256→64→256'."""
        c, n = x.c, self.squeeze
        return Columns(f"{c}→{n}→{c}", "", "", "", f"({c}+1)×{n}+({n}+1)×{c}")

    def explain(self, x: Shape, y: Shape) -> list[str]:
        """Weight formula and MACs."""
        c, n = x.c, self.squeeze
        return [
            msg("layers.se.explain_weights", c=c, n=n, total=f"{self.weights(x):,}"),
            msg("layers.se.explain_macs", c=c, n=n, total=f"{self.macs(x, y):,}"),
            msg("layers.se.explain_gate", act=self.act, gate=self.gate, input=x),
        ]

    def to_torch(self, x: Shape) -> nn.Module:
        """A module laid out as torchvision.ops.SqueezeExcitation (same parameter names)."""
        act, gate = self._parts()
        pooled, squeezed = Shape((1, 1, x.c)), Shape((1, 1, self.squeeze))
        return _squeeze_excitation()(
            x.c, self.squeeze, act.to_torch(squeezed), gate.to_torch(pooled)
        )

    def params(self, x: Shape) -> dict[str, Param]:
        """fc1 (n×C×1×1 and n) and fc2 (C×n×1×1 and C), named as torchvision names them."""
        from cnncalc.numeric.params import Param

        c, n = x.c, self.squeeze
        return {"fc1.weight": Param((n, c, 1, 1), "weight", (c, n)),
                "fc1.bias": Param((n,), "bias", (c, n)),
                "fc2.weight": Param((c, n, 1, 1), "weight", (n, c)),
                "fc2.bias": Param((c,), "bias", (n, c))}  # fmt: skip

    def forward_np(self, x: Any, p: dict[str, Any], mode: Mode) -> Step:
        """Pool, squeeze, activation, excite, gate, and the input times the gate."""
        from cnncalc.numeric.ops import global_avg, linear

        act, gate = self._parts()
        pooled, back_pool = global_avg(x)
        h, back_fc1 = linear(pooled, p["fc1.weight"].reshape(self.squeeze, -1), p["fc1.bias"])
        h, back_act = act.forward_np(h, {}, mode)[:2]
        s, back_fc2 = linear(h, p["fc2.weight"].reshape(x.shape[1], -1), p["fc2.bias"])
        s, back_gate = gate.forward_np(s, {}, mode)[:2]
        scale = s.reshape(*s.shape, 1, 1)

        def back(gy: Any) -> Any:
            g_scale = back_gate((gy * x).sum(axis=(2, 3)))
            return gy * scale + back_pool(back_fc1(back_act(back_fc2(g_scale))))

        return x * scale, back


def _squeeze_excitation() -> Any:
    """The module class (cnncalc.torch.modules), imported on first use so that importing the
    layers never imports torch."""
    from cnncalc.torch.modules import SqueezeExcitation

    return SqueezeExcitation
