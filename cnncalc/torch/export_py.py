"""A spec → one standalone Python file needing only torch (issue 10: `export --to pytorch`).

The file is written from the module cnncalc.build assembles (on the meta device: nothing is
allocated), so it holds the very layers `build` makes, under the same plain names (`conv1`,
`layer1`, …): reading it back with `torch:net.py:build` gives the spec's figures.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from typing import Any

from torch import nn

from cnncalc.errors import CnnCalcError
from cnncalc.messages import msg
from cnncalc.torch import modules
from cnncalc.torch.export_refs import forward_of, has_ref


def _pair(v: Any) -> str:
    """7 for (7, 7), (1, 2) otherwise."""
    if isinstance(v, (tuple, list)):
        return str(v[0]) if len(set(v)) == 1 else repr(tuple(v))
    return repr(v)


def _conv(m: Any) -> str:
    args = [str(m.in_channels), str(m.out_channels), f"kernel_size={_pair(m.kernel_size)}"]
    for key, default in (("stride", 1), ("padding", 0), ("dilation", 1)):
        value = getattr(m, key)
        if _pair(value) != str(default):
            args.append(f"{key}={_pair(value)}")
    if m.groups != 1:
        args.append(f"groups={m.groups}")
    if m.bias is None:
        args.append("bias=False")
    if m.padding_mode != "zeros":
        args.append(f"padding_mode={m.padding_mode!r}")
    return f"nn.Conv2d({', '.join(args)})"


def _avgpool(m: Any) -> str:
    return (f"nn.AvgPool2d({_pair(m.kernel_size)}, stride={_pair(m.stride)},"
            f" padding={_pair(m.padding)}, ceil_mode={m.ceil_mode},"
            f" count_include_pad={m.count_include_pad})")  # fmt: skip


class _Writer:
    """The expressions for modules, and which helper classes they need."""

    def __init__(self) -> None:
        self.needs: set[str] = set()

    def expr(self, m: nn.Module, indent: int) -> str:
        """Python text that makes a module like `m`."""
        pad = " " * indent
        if isinstance(m, (modules.Seq, nn.Sequential)) and type(m) in (modules.Seq, nn.Sequential):
            return self.sequential(m, indent)
        if isinstance(m, modules.Res):
            parts = [self.expr(m.main, indent + 4)]
            if m.shortcut is not None:
                parts.append(self.expr(m.shortcut, indent + 4))
            return f"Res(\n{pad}    " + f",\n{pad}    ".join(parts) + f",\n{pad})"
        if isinstance(m, modules.Cat):
            parts = [self.expr(b, indent + 4) for b in m.branches]
            return f"Cat([\n{pad}    " + f",\n{pad}    ".join(parts) + f",\n{pad}])"
        return self.leaf(m)

    def sequential(self, m: nn.Module, indent: int) -> str:
        """nn.Sequential with named children: OrderedDict keeps the names of build's rows."""
        pad = " " * indent
        items = [f'("{name}", {self.expr(c, indent + 4)})' for name, c in m.named_children()]
        return (f"nn.Sequential(OrderedDict([\n{pad}    " + f",\n{pad}    ".join(items)
                + f",\n{pad}]))")  # fmt: skip

    def leaf(self, m: nn.Module) -> str:
        """A layer's module: torch.nn's own by its repr, checked to be Python."""
        name = type(m).__name__
        if name == "SqueezeExcitation":
            self.needs.add(_source(modules.SqueezeExcitation))
            return (f"SqueezeExcitation({m.fc1.in_channels}, {m.fc1.out_channels},"
                    f" {self.leaf(m.activation)}, {self.leaf(m.scale_activation)})")  # fmt: skip
        if name == "StochasticPool2d":
            self.needs.add(_stochastic_source())
            return (f"StochasticPool2d({m.kernel_size}, {m.stride}, {m.padding},"
                    f" ceil_mode={m.ceil_mode})")  # fmt: skip
        if name == "CenterCrop2d":
            self.needs.add(_source(modules._pair) + _source(modules.CenterCrop2d))
            return f"CenterCrop2d({m.size!r})"
        if name in ("LayerNorm2d", "LayerScale", "StochasticDepth"):  # issue 11's, as cnncalc's
            self.needs.add(_source(getattr(modules, name)))
            return _modern(m)
        if name == "Conv2d":
            return _conv(m)
        if name == "AvgPool2d":
            return _avgpool(m)
        if name in ("BatchNorm2d", "BatchNorm1d") and m.affine and m.track_running_stats:
            eps = "" if m.eps == 1e-5 else f", eps={m.eps!r}"
            return f"nn.{name}({m.num_features}{eps})"
        if name == "MaxPool2d" and m.dilation == 1:
            stride = "" if m.stride == m.kernel_size else f", stride={_pair(m.stride)}"
            pad = "" if _pair(m.padding) == "0" else f", padding={_pair(m.padding)}"
            ceil = ", ceil_mode=True" if m.ceil_mode else ""
            return f"nn.MaxPool2d({_pair(m.kernel_size)}{stride}{pad}{ceil})"
        if name == "Linear":
            bias = "" if m.bias is not None else ", bias=False"
            return f"nn.Linear({m.in_features}, {m.out_features}{bias})"
        text = "nn." + repr(m)
        if type(m).__module__.startswith("torch.nn.") and "\n" not in text and _is_python(text):
            return text
        raise CnnCalcError(msg("torch_io.no_python", what=name))


