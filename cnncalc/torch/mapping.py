"""PyTorch modules and functional calls → cnncalc layer text (issue 10).

Each recorded op becomes the DSL text of the equivalent layer kind, which the registry then
reads (cnncalc.dsl), so a net read from PyTorch is analysed by the very rules that analyse DSL
text: the two cannot drift. None means cnncalc cannot count the op: the reader makes it an
uncounted row with a warning, never a silent zero.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from cnncalc.layers import KINDS

# Calls that return their input (or a copy of it) and do no work worth a row.
PASSTHROUGH = frozenset(
    {"contiguous", "detach", "clone", "to", "float", "type_as", "requires_grad_", "cpu", "cuda"}
)
ADDS = frozenset({"add", "add_", "__add__", "__iadd__", "__radd__"})
# Modules that hold children but are one layer kind of cnncalc's (read whole, like a leaf).
COMPOSITES = frozenset({"SqueezeExcitation"})


def _pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[-1]))


def _hw(p: tuple[int, int]) -> str:
    return str(p[0]) if p[0] == p[1] else f"{p[0]}x{p[1]}"


def _num(v: float) -> str:
    return f"{float(v):g}"


def conv_text(m: Any) -> str | None:
    """nn.Conv2d → `Conv:KhxKwxF/S pP dD gG nb`."""
    kh, kw = _pair(m.kernel_size)
    dh, dw = _pair(m.dilation)
    if dh != dw:
        return None
    text = f"Conv:{kh}x{kw}x{m.out_channels}"
    if _pair(m.stride) != (1, 1):
        text += "/" + _hw(_pair(m.stride))
    if m.padding == "same":
        text += "psame"
    elif m.padding != "valid" and _pair(m.padding) != (0, 0):
        text += "p" + _hw(_pair(m.padding))
    if m.padding_mode != "zeros" and m.padding not in ("valid", 0, (0, 0)):
        text += m.padding_mode  # reflect, replicate, circular (issue 11)
    text += f"d{dh}" if dh != 1 else ""
    text += f"g{m.groups}" if m.groups != 1 else ""
    return text + ("" if m.bias is not None else "nb")


def convt_text(m: Any) -> str | None:
    """nn.ConvTranspose2d → `ConvT:KhxKwxF/S pP opP dD gG nb`."""
    kh, kw = _pair(m.kernel_size)
    dh, dw = _pair(m.dilation)
    if dh != dw or m.padding_mode != "zeros":
        return None
    text = f"ConvT:{kh}x{kw}x{m.out_channels}"
    for prefix, value in (("/", m.stride), ("p", m.padding), ("op", m.output_padding)):
        default = (1, 1) if prefix == "/" else (0, 0)
        text += "" if _pair(value) == default else prefix + _hw(_pair(value))
    text += f"d{dh}" if dh != 1 else ""
    text += f"g{m.groups}" if m.groups != 1 else ""
    return text + ("" if m.bias is not None else "nb")


def up_text(size: Any, scale: Any, mode: str, align: Any) -> str | None:
    """nn.Upsample / F.interpolate → `Up:S` or `Up:HxW`, nearest or bilinear."""
    if mode not in ("nearest", "bilinear") or align:
        return None
    tail = "bilinear" if mode == "bilinear" else ""
    if size is not None:
        h, w = _pair(size)
        return f"Up:{h}x{w}{tail}"  # always HxW: `Up:32` would be a factor
    factors = _pair(scale) if not isinstance(scale, float) else (scale, scale)
    if scale is None or factors[0] != factors[1] or float(factors[0]) != int(factors[0]):
        return None
    return f"Up:{int(factors[0])}{tail}"


def pool_text(
    name: str, kernel: Any, stride: Any, pad: Any, ceil: bool, dil: Any = 1
) -> str | None:
    """MaxPool2d / AvgPool2d arguments → `Pool:K/S pP ceil` (or AvgPool)."""
    if _pair(dil) != (1, 1):
        return None
    k = _pair(kernel)
    s = _pair(stride) if stride not in (None, [], ()) else k
    text = f"{name}:{_hw(k)}"
    text += "" if s == k else "/" + _hw(s)
    text += "" if _pair(pad) == (0, 0) else "p" + _hw(_pair(pad))
    return text + ("ceil" if ceil else "")


def adaptive_text(size: Any) -> str | None:
    """AdaptiveAvgPool2d(1) → GAP, (H, W) → AdaptAvg:HxW; a None axis is not a size."""
    if size is None or (isinstance(size, (tuple, list)) and None in size):
        return None
    h, w = _pair(size)
    return "GAP" if (h, w) == (1, 1) else f"AdaptAvg:{h}x{w}"


def _activations() -> dict[str, str]:
    """nn class name → cnncalc kind, from the registry's activations (their TORCH names)."""
    return {k.TORCH: k.NAMES[0] for k in KINDS if getattr(k, "TORCH", "")}


