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
# Modules and functions that are the identity at inference and hand back their input object.
IDENTITY_IN_EVAL = frozenset(
    {"Dropout", "Dropout1d", "Dropout2d", "AlphaDropout", "StochasticDepth", "DropPath",
     "dropout", "dropout1d", "dropout2d", "feature_dropout", "alpha_dropout", "stochastic_depth"}
)  # fmt: skip
ADDS = frozenset({"add", "add_", "__add__", "__iadd__", "__radd__"})
# Modules that hold children but are one layer kind of cnncalc's (read whole, like a leaf).
COMPOSITES = frozenset({"SqueezeExcitation"})
MULS = frozenset({"mul", "mul_", "__mul__", "__rmul__", "__imul__"})
# The two permutes between PyTorch's (N, C, H, W) and channel-last (N, H, W, C): the same
# value in the other layout (issue 10: torchvision's CNBlock runs LayerNorm and Linear there).
TO_LAST, TO_FIRST = (0, 2, 3, 1), (0, 3, 1, 2)


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
    "LayerNorm2d": lambda m: "LN" if m.elementwise_affine and m.bias is not None else None,
    "GroupNorm": lambda m: f"GN:{m.num_groups}" if m.affine else None,
    "InstanceNorm2d": lambda m: "InstNorm" if not (m.affine or m.track_running_stats) else None,
    "LayerScale": lambda m: "Scale",
    "StochasticDepth": lambda m: (f"DropPath:{_num(m.p)}"
                                  if getattr(m, "mode", "row") == "row" else None),
    "DropPath": lambda m: f"DropPath:{_num(m.drop_prob)}" if hasattr(m, "drop_prob") else None,
    "PReLU": lambda m: "PReLU" if m.num_parameters == 1 else f"PReLU:{m.num_parameters}",
}  # fmt: skip


def _ln_text(m: Any, shape: tuple[int, ...]) -> str | None:
    """nn.LayerNorm over the last axis only, with γ and β: LN (the channels of a channel-last
    map, or the values of a vector); any other use normalises axes cnncalc has no kind for."""
    last = tuple(m.normalized_shape) == tuple(shape[-1:])
    return "LN" if last and m.elementwise_affine and getattr(m, "bias", None) is not None else None


def linear_text(features: int, bias: bool, rank: int) -> str:
    """A Linear on a vector is FC; on a channel-last map it is one FC per position, which has
    the weights and multiply-adds of a 1×1 convolution (specs/convnext_tiny.toml writes it so)."""
    return (f"Conv:1x1x{features}" if rank == 4 else f"FC:{features}") + ("" if bias else "nb")


# Modules read on a channel-last map (N, H, W, C) or a vector (N, C): those that act on the
# last axis, and those that act per element (their figures do not depend on the layout).
LAST_AXIS: dict[str, Callable[[Any, tuple[int, ...]], str | None]] = {
    "LayerNorm": _ln_text,
    "Linear": lambda m, s: linear_text(m.out_features, m.bias is not None, len(s)),
    "Dropout": lambda m, s: f"Drop:{_num(m.p)}",
    "Identity": lambda m, s: "Id",
    "Flatten": lambda m, s: MODULES["Flatten"](m),  # a view: no figure depends on the order
    "LeakyReLU": lambda m, s: f"LReLU:{_num(m.negative_slope)}",
    "ELU": lambda m, s: f"ELU:{_num(m.alpha)}",
    "StochasticDepth": lambda m, s: MODULES["StochasticDepth"](m),
    "DropPath": lambda m, s: MODULES["DropPath"](m),  # timm's, per image as StochasticDepth
    "PReLU": lambda m, s: MODULES["PReLU"](m) if len(s) == 2 or m.num_parameters == 1 else None,
}  # fmt: skip


def is_leaf(module: nn.Module) -> bool:
    """A module read as one op: no children, or a composite cnncalc has as one kind. A
    Permute module without tensors (torchvision.ops.misc.Permute) is read through its forward,
    so that its torch.permute changes the layout, whatever the module is called in full."""
    if "Permute" in type(module).__name__ and not any(_tensors(module)):
        return False
    return type(module).__name__ in COMPOSITES or next(module.children(), None) is None


def _tensors(module: nn.Module) -> Any:
    yield from module.parameters()
    yield from module.buffers()


def module_text(
    module: nn.Module, out_shape: tuple[int, ...], channel_last: bool = False
) -> str | None:
    """The DSL text of a leaf module's layer, None when cnncalc has no such kind (or none for
    it on a channel-last map: a Conv2d there convolves the wrong axes)."""
    acts = _activations()
    last_axis = channel_last or len(out_shape) == 2
    for cls in type(module).__mro__:
        name = cls.__name__
        if last_axis and name in LAST_AXIS:
            return LAST_AXIS[name](module, out_shape)
        if name in MODULES:
            return None if channel_last else MODULES[name](module)
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
    fname: str, tensors: list[Any], inputs: list[int], args: Any, kwargs: dict, last: bool = False
) -> str | None:
    """'add' for x + y of two tensors of one shape, 'cat' for torch.cat on the channels (the
    last axis of a channel-last map)."""
    if fname in ADDS and len(inputs) == 2 and tensors[0].shape == tensors[1].shape:
        return "add"
    if fname in ("cat", "concat", "concatenate"):
        dim = _arg(args, kwargs, 1, "dim", 0)
        if last:
            return "cat" if dim in (3, -1) else None
        return "cat" if dim in (1, -3) or (dim == -1 and tensors[0].dim() == 2) else None
    return None


