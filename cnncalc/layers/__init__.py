"""The registry of layer kinds: one literal tuple, looked up by lower-cased name or alias."""

from __future__ import annotations

from cnncalc.layers.act import (
    GELU,
    Activation,
    Drop,
    HSigmoid,
    HSwish,
    LReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from cnncalc.layers.base import ArgReader, LayerBase, Saved, ShapeError, Window
from cnncalc.layers.conv import AvgPool, Conv, Pool, StochPool
from cnncalc.layers.dense import FC, GAP, AdaptAvg, Flatten, In
from cnncalc.layers.extra import SE, Id
from cnncalc.layers.norm import BN, LRN

KINDS: tuple[type[LayerBase], ...] = (
    In, Conv, Pool, AvgPool, StochPool, GAP, AdaptAvg, FC, Flatten,
    ReLU, ReLU6, LReLU, Tanh, Sigmoid, GELU, SiLU, HSwish, HSigmoid, Softmax,
    BN, LRN, Drop, Id, SE,
)  # fmt: skip

# Block keywords are parsed by the DSL itself, but their names are taken all the same.
BLOCK_NAMES = ("Res", "Cat")


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

# The supported kinds in a short form, for messages about a name cnncalc does not know.
SUPPORTED = (
    ", ".join(k.NAMES[0] for k in KINDS if k is not In and not issubclass(k, Activation))
    + "; activations "
    + ", ".join(k.NAMES[0] for k in KINDS if issubclass(k, Activation))
    + "; blocks Res(…), Cat(…)"
)

# Layers of other frameworks (several in DESIGN §3's plans) that cnncalc does not have yet,
# lower-cased. They get "not supported", never a did-you-mean that turns ConvT into Conv, LN
# into LRN or LSTM into SM (issue 9). (`IN`, instance norm, is missing here: `In` is the input.)
UNSUPPORTED: dict[str, str] = {
    **dict.fromkeys(("convt", "convtranspose", "convtranspose2d", "deconv", "upconv"),
                    "transposed convolution"),
    **dict.fromkeys(("ln", "layernorm", "layernorm2d"), "layer normalisation"),
    **dict.fromkeys(("gn", "groupnorm"), "group normalisation"),
    **dict.fromkeys(("instancenorm", "instancenorm2d"), "instance normalisation"),
    **dict.fromkeys(("lstm", "gru", "rnn"), "a recurrent layer"),
    **dict.fromkeys(("attention", "attn", "mha", "multiheadattention", "selfattention",
                     "transformer"), "attention"),
    "embedding": "an embedding",
    **dict.fromkeys(("up", "upsample", "upsampling2d", "interpolate"), "upsampling"),
    **dict.fromkeys(("ps", "pixelshuffle"), "pixel shuffle"),
    "crop": "cropping",
    **dict.fromkeys(("scale", "layerscale"), "a learnable scale"),
    **dict.fromkeys(("droppath", "stochasticdepth"), "stochastic depth"),
    **dict.fromkeys(("prelu", "elu", "selu", "celu", "mish", "softplus", "softsign"),
                    "an activation cnncalc lacks"),
    **dict.fromkeys(("conv1d", "conv3d", "maxpool1d", "maxpool3d", "avgpool1d", "avgpool3d"),
                    "a 1-D or 3-D layer (cnncalc's layers are 2-D)"),
    **dict.fromkeys(("pad", "zeropad", "zeropad2d", "reflectionpad2d"), "a padding layer"),
    **dict.fromkeys(("reshape", "view", "permute", "transpose"), "a reshape"),
}  # fmt: skip

# Other frameworks' names for kinds cnncalc has under its own name.
OTHER_SPELLINGS: dict[str, str] = {
    "conv2d": "Conv", "maxpool2d": "Pool", "maxpooling2d": "Pool", "avgpool2d": "AvgPool",
    "averagepooling2d": "AvgPool", "batchnorm2d": "BN", "batchnorm1d": "BN",
    "adaptiveavgpool2d": "AdaptAvg", "globalavgpool": "GAP", "globalavgpool2d": "GAP",
    "globalaveragepooling2d": "GAP", "localresponsenorm": "LRN", "concat": "Cat(a | b)",
    "concatenate": "Cat(a | b)", "add": "Res(main | shortcut)", "residual": "Res(main)",
}  # fmt: skip

__all__ = [
    "ALL_NAMES",
    "BLOCK_NAMES",
    "KINDS",
    "OTHER_SPELLINGS",
    "REGISTRY",
    "SUPPORTED",
    "UNSUPPORTED",
    "ArgReader",
    "LayerBase",
    "Saved",
    "ShapeError",
    "Window",
]
