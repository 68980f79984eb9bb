"""How a convolution pads (issue 11): PyTorch's padding modes and TensorFlow's 'same'.

`reflect`, `replicate` and `circular` after `pP` fill the border from the input instead of with
zeros, as nn.Conv2d's padding_mode. `psame` keeps the size at stride 1 (PyTorch's own 'same');
with a stride S it pads as TensorFlow's SAME does: the output is ⌈H/S⌉ and the padding needed,
max((⌈H/S⌉ − 1)·S + D(K−1) + 1 − H, 0), is split with the odd one at the bottom and right.
nn.Conv2d cannot pad unevenly, so the build puts a pad module in front of an unpadded conv;
weights, MACs and the output are the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnncalc.ir import Shape
from cnncalc.layers.base import ArgReader, Saved, ShapeError
from cnncalc.messages import msg

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.layers.conv import Conv
    from cnncalc.numeric.params import Step

MODES = ("reflect", "replicate", "circular")
Pads = tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))


def read_mode(args: ArgReader, mods: dict[str, Any]) -> str:
    """The padding mode among the modifiers (one at most, and only with padding)."""
    given = [m for m in MODES if m in mods]
    if not given:
        return "zeros"
    if len(given) > 1:
        raise args.error(msg("kinds.pad_modes", modes=" and ".join(given)), *mods[given[1] + "@"])
    pad = mods.get("p", (0, 0))
    if pad == (0, 0):
        raise args.error(msg("kinds.pad_mode_needs", mode=given[0]), *mods[given[0] + "@"])
    return given[0]


def conv_pads(conv: Conv, x: Shape) -> Pads:
    """The rows and columns added on each side."""
    if conv.pad != "same":
        (ph, pw) = conv.pad
        return ((ph, ph), (pw, pw))
    sides = []
    for n, k, s in ((x.h, conv.kh, conv.stride[0]), (x.w, conv.kw, conv.stride[1])):
        out = -(-n // s)
        total = max((out - 1) * s + conv.dilation * (k - 1) + 1 - n, 0)
        sides.append((total // 2, total - total // 2))
    return (sides[0], sides[1])


def even(pads: Pads) -> bool:
    """True when each axis gets as much at both ends (nn.Conv2d's own padding can do it)."""
    return pads[0][0] == pads[0][1] and pads[1][0] == pads[1][1]


def check(conv: Conv, x: Shape) -> None:
    """PyTorch's limits of the padding modes: reflect needs padding below the input's size,
    circular at most its size."""
    if conv.mode not in ("reflect", "circular"):
        return
    for n, (before, after) in zip((x.h, x.w), conv_pads(conv, x)):
        if max(before, after) > n - (conv.mode == "reflect"):
            raise ShapeError(msg("kinds.pad_too_wide", mode=conv.mode, p=max(before, after), n=n))


def saved(conv: Conv, x: Shape) -> Saved | None:
    """What a padded conv keeps when it pads a copy first (None: Conv's own rule): the padded
    input, and for reflect and replicate their pad's input too when that needs a gradient
    (read off saved_tensors_hooks)."""
    pads = conv_pads(conv, x)
    if conv.mode == "zeros" and (conv.pad != "same" or conv.stride == (1, 1)):
        return None
    if conv.mode == "zeros" and even(pads):
        return Saved(input=True)
    hp, wp = x.h + sum(pads[0]), x.w + sum(pads[1])
    # reflect and replicate pads keep their input, when it needs a gradient
    keeps = conv.mode in ("reflect", "replicate")
    return Saved(input_if_grad=keeps, extra=((hp * wp * x.c, None),))


def explain_same(conv: Conv, x: Shape, y: Shape) -> str:
    """'H, W: TF 'same' with stride 2: ⌈225/2⌉ = 113, padding 1 before and 2 after'."""
    if conv.stride == (1, 1):
        return msg("layers.conv.explain_same", h=x.h, w=x.w)
    pads = conv_pads(conv, x)
    axes = list(zip("HW", (x.h, x.w), conv.stride, (y.h, y.w), pads))
    if axes[0][1:] == axes[1][1:]:  # one line when both axes agree
        axes = [("H, W", *axes[0][1:])]
    parts = [msg("kinds.tf_same", axis=a, n=n, s=s, out=o, before=p[0], after=p[1])
             for a, n, s, o, p in axes]  # fmt: skip
    return "; ".join(parts)


def conv_module(conv: Conv, x: Shape) -> nn.Module:
    """nn.Conv2d with padding_mode; behind a pad module when the padding is uneven."""
    from torch import nn

    pads = conv_pads(conv, x)
    strided_same = conv.pad == "same" and conv.stride != (1, 1)
    uneven = strided_same and not even(pads)
    padding: Any = conv.pad
    if strided_same:
        padding = (0, 0) if uneven else (pads[0][0], pads[1][0])
    layer = nn.Conv2d(x.c, conv.filters, (conv.kh, conv.kw), stride=conv.stride, padding=padding,
                      dilation=conv.dilation, groups=conv.groups, bias=conv.bias,
                      padding_mode="zeros" if uneven else conv.mode)  # fmt: skip
    if not uneven:
        return layer
    side = (pads[1][0], pads[1][1], pads[0][0], pads[0][1])  # left, right, top, bottom
    pad = {"zeros": nn.ZeroPad2d, "reflect": nn.ReflectionPad2d,
           "replicate": nn.ReplicationPad2d, "circular": nn.CircularPad2d}[conv.mode](side)  # fmt: skip
    return nn.Sequential(pad, layer)


def forward_np(conv: Conv, x: Any, p: dict[str, Any]) -> Step:
    """numeric.ops.conv2d on the input padded by numeric.resample.pad_modes."""
    from cnncalc.numeric.ops import conv2d, pad2d
    from cnncalc.numeric.resample import unpad_mode

    pads = conv_pads(conv, Shape((x.shape[2], x.shape[3], x.shape[1])))
    d = (conv.dilation, conv.dilation)
    if conv.mode == "zeros":
        return conv2d(x, p["weight"], p.get("bias"), conv.stride, pads, d, conv.groups)
    xp = pad2d(x, pads, mode=conv.mode)
    y, back = conv2d(xp, p["weight"], p.get("bias"), conv.stride, ((0, 0), (0, 0)), d, conv.groups)
    return y, lambda gy: unpad_mode(back(gy), pads, conv.mode, x.shape)
