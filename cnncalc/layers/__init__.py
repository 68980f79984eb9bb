"""The registry of layer kinds: one literal tuple, looked up by lower-cased name or alias."""

from __future__ import annotations

from cnncalc.layers.act import (
    ELU,
    GELU,
    Activation,
    Drop,
    HSigmoid,
    HSwish,
    LReLU,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from cnncalc.layers.base import ArgReader, LayerBase, Saved, ShapeError, Window
from cnncalc.layers.blocks import BlockKind, Cat, Res, Seq
from cnncalc.layers.conv import AvgPool, Conv, Pool, StochPool
from cnncalc.layers.dense import FC, GAP, AdaptAvg, Flatten, In
from cnncalc.layers.extra import SE, Id
from cnncalc.layers.modern import DropPath, PReLU, Scale
from cnncalc.layers.norm import BN, LRN
from cnncalc.layers.normalize import GN, LN, InstNorm
from cnncalc.layers.resample import PS, Crop, Up
from cnncalc.layers.transposed import ConvT
from cnncalc.messages import msg

KINDS: tuple[type[LayerBase], ...] = (
    In, Conv, Pool, AvgPool, StochPool, GAP, AdaptAvg, FC, Flatten,
    ReLU, ReLU6, LReLU, Tanh, Sigmoid, GELU, SiLU, HSwish, HSigmoid, Softmax, ELU, Mish,
    BN, LRN, Drop, Id, SE,
    ConvT, Up, PS, Crop, LN, GN, InstNorm, Scale, DropPath, PReLU,  # issue 11
)  # fmt: skip

# Block kinds written as keywords, `Res(…)`; `Seq` is made by a label, never written.
BLOCKS: tuple[type[BlockKind], ...] = (Res, Cat)
BLOCK_NAMES = tuple(b.NAME for b in BLOCKS)
BLOCK_REGISTRY: dict[str, type[BlockKind]] = {b.NAME.lower(): b for b in BLOCKS}


def _index(kinds: tuple[type[LayerBase], ...]) -> dict[str, type[LayerBase]]:
    """name.lower() → kind; a name registered twice fails at import."""
    table: dict[str, type[LayerBase]] = {}
    for kind in kinds:
        for name in kind.NAMES:
            key = name.lower()
            if key in table or key in (b.lower() for b in BLOCK_NAMES):
                raise RuntimeError(f"layer name '{name}' registered twice")
            table[key] = kind
    return table


REGISTRY: dict[str, type[LayerBase]] = _index(KINDS)
ALL_NAMES: tuple[str, ...] = tuple(n for k in KINDS for n in k.NAMES) + BLOCK_NAMES


def supported() -> str:
    """The supported kinds in a short form, for messages about a name cnncalc does not know."""
    return msg(
        "layers.supported",
        layers=", ".join(k.NAMES[0] for k in KINDS
                         if not k.SETS_INPUT and not issubclass(k, Activation)),
        activations=", ".join(k.NAMES[0] for k in KINDS if issubclass(k, Activation)),
        blocks=", ".join(f"{b.NAME}(…)" for b in BLOCKS),
    )  # fmt: skip


# Layers of other frameworks (several in DESIGN §3's plans) that cnncalc does not have yet,
# lower-cased → what they are, the message layers.unsupported.WHAT. They get "not supported", never a did-you-mean that turns ConvT into Conv, LN
# into LRN or LSTM into SM (issue 9).
UNSUPPORTED: dict[str, str] = {
    **dict.fromkeys(("lstm", "gru", "rnn"), "recurrent"),
    **dict.fromkeys(("attention", "attn", "mha", "multiheadattention", "selfattention",
                     "transformer"), "attention"),
    "embedding": "embedding",
    **dict.fromkeys(("selu", "celu", "softplus", "softsign"),
                    "activation"),
    **dict.fromkeys(("conv1d", "conv3d", "maxpool1d", "maxpool3d", "avgpool1d", "avgpool3d"),
                    "dimensions"),
    **dict.fromkeys(("pad", "zeropad", "zeropad2d", "reflectionpad2d"), "padding"),
    **dict.fromkeys(("reshape", "view", "permute", "transpose"), "reshape"),
}  # fmt: skip

# Other frameworks' names for kinds cnncalc has under its own name.
OTHER_SPELLINGS: dict[str, str] = {
    "conv2d": "Conv", "maxpool2d": "Pool", "maxpooling2d": "Pool", "avgpool2d": "AvgPool",
    "averagepooling2d": "AvgPool", "batchnorm2d": "BN", "batchnorm1d": "BN",
    "adaptiveavgpool2d": "AdaptAvg", "globalavgpool": "GAP", "globalavgpool2d": "GAP",
    "globalaveragepooling2d": "GAP", "localresponsenorm": "LRN", "concat": "Cat(a | b)",
    "concatenate": "Cat(a | b)", "add": "Res(main | shortcut)", "residual": "Res(main)",
    "convtranspose2d": "ConvT", "conv2dtranspose": "ConvT", "upsampling2d": "Up",
    "interpolate": "Up", "cropping2d": "Crop", "groupnormalization": "GN:G",
    "layernormalization": "LN", "instancenormalization": "InstNorm",
}  # fmt: skip


# Names that mean another kind when written exactly so, without arguments (README, "Instance
# norm and the input"): `IN` in capitals is instance norm; `In:224x224x3`, in any case, stays
# the input, and `In` alone asks for a shape.
EXACT_BARE: dict[str, type[LayerBase]] = {"IN": InstNorm}


def lookup(name: str, has_args: bool) -> type[LayerBase] | None:
    """The kind a layer name means: EXACT_BARE for a bare name written so, else the registry's
    by its lower case (DESIGN §3: names are case-insensitive)."""
    if not has_args and name in EXACT_BARE:
        return EXACT_BARE[name]
    return REGISTRY.get(name.lower())


def unknown_layer(name: str) -> str:
    """The message for a name that is no layer kind: 'not supported' for other frameworks'
    layers, a did-you-mean only for a real typo, else the supported kinds (issue 9)."""
    key = name.lower()
    if key in UNSUPPORTED:
        what = msg(f"layers.unsupported.{UNSUPPORTED[key]}")
        return msg("layers.not_supported", name=name, what=what, supported=supported())
    if key in OTHER_SPELLINGS:
        return msg("layers.other_spelling", name=name, spelling=OTHER_SPELLINGS[key])
    # A typo is one or two slips in a name as long as the one meant: 'Cnov', 'Sigmod'; in a
    # name of two letters one slip is half of it, and no guess.
    allowed = 0 if len(key) <= 2 else 1 if len(key) <= 5 else 2
    best = min(ALL_NAMES, key=lambda n: _edits(key, n.lower()))
    if _edits(key, best.lower()) <= allowed:
        return msg("layers.unknown_did_you_mean", name=name, best=best)
    return msg("layers.unknown", name=name, supported=supported())


def _edits(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbours as one edit (optimal string alignment)."""
    if abs(len(a) - len(b)) > 2:
        return 3  # more than any typo allowance; names are short, the text may not be
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


__all__ = [
    "ALL_NAMES",
    "BLOCKS",
    "BLOCK_NAMES",
    "BLOCK_REGISTRY",
    "KINDS",
    "OTHER_SPELLINGS",
    "REGISTRY",
    "UNSUPPORTED",
    "ArgReader",
    "BlockKind",
    "LayerBase",
    "Saved",
    "Seq",
    "ShapeError",
    "Window",
    "lookup",
    "supported",
    "unknown_layer",
]
