"""What a layer kind tells `cnncalc run` about its parameter tensors (plain Python, no numpy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter tensor: its shape in PyTorch's layout (Conv F×C/G×Kh×Kw, FC out×in) and how
    it starts when no value is given.

    `init`: "weight" (drawn by --init from the fans, seed 002), "bias" (zero, or PyTorch's
    uniform ±1/√fan_in under --init pytorch), or "const" (`value`: BN's γ = 1, β = 0, …).
    """

    shape: tuple[int, ...]
    init: str = "weight"
    fan: tuple[int, int] | None = None
    value: float = 0.0

    @property
    def numel(self) -> int:
        """Elements of the tensor."""
        n = 1
        for d in self.shape:
            n *= d
        return n


def weight_and_bias(shape: tuple[int, ...], fan: tuple[int, int], bias: bool) -> dict[str, Param]:  # fmt: skip
    """A weight of `shape` (out first) drawn from its fans, and its bias unless there is none."""
    w = {"weight": Param(shape, "weight", fan)}
    return {**w, "bias": Param(shape[:1], "bias", fan)} if bias else w


def const(shape: tuple[int, ...], value: float) -> Param:
    """A tensor that starts at `value` everywhere (BN's γ = 1, β = 0, running var 1, …)."""
    return Param(shape, "const", None, value)


# What a layer kind's `forward_np` returns: (output, backward) — the backward maps the output's
# gradient to the input's — or (output, backward, extras), extras being matrices worth showing
# beside the output as (name, array) pairs (stochastic pooling's probabilities).
Step = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Mode:
    """How `run` runs: training (`--train`: BN's batch statistics, sampled stochastic pooling,
    dropout) or inference, and the random generator training draws from."""

    train: bool = False
    rng: Any = None  # a numpy Generator

    @property
    def sampler(self) -> Any:
        """The generator in training, None at inference (what the ops take)."""
        return self.rng if self.train else None