def _modern(m: nn.Module) -> str:
    """The constructor call of cnncalc's LayerNorm2d, LayerScale or StochasticDepth."""
    name = type(m).__name__
    if name == "LayerNorm2d":
        return f"LayerNorm2d({m.normalized_shape[0]}, eps={m.eps!r})"
    if name == "LayerScale":
        shape = tuple(m.layer_scale.shape)
        return f"LayerScale({shape[0]}, spatial={len(shape) == 3}, init={m.init!r})"
    return f"StochasticDepth({m.p!r})"


def _is_python(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _source(obj: Any) -> str:
    """cnncalc's own class or function as it stands in cnncalc.torch.modules, for the file: the
    exported net runs the very code cnncalc builds and tests, never a copy kept beside it."""
    return "\n\n" + inspect.getsource(obj)


def _stochastic_source() -> str:
    """cnncalc's stochastic pooling module and its two helpers, as they are in cnncalc."""
    parts = [modules._pair, modules._ceil_extra, modules.StochasticPool2d]
    return "\n\n" + "\n\n".join(inspect.getsource(p) for p in parts)


def class_name(name: str) -> str:
    """'resnet18' → 'Resnet18', 'mobilenet_v2' → 'MobilenetV2'; 'Net' for no name."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    text = "".join(w[:1].upper() + w[1:] for w in words) or "Net"
    return text if not text[0].isdigit() else "Net" + text


def python_file(top: nn.Module, name: str, description: str, source: str) -> str:
    """The standalone file: helper classes, the net's class, and build()."""
    writer = _Writer()
    cls = class_name(name)
    attrs, calls = [], []
    if has_ref(top):  # issue 11's &label: forward() keeps what later branches read
        attrs, calls = forward_of(top, writer)
    for attr, child in top.named_children() if not attrs else ():
        attrs.append(f"        self.{attr} = {writer.expr(child, 8)}")
        calls.append(f"        x = self.{attr}(x)")
    about = textwrap.fill((description or name or "a network").replace('"""', "'''"), 96)
    head = [f'"""{about}', "", f"Written by `cnncalc export {source} --to pytorch`; needs only torch.",
            '"""', "", "from __future__ import annotations", "", "from collections import OrderedDict",
            "", "import torch", "import torch.nn.functional as F  # noqa: F401", "from torch import nn",
            ""]  # fmt: skip
    body = [f"class {cls}(nn.Module):", f'    """{name or "the net"} as cnncalc builds it."""', "",
            "    def __init__(self) -> None:", "        super().__init__()", *attrs, "",
            "    def forward(self, x: torch.Tensor) -> torch.Tensor:", *calls, "        return x",
            "", "", "def build() -> nn.Module:", f'    """A new {cls}."""', f"    return {cls}()",
            ""]  # fmt: skip
    helpers = "\n" + _source(modules.Res) + _source(modules.Cat) + "".join(sorted(writer.needs))
    return "\n".join(head) + helpers + "\n\n" + "\n".join(body)


def export_pytorch(spec: Any, input: Any = None, source: str = "SPEC") -> str:
    """The standalone PyTorch file for a spec (DSL text, built-in name, file or torch:)."""
    import torch

    from cnncalc.api import analyze, load
    from cnncalc.torch.build import assemble

    resolved = load(spec, input)
    report = analyze(resolved, input=input)
    with torch.device("meta"):  # the layers as build makes them, without their weights
        top = assemble(resolved.net, report)
    return python_file(top, resolved.name, resolved.description, source)