def _se_text(m: Any) -> str | None:
    """torchvision.ops.SqueezeExcitation (and cnncalc's own) → `SE:n[act][gate]`."""
    act = _activations().get(type(m.activation).__name__, "")
    gate = _activations().get(type(m.scale_activation).__name__, "")
    if act not in ("ReLU", "SiLU", "HSwish") or gate not in ("Sigmoid", "HSigmoid"):
        return None
    text = f"SE:{m.fc1.out_channels}"
    text += "" if act == "ReLU" else act.lower()
    return text + ("" if gate == "Sigmoid" else gate.lower())


MODULES: dict[str, Callable[[Any], str | None]] = {
    "Conv2d": conv_text,
    "MaxPool2d": lambda m: pool_text("Pool", m.kernel_size, m.stride, m.padding, m.ceil_mode,
                                     m.dilation),
    "AvgPool2d": lambda m: pool_text("AvgPool", m.kernel_size, m.stride, m.padding, m.ceil_mode),
    "StochasticPool2d": lambda m: pool_text("StochPool", m.kernel_size, m.stride, m.padding,
                                            m.ceil_mode),
    "AdaptiveAvgPool2d": lambda m: adaptive_text(m.output_size),
    "Linear": lambda m: f"FC:{m.out_features}" + ("" if m.bias is not None else "nb"),
    "BatchNorm2d": lambda m: "BN" if m.affine else None,
    "BatchNorm1d": lambda m: "BN" if m.affine else None,
    "LeakyReLU": lambda m: f"LReLU:{_num(m.negative_slope)}",
    "ELU": lambda m: f"ELU:{_num(m.alpha)}",
    "Softmax": lambda m: "SM" if m.dim in (1, -1, None) else None,
    "Dropout": lambda m: f"Drop:{_num(m.p)}",
    "Dropout2d": lambda m: f"Drop:{_num(m.p)}",
    "LocalResponseNorm": lambda m: f"LRN:{m.size}",
    "Flatten": lambda m: "Flatten" if m.start_dim == 1 and m.end_dim == -1 else None,
    "Identity": lambda m: "Id",
    "SqueezeExcitation": _se_text,
    "ConvTranspose2d": convt_text,
    "Upsample": lambda m: up_text(m.size, m.scale_factor, m.mode, m.align_corners),
    "PixelShuffle": lambda m: f"PS:{m.upscale_factor}",
    "CenterCrop2d": lambda m: f"Crop:{m.size[0]}x{m.size[1]}",
    # issue 11's modern kinds; nn.LayerNorm itself is left out: which axes it normalises
    # depends on the layout it is given, LayerNorm2d's are the channels at each position
    "LayerNorm2d": lambda m: "LN" if m.elementwise_affine else None,
    "GroupNorm": lambda m: f"GN:{m.num_groups}" if m.affine else None,
    "InstanceNorm2d": lambda m: "InstNorm" if not (m.affine or m.track_running_stats) else None,
    "LayerScale": lambda m: "Scale",
    "StochasticDepth": lambda m: (f"DropPath:{_num(m.p)}"
                                  if getattr(m, "mode", "row") == "row" else None),
    "PReLU": lambda m: "PReLU" if m.num_parameters == 1 else f"PReLU:{m.num_parameters}",
}  # fmt: skip


def is_leaf(module: nn.Module) -> bool:
    """A module read as one op: no children, or a composite cnncalc has as one kind."""
    return type(module).__name__ in COMPOSITES or next(module.children(), None) is None


def module_text(module: nn.Module, out_shape: tuple[int, ...]) -> str | None:
    """The DSL text of a leaf module's layer, None when cnncalc has no such kind."""
    acts = _activations()
    for cls in type(module).__mro__:
        name = cls.__name__
        if name in MODULES:
            return MODULES[name](module)
        if name in acts:
            return acts[name]
    return None


