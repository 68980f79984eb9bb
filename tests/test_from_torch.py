"""from_torch and torch: specs (issue 10): an nn.Module read on the meta device gives the figures
of the same net in DSL, and the figures torchvision publishes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import describe, examples
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch_reference import FACTORIES, PUBLISHED

import cnncalc
from cnncalc.errors import CnnCalcError

TOTALS = ("weights", "buffers", "macs", "flops", "backward_flops", "other_ops", "nodes",
          "activation_bytes", "peak_activation_bytes", "peak_bytes", "saved_bytes",
          "optimizer_bytes", "train_bytes", "rf")  # fmt: skip
ROW_FIGURES = ("kind", "output", "weights", "buffers", "macs", "flops",
               "backward_flops", "other_ops", "activation_bytes", "rf")  # fmt: skip


def figures(report: cnncalc.analysis.Report) -> list[tuple]:
    """Each row's figures without its name; torch.flatten (a view, no work) and the zoo's
    labelled groups (Seq headers) are left out, as the same net writes them differently."""
    return [
        tuple(getattr(r, f) for f in ROW_FIGURES)
        for r in report.rows
        if r.kind not in ("Seq", "Flatten")
    ]


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_published_figures(name: str) -> None:
    # torchvision's table of classification weights: params and GFLOPS (which are GMACs)
    params, gmacs = PUBLISHED[name]
    report = cnncalc.from_torch(FACTORIES[name], input="224x224x3")
    assert report.totals.weights == params
    assert round(report.totals.macs / 1e9, 2) == gmacs
    # and PyTorch's own count of the module the test builds
    module = FACTORIES[name]()
    assert sum(p.numel() for p in module.parameters()) == params


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_equals_zoo_spec_row_by_row(name: str) -> None:
    read = cnncalc.from_torch(FACTORIES[name], input="224x224x3")
    zoo = cnncalc.analyze(name)
    for key in TOTALS:
        assert getattr(read.totals, key) == getattr(zoo.totals, key), key
    assert figures(read) == figures(zoo)


def test_rows_named_by_module_path_with_functional_calls() -> None:
    report = cnncalc.from_torch(FACTORIES["resnet18"], input="224x224x3")
    names = [r.name for r in report.rows]
    assert names[:5] == ["conv1", "bn1", "relu", "maxpool", "layer1.0.add"]
    block = next(r for r in report.rows if r.name == "layer2.0.add")
    assert block.kind == "Res" and block.block
    assert "layer2.0.downsample.0" in names and "flatten" in names
    assert names.index("flatten") == names.index("fc") - 1
    dense = cnncalc.from_torch(FACTORIES["densenet121"], input="224x224x3")
    cats = [r for r in dense.rows if r.kind == "Cat"]
    assert len(cats) == 6 + 12 + 24 + 16  # one per dense layer, as the zoo's Cat(Id | …)
    assert [r.name for r in dense.rows][-4:] == ["relu", "adaptive_avg_pool2d", "flatten",
                                                 "classifier"]  # fmt: skip


def test_built_module_untouched() -> None:
    # torchinfo#287, thop's state_dict pollution: device, values, keys, mode and hooks unchanged
    module = FACTORIES["resnet18"]()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    module.train()
    report = cnncalc.from_torch(module, input=(64, 64, 3))
    assert report.totals.weights == PUBLISHED["resnet18"][0]
    after = module.state_dict()
    assert list(after) == list(before)
    assert all(torch.equal(after[k], v) for k, v in before.items())
    assert all(p.device.type == "cpu" for p in module.parameters())
    assert all(m.training for m in module.modules())
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in module.modules())


def test_huge_module_on_meta() -> None:
    # DESIGN §2, issue 10: 1.5·10^11 weights read without allocating them
    def huge() -> nn.Module:
        return nn.Sequential(nn.Flatten(), nn.Linear(300_000, 500_000, bias=False))

    report = cnncalc.from_torch(huge, input=(300_000,))
    assert report.totals.weights == 150_000_000_000
    assert report.totals.macs == 150_000_000_000


class Odd(nn.Module):
    """A shift cnncalc has no rule for, a custom leaf with a parameter, then a known layer."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.scale = Scaled(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.scale(torch.roll(self.conv(x), 1, dims=2)))


