"""`&label` references both ways (issues 10, 11): a tensor read after the branch that made it
ended (a U-Net's skips) is read from PyTorch code as a reference, written back as DSL with
`@label … &label`, and exported as a PyTorch file that keeps it in a local variable."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import cnncalc
from cnncalc.ir import Shape
from cnncalc.torch.export_dsl import net_dsl
from cnncalc.torch.export_py import export_pytorch
from cnncalc.torch.reader import instantiate, read_net

TOTALS = ("weights", "buffers", "macs", "flops", "backward_flops", "other_ops", "nodes",
          "activation_bytes", "peak_activation_bytes", "peak_bytes", "saved_bytes",
          "optimizer_bytes", "train_bytes", "rf")  # fmt: skip


def differ(a: cnncalc.analysis.Report, b: cnncalc.analysis.Report) -> list[tuple]:
    """The totals that differ, with both values."""
    return [(k, getattr(a.totals, k), getattr(b.totals, k)) for k in TOTALS
            if getattr(a.totals, k) != getattr(b.totals, k)]  # fmt: skip


class CenterCrop2d(nn.Module):
    """The crop helper of copy-and-crop: the centre size×size window of a skip, as a copy."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = (size, size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (h, w), (oh, ow) = x.shape[-2:], self.size
        top, left = (h - oh) // 2, (w - ow) // 2
        return x[..., top : top + oh, left : left + ow].contiguous()


def double(cin: int, c: int) -> nn.Sequential:
    """Two valid 3×3 convs with ReLU (Ronneberger et al. 2015, Fig. 1)."""
    return nn.Sequential(nn.Conv2d(cin, c, 3), nn.ReLU(), nn.Conv2d(c, c, 3), nn.ReLU())


