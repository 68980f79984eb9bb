"""Sliding-window and matrix operations in numpy, each with its derivative (issue 12).

Tensors are laid out as PyTorch lays them out, N×C×H×W (a vector N×F), so that weights given
in PyTorch's order apply as they are. Every operation returns `(y, back)`: the output, and a
function from the gradient of the output to the gradient of the input — the forward rule and
its derivative side by side, as micrograd writes them (STYLE.md).

A window operation is written as the notes write it (seed 000, Conv2D): pad the input, look at
every window, combine each window with the kernel. `windows()` gives all windows at once as a
view (numpy.lib.stride_tricks.sliding_window_view), so there is no loop over pixels; the only
loops are over the kernel's own positions, where the backward adds each window back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    Array = np.ndarray
else:
    Array = Any

Back = Callable[[Array], Array]
Pads = tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))


def pads(p: tuple[int, int], extra: tuple[int, int] = (0, 0)) -> Pads:
    """Symmetric padding `p` per axis, plus `extra` rows/columns at the far side (ceil mode,
    PyTorch's 'same' padding of an odd total)."""
    return ((p[0], p[0] + extra[0]), (p[1], p[1] + extra[1]))


def same_pads(k: tuple[int, int], d: tuple[int, int]) -> Pads:
    """PyTorch's padding='same' at stride 1: D(K−1) per axis, the odd one at the far side."""
    th, tw = d[0] * (k[0] - 1), d[1] * (k[1] - 1)
    return ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))


def pad2d(x: Array, pad: Pads, value: float = 0.0, mode: str = "zeros") -> Array:
    """x with rows and columns added around H and W: `value` (zeros), or PyTorch's `reflect`,
    `replicate` and `circular` (numpy's reflect, edge and wrap)."""
    import numpy as np

    width = ((0, 0), (0, 0), pad[0], pad[1])
    if mode == "zeros":
        return np.pad(x, width, constant_values=value)
    return np.pad(
        x, width, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    )


def unpad(xp: Array, pad: Pads, h: int, w: int) -> Array:
    """The inverse of pad2d for a gradient: the H×W input part of a padded tensor."""
    return xp[:, :, pad[0][0] : pad[0][0] + h, pad[1][0] : pad[1][0] + w]


def windows(xp: Array, k: tuple[int, int], s: tuple[int, int], d: tuple[int, int]) -> Array:
    """Every Kh×Kw window of the padded xp, stride s, dilation d: a view N×C×Ho×Wo×Kh×Kw.

    Ho = ⌊(Hp − D(K−1) − 1)/S⌋ + 1, DESIGN §3's formula once the padding is in Hp."""
    from numpy.lib.stride_tricks import sliding_window_view

    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    view = sliding_window_view(xp, span, axis=(2, 3))
    return view[:, :, :: s[0], :: s[1], :: d[0], :: d[1]]


def unwindow(cols: Array, shape: tuple[int, ...], s: tuple[int, int], d: tuple[int, int]) -> Array:
    """The adjoint of `windows`: every window's values added back where they were taken from,
    into zeros of the padded `shape` (a window op's backward; a transposed conv's forward)."""
    import numpy as np

    out = np.zeros(shape, cols.dtype)
    ho, wo, kh, kw = cols.shape[2:]
    for i in range(kh):  # one pass per kernel position, not per pixel
        for j in range(kw):
            rows = slice(i * d[0], i * d[0] + s[0] * (ho - 1) + 1, s[0])
            columns = slice(j * d[1], j * d[1] + s[1] * (wo - 1) + 1, s[1])
            out[:, :, rows, columns] += cols[:, :, :, :, i, j]
    return out


