"""Element-wise activations, softmax, normalisation and dropout in numpy, each with its
derivative (issue 12). Layout and the `(y, back)` convention as in cnncalc/numeric/ops.py."""

from __future__ import annotations

import math
from typing import Any

from cnncalc.numeric.ops import Array, Back


def relu(x: Array) -> tuple[Array, Back]:
    """max(0, x); the gradient passes where x > 0."""
    import numpy as np

    return np.maximum(x, 0), lambda gy: gy * (x > 0)


def relu6(x: Array) -> tuple[Array, Back]:
    """min(max(0, x), 6)."""
    import numpy as np

    return np.clip(x, 0, 6), lambda gy: gy * ((x > 0) & (x < 6))


def leaky_relu(x: Array, slope: float) -> tuple[Array, Back]:
    """x for x > 0, slope·x below."""
    import numpy as np

    return np.where(x > 0, x, x * slope), lambda gy: gy * np.where(x > 0, 1, slope).astype(x.dtype)


def sigmoid_of(x: Array) -> Array:
    """1 / (1 + e^−x), computed without overflow for large |x|."""
    import numpy as np

    return np.exp(-np.logaddexp(0, -x)).astype(x.dtype)


def sigmoid(x: Array) -> tuple[Array, Back]:
    """σ(x); σ' = σ(1 − σ)."""
    y = sigmoid_of(x)
    return y, lambda gy: gy * y * (1 - y)


def tanh(x: Array) -> tuple[Array, Back]:
    """tanh(x); tanh' = 1 − tanh²."""
    import numpy as np

    y = np.tanh(x)
    return y, lambda gy: gy * (1 - y * y)


def erf(x: Array) -> Array:
    """The error function (Abramowitz & Stegun 7.1.26, |error| < 1.5·10⁻⁷: below float32's
    resolution near 1), since numpy has none."""
    import numpy as np

    t = 1 / (1 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))  # fmt: skip
    return np.sign(x) * (1 - poly * np.exp(-x * x))


def gelu(x: Array) -> tuple[Array, Back]:
    """x·Φ(x), Φ the normal CDF (PyTorch's exact GELU); derivative Φ(x) + x·φ(x)."""
    import numpy as np

    cdf = (0.5 * (1 + erf(x / math.sqrt(2)))).astype(x.dtype)
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return x * cdf, lambda gy: gy * (cdf + x * pdf)


def silu(x: Array) -> tuple[Array, Back]:
    """x·σ(x); derivative σ·(1 + x·(1 − σ))."""
    s = sigmoid_of(x)
    return x * s, lambda gy: gy * s * (1 + x * (1 - s))


def hardswish(x: Array) -> tuple[Array, Back]:
    """x·relu6(x + 3)/6 (MobileNetV3); derivative 0 below −3, x/3 + ½ up to 3, then 1."""
    import numpy as np

    y = x * np.clip(x + 3, 0, 6) / 6
    return y, lambda gy: gy * np.where(x < -3, 0, np.where(x <= 3, x / 3 + 0.5, 1)).astype(x.dtype)


def hardsigmoid(x: Array) -> tuple[Array, Back]:
    """relu6(x + 3)/6; derivative 1/6 between −3 and 3."""
    import numpy as np

    return np.clip(x + 3, 0, 6) / 6, lambda gy: gy * ((x > -3) & (x < 3)) / 6


def elu(x: Array, alpha: float) -> tuple[Array, Back]:
    """x for x > 0, α(eˣ − 1) below; derivative 1, or y + α below."""
    import numpy as np

    y = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    return y, lambda gy: gy * np.where(x > 0, 1, y + alpha)


def mish(x: Array) -> tuple[Array, Back]:
    """x·tanh(softplus(x)); derivative tanh(sp) + x·(1 − tanh²(sp))·σ(x)."""
    import numpy as np

    t = np.tanh(np.logaddexp(0, x)).astype(x.dtype)
    return x * t, lambda gy: gy * (t + x * (1 - t * t) * sigmoid_of(x))


def softmax(x: Array) -> tuple[Array, Back]:
    """e^x / Σ e^x over the channels (axis 1): outputs ≥ 0 that sum to 1 (seed 000)."""
    import numpy as np

    e = np.exp(x - x.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    return y, lambda gy: y * (gy - (gy * y).sum(axis=1, keepdims=True))


def channel_axes(x: Array) -> tuple[int, ...]:
    """The axes a per-channel statistic runs over: batch, and H and W of a feature map."""
    return (0, 2, 3) if x.ndim == 4 else (0,)


def per_channel(v: Array, x: Array) -> Array:
    """A per-channel vector shaped to broadcast against x."""
    return v.reshape((1, -1, 1, 1) if x.ndim == 4 else (1, -1))


def batch_norm(x: Array, p: dict[str, Array], train: bool, eps: float = 1e-5) -> tuple[Array, Back]:  # fmt: skip
    """γ·(x − μ)/√(σ² + ε) + β (seed 002): μ, σ² of the batch in training (`--train`), the
    running statistics at inference."""
    import numpy as np

    axes = channel_axes(x)
    gamma, beta = per_channel(p["weight"], x), per_channel(p["bias"], x)
    if not train:
        scale = gamma / np.sqrt(per_channel(p["running_var"], x) + eps)
        return (x - per_channel(p["running_mean"], x)) * scale + beta, lambda gy: gy * scale
    mean = x.mean(axis=axes, keepdims=True)
    inv = 1 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    xhat = (x - mean) * inv
    m = x.size // x.shape[1]

    def back(gy: Array) -> Array:
        sum_g = gy.sum(axis=axes, keepdims=True)
        sum_gx = (gy * xhat).sum(axis=axes, keepdims=True)
        return gamma * inv / m * (m * gy - sum_g - xhat * sum_gx)

    return gamma * xhat + beta, back


def lrn(x: Array, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> tuple[Array, Back]:  # fmt: skip
    """b_c = a_c / (k + α/n · Σ a_c'²)^β over the n channels c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋ (AlexNet;
    PyTorch's LocalResponseNorm, whose window sum counts missing channels as zeros)."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    def window_sum(t: Array, before: int, after: int) -> Array:
        width = [(0, 0)] * t.ndim
        width[1] = (before, after)
        return sliding_window_view(np.pad(t, width), size, axis=1).sum(axis=-1)

    d = k + alpha / size * window_sum(x * x, size // 2, (size - 1) // 2)
    y = x * d**-beta

    def back(gy: Array) -> Array:
        # each d_c holds x_j² for j in c's window, i.e. c in j's mirrored window
        inner = window_sum(gy * x * d ** (-beta - 1), (size - 1) // 2, size // 2)
        return gy * d**-beta - 2 * alpha * beta / size * x * inner

    return y, back


def dropout(x: Array, p: float, rng: Any = None) -> tuple[Array, Back]:
    """Identity at inference; in training (`rng` given) each element is zeroed with probability
    p and the rest scaled by 1/(1 − p), as nn.Dropout does."""
    if rng is None or p == 0:
        return x, lambda gy: gy
    keep = (rng.random(x.shape) >= p).astype(x.dtype) / (1 - p) if p < 1 else x * 0
    return x * keep, lambda gy: gy * keep