class UNet(nn.Module):
    """U-Net as a PyTorch user writes it (Ronneberger et al. 2015, Fig. 1, 572x572x1 to
    388x388x2): the encoder's outputs kept in local variables until the decoder reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1, self.enc2 = double(1, 64), double(64, 128)
        self.enc3, self.enc4 = double(128, 256), double(256, 512)
        self.pool = nn.MaxPool2d(2)
        self.mid = double(512, 1024)
        self.up4, self.dec4 = nn.ConvTranspose2d(1024, 512, 2, stride=2), double(1024, 512)
        self.up3, self.dec3 = nn.ConvTranspose2d(512, 256, 2, stride=2), double(512, 256)
        self.up2, self.dec2 = nn.ConvTranspose2d(256, 128, 2, stride=2), double(256, 128)
        self.up1, self.dec1 = nn.ConvTranspose2d(128, 64, 2, stride=2), double(128, 64)
        self.crop4, self.crop3 = CenterCrop2d(56), CenterCrop2d(104)
        self.crop2, self.crop1 = CenterCrop2d(200), CenterCrop2d(392)
        self.head = nn.Conv2d(64, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        e3 = self.enc3(self.pool(e2))
        e4 = self.enc4(self.pool(e3))
        x = self.mid(self.pool(e4))
        up = self.up4(x)
        x = self.dec4(torch.cat([self.crop4(e4), up], 1))  # copy (cropped) first, as in Fig. 1
        up = self.up3(x)
        x = self.dec3(torch.cat([self.crop3(e3), up], 1))
        up = self.up2(x)
        x = self.dec2(torch.cat([self.crop2(e2), up], 1))
        up = self.up1(x)
        x = self.dec1(torch.cat([self.crop1(e1), up], 1))
        return self.head(x)


def run_order(module: nn.Module, x: torch.Tensor) -> list[str]:
    """The leaf modules' paths in the order a forward runs them (PyTorch's own hooks)."""
    order: list[str] = []
    hooks = [m.register_forward_hook(lambda *_, n=name: order.append(n))
             for name, m in module.named_modules() if not list(m.children())]  # fmt: skip
    module(x)
    for h in hooks:
        h.remove()
    return order


def test_unet_as_pytorch_code_reads_as_the_spec() -> None:
    with torch.device("meta"):
        unet = UNet()
        order = run_order(unet, torch.empty(1, 1, 572, 572))
    # PyTorch's own count; the paper's network is commonly cited as 31.0M weights
    assert sum(p.numel() for p in unet.parameters()) == 31_030_658
    read = cnncalc.from_torch(unet, input="572x572x1")
    spec = cnncalc.analyze("unet")
    assert differ(read, spec) == []
    # Rows are the leaf modules in execution order (issue 10), each once; the skips are refs
    # (and a Cat's branch that is its input an Id row, as in the spec).
    rows = [r.name.split("#")[0] for r in read.rows if r.kind not in ("Cat", "Ref", "Id")]
    assert rows == order
    refs = [r.dsl for r in read.rows if r.kind == "Ref"]
    assert refs == ["&enc4.3", "&enc3.3", "&enc2.3", "&enc1.3"]


def test_unet_as_dsl_holds_its_references() -> None:
    net = read_net(instantiate(UNet, "unet"), Shape((572, 572, 1)), "unet")
    text = net_dsl(net, Shape((572, 572, 1)))
    assert "ReLU@enc4_3-" in text and "Cat(&enc4_3-Crop:56x56@crop4 | Id)" in text
    assert differ(cnncalc.analyze(text), cnncalc.analyze("unet")) == []


def test_exported_unet_is_plain_pytorch(tmp_path: Path) -> None:
    code = export_pytorch("unet", None, "unet")
    assert "e4 = x" in code and "torch.cat([self.cat11[0].crop11(e4), self.cat11[1](x)]" in code
    assert "del e4" in code and "Ref" not in code.split("class Unet")[1]
    (tmp_path / "net.py").write_text(code)
    check = (
        "import sys, torch; sys.path.insert(0, '.'); import net\n"
        "with torch.device('meta'):\n    m = net.build(); y = m(torch.empty(1, 1, 572, 572))\n"
        "print(sum(p.numel() for p in m.parameters()), tuple(y.shape),"
        " any(':' in k for k in m.state_dict()))"
    )
    out = subprocess.run([sys.executable, "-I", "-c", check], cwd=tmp_path, capture_output=True,
                         text=True, check=True)  # fmt: skip
    # 31,030,658 weights as PyTorch counts the U-Net above; Fig. 1's 388x388x2 output
    assert out.stdout.split(maxsplit=1) == ["31030658", "(1, 2, 388, 388) False\n"]


def test_cnncalc_build_of_unet_reads_back(tmp_path: Path) -> None:
    # cnncalc's own Ref module hands its input on: no uncounted row, and DSL export works
    built = cnncalc.build("unet")
    read = cnncalc.from_torch(built, input="572x572x1")
    assert [r.name for r in read.rows if r.kind == "?"] == [] and not read.warnings
    assert differ(read, cnncalc.analyze("unet")) == []
    net = read_net(built, Shape((572, 572, 1)), "unet")
    assert differ(cnncalc.analyze(net_dsl(net, Shape((572, 572, 1)))), read) == []


# -- random nets with skips: DSL → cnncalc.build → from_torch → DSL ---------------------------

_ITEM = st.sampled_from(["conv", "relu", "res", "cat", "ref_res", "ref_cat", "ref_alone",
                         "nested", "inner", "late"])  # fmt: skip


def _net(plan: list[tuple[str, int, int]]) -> str:
    """DSL text on 8x8 maps (shapes stay 8x8, so any earlier output can be read again)."""
    items, labels, c = ["Conv:3x3x4p1@l0"], [(0, 4)], 4
    for n, (kind, pick, k) in enumerate(plan, start=1):
        at, ca = labels[pick % len(labels)]
        if kind == "conv":
            items.append(f"Conv:3x3x{k}p1")
            c = k
        elif kind == "relu":
            items.append("ReLU")
        elif kind == "res":
            items.append(f"Res(Conv:3x3x{c}p1nb-BN)")
        elif kind == "cat":
            items.append(f"Cat(Id | Conv:1x1x{k})")
            c += k
        elif kind == "ref_res":
            items.append(f"Res(&l{at}-Conv:1x1x{c})")
        elif kind == "ref_cat":
            items.append(f"Cat(&l{at}-Conv:1x1x{k} | Id)")
            c += k
        elif kind == "ref_alone":
            items.append(f"Cat(Id | &l{at})")
            c += ca
        elif kind == "nested":  # a reference inside a branch of a block
            items.append(f"Res(Conv:3x3x{c}p1-Cat(Id | &l{at}-Conv:1x1x{k})-Conv:1x1x{c})")
        elif kind == "inner":  # a label and its reference inside one branch
            items.append(f"Res(Conv:3x3x{c}p1@i{n}-ReLU-Cat(&i{n}-Conv:1x1x{k} | Id)"
                         f"-Conv:1x1x{c})")  # fmt: skip
        else:  # a label read much later, after other blocks
            items.append(f"Conv:1x1x{k}-Res(Conv:3x3x{k}p1)-Cat(&l{at} | Id)")
            c = k + ca
        items[-1] += f"@l{n}"
        labels.append((n, c))
    return "In:8x8x3-" + "-".join(items)


@settings(max_examples=examples(12), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(st.lists(st.tuples(_ITEM, st.integers(0, 20), st.integers(1, 6)), min_size=1, max_size=6))
def test_random_nets_with_skips_read_back(plan: list[tuple[str, int, int]]) -> None:
    # A property: a net with references, built by cnncalc, reads back (from_torch) to the DSL's
    # figures, and so do the DSL text exported from what was read and the exported PyTorch file.
    text = _net(plan)
    static = cnncalc.analyze(text)
    built = cnncalc.build(text)
    read = cnncalc.from_torch(built, input="8x8x3")
    assert differ(read, static) == [], text
    assert sum(p.numel() for p in built.parameters()) == read.totals.weights
    net = read_net(built, Shape((8, 8, 3)), "net")
    exported = net_dsl(net, Shape((8, 8, 3)))
    assert differ(cnncalc.analyze(exported), static) == [], (text, exported)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "net.py"
        path.write_text(export_pytorch(text, None, "net"))
        back = cnncalc.analyze(f"torch:{path}:build", input="8x8x3")
    assert differ(back, static) == [], text


def test_the_input_read_late_is_a_reference_to_it() -> None:
    # The net's input is no row: a reference to it names an Id put first (no work, no memory)
    class Late(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Conv2d(3, 3, 1), nn.Conv2d(3, 3, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.a(x)
            return torch.cat([self.b(x) + y, y, x], 1)

    read = cnncalc.from_torch(Late, input="8x8x3")
    hand = "In:8x8x3-Id@x-Conv:1x1x3-Cat(Res(&x-Conv:1x1x3) | Id | &x)"
    assert differ(read, cnncalc.analyze(hand)) == []
    assert read.totals.weights == 2 * (3 * 3 + 3)  # two 1x1 convs, 3 → 3 channels, with bias


class _Dag(nn.Module):
    """A random graph on 8x8x4 maps: each step a 1x1 conv of the last value, or its sum or its
    concatenation (then a 1x1 conv back to 4 channels) with any earlier value, read again."""

    def __init__(self, plan: list[tuple[str, int]]) -> None:
        super().__init__()
        self.plan = plan
        self.convs = nn.ModuleList(nn.Conv2d(8 if op == "cat" else 4, 4, 1) for op, _ in plan)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = [x]
        for (op, j), conv in zip(self.plan, self.convs, strict=True):
            a, b = values[-1], values[j % len(values)]
            if op == "conv":
                values.append(conv(a))
            elif op == "add":
                values.append(conv(a) + b)
            else:
                values.append(conv(torch.cat([a, b], 1)))
        return values[-1]


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["conv", "add", "cat"]), st.integers(0, 9)),
                min_size=1, max_size=8))  # fmt: skip
def test_random_graphs_read_or_say_why(plan: list[tuple[str, int]]) -> None:
    # A property: any graph of values read again later either reads (and its DSL text, with
    # its references, analyses to the same figures) or is one CnnCalcError, never a traceback.
    with torch.device("meta"):
        module = _Dag(plan)
    try:
        read = cnncalc.from_torch(module, input="8x8x4")
    except cnncalc.errors.CnnCalcError as exc:
        assert str(exc).startswith("cannot be written as chains and blocks"), str(exc)
        return
    assert read.totals.weights == sum(p.numel() for p in module.parameters())
    net = read_net(module, Shape((8, 8, 4)), "dag")
    text = net_dsl(net, Shape((8, 8, 4)))
    assert differ(cnncalc.analyze(text), read) == [], text


def test_blocks_nested_past_the_dsl_limit_are_one_error() -> None:
    # 300 steps of a random graph whose skips reach back to its first values nest blocks more
    # than the DSL's 50 levels: one message naming the op, never a RecursionError
    plan = [(("conv", "add", "cat")[(7 * i) % 3], (11 * i) % 31) for i in range(300)]
    with pytest.raises(cnncalc.errors.CnnCalcError, match=r"nest more than 50 deep"):
        cnncalc.from_torch(lambda: _Dag(plan), input="8x8x4")