def short_name(fname: str) -> str:
    """'__iadd__' → 'add', 'relu_' → 'relu': the row name of a functional call."""
    name = fname.strip("_")
    return "add" if fname in ADDS else name


def function_name(func: Any) -> str:
    """'torch.cat', 'F.relu', 'Tensor.add' for messages."""
    qual = getattr(func, "__qualname__", getattr(func, "__name__", str(func)))
    mod = getattr(func, "__module__", "") or ""
    if mod.startswith("torch.nn.functional"):
        return f"F.{qual}"
    if qual.startswith(("TensorBase.", "Tensor.")):
        return "Tensor." + qual.split(".", 1)[1]
    return f"torch.{qual.rsplit('.', 1)[-1]}"  # torch._VariableFunctionsClass.cat → torch.cat


def merge_kind(
    fname: str, tensors: list[Any], inputs: list[int], args: Any, kwargs: dict
) -> str | None:
    """'add' for x + y of two tensors of one shape, 'cat' for torch.cat on the channels."""
    if fname in ADDS and len(inputs) == 2 and tensors[0].shape == tensors[1].shape:
        return "add"
    if fname in ("cat", "concat", "concatenate"):
        dim = _arg(args, kwargs, 1, "dim", 0)
        return "cat" if dim in (1, -3) or (dim == -1 and tensors[0].dim() == 2) else None
    return None


def _arg(args: Any, kwargs: dict, i: int, key: str, default: Any) -> Any:
    return args[i] if len(args) > i else kwargs.get(key, default)


def function_text(fname: str, args: Any, kwargs: dict, x: Any, out: Any) -> str | None:
    """The DSL text of a functional call on one tensor, None when cnncalc has no such kind."""
    acts = {"relu": "ReLU", "relu6": "ReLU6", "gelu": "GELU", "silu": "SiLU",
            "sigmoid": "Sigmoid", "tanh": "Tanh", "hardswish": "HSwish",
            "hardsigmoid": "HSigmoid", "mish": "Mish"}  # fmt: skip
    name = fname.strip("_").removesuffix("_")
    if name in acts:
        return acts[name]
    if name == "hardtanh":
        lo, hi = _arg(args, kwargs, 1, "min_val", -1.0), _arg(args, kwargs, 2, "max_val", 1.0)
        return "ReLU6" if (lo, hi) == (0.0, 6.0) else None
    if name == "leaky_relu":
        return f"LReLU:{_num(_arg(args, kwargs, 1, 'negative_slope', 0.01))}"
    if name == "elu":
        return f"ELU:{_num(_arg(args, kwargs, 1, 'alpha', 1.0))}"
    if name in ("softmax", "log_softmax") and name == "softmax":
        return "SM" if _arg(args, kwargs, 1, "dim", None) in (1, -1, None) else None
    if name in ("dropout", "dropout2d"):
        return f"Drop:{_num(_arg(args, kwargs, 1, 'p', 0.5))}"
    if name in ("flatten", "view", "reshape"):
        flat = x.dim() == 4 and out.dim() == 2 and out.shape[1] == x[0].numel()
        return "Flatten" if flat or (x.dim() == 2 and out.shape == x.shape) else None
    if name == "interpolate":
        size, scale = (
            _arg(args, kwargs, 1, "size", None),
            _arg(args, kwargs, 2, "scale_factor", None),
        )
        mode = _arg(args, kwargs, 3, "mode", "nearest")
        return up_text(size, scale, mode, _arg(args, kwargs, 4, "align_corners", None))
    if name == "pixel_shuffle":
        return f"PS:{_arg(args, kwargs, 1, 'upscale_factor', 0)}"
    if name == "adaptive_avg_pool2d":
        return adaptive_text(_arg(args, kwargs, 1, "output_size", None))
    if name in ("max_pool2d", "avg_pool2d"):
        kernel = _arg(args, kwargs, 1, "kernel_size", None)
        stride = _arg(args, kwargs, 2, "stride", None)
        pad = _arg(args, kwargs, 3, "padding", 0)
        ceil = _arg(args, kwargs, 5 if name == "max_pool2d" else 4, "ceil_mode", False)
        dil = _arg(args, kwargs, 4, "dilation", 1) if name == "max_pool2d" else 1
        kind = "Pool" if name == "max_pool2d" else "AvgPool"
        return pool_text(kind, kernel, stride, pad, bool(ceil), dil)
    return None
