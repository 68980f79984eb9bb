"""The decoder operations of issue 11 in numpy, each with its derivative: the transposed
convolution, upsampling, pixel shuffle and the centre crop. Layout and the `(y, back)`
convention as in cnncalc/numeric/ops.py."""

from __future__ import annotations

from cnncalc.numeric.ops import Array, Back, unwindow, windows


def conv_transpose2d(
    x: Array, w: Array, b: Array | None, stride: tuple[int, int], pad: tuple[int, int],
    out_pad: tuple[int, int], dilation: tuple[int, int], groups: int,
) -> tuple[Array, Back]:  # fmt: skip
    """Every input pixel scatters its kernel: y[n,f, i·S+u·D−P, j·S+v·D−P] += x[n,c,i,j]·W[c,f,u,v]
    (W is C×F/G×Kh×Kw, as nn.ConvTranspose2d holds it); the output is (H−1)·S − 2P + D(K−1) +
    OP + 1 per axis. It is the adjoint of a convolution, so its backward is one."""
    import numpy as np

    n, c, h, wd = x.shape
    g, (kh, kw) = groups, w.shape[2:]
    fg = w.shape[1]
    size = [(n_ - 1) * stride[a] - 2 * pad[a] + dilation[a] * (k - 1) + out_pad[a] + 1
            for a, (n_, k) in enumerate(((h, kh), (wd, kw)))]  # fmt: skip
    full = (n, g * fg, size[0] + 2 * pad[0], size[1] + 2 * pad[1])  # before P is cut off
    wg = w.reshape(g, c // g, fg, kh, kw)
    cols = np.einsum("ngchw,gcfuv->ngfhwuv", x.reshape(n, g, c // g, h, wd), wg)
    yp = unwindow(cols.reshape(n, g * fg, h, wd, kh, kw), full, stride, dilation)
    y = yp[:, :, pad[0] : pad[0] + size[0], pad[1] : pad[1] + size[1]]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)

    def back(gy: Array) -> Array:
        gyp = np.zeros(full, gy.dtype)
        gyp[:, :, pad[0] : pad[0] + size[0], pad[1] : pad[1] + size[1]] = gy
        win = windows(gyp, (kh, kw), stride, dilation)[:, :, :h, :wd]  # N×F×H×W×Kh×Kw
        win_g = win.reshape(n, g, fg, h, wd, kh, kw)
        return np.einsum("ngfhwuv,gcfuv->ngchw", win_g, wg).reshape(x.shape)

    return np.ascontiguousarray(y, dtype=x.dtype), back


def _nearest(n: int, out: int, factor: int | None) -> Array:
    """out×n selection matrix of PyTorch's nearest upsampling: output i reads input
    min(⌊i·scale⌋, n − 1), scale = 1/factor or n/out, in float32 as ATen computes it."""
    import numpy as np

    scale = np.float32(1.0 / factor) if factor else np.float32(n) / np.float32(out)
    src = np.minimum(np.floor(np.arange(out, dtype=np.float32) * scale).astype(int), n - 1)
    if out == n:
        src = np.arange(n)
    m = np.zeros((out, n))
    m[np.arange(out), src] = 1
    return m


def _bilinear(n: int, out: int, factor: int | None) -> Array:
    """out×n interpolation matrix of PyTorch's bilinear upsampling (align_corners=False): output
    i samples (i + ½)·scale − ½ (at least 0) between its two neighbours."""
    import numpy as np

    scale = 1.0 / factor if factor else n / out
    src = np.maximum((np.arange(out) + 0.5) * scale - 0.5, 0)
    i0 = np.minimum(np.floor(src).astype(int), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    frac = src - i0
    m = np.zeros((out, n))
    np.add.at(m, (np.arange(out), i0), 1 - frac)
    np.add.at(m, (np.arange(out), i1), frac)
    return m


def upsample(x: Array, size: tuple[int, int], factor: int | None, bilinear: bool) -> tuple[Array, Back]:  # fmt: skip
    """nn.Upsample as two matrix products per channel, Y = A_h · X · A_wᵀ: A selects (nearest)
    or interpolates (bilinear) input rows; the backward applies the transposes."""
    import numpy as np

    make = _bilinear if bilinear else _nearest
    ah = make(x.shape[2], size[0], factor).astype(x.dtype)
    aw = make(x.shape[3], size[1], factor).astype(x.dtype)
    y = np.einsum("ih,nchw,jw->ncij", ah, x, aw)
    return y, lambda gy: np.einsum("ih,ncij,jw->nchw", ah, gy, aw)


def pixel_shuffle(x: Array, r: int) -> tuple[Array, Back]:
    """N×C·r²×H×W to N×C×H·r×W·r: channel c·r² + i·r + j becomes pixel (h·r + i, w·r + j)."""
    n, c, h, w = x.shape
    c //= r * r
    y = x.reshape(n, c, r, r, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(n, c, h * r, w * r)

    def back(gy: Array) -> Array:
        return gy.reshape(n, c, h, r, w, r).transpose(0, 1, 3, 5, 2, 4).reshape(x.shape)

    return y, back


def center_crop(x: Array, top: int, left: int, oh: int, ow: int) -> tuple[Array, Back]:
    """The oh×ow window starting at (top, left); the gradient goes back to where it came from."""
    import numpy as np

    y = x[:, :, top : top + oh, left : left + ow].copy()

    def back(gy: Array) -> Array:
        gx = np.zeros_like(x)
        gx[:, :, top : top + oh, left : left + ow] = gy
        return gx

    return y, back


def unpad_mode(gxp: Array, pads: tuple[tuple[int, int], tuple[int, int]], mode: str,
               shape: tuple[int, ...]) -> Array:  # fmt: skip
    """The adjoint of numeric.ops.pad2d's reflect, replicate and circular: each padded
    position's gradient goes back to the input position it was copied from."""
    import numpy as np

    def source(n: int, before: int, after: int) -> Array:
        i = np.arange(-before, n + after)
        if mode == "reflect":
            i = np.abs(i)
            return np.where(i >= n, 2 * (n - 1) - i, i)
        return np.clip(i, 0, n - 1) if mode == "replicate" else i % n

    rows, cols = source(shape[2], *pads[0]), source(shape[3], *pads[1])
    gx = np.zeros(shape, gxp.dtype)
    np.add.at(gx, (slice(None), slice(None), rows[:, None], cols[None, :]), gxp)
    return gx
