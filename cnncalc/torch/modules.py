"""cnncalc's own nn.Modules: stochastic pooling (seed 000), the Res / Cat / Seq containers, the
Ref that starts a branch from an earlier row's output, and the new kinds' modules torch.nn
lacks (issue 11: crop, LayerNorm2d, layer scale, stochastic depth).

Imported only by the builder (cnncalc.torch.build) and by the `to_torch` of StochPool and the block kinds
(cnncalc.layers.blocks), so importing it imports torch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _ceil_extra(n: int, k: int, s: int, p: int) -> int:
    """Rows (or columns) of zeros to add on the far side so that unfold reproduces ceil_mode.

    PyTorch's rule: round the output size up, but the last window must start inside the
    input or its left padding (the same rule as cnncalc.layers.conv.slide).
    """
    span = n + 2 * p - k
    out = -(-span // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
    return max(0, (out - 1) * s + k - (n + 2 * p))


class StochasticPool2d(nn.Module):
    """Stochastic pooling as in the seed notes (000, 풀링): per window R_j the element a_i has
    probability p_i = a_i / Σ_{k∈R_j} a_k.

    - training: one a_i per window is sampled with probability p_i; the gradient flows to the
      sampled element only (as max pooling sends it to the maximum);
    - inference: the probability-weighted sum s_j = Σ p_i·a_i = Σ a_i² / Σ a_k.

    The rule assumes non-negative activations (it follows a ReLU): negative values get
    probability 0. A window with no positive value (all zeros after a ReLU) gives 0 at
    inference and, in training, its first element inside the input (0 after a ReLU). Padding
    is zeros, so it is never sampled. Kernel, stride, padding and ceil_mode mean what they mean for MaxPool2d.
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride) if stride is not None else self.kernel_size
        self.padding = _pair(padding)
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding},"
            f" ceil_mode={self.ceil_mode}"
        )

    def _windows(self, x: torch.Tensor) -> tuple[torch.Tensor, int, int]:
        """(N, C, K, L) windows of x, with the output height and width."""
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        if self.ceil_mode:
            eh, ew = _ceil_extra(h, kh, sh, ph), _ceil_extra(w, kw, sw, pw)
            if eh or ew:
                x = F.pad(x, (0, ew, 0, eh))
        cols = F.unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)
        oh = (x.shape[2] + 2 * ph - kh) // sh + 1
        ow = (x.shape[3] + 2 * pw - kw) // sw + 1
        return cols.view(n, c, kh * kw, oh * ow), oh, ow

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if not self.training:
            cols, oh, ow = self._windows(x)
            a = cols.clamp(min=0)
            total = a.sum(dim=2)
            weighted = (a * a).sum(dim=2)
            out = torch.where(total > 0, weighted / total.clamp(min=torch.finfo(a.dtype).tiny), 0)
            return out.reshape(n, c, oh, ow)
        with torch.no_grad():  # sampling is not differentiable; only the gather below is
            cols, oh, ow = self._windows(x)
            pick = self._sample(cols).view(n, c, oh, ow)  # position inside each window
            kw = self.kernel_size[1]
            (sh, sw), (ph, pw) = self.stride, self.padding
            rows = torch.arange(oh, device=x.device).view(oh, 1) * sh - ph + pick // kw
            cols_ = torch.arange(ow, device=x.device).view(1, ow) * sw - pw + pick % kw
            # Only a window without weight can point into the padding; clamping moves that
            # pick to the nearest input element, which lies in the same window.
            index = rows.clamp_(0, h - 1) * w + cols_.clamp_(0, w - 1)
        # Gathering from the input itself (not from the unfolded windows) keeps autograd's
        # saved tensors to the input, which the layer before has usually saved already, and
        # the int64 index: what cnncalc.layers.conv.StochPool.saved() predicts.
        out = x.reshape(n, c, h * w).gather(2, index.view(n, c, oh * ow))
        return out.view(n, c, oh, ow)

    @staticmethod
    def _sample(cols: torch.Tensor) -> torch.Tensor:
        """Index (N, C, 1, L) of one sampled element per window, by inverse CDF: the first
        element whose cumulative weight exceeds u·Σa, u ~ U[0, 1). Zero-weight elements have
        an empty interval and are never chosen (nor, when u·Σa rounds up to Σa, is a zero-weight
        tail: the pick is capped at the last weighted element); a window without weight gives
        its first element."""
        a = cols.clamp(min=0).float()  # the cumulative sum in fp32 even for fp16/bf16 input
        cdf = a.cumsum(dim=2)
        u = torch.rand_like(cdf[:, :, -1:]) * cdf[:, :, -1:]
        index = (cdf <= u).sum(dim=2, keepdim=True)
        positions = torch.arange(a.shape[2], device=a.device).view(1, 1, -1, 1)
        last = ((a > 0) * positions).amax(dim=2, keepdim=True)
        return torch.minimum(index, last)