def permute_dims(args: Any, kwargs: dict) -> tuple[int, ...] | None:
    """The order of x.permute(0, 2, 3, 1), x.permute((0, 2, 3, 1)) or torch.permute(x, dims),
    each axis counted from 0 on a 4-D tensor; None when it is not a permute of 4 axes."""
    dims = list(args[1:]) or [kwargs.get("dims")]
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = list(dims[0])
    if len(dims) != 4 or not all(isinstance(d, int) for d in dims):
        return None
    return tuple(d % 4 for d in dims)


def _arg(args: Any, kwargs: dict, i: int, key: str, default: Any) -> Any:
    return args[i] if len(args) > i else kwargs.get(key, default)


def function_text(
    fname: str,
    args: Any,
    kwargs: dict,
    x: Any,
    out: Any,
    channel_last: bool = False,
    learnt: list[Any] | None = None,
) -> str | None:
    """The DSL text of a functional call on one tensor, None when cnncalc has no such kind (or
    none for it on a channel-last map, where pools and resampling would act on the wrong axes)."""
    name = fname.strip("_").removesuffix("_")
    text = _elementwise_text(name, args, kwargs)
    if text is not None:
        return text
    if name in ("layer_norm", "linear") and (channel_last or x.dim() == 2):
        return _last_axis_text(name, args, kwargs, x)
    if fname in MULS:
        return _scale_text(args, x, channel_last, learnt or [])
    if name in ("flatten", "view", "reshape"):
        # a view, no work: flattening a channel-last map orders the values otherwise, and no
        # figure depends on their order
        flat = x.dim() == 4 and out.dim() == 2 and out.shape[1] == x[0].numel()
        return "Flatten" if flat or (x.dim() == 2 and out.shape == x.shape) else None
    return None if channel_last else _map_text(name, args, kwargs)


def _elementwise_text(name: str, args: Any, kwargs: dict) -> str | None:
    """Activations and dropout: per element, so the same on any layout."""
    acts = {"relu": "ReLU", "relu6": "ReLU6", "gelu": "GELU", "silu": "SiLU",
            "sigmoid": "Sigmoid", "tanh": "Tanh", "hardswish": "HSwish",
            "hardsigmoid": "HSigmoid", "mish": "Mish"}  # fmt: skip
    if name in acts:
        return acts[name]
    if name == "hardtanh":
        lo, hi = _arg(args, kwargs, 1, "min_val", -1.0), _arg(args, kwargs, 2, "max_val", 1.0)
        return "ReLU6" if (lo, hi) == (0.0, 6.0) else None
    if name == "leaky_relu":
        return f"LReLU:{_num(_arg(args, kwargs, 1, 'negative_slope', 0.01))}"
    if name == "elu":
        return f"ELU:{_num(_arg(args, kwargs, 1, 'alpha', 1.0))}"
    if name == "dropout":
        return f"Drop:{_num(_arg(args, kwargs, 1, 'p', 0.5))}"
    return None


def _last_axis_text(name: str, args: Any, kwargs: dict, x: Any) -> str | None:
    """F.layer_norm over the last axis with γ and β (LN), F.linear with a weight parameter
    (FC on a vector, a 1×1 conv's figures on a channel-last map)."""
    if name == "layer_norm":
        shape = _arg(args, kwargs, 1, "normalized_shape", None)
        gamma, beta = _arg(args, kwargs, 2, "weight", None), _arg(args, kwargs, 3, "bias", None)
        over_last = isinstance(shape, (tuple, list)) and tuple(shape) == (x.shape[-1],)
        learnt = isinstance(gamma, nn.Parameter) and isinstance(beta, nn.Parameter)
        return "LN" if over_last and learnt else None
    weight, bias = _arg(args, kwargs, 1, "weight", None), _arg(args, kwargs, 2, "bias", None)
    if not isinstance(weight, nn.Parameter) or not isinstance(bias, (nn.Parameter, type(None))):
        return None
    return linear_text(weight.shape[0], bias is not None, x.dim())


def _scale_text(args: Any, x: Any, channel_last: bool, learnt: list[Any]) -> str | None:
    """`param * x` with one learnt value per channel: a (C, 1, 1) parameter (or a view of one
    as (1, C, 1, 1)) on an (N, C, H, W) map, a (C,) one on a channel-last map or a vector, is
    Scale (ConvNeXt's layer scale); any other multiply by a constant has no kind. `learnt` are
    the parameters among the operands (a view stands for its parameter)."""
    other = [a for a in args if a is not x]
    if len(args) != 2 or len(other) != 1 or len(learnt) != 1:
        return None
    shape, c = tuple(getattr(other[0], "shape", ())), x.shape[-1 if channel_last else 1]
    if channel_last or x.dim() == 2:
        return "Scale" if shape == (c,) else None
    return "Scale" if x.dim() == 4 and shape in ((c, 1, 1), (1, c, 1, 1)) else None


def _map_text(name: str, args: Any, kwargs: dict) -> str | None:
    """Calls that act on the axes of an (N, C, H, W) map (or its channel axis)."""
    if name == "dropout2d":
        return f"Drop:{_num(_arg(args, kwargs, 1, 'p', 0.5))}"
    if name == "softmax":
        return "SM" if _arg(args, kwargs, 1, "dim", None) in (1, -1, None) else None
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
