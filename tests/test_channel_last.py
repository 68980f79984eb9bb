"""from_torch on channel-last code (issue 10): torchvision's CNBlock permutes its map to
(N, H, W, C), runs nn.LayerNorm and nn.Linear there and permutes back, then multiplies by a
(C, 1, 1) layer-scale parameter. The reader tracks each tensor's layout, so these read as the
DSL's LN, a 1×1 conv and Scale; a use it cannot read is an uncounted row with a warning or one
clear error, never a wrong figure."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch_reference import FACTORIES, Permute

import cnncalc
from cnncalc.errors import CnnCalcError

TOTALS = ("weights", "buffers", "macs", "flops", "backward_flops", "other_ops", "nodes",
          "activation_bytes", "peak_activation_bytes", "peak_bytes", "saved_bytes",
          "optimizer_bytes", "train_bytes", "rf")  # fmt: skip


def same_as_dsl(read: cnncalc.analysis.Report, dsl: str) -> None:
    """Every total of the read module equals the DSL net's, row kinds too."""
    static = cnncalc.analyze(dsl)
    assert [r.kind for r in read.rows] == [r.kind for r in static.rows], dsl
    for key in TOTALS:
        assert getattr(read.totals, key) == getattr(static.totals, key), (key, dsl)


def test_torchvision_cnblock_rows() -> None:
    report = cnncalc.from_torch(FACTORIES["convnext_tiny"], input="224x224x3")
    assert not report.warnings
    rows = {r.name: r for r in report.rows}
    block = "features.1.0"
    kinds = {n: rows[f"{block}.{n}"].kind for n in ("block.0", "block.2", "block.3", "block.4",
                                                    "block.5", "mul", "stochastic_depth", "add")}  # fmt: skip
    assert kinds == {"block.0": "Conv", "block.2": "LN", "block.3": "Conv", "block.4": "GELU",
                     "block.5": "Conv", "mul": "Scale", "stochastic_depth": "DropPath",
                     "add": "Res"}  # fmt: skip
    # nn.Linear(96, 384) on the channel-last 56×56 map: PyTorch's 96·384 + 384 parameters, its
    # output (2, 56, 56, 384) read back as 56×56×384
    fc1 = rows[f"{block}.block.3"]
    assert fc1.weights == 96 * 384 + 384 and fc1.output.dims == (56, 56, 384)
    assert fc1.macs == 56 * 56 * 96 * 384
    assert rows[f"{block}.mul"].weights == 96  # layer_scale, a (96, 1, 1) parameter
    assert not any(r.kind == "Uncounted" for r in report.rows)