class Seq(nn.Sequential):
    """A chain of rows; its children are named after the rows they compute.

    Where a later branch starts from one of them (`&label`, issue 11), `keep` names that row
    and its output goes into `store`, the dict the whole net shares, for the Ref that reads it.
    """

    def __init__(self, *args: nn.Module) -> None:
        super().__init__(*args)
        self.keep: set[str] = set()
        self.store: dict[str, torch.Tensor] = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name, module in self._modules.items():
            if isinstance(module, Ref):
                x = module.take()
            x = module(x)
            if name in self.keep:
                self.store[name] = x
        return x


class Ref(nn.Module):
    """`&label` (issue 11): the output of the row labelled `label`, taken from `store` by the
    Seq that runs it and passed on unchanged, so that row hooks see it as this row's input and
    output; the last reference lets it go, as the static analysis frees it."""

    def __init__(self, store: dict[str, torch.Tensor], label: str, last: bool) -> None:
        super().__init__()
        self.store = store
        self.label = label
        self.last = last

    def extra_repr(self) -> str:
        return f"&{self.label}"

    def take(self) -> torch.Tensor:
        """The labelled row's output (removed from the store at the last reference)."""
        return self.store.pop(self.label) if self.last else self.store[self.label]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Res(nn.Module):
    """`Res(main | shortcut)`: main(x) + shortcut(x); the shortcut is the identity when absent.

    The add is out of place: an in-place add would overwrite a tensor that the main branch's
    last layer may have saved for backward.
    """

    def __init__(self, main: nn.Module, shortcut: nn.Module | None = None) -> None:
        super().__init__()
        self.main = main
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.main(x)
        return y + (x if self.shortcut is None else self.shortcut(x))


class Cat(nn.Module):
    """`Cat(b1 | b2 | …)`: the branches' outputs concatenated along the channels."""

    def __init__(self, branches: list[nn.Module]) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class SqueezeExcitation(nn.Module):
    """As torchvision.ops.SqueezeExcitation: pool, 1×1 conv, activation, 1×1 conv, gate, x·gate
    (`SE:n`; the attribute names are torchvision's, so its weights load by name)."""

    def __init__(self, channels: int, squeeze: int, act: nn.Module, gate: nn.Module) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.activation = act
        self.scale_activation = gate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


# -- issue 11: the modules of the new layer kinds that torch.nn lacks ----------------------------


class CenterCrop2d(nn.Module):
    """`Crop:HxW`: the centre H×W window, starting floor((Hin − H)/2) rows and floor((Win − W)/2)
    columns in (U-Net's copy-and-crop). A copy, not a view: the cropped tensor is what later
    layers keep for backward, not the whole map it was cut from."""

    def __init__(self, size: tuple[int, int]) -> None:
        super().__init__()
        self.size = _pair(size)

    def extra_repr(self) -> str:
        return f"size={self.size}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (oh, ow), (h, w) = self.size, x.shape[-2:]
        top, left = (h - oh) // 2, (w - ow) // 2
        return x[..., top : top + oh, left : left + ow].clone()


class LayerNorm2d(nn.LayerNorm):
    """`LN` on a feature map: LayerNorm over the channels at each position, as torchvision's
    ConvNeXt LayerNorm2d (permute to channels-last, F.layer_norm, permute back), eps 1e-6."""

    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__(channels, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class LayerScale(nn.Module):
    """`Scale`: a learnable multiplier per channel (ConvNeXt's layer_scale, a (C, 1, 1)
    parameter; (N,) on a vector), initialised to `init` as torchvision's 1e-6."""

    def __init__(self, channels: int, spatial: bool = True, init: float = 1e-6) -> None:
        super().__init__()
        shape = (channels, 1, 1) if spatial else (channels,)
        self.init = init  # kept: a module built on the meta device has no values to read it from
        self.layer_scale = nn.Parameter(torch.full(shape, init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_scale * x


class StochasticDepth(nn.Module):
    """`DropPath:p`: in training, each sample's whole tensor is zeroed with probability p and
    the rest scaled by 1/(1 − p), as torchvision.ops.StochasticDepth(p, "row"); the identity
    at inference and at p = 0."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        noise = x.new_empty([x.shape[0]] + [1] * (x.ndim - 1)).bernoulli_(survival)
        if survival > 0.0:
            noise.div_(survival)
        return x * noise