def conv2d(
    x: Array, w: Array, b: Array | None, stride: tuple[int, int], pad: Pads,
    dilation: tuple[int, int] = (1, 1), groups: int = 1, mode: str = "zeros",
) -> tuple[Array, Back]:  # fmt: skip
    """y[n,f,i,j] = Σ_c Σ_u Σ_v X[n,c,i·S+u·D, j·S+v·D] · W[f,c,u,v] + b[f] (seed 000's y₁₁ with
    w₀ = b), over the padded input; with groups G, filter f sees only its group's C/G channels."""
    import numpy as np

    n, c, h, wd = x.shape
    f, kh, kw, g = w.shape[0], w.shape[2], w.shape[3], groups
    xp = pad2d(x, pad, mode=mode)
    win = windows(xp, (kh, kw), stride, dilation)  # N×C×Ho×Wo×Kh×Kw
    ho, wo = win.shape[2:4]
    if g == 1:  # one matrix product: every window (C·Kh·Kw values) times every filter
        y = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    else:
        wg = w.reshape(g, f // g, c // g, kh, kw)
        win_g = win.reshape(n, g, c // g, ho, wo, kh, kw)
        y = np.einsum("ngchwuv,gfcuv->ngfhw", win_g, wg).reshape(n, f, ho, wo)
    if b is not None:
        y = y + b.reshape(1, f, 1, 1)

    def back(gy: Array) -> Array:
        gy_g = gy.reshape(n, g, f // g, ho, wo)
        wg = w.reshape(g, f // g, c // g, kh, kw)
        gcols = np.einsum("ngfhw,gfcuv->ngchwuv", gy_g, wg).reshape(n, c, ho, wo, kh, kw)
        gxp = unwindow(gcols, xp.shape, stride, dilation)
        if mode != "zeros":
            raise NotImplementedError("backward through reflect/replicate/circular padding")
        return unpad(gxp, pad, h, wd)

    return np.ascontiguousarray(y, dtype=x.dtype), back


def max_pool(x: Array, k: tuple[int, int], s: tuple[int, int], pad: Pads) -> tuple[Array, Back]:
    """The largest value of each window (seed 000); padding is −∞, so it is never the max. The
    gradient goes to each window's (first) largest element, as PyTorch sends it."""
    import numpy as np

    h, w = x.shape[2:]
    xp = pad2d(x, pad, value=-np.inf)
    win = windows(xp, k, s, (1, 1))
    y = win.max(axis=(4, 5))

    def back(gy: Array) -> Array:
        flat = win.reshape(*win.shape[:4], -1)
        first = flat.argmax(axis=-1)[..., None] == np.arange(flat.shape[-1])
        gcols = (first * gy[..., None]).reshape(win.shape)
        return unpad(unwindow(gcols, xp.shape, s, (1, 1)), pad, h, w)

    return y, back


def avg_pool(x: Array, k: tuple[int, int], s: tuple[int, int], pad: Pads, p: tuple[int, int]) -> tuple[Array, Back]:  # fmt: skip
    """The mean of each window (seed 000). As PyTorch's default (count_include_pad), the zeros
    of the padding `p` count in the divisor, the extra columns of ceil mode do not."""
    import numpy as np

    h, w = x.shape[2:]
    xp = pad2d(x, pad)
    inside = pad2d(np.ones((1, 1, h + 2 * p[0], w + 2 * p[1]), x.dtype),
                   ((0, pad[0][1] - p[0]), (0, pad[1][1] - p[1])))  # fmt: skip
    count = windows(inside, k, s, (1, 1)).sum(axis=(4, 5))
    y = windows(xp, k, s, (1, 1)).sum(axis=(4, 5)) / count

    def back(gy: Array) -> Array:
        share = np.broadcast_to((gy / count)[..., None, None], (*gy.shape, *k))
        return unpad(unwindow(share, xp.shape, s, (1, 1)), pad, h, w)

    return y, back


def stoch_pool(
    x: Array, k: tuple[int, int], s: tuple[int, int], pad: Pads, rng: Any = None
) -> tuple[Array, Back, Array]:
    """Stochastic pooling (seed 000): in window R_j element a_i has probability
    p_i = a_i / Σ_{k∈R_j} a_k. Inference (`rng` None) gives s_j = Σ p_i·a_i; training samples one
    a_i per window with probability p_i. Negative values count as 0 (the rule follows a ReLU);
    a window without weight gives 0. Also returns the probabilities, laid out as the input."""
    import numpy as np

    h, w = x.shape[2:]
    xp = pad2d(x, pad)
    win = windows(xp, k, s, (1, 1))
    a = np.maximum(win, 0).reshape(*win.shape[:4], -1)
    total = a.sum(axis=-1, keepdims=True)
    p = np.divide(a, total, out=np.zeros_like(a), where=total > 0)
    if rng is None:
        y = (p * a).sum(axis=-1)
        # d s_j / d a_i = (2·a_i·Σa − Σa²) / (Σa)², for a_i > 0
        square = (a * a).sum(axis=-1, keepdims=True)
        slope = np.divide(2 * a * total - square, total**2, out=np.zeros_like(a), where=total > 0)
        slope = slope * (win.reshape(a.shape) > 0)
    else:
        cdf = np.cumsum(p, axis=-1)
        u = rng.random((*a.shape[:4], 1), dtype=x.dtype)
        last = np.where(a > 0, np.arange(a.shape[-1]), 0).max(axis=-1, keepdims=True)
        pick = np.minimum((cdf <= u).sum(axis=-1, keepdims=True), last)
        slope = (np.arange(a.shape[-1]) == pick).astype(x.dtype)
        y = (slope * win.reshape(a.shape)).sum(axis=-1)

    def back(gy: Array) -> Array:
        gcols = (slope * gy[..., None]).reshape(win.shape)
        return unpad(unwindow(gcols, xp.shape, s, (1, 1)), pad, h, w)

    probs = unpad(unwindow(p.reshape(win.shape), xp.shape, s, (1, 1)), pad, h, w)
    return y.astype(x.dtype), back, probs


def adaptive_matrix(n: int, out: int, dtype: Any) -> Array:
    """out×n averaging matrix of PyTorch's adaptive pooling: row i averages the inputs from
    ⌊i·n/out⌋ to ⌈(i+1)·n/out⌉ (windows may overlap and differ in size)."""
    import numpy as np

    m = np.zeros((out, n), dtype)
    for i in range(out):
        start, end = i * n // out, -(-(i + 1) * n // out)
        m[i, start:end] = 1 / (end - start)
    return m


def adaptive_avg(x: Array, oh: int, ow: int) -> tuple[Array, Back]:
    """Adaptive average pooling as two matrix products: Y = A_h · X · A_wᵀ per channel."""
    import numpy as np

    ah, aw = adaptive_matrix(x.shape[2], oh, x.dtype), adaptive_matrix(x.shape[3], ow, x.dtype)
    y = np.einsum("ih,nchw,jw->ncij", ah, x, aw)

    def back(gy: Array) -> Array:
        return np.einsum("ih,ncij,jw->nchw", ah, gy, aw)

    return y, back


def global_avg(x: Array) -> tuple[Array, Back]:
    """The mean of each channel: N×C×1×1 (GAP, seed 002)."""
    import numpy as np

    h, w = x.shape[2:]
    y = x.mean(axis=(2, 3), keepdims=True)
    return y, lambda gy: np.broadcast_to(gy / (h * w), x.shape).copy()


def linear(x: Array, w: Array, b: Array | None) -> tuple[Array, Back]:
    """y = x·Wᵀ + b on the flattened input (C, H, W order, as PyTorch's Flatten)."""
    flat = x.reshape(x.shape[0], -1)
    y = flat @ w.T
    if b is not None:
        y = y + b
    return y, lambda gy: (gy @ w).reshape(x.shape)


def pool_pads(n: Any, k: Any, s: Any, p: Any, out: Any) -> Pads:
    """A pooling's padding per side: `p`, plus the rows past the padded input that ceil mode's
    last window reaches, at the far side (none without ceil: `out` then fits)."""
    extra = [max(0, (out[a] - 1) * s[a] + k[a] - (n[a] + 2 * p[a])) for a in (0, 1)]
    return pads(p, (extra[0], extra[1]))