class Scaled(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.ones(1, c, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.w


def test_uncounted_op_is_a_row_and_a_warning() -> None:
    # fvcore#148, torchinfo#126, thop#36: never a silent zero
    report = cnncalc.from_torch(Odd, input="16x16x3")
    rows = {r.name: r for r in report.rows}
    assert rows["roll"].kind == "Uncounted" and rows["scale"].kind == "Uncounted"
    assert rows["scale"].weights == 8  # its parameters, counted exactly
    assert report.totals.weights == 3 * 9 * 8 + 8 + 8
    warned = {name: text for name, text in report.warnings}
    assert "torch.roll" in warned["roll"] and "Scaled" in warned["scale"]
    assert rows["relu"].kind == "ReLU"


class TwoOut(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.a(x)
        return y, y


class Reuse(nn.Module):
    """u = a(x); v = u + b(u); w = v + c(u): u is used after the branch that made v ended."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.Conv2d(3, 4, 1), nn.Conv2d(4, 4, 1), nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = self.a(x)
        v = u + self.b(u)
        return torch.cat([v, self.c(u) + v], 1)


class Tangle(nn.Module):
    """p = b(u) and q = c(u) both feed v = p + q and are read again after it: whichever the
    chain goes through, the other was made inside a branch that ended."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.Conv2d(3, 4, 1), nn.Conv2d(4, 4, 1), nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = self.a(x)
        p, q = self.b(u), self.c(u)
        return torch.cat([p + q, p, q], 1)


@pytest.mark.parametrize(
    ("module", "words"),
    [
        (TwoOut, ["tuple", "one output"]),
        (lambda: nn.Unflatten(1, (3, 1)), ["(N, C, H, W)", "unflatten"]),
        (lambda: nn.Conv1d(3, 4, 1), ["meta tensors", "conv1d"]),
        (lambda: 42, ["returned int", "nn.Module"]),
        (lambda: 1 / 0, ["division by zero"]),
    ],
)
def test_unreadable_modules_are_one_error(module: object, words: list[str]) -> None:
    with pytest.raises(CnnCalcError) as info:
        cnncalc.from_torch(module, input="8x8x3")
    for word in words:
        assert word in str(info.value)


def test_graph_not_a_chain_of_blocks_names_the_node() -> None:
    with pytest.raises(CnnCalcError, match=r"^cannot be written.* of [bc] .*used again.*&label"):
        cnncalc.from_torch(Tangle, input="8x8x3")


def test_a_tensor_read_after_its_branch_is_a_reference() -> None:
    # Reuse, once an error, is `&label` (issue 11): the same figures as the DSL written by hand,
    # and PyTorch's own parameter count (3 convs 1x1: 3·4+4, 4·4+4, 4·4+4 = 56).
    read = cnncalc.from_torch(Reuse, input="8x8x3")
    hand = cnncalc.analyze("In:8x8x3-Conv:1x1x4@u-Res(Conv:1x1x4)-Cat(Id | Res(&u-Conv:1x1x4))")
    for key in TOTALS:
        assert getattr(read.totals, key) == getattr(hand.totals, key), key
    assert read.totals.weights == sum(p.numel() for p in Reuse().parameters()) == 56
    assert [r.name for r in read.rows if not r.block and r.kind != "Ref"] == ["a", "b", "Id:2", "c"]


@settings(max_examples=examples(15))
@given(
    st.lists(
        st.tuples(st.sampled_from([1, 3, 5]), st.integers(1, 2), st.integers(1, 12),
                  st.booleans(), st.sampled_from(["relu", "res", "cat", "pool"])),
        min_size=1,
        max_size=5,
    )
)  # fmt: skip
def test_generated_nets_equal_their_dsl(layers: list[tuple[int, int, int, bool, str]]) -> None:
    # A property: a random conv net written both ways (DSL text and a module with functional
    # calls in forward) has the same totals.
    dsl, modules = [], []
    for k, s, c, bias, extra in layers:
        dsl.append(f"Conv:{k}x{k}x{c}/{s}p{k // 2}{'' if bias else 'nb'}")
        modules.append(("conv", (k, s, c, bias)))
        if extra == "relu":
            dsl.append("ReLU")
        elif extra == "res":
            dsl.append(f"Res(Conv:3x3x{c}p1nb-BN)")
        elif extra == "cat":
            dsl.append(f"Cat(Id | Conv:1x1x{c})")
            c *= 2
        else:
            dsl.append("Pool:2/2ceil")
        modules.append((extra, c))
    text = "In:16x16x3-" + "-".join(dsl)
    read = cnncalc.from_torch(lambda: _Generated(modules), input="16x16x3")
    static = cnncalc.analyze(text)
    for key in TOTALS:
        assert getattr(read.totals, key) == getattr(static.totals, key), (key, text)


class _Generated(nn.Module):
    """The module for a generated layer list, with F.relu, x + y and torch.cat in forward."""

    def __init__(self, plan: list[tuple[str, object]]) -> None:
        super().__init__()
        self.plan = plan
        self.parts = nn.ModuleList()
        cin = 3
        for what, arg in plan:
            if what == "conv":
                k, s, c, bias = arg  # type: ignore[misc]
                self.parts.append(nn.Conv2d(cin, c, k, s, k // 2, bias=bias))
                cin = c
            elif what == "res":
                self.parts.append(nn.Sequential(nn.Conv2d(cin, cin, 3, 1, 1, bias=False),
                                                nn.BatchNorm2d(cin)))  # fmt: skip
            elif what == "cat":
                self.parts.append(nn.Conv2d(cin, cin, 1))
                cin *= 2
            else:
                self.parts.append(nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for (what, _), part in zip(self.plan, self.parts, strict=True):
            if what == "conv":
                x = part(x)
            elif what == "relu":
                x = F.relu(x)
            elif what == "res":
                x = part(x) + x
            elif what == "cat":
                x = torch.cat([x, part(x)], 1)
            else:
                x = F.max_pool2d(x, 2, 2, ceil_mode=True)
        return x


NETS_PY = """
import torch
import torch.nn.functional as F
from torch import nn


class Small(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def small(classes=10):
    return Small(classes)


def not_a_module():
    return "hello"


def broken():
    raise RuntimeError("no weights here")
"""
SMALL_DSL = "In:32x32x3-Conv:3x3x16p1nb-BN-ReLU-GAP-Flatten-FC:10"


@pytest.fixture
def nets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory holding nets.py, made the current directory."""
    (tmp_path / "nets.py").write_text(NETS_PY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("spec", ["torch:nets.py:small", "torch:nets:small"])
def test_cli_shape_of_a_torch_spec(nets: Path, cli, spec: str) -> None:
    result = cli("shape", spec, "--input", "32x32x3", "--format", "json")
    assert result.exit_code == 0, describe(result)
    data = json.loads(result.stdout)
    static = cnncalc.analyze(SMALL_DSL)
    assert data["totals"]["weights"] == static.totals.weights == 432 + 32 + 170
    assert [r["name"] for r in data["layers"]] == ["conv1", "bn1", "relu", "adaptive_avg_pool2d",
                                                 "flatten", "fc"]  # fmt: skip


def test_cli_diff_design_against_torch(nets: Path, cli) -> None:
    result = cli("diff", SMALL_DSL, "torch:nets.py:small", "--input", "32x32x3",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, describe(result)
    assert '"weights"' in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["torch:nets.py:small"], ["--input"]),
        (["torch:missing.py:small", "--input", "8x8x3"], ["no such Python file", "missing.py"]),
        (["torch:nets.py:absent", "--input", "8x8x3"], ["has no absent"]),
        (["torch:nets.py:not_a_module", "--input", "8x8x3"], ["returned str", "nn.Module"]),
        (["torch:nets.py:broken", "--input", "8x8x3"], ["no weights here"]),
        (["torch:nets.py", "--input", "8x8x3"], ["torch:MODULE:CALLABLE"]),
        (["torch:"], ["torch:MODULE:CALLABLE"]),  # the form is said before a missing --input
        (["torch:nets.py"], ["torch:MODULE:CALLABLE"]),
        (["torch:no_such_module_xyz:f", "--input", "8x8x3"], ["could not import"]),
    ],
)
def test_cli_torch_spec_errors(nets: Path, cli, user_error, args: list[str], words) -> None:
    user_error(cli("shape", *args), *words)


def test_cli_import_failure_is_one_message(nets: Path, cli, user_error) -> None:
    (nets / "bad.py").write_text("import torch\nthis is not python\n")
    user_error(cli("shape", "torch:bad.py:f", "--input", "8x8x3"), "could not import", "bad.py")


@settings(max_examples=examples(30))
@given(st.text(min_size=1, max_size=30))
def test_cli_any_callable_name_is_a_clean_error(tmp_path_factory, name: str) -> None:
    # property (issue 10, house rules): whatever follows torch:nets.py:, exit 2 and one message
    from typer.testing import CliRunner

    from cnncalc.cli import app

    if name in ("small", "Small"):
        return
    where = tmp_path_factory.mktemp("n")
    (where / "nets.py").write_text(NETS_PY)
    result = CliRunner().invoke(
        app, ["shape", f"torch:{where / 'nets.py'}:{name}", "--input", "8x8x3"]
    )
    assert result.exit_code == 2, describe(result)
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output


def test_spec_file_with_torch_key(nets: Path, cli) -> None:
    sub = nets / "models"
    sub.mkdir()
    (sub / "nets.py").write_text(NETS_PY)
    (sub / "small.toml").write_text(
        'name = "small"\ninput = "32x32x3"\n[torch]\nmodel = "nets.py:small"\n'
        "[torch.kwargs]\nclasses = 5\n[budget]\nweights = 600\n"
    )
    (nets / "plain.toml").write_text(
        'input = "32x32x3"\ntorch = "models/nets.py:small"\n[budget]\nweights = 600\n'
    )
    ok = cli("check", "models/small.toml", "--format", "json")
    assert ok.exit_code == 0, describe(ok)  # 432 + 32 + 85 = 549 weights ≤ 600
    over = cli("check", "plain.toml")
    assert over.exit_code == 1, describe(over)  # 634 weights > 600
    assert cnncalc.analyze("models/small.toml").totals.weights == 432 + 32 + 85


def test_spec_file_torch_and_layers_is_an_error(nets: Path, cli, user_error) -> None:
    (nets / "both.toml").write_text('input = "8x8x3"\ntorch = "nets.py:small"\nlayers = "ReLU"\n')
    user_error(cli("shape", "both.toml"), "either 'layers' or 'torch'")


class Decoder(nn.Module):
    """Issue 11's decoder kinds as PyTorch writes them: a transposed conv, a pixel shuffle,
    F.interpolate to a size and nn.Upsample by a factor, inside a concatenation."""

    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 16, 3, 2, 1)
        self.up = nn.ConvTranspose2d(16, 8, 2, 2)
        self.ps = nn.PixelShuffle(2)
        self.final = nn.Upsample(scale_factor=2, mode="bilinear")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.ps(self.up(self.down(x)))
        return self.final(torch.cat([x, F.interpolate(y, size=(32, 32))], 1))


def test_decoder_layers_equal_their_dsl() -> None:
    read = cnncalc.from_torch(Decoder, input="32x32x3")
    dsl = "In:32x32x3-Cat(Id | Conv:3x3x16/2p1-ConvT:2x2x8/2-PS:2-Up:32x32)-Up:2bilinear"
    static = cnncalc.analyze(dsl)
    assert [r.kind for r in read.rows] == [r.kind for r in static.rows]
    for key in TOTALS:
        assert getattr(read.totals, key) == getattr(static.totals, key), key
    # PyTorch's own count: 3·9·16 + 16 and 16·4·8 + 8
    assert read.totals.weights == sum(p.numel() for p in Decoder().parameters()) == 968


class Modern(nn.Module):
    """Issue 11's modern kinds as PyTorch modules: group and instance norm, PReLU, and the
    ConvNeXt pieces (LayerNorm2d, layer scale, stochastic depth) as cnncalc builds them."""

    def __init__(self) -> None:
        super().__init__()
        from cnncalc.torch.modules import LayerNorm2d, LayerScale, StochasticDepth

        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.gn = nn.GroupNorm(4, 16)
        self.inorm = nn.InstanceNorm2d(16)
        self.prelu = nn.PReLU(16)
        self.ln = LayerNorm2d(16)
        self.scale = LayerScale(16)
        self.drop = StochasticDepth(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.prelu(self.inorm(self.gn(self.conv(x))))
        return self.drop(self.scale(self.ln(y)))


def test_modern_layers_equal_their_dsl() -> None:
    read = cnncalc.from_torch(Modern, input="8x8x3")
    static = cnncalc.analyze("In:8x8x3-Conv:3x3x16p1-GN:4-InstNorm-PReLU:16-LN-Scale-DropPath")
    assert [r.kind for r in read.rows] == [r.kind for r in static.rows]
    assert not read.warnings
    for key in TOTALS:
        assert getattr(read.totals, key) == getattr(static.totals, key), key
    # PyTorch's own count: conv 3·9·16 + 16 = 448, GN 2·16, PReLU 16, LN 2·16, scale 16
    assert read.totals.weights == sum(p.numel() for p in Modern().parameters()) == 544


def test_batch_norm_read_by_its_shape_leaves_no_trace() -> None:
    """capture runs BatchNorm as a shape on meta tensors (its decomposition was half the time
    of a ResNet): the module gets its own forward back, and a channel count it does not take
    is still PyTorch's error, not a figure."""
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
    before = set(vars(net[1]))
    report = cnncalc.from_torch(net, input="8x8x3")
    assert report.totals.weights == sum(p.numel() for p in net.parameters())
    assert set(vars(net[1])) == before and "forward" not in vars(net[1])
    bad = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(4))
    with pytest.raises(CnnCalcError, match="forward failed"):
        cnncalc.from_torch(bad, input="8x8x3")
    assert "forward" not in vars(bad[1])


class DropSkip(nn.Module):
    """y + conv2(drop(y)): in eval mode dropout hands back y's very tensor object."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how
        self.conv, self.conv2, self.drop = nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 1), nn.Dropout(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.how == "res":
            return y + self.conv2(self.drop(y))
        if self.how == "cat":
            return torch.cat([y, self.drop(y)], 1)
        return torch.cat([y, F.dropout(y, 0.1, training=self.training)], 1)


@pytest.mark.parametrize(
    ("how", "dsl"),
    [
        ("res", "In:8x8x3-Conv:3x3x4-Res(Drop:0.1-Conv:1x1x4)"),
        ("cat", "In:8x8x3-Conv:3x3x4-Cat(Id | Drop:0.1)"),
        ("functional", "In:8x8x3-Conv:3x3x4-Cat(Id | Drop:0.1)"),
    ],
)
def test_dropout_handing_back_its_input_is_still_its_own_row(how: str, dsl: str) -> None:
    """The output of an op that is the identity at inference is a value of its own: y keeps
    being read where the code reads y (not the dropout's output in its place)."""
    read, want = cnncalc.from_torch(DropSkip(how), input="8x8x3"), cnncalc.analyze(dsl)
    assert figures(read) == figures(want)
    assert [getattr(read.totals, k) for k in TOTALS] == [getattr(want.totals, k) for k in TOTALS]


def test_profile_of_a_module_with_an_uncounted_op_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli, user_error
) -> None:
    (tmp_path / "rolled.py").write_text(
        "import torch\nfrom torch import nn\n\n\nclass Rolled(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 4, 3)\n\n"
        "    def forward(self, x):\n        return torch.roll(self.conv(x), 1, 2)\n"
    )
    monkeypatch.chdir(tmp_path)
    result = cli("profile", "torch:rolled.py:Rolled", "--input", "8x8x3", "--min-time", "0.01")
    user_error(result, "cannot build torch.roll", "no rule")
    assert "dtype" not in result.stderr  # not mistaken for a dtype PyTorch lacks
    shape = cli("shape", "torch:rolled.py:Rolled", "--input", "8x8x3")
    assert shape.exit_code == 0 and "uncounted" in shape.stderr, describe(shape)