class Channels(nn.Module):
    """LayerNorm over the channels of an (N, C) vector, and F.layer_norm / F.linear on a
    channel-last map made by Tensor.permute (not a module)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.g, self.b = nn.Parameter(torch.ones(8)), nn.Parameter(torch.zeros(8))
        self.w = nn.Parameter(torch.ones(16, 8))
        self.gamma = nn.Parameter(torch.ones(16))
        self.norm = nn.LayerNorm(16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x).permute(0, 2, 3, 1)
        y = F.linear(F.layer_norm(y, (8,), self.g, self.b), self.w)
        y = (y * self.gamma).permute(0, 3, 1, 2)
        return self.norm(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


def test_functional_channel_last_ops() -> None:
    read = cnncalc.from_torch(Channels, input="6x6x3")
    assert not read.warnings
    same_as_dsl(read, "In:6x6x3-Conv:3x3x8p1-LN-Conv:1x1x16nb-Scale-GAP-Flatten-LN")
    # PyTorch's own count: conv 3·9·8 + 8, γ β 16, weight 128, scale 16, LayerNorm(16) 32
    assert read.totals.weights == sum(p.numel() for p in Channels().parameters()) == 416


def test_flatten_of_a_channel_last_map() -> None:
    # nn.Flatten of (N, H, W, C) orders the values otherwise than of (N, C, H, W); no figure
    # depends on the order, so it is the DSL's Flatten (a view), and the Linear after it FC
    def net() -> nn.Module:
        return nn.Sequential(nn.Conv2d(3, 8, 1), Permute([0, 2, 3, 1]), nn.Flatten(),
                             nn.Linear(8 * 36, 10))  # fmt: skip

    read = cnncalc.from_torch(net, input="6x6x3")
    assert not read.warnings
    same_as_dsl(read, "In:6x6x3-Conv:1x1x8-Flatten-FC:10")


class Wrong(nn.Module):
    """Uses of LayerNorm and of a parameter product that are not cnncalc's LN and Scale."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.conv = nn.Conv2d(3, 6, 1)
        self.ln_w = nn.LayerNorm(6)  # over W of an (N, C, H, W) map: W = 6 here
        self.ln_hw = nn.LayerNorm([6, 6])
        self.p_c = nn.Parameter(torch.ones(6))  # (C,) on an (N, C, H, W) map scales W
        self.bias = nn.Parameter(torch.zeros(6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.kind == "ln_w":
            return self.ln_w(y)
        if self.kind == "ln_hw":
            return self.ln_hw(y)
        if self.kind == "p_c":
            return y * self.p_c
        if self.kind == "half":
            return y * 0.5
        return y + self.bias.view(1, -1, 1, 1)  # a view of a parameter: still its weights


@pytest.mark.parametrize(
    ("kind", "what", "weights"),
    [("ln_w", "LayerNorm", 12), ("ln_hw", "LayerNorm", 72), ("p_c", "mul", 6),
     ("half", "mul", 0), ("bias_view", "add", 6)],
)  # fmt: skip
def test_other_uses_stay_uncounted(kind: str, what: str, weights: int) -> None:
    # the brief: never a wrong figure; the parameters are counted exactly, the row warns
    report = cnncalc.from_torch(lambda: Wrong(kind), input="6x6x3")
    last = report.rows[-1]
    assert last.kind == "Uncounted" and last.weights == weights
    assert any(what in text for _, text in report.warnings)


class DropPath(nn.Module):
    """timm.layers.DropPath: stochastic depth per image, the input itself at inference."""

    def __init__(self, drop_prob: float = 0.0) -> None:
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(1 - self.drop_prob)
        return x * keep.div_(1 - self.drop_prob)


class Timm(nn.Module):
    """timm's ConvNeXt block: a channel-last LayerNorm and MLP, then the layer scale as a view
    of a (C,) parameter, `x.mul(self.gamma.reshape(1, -1, 1, 1))`, and its DropPath."""

    def __init__(self) -> None:
        super().__init__()
        self.conv_dw = nn.Conv2d(8, 8, 7, padding=3, groups=8)
        self.norm = nn.LayerNorm(8, eps=1e-6)
        self.fc1, self.act, self.fc2 = nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 8)
        self.gamma = nn.Parameter(torch.ones(8))
        self.drop_path = DropPath(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.norm(self.conv_dw(x).permute(0, 2, 3, 1))
        x = self.fc2(self.act(self.fc1(x))).permute(0, 3, 1, 2)
        x = x.mul(self.gamma.reshape(1, -1, 1, 1))
        return self.drop_path(x) + shortcut


def test_timm_layout_reads_as_dsl() -> None:
    read = cnncalc.from_torch(Timm, input="6x6x8")
    assert not read.warnings
    same_as_dsl(read, "In:6x6x8-Res(Conv:7x7x8p3g8-LN-Conv:1x1x32-GELU-Conv:1x1x8-Scale-DropPath)")
    # PyTorch's own count: 8·49 + 8, 2·8, 8·32 + 32, 32·8 + 8, γ 8
    assert read.totals.weights == sum(p.numel() for p in Timm().parameters()) == 976


def test_a_layer_on_a_channel_last_map_that_keeps_its_shape_warns() -> None:
    # Conv2d(8, 8, 1) on (N, 8, 8, 8) runs, but convolves H as if it were the channels: never
    # read as Conv, an uncounted row whose warning says where it ran; its parameters counted
    def net() -> nn.Module:
        return nn.Sequential(nn.Conv2d(8, 8, 1), Permute([0, 2, 3, 1]), nn.Conv2d(8, 8, 1))

    read = cnncalc.from_torch(net, input="8x8x8")
    row = read.rows[-1]
    assert row.kind == "Uncounted" and row.weights == 8 * 8 + 8
    assert row.output.dims == (8, 8, 8)
    ((where, text),) = read.warnings
    assert where == "2" and "nn.Conv2d on a channel-last map" in text


class Mixed(nn.Module):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.conv = nn.Conv2d(4, 4, 1)
        self.wide = nn.Conv2d(8, 16, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        last = y.permute(0, 2, 3, 1)
        if self.kind == "add":  # 4×4×4: the shapes agree, the layouts do not
            return last + y
        if self.kind == "conv":  # Conv2d(8, …) reads H = 8 as its channels
            return self.wide(last)
        if self.kind == "cat":  # along H of a channel-last map, not the channels
            return torch.cat([last, F.relu(last)], 1)
        return self.pool(last)


@pytest.mark.parametrize(
    ("kind", "shape", "words"),
    [
        ("add", "4x4x4", ["channel-last", "(N, C, H, W)", "add"]),
        ("conv", "8x8x4", ["wide", "channel-last", "permute back"]),
        ("pool", "8x8x4", ["pool", "channel-last", "[2, 8, 1, 1]"]),
        ("cat", "8x8x4", ["cat", "channel-last", "[2, 16, 8, 4]"]),
    ],
)
def test_layouts_cnncalc_cannot_read_are_one_error(kind: str, shape: str, words) -> None:
    with pytest.raises(CnnCalcError) as info:
        cnncalc.from_torch(lambda: Mixed(kind), input=shape)
    for word in words:
        assert word in str(info.value)


# -- a property: random channel-last mixes ---------------------------------------------------
STEPS = ["last", "first", "ln", "linear", "gelu", "scale", "scale_other", "conv", "res", "cat",
         "cat_other"]  # fmt: skip


class Plan(nn.Module):
    """A module running `steps` on a 5×5 map; `dsl` is its DSL net while every step is one
    cnncalc reads in the layout it meets, None once one is not."""

    def __init__(self, steps: list[tuple[str, int]], c: int) -> None:
        super().__init__()
        self.steps, self.parts = steps, nn.ModuleList()
        self.scales = nn.ParameterList()
        self.dsl: list[str] | None = []
        last = False
        for step, f in steps:
            ok, c = self.plan(step, f, c, last)
            last = (last or step == "last") and step != "first"
            if not ok:
                self.dsl = None

    def plan(self, step: str, f: int, c: int, last: bool) -> tuple[bool, int]:
        """Build the step's module, note its DSL; whether cnncalc reads it, the channels."""
        part: nn.Module = nn.Identity()
        text, ok = "", True
        if step in ("last", "first"):
            ok = last == (step == "first")
        elif step == "ln":
            part, text, ok = nn.LayerNorm(c), "LN", last
        elif step == "linear":
            part, text, ok = nn.Linear(c, f), f"Conv:1x1x{f}", last
        elif step == "conv":
            part, text, ok = nn.Conv2d(c, f, 1), f"Conv:1x1x{f}", not last
        elif step in ("scale", "scale_other"):
            shape = (c,) if last == (step == "scale") else (c, 1, 1)
            self.scales.append(nn.Parameter(torch.ones(shape)))
            text, ok = "Scale", step == "scale"
        elif step == "gelu":
            text = "GELU"
        elif step == "res":
            text = "Res(GELU)"
        else:
            text, ok = "Cat(Id | ReLU)", step == "cat"
        self.parts.append(part)
        if text and self.dsl is not None:
            self.dsl.append(text)
        new = f if step in ("linear", "conv") else 2 * c if step.startswith("cat") else c
        return ok, new

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last, scales = False, iter(self.scales)
        for (step, _), part in zip(self.steps, self.parts, strict=True):
            if step == "last":
                x, last = x.permute(0, 2, 3, 1), True
            elif step == "first":
                x, last = x.permute(0, 3, 1, 2), False
            elif step in ("scale", "scale_other"):
                x = next(scales) * x
            elif step == "gelu":
                x = F.gelu(x)
            elif step == "res":
                x = x + F.gelu(x)
            elif step.startswith("cat"):
                x = torch.cat([x, F.relu(x)], (3 if last else 1) if step == "cat" else 2)
            else:
                x = part(x)
        return x


@settings(max_examples=examples(40), deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from([3, 4, 6, 8])), max_size=7),
    st.sampled_from([3, 4, 6]),
)
def test_random_channel_last_mixes(steps: list[tuple[str, int]], c: int) -> None:
    # house rules: the DSL's exact figures, or a row that warns, or one CnnCalcError; never a
    # traceback, never a silent wrong figure. The map is 5×5 and no channel count is 5, so a
    # layer on the wrong axes cannot pass for one on the right axes.
    plan = Plan(steps, c)
    try:
        read = cnncalc.from_torch(lambda: Plan(steps, c), input=f"5x5x{c}")
    except CnnCalcError as exc:
        assert "Traceback" not in str(exc)
        assert plan.dsl is None or not plan.dsl, (steps, str(exc))
        return
    if plan.dsl:
        assert not read.warnings, (steps, read.warnings)
        same_as_dsl(read, f"In:5x5x{c}-" + "-".join(plan.dsl))
    else:
        assert read.warnings, steps  # an op it could not read is a row that says so


VALID = {False: ["last", "gelu", "scale", "conv", "res", "cat"],
         True: ["first", "ln", "linear", "gelu", "scale", "res", "cat"]}  # fmt: skip


@settings(max_examples=examples(25), deadline=None)
@given(st.data(), st.sampled_from([3, 4, 6]))
def test_random_readable_mixes_are_exact(data: st.DataObject, c: int) -> None:
    # the same property where every step is one cnncalc reads in the layout it meets, so each
    # example checks exact figures (the mixes above are mostly errors)
    steps, last = [], False
    for _ in range(data.draw(st.integers(1, 7))):
        step = data.draw(st.sampled_from(VALID[last]))
        steps.append((step, data.draw(st.sampled_from([3, 4, 6, 8]))))
        last = (last or step == "last") and step != "first"
    plan = Plan(steps, c)
    assert plan.dsl is not None
    if not plan.dsl:  # only permutes: the module gives its input back
        with pytest.raises(CnnCalcError, match="does nothing"):
            cnncalc.from_torch(lambda: Plan(steps, c), input=f"5x5x{c}")
        return
    read = cnncalc.from_torch(lambda: Plan(steps, c), input=f"5x5x{c}")
    assert not read.warnings, steps
    same_as_dsl(read, f"In:5x5x{c}-" + "-".join(plan.dsl))
