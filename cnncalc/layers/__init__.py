"""The registry of layer kinds: one literal tuple, looked up by lower-cased name or alias."""

from __future__ import annotations

from cnncalc.layers.act import (
    GELU,
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

__all__ = [
    "ALL_NAMES",
    "BLOCK_NAMES",
    "KINDS",
    "REGISTRY",
    "ArgReader",
    "LayerBase",
    "Saved",
    "ShapeError",
    "Window",
]
