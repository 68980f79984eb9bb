"""Layer, group and instance normalisation, the layer scale, stochastic depth and PReLU in
numpy with their derivatives (issue 12, for issue 11's kinds). Layout and the `(y, back)`
convention as in cnncalc/numeric/ops.py; batch norm is in pointwise.py."""

from __future__ import annotations

from typing import Any

from cnncalc.numeric.ops import Array, Back
from cnncalc.numeric.pointwise import per_channel


def normalize(x: Array, axes: tuple[int, ...], eps: float) -> tuple[Array, Back]:
    """(x − μ)/√(σ² + ε), μ and σ² taken over `axes` (biased σ², as PyTorch); the backward
    (1/σ)·(g − mean(g) − x̂·mean(g·x̂)) over the same axes."""
    import numpy as np

    mean = x.mean(axis=axes, keepdims=True)
    inv = 1 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    xhat = (x - mean) * inv

    def back(g: Array) -> Array:
        return inv * (g - g.mean(axis=axes, keepdims=True)
                      - xhat * (g * xhat).mean(axis=axes, keepdims=True))  # fmt: skip

    return xhat, back


def affine(xhat: Array, back_norm: Back, p: dict[str, Array]) -> tuple[Array, Back]:
    """γ·x̂ + β per channel, when the layer has γ and β."""
    if "weight" not in p:
        return xhat, back_norm
    gamma, beta = per_channel(p["weight"], xhat), per_channel(p["bias"], xhat)
    return gamma * xhat + beta, lambda gy: back_norm(gy * gamma)


def layer_norm(x: Array, p: dict[str, Array], eps: float) -> tuple[Array, Back]:
    """Over the channels at each position (ConvNeXt's LayerNorm2d; a vector's features)."""
    return affine(*normalize(x, (1,), eps), p)


def group_norm(x: Array, groups: int, p: dict[str, Array], eps: float = 1e-5) -> tuple[Array, Back]:  # fmt: skip
    """Over each group of C/G channels and all positions, per image (nn.GroupNorm)."""
    n = x.shape[0]
    grouped = x.reshape(n, groups, -1)
    xhat, back = normalize(grouped, (2,), eps)
    return affine(xhat.reshape(x.shape), lambda g: back(g.reshape(grouped.shape)).reshape(x.shape), p)  # fmt: skip


def instance_norm(x: Array, p: dict[str, Array], eps: float = 1e-5) -> tuple[Array, Back]:
    """Over the positions of each channel of each image (nn.InstanceNorm2d, no statistics kept)."""
    return affine(*normalize(x, (2, 3), eps), p)


def scale(x: Array, gamma: Array) -> tuple[Array, Back]:
    """x times a learnable factor per channel (ConvNeXt's layer scale)."""
    g = per_channel(gamma, x)
    return x * g, lambda gy: gy * g


def drop_path(x: Array, p: float, rng: Any = None) -> tuple[Array, Back]:
    """Stochastic depth: in training each image's whole tensor is kept with probability 1 − p
    and scaled by 1/(1 − p) (torchvision's 'row' mode); identity at inference."""
    if rng is None or p == 0:
        return x, lambda gy: gy
    keep = (rng.random((x.shape[0],) + (1,) * (x.ndim - 1)) >= p).astype(x.dtype)
    keep = keep / (1 - p) if p < 1 else keep * 0
    return x * keep, lambda gy: gy * keep


def prelu(x: Array, a: Array) -> tuple[Array, Back]:
    """x for x > 0, a·x below, with a learnable slope per channel (or one for all)."""
    import numpy as np

    slope = per_channel(a, x) if a.size > 1 else a.reshape(())
    y = np.where(x > 0, x, slope * x)
    return y.astype(x.dtype), lambda gy: gy * np.where(x > 0, 1, slope).astype(x.dtype)
