"""The built-in zoo of classic CNNs (issue 5): every torchvision model matches the figures
torchvision publishes, the two paper-only models match their hand-derived figures, and the new
layer kinds `Id` and `SE` agree with PyTorch (weights, FLOPs, backward FLOPs, saved bytes)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import cnncalc
from cnncalc.catalog import catalog, family
from cnncalc.specs import builtin_names

# Published figures of torchvision's ImageNet-1K weights: `num_params` and `_ops` in each
# model's `Weights.meta` (torchvision/models/<model>.py, e.g. ResNet50_Weights.IMAGENET1K_V1:
# "num_params": 25557032, "_ops": 4.089), shown on docs.pytorch.org/vision/stable/models/
# generated/torchvision.models.<name>.html as "num_params" and "GFLOPS" to 2 decimals.
# torchvision's "GFLOPS" count multiply-accumulates of convolutions and linear layers.
PUBLISHED = [
    # name                 num_params   GFLOPS  _ops    source file (pytorch/vision)
    ("alexnet-tv", 61_100_840, "0.71", "0.714"),  # alexnet.py, AlexNet_Weights
    ("vgg11", 132_863_336, "7.61", "7.609"),  # vgg.py, VGG11_Weights
    ("vgg16", 138_357_544, "15.47", "15.470"),  # vgg.py, VGG16_Weights ("_ops": 15.47)
    ("vgg19", 143_667_240, "19.63", "19.632"),  # vgg.py, VGG19_Weights
    ("resnet18", 11_689_512, "1.81", "1.814"),  # resnet.py, ResNet18_Weights
    ("resnet34", 21_797_672, "3.66", "3.664"),  # resnet.py, ResNet34_Weights
    ("resnet50", 25_557_032, "4.09", "4.089"),  # resnet.py, ResNet50_Weights
    ("resnet101", 44_549_160, "7.80", "7.801"),  # resnet.py, ResNet101_Weights
    ("mobilenet_v2", 3_504_872, "0.30", "0.301"),  # mobilenetv2.py, MobileNet_V2_Weights
    ("mobilenet_v3_small", 2_542_856, "0.06", "0.057"),  # mobilenetv3.py
    ("efficientnet_b0", 5_288_548, "0.39", "0.386"),  # efficientnet.py, EfficientNet_B0
    ("googlenet", 6_624_904, "1.50", "1.498"),  # googlenet.py (aux classifiers dropped)
    ("squeezenet1_0", 1_248_424, "0.82", "0.819"),  # squeezenet.py, SqueezeNet1_0_Weights
    ("densenet121", 7_978_856, "2.83", "2.834"),  # densenet.py, DenseNet121_Weights
]
TORCHVISION = [p[0] for p in PUBLISHED]

# ZFNet and NiN have no torchvision model: their figures are derived by hand below.
# ZFNet (Zeiler & Fergus 2013, Fig. 3), outputs 110, 55, 26, 13, 13, 13, 13, 6, FC with bias:
ZFNET_WEIGHTS = [
    (7 * 7 * 3 + 1) * 96,  # layer 1: 14,208
    (5 * 5 * 96 + 1) * 256,  # layer 2: 614,656
    (3 * 3 * 256 + 1) * 384,  # layer 3: 885,120
    (3 * 3 * 384 + 1) * 384,  # layer 4: 1,327,488
    (3 * 3 * 384 + 1) * 256,  # layer 5: 884,992
    (6 * 6 * 256 + 1) * 4096,  # layer 6: 37,752,832
    (4096 + 1) * 4096,  # layer 7: 16,781,312
    (4096 + 1) * 1000,  # output: 4,097,000
]
ZFNET_MACS = [
    110 * 110 * 96 * 7 * 7 * 3,  # 170,755,200
    26 * 26 * 256 * 5 * 5 * 96,  # 415,334,400
    13 * 13 * 384 * 3 * 3 * 256,  # 149,520,384
    13 * 13 * 384 * 3 * 3 * 384,  # 224,280,576
    13 * 13 * 256 * 3 * 3 * 384,  # 149,520,384
    6 * 6 * 256 * 4096,
    4096 * 4096,
    4096 * 1000,
]
# NiN for ImageNet (Lin et al. 2013; the authors' Caffe model): mlpconv = kxk conv + two 1x1
# convs, all with bias; sizes 54 → 27 → 27 → 13 → 13 → 6 → 6 and one 6x6 map per class.
NIN_LAYERS = [
    # (k, c_in, c_out, output side)
    (11, 3, 96, 54), (1, 96, 96, 54), (1, 96, 96, 54),
    (5, 96, 256, 27), (1, 256, 256, 27), (1, 256, 256, 27),
    (3, 256, 384, 13), (1, 384, 384, 13), (1, 384, 384, 13),
    (3, 384, 1024, 6), (1, 1024, 1024, 6), (1, 1024, 1000, 6),
]  # fmt: skip
NIN_WEIGHTS = sum((k * k * cin + 1) * cout for k, cin, cout, _ in NIN_LAYERS)
NIN_MACS = sum(side * side * cout * k * k * cin for k, cin, cout, side in NIN_LAYERS)

PAPER = [
    # name     weights              MACs
    ("zfnet", sum(ZFNET_WEIGHTS), sum(ZFNET_MACS)),  # 62,357,608 and 1,168,032,896
    ("nin", NIN_WEIGHTS, NIN_MACS),  # 7,595,176 (the Caffe model's ~7.6M) and 1,100,188,800
]
ZOO = TORCHVISION + [p[0] for p in PAPER]


@pytest.fixture(scope="module")
def reports() -> dict[str, cnncalc.analysis.Report]:
    """Every zoo spec, analysed once."""
    return {name: cnncalc.analyze(name) for name in ZOO}


def test_the_zoo_is_built_in() -> None:
    """Issue 5: these specs ship with the package, next to the seed specs."""
    assert set(ZOO) | {"alexnet", "lenet5"} <= set(builtin_names())


@pytest.mark.parametrize(("name", "params", "gflops", "ops"), PUBLISHED, ids=TORCHVISION)
def test_torchvision_published_figures(reports, name, params, gflops, ops) -> None:
    """Weights equal torchvision's num_params exactly; MACs round to its GFLOPS (2 decimals,
    as the docs show them) and to its `_ops` (3 decimals, as the source holds them)."""
    totals = reports[name].totals
    assert totals.weights == params
    assert f"{totals.macs / 1e9:.2f}" == gflops
    assert f"{totals.macs / 1e9:.3f}" == ops


@pytest.mark.parametrize(("name", "weights", "macs"), PAPER, ids=[p[0] for p in PAPER])
def test_paper_models(reports, name, weights, macs) -> None:
    """ZFNet and NiN against the figures derived by hand from their papers."""
    assert reports[name].totals.weights == weights
    assert reports[name].totals.macs == macs


def test_hand_derivations() -> None:
    """The hand-derived totals, written out (ZFNet rows above; NiN ~7.6M weights)."""
    assert sum(ZFNET_WEIGHTS) == 62_357_608
    assert sum(ZFNET_MACS) == 1_168_032_896
    assert NIN_WEIGHTS == 7_595_176
    assert NIN_MACS == 1_100_188_800


def outputs(report, kinds: tuple[str, ...]) -> list[tuple[int, ...]]:
    """Output shapes of the rows of the given kinds, in order."""
    return [r.output.dims for r in report.rows if r.kind in kinds and not r.block]


# Feature-map sizes the papers and torchvision's comments state.
SIZES = [
    # ZFNet Fig. 3: 110x110x96 → pool 55 → 26x26x256 → pool 13 → 13, 13, 13 → pool 6
    ("zfnet", ("Conv", "Pool"), [(110, 110, 96), (55, 55, 96), (26, 26, 256), (13, 13, 256),
                                 (13, 13, 384), (13, 13, 384), (13, 13, 256), (6, 6, 256)]),
    # torchvision googlenet.py comments: N x 64 x 112 x 112 … N x 1024 x 7 x 7
    ("googlenet", ("Pool",), [(56, 56, 64), (28, 28, 192), (28, 28, 192), (28, 28, 256),
                              (14, 14, 480)]),
    # squeezenet1_0: 7x7/2 conv on 224 → 109; ceil-mode pools 54, 27, 13
    ("squeezenet1_0", ("Pool",), [(54, 54, 96), (27, 27, 256), (13, 13, 512)]),
    # densenet121: transitions halve the channels of 64 + 6·32, 128 + 12·32, 256 + 24·32
    ("densenet121", ("AvgPool",), [(28, 28, 128), (14, 14, 256), (7, 7, 512)]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kinds", "expected"), SIZES, ids=[s[0] for s in SIZES])
def test_feature_map_sizes(reports, name, kinds, expected) -> None:
    """The first rows of these kinds have the sizes the sources give."""
    assert outputs(reports[name], kinds)[: len(expected)] == expected


# Labelled blocks whose outputs torchvision's code states.
STAGES = [
    # resnet.py: layer1..4 give 256, 512, 1024, 2048 channels at 56, 28, 14, 7 (Bottleneck ×4)
    ("resnet50", {"layer1": (56, 56, 256), "layer2": (28, 28, 512), "layer3": (14, 14, 1024),
                  "layer4": (7, 7, 2048)}),
    ("resnet18", {"layer1": (56, 56, 64), "layer4": (7, 7, 512)}),
    # googlenet.py comments: 3a N x 256, 3b 480, 4a-4c 512, 4d 528, 4e 832, 5a 832, 5b 1024
    ("googlenet", {"inception3a": (28, 28, 256), "inception3b": (28, 28, 480),
                   "inception4a": (14, 14, 512), "inception4d": (14, 14, 528),
                   "inception4e": (14, 14, 832), "inception5b": (7, 7, 1024)}),
    # densenet.py: 64 + 6·32 = 256, 128 + 12·32 = 512, 256 + 24·32 = 1024, 512 + 16·32 = 1024
    ("densenet121", {"denseblock1": (56, 56, 256), "denseblock2": (28, 28, 512),
                     "denseblock3": (14, 14, 1024), "denseblock4": (7, 7, 1024)}),
    # squeezenet.py Fire(inplanes, s, e, e) outputs 2·e channels
    ("squeezenet1_0", {"fire2": (54, 54, 128), "fire4": (54, 54, 256), "fire9": (13, 13, 512)}),
    # mobilenetv3.py: the C4 stage (stride 2 to 7x7) ends with 96 channels
    ("mobilenet_v3_small", {"bneck9": (7, 7, 96)}),
    # efficientnet.py MBConvConfig outputs 16, 24, 40, 80, 112, 192, 320
    ("efficientnet_b0", {"stage1": (112, 112, 16), "stage2": (56, 56, 24),
                         "stage5": (14, 14, 112), "stage7": (7, 7, 320)}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "blocks"), STAGES, ids=[s[0] for s in STAGES])
def test_stage_outputs(reports, name, blocks) -> None:
    """Labelled stages are nested rows (depth 0) with the output torchvision's code gives."""
    rows = {r.name: r for r in reports[name].rows}
    for label, dims in blocks.items():
        assert rows[label].block and rows[label].depth == 0
        assert rows[label].output.dims == dims, label


def make_divisible(v: float, divisor: int = 8) -> int:
    """torchvision/models/_utils.py `_make_divisible` (from the TF MobileNet repo), copied as
    the independent source of MobileNetV3's SE squeeze channels."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def test_se_squeeze_channels(reports) -> None:
    """MobileNetV3 squeezes to _make_divisible(exp // 4, 8); EfficientNet to in // 4."""
    v3 = [r.columns.size for r in reports["mobilenet_v3_small"].rows if r.kind == "SE"]
    expanded = [16, 96, 240, 240, 120, 144, 288, 576, 576]  # mobilenetv3.py bneck_conf, SE rows
    assert v3 == [f"{e}→{make_divisible(e // 4)}→{e}" for e in expanded]
    b0 = [r.columns.size for r in reports["efficientnet_b0"].rows if r.kind == "SE"]
    # efficientnet.py: (expanded, input channels) of the 16 MBConv blocks
    blocks = [(32, 32), (96, 16), (144, 24), (144, 24), (240, 40), (240, 40), (480, 80),
              (480, 80), (480, 80), (672, 112), (672, 112), (672, 112), (1152, 192),
              (1152, 192), (1152, 192), (1152, 192)]  # fmt: skip
    assert b0 == [f"{e}→{max(1, i // 4)}→{e}" for e, i in blocks]


@pytest.mark.parametrize("name", ZOO)
def test_zoo_outputs_1000_classes(reports, name) -> None:
    """Every zoo model ends in a vector of 1000 ImageNet classes."""
    assert reports[name].output.dims == (1000,)


def test_resnet50_renders_nested_and_folds(cli) -> None:
    """`shape resnet50` shows residual blocks as nested rows; --depth folds them; JSON keeps
    the nesting in `depth` (issue 5)."""
    full = cli("shape", "resnet50")
    assert full.exit_code == 0, full.output
    lines = full.stdout.splitlines()
    assert any(line.startswith("layer1 ") for line in lines)
    assert any(line.startswith("│ Res:2 ") for line in lines)
    assert any(line.startswith("│ │ Conv:2 ") for line in lines)
    assert any(line.startswith("│ ├ Conv:5 ") for line in lines)  # the projection shortcut
    folded = cli("shape", "resnet50", "--depth", "0").stdout.splitlines()
    names = [line.split()[0] for line in folded[3:] if line and not line.startswith(" ")]
    assert names[:9] == ["Conv:1", "BN:1", "ReLU:1", "Pool:1", "layer1", "layer2", "layer3",
                         "layer4", "GAP:53"]  # fmt: skip
    assert "25,557,032" in cli("shape", "resnet50", "--depth", "1").stdout  # totals unchanged
    doc = json.loads(cli("shape", "resnet50", "--format", "json").stdout)
    depths = {row["name"]: row["depth"] for row in doc["layers"]}
    assert depths["layer1"] == 0 and depths["Res:2"] == 1 and depths["Conv:2"] == 2
    folded_doc = json.loads(cli("shape", "resnet50", "--format", "json", "--depth", "1").stdout)
    assert max(row["depth"] for row in folded_doc["layers"]) == 1
    assert folded_doc["totals"] == doc["totals"]
    # the rows shown still add up: leaves, plus block rows that stand for their hidden rows
    shown = [r for r in folded_doc["layers"] if not r["block"] or r["folded"]]
    assert sum(r["folded"] for r in shown) == 3 + 4 + 6 + 3  # ResNet-50's 16 bottlenecks
    for key in ("weights", "macs", "flops", "backward_flops", "other_ops", "activation_bytes"):
        assert sum(r[key] for r in shown) == doc["totals"][key], key


def test_list_keeps_families_together(cli) -> None:
    """`list` groups a family (smallest first), families by their smallest member's MACs;
    --sort macs orders by MACs alone; JSON lists every built-in."""
    result = cli("list", "--format", "json")
    assert result.exit_code == 0, result.output
    names = [s["name"] for s in json.loads(result.stdout)["specs"]]
    assert sorted(names) == sorted(builtin_names())
    assert names.index("resnet18") + 3 == names.index("resnet101")
    assert names[names.index("resnet18") : names.index("resnet18") + 4] == [
        "resnet18", "resnet34", "resnet50", "resnet101"]  # fmt: skip
    assert names.index("alexnet-tv") + 1 == names.index("alexnet")  # 0.71G before 1.14G
    by_macs = [e.macs for e in catalog("macs")]
    assert by_macs == sorted(by_macs)
    macs = json.loads(cli("list", "--format", "json", "--sort", "macs").stdout)["specs"]
    assert [s["macs"] for s in macs] == sorted(s["macs"] for s in macs)
    assert "25,557,032" in cli("list").stdout


@pytest.mark.parametrize(
    ("name", "expected"),
    [("resnet50", "resnet"), ("mobilenet_v3_small", "mobilenet"), ("alexnet-tv", "alexnet"),
     ("squeezenet1_0", "squeezenet"), ("nin", "nin"), ("vgg16", "vgg")],
)  # fmt: skip
def test_family(name, expected) -> None:
    """A family is the name up to its first digit, '_' or '-'."""
    assert family(name) == expected


def test_zoo_shape_never_imports_torch() -> None:
    """`shape` of the biggest zoo specs stays pure Python (DESIGN §2)."""
    code = (
        "import sys, cnncalc\n"
        "for n in ('efficientnet_b0', 'densenet121', 'googlenet'): cnncalc.analyze(n)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the new layer kinds -----------------------------------------------------------------


# (dsl on 6x5x16, weights by hand, MACs by hand)
LAYERS = [
    ("Id", 0, 0),
    ("SE:4", (16 + 1) * 4 + (4 + 1) * 16, 2 * 16 * 4),  # fc1 C→n with bias, fc2 n→C with bias
    ("SE:4silu", 148, 128),
    ("SE:8hsigmoid", (16 + 1) * 8 + (8 + 1) * 16, 2 * 16 * 8),
    ("SE:4hswishhsigmoid", 148, 128),
]


@pytest.mark.parametrize(("dsl", "weights", "macs"), LAYERS, ids=[c[0] for c in LAYERS])
def test_new_layer_figures(dsl, weights, macs) -> None:
    """Id and SE keep the shape; SE's weights and MACs are its two 1x1 convs."""
    report = cnncalc.analyze(dsl, input="6x5x16")
    assert report.output.dims == (6, 5, 16)
    assert (report.totals.weights, report.totals.macs) == (weights, macs)


@pytest.mark.parametrize(
    ("dsl", "message"),
    [("SE", "needs a number of squeeze channels"), ("SE:4relusilu", "activation is given twice"),
     ("SE:4sigmoidhsigmoid", "gate is given twice"), ("SE:4tanh", "unknown modifier 'tanh'"),
     ("Id:3", "takes no arguments")],
)  # fmt: skip
def test_new_layer_errors(dsl, message) -> None:
    """Bad SE and Id arguments are DSL errors that say what was expected."""
    with pytest.raises(cnncalc.DslError, match=message):
        cnncalc.analyze(dsl, input="6x5x16")


def test_se_canonical_text() -> None:
    """The `dsl` column gives text that parses back to the same layer."""
    report = cnncalc.analyze("SE:8hswishhsigmoid-SE:4", input="4x4x8")
    assert [r.dsl for r in report.rows] == ["SE:8hswishhsigmoid", "SE:4"]


# -- PyTorch as the oracle ---------------------------------------------------------------


# Small nets around the new kinds: (dsl, input). BN is left out of the saved-bytes check
# (PyTorch also keeps its running statistics there), the rest is compared exactly.
ORACLE = [
    ("Conv:3x3x16p1-SE:4", "8x8x16"),
    ("Conv:3x3x16p1-SE:4silu", "8x8x16"),
    ("Conv:3x3x16p1-SE:4hsigmoid", "8x8x16"),
    ("Conv:3x3x16p1-ReLU-SE:6hswishhsigmoid-Conv:1x1x8", "7x9x16"),
    ("Conv:3x3x16p1-Res(Conv:1x1x16-SE:4)", "8x8x16"),
    ("Conv:3x3x16p1-Cat(Id | Conv:1x1x8)-Cat(Id | ReLU-Conv:3x3x8p1)", "6x6x4"),
    ("Conv:3x3x8-Res(Id-Conv:1x1x8 | Id)", "6x6x3"),
]


@pytest.mark.parametrize(("dsl", "inp"), ORACLE, ids=[c[0] for c in ORACLE])
def test_new_layers_against_pytorch(dsl, inp) -> None:
    """The build of nets with Id and SE has the static weights and output shape, and
    FlopCounterMode counts 2·MACs forward and the static backward FLOPs; the tensors autograd
    saves add up to the static figure."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.torch.build import build

    batch = 2
    report = cnncalc.analyze(f"In:{inp}-{dsl}", batch=batch)
    module = build(f"In:{inp}-{dsl}").train()
    assert sum(p.numel() for p in module.parameters()) == report.totals.weights
    h, w, c = report.input.dims
    x = torch.randn(batch, c, h, w)
    storages: dict[int, int] = {}

    def pack(t):
        s = t.untyped_storage()
        storages[s.data_ptr()] = max(storages.get(s.data_ptr(), 0), s.nbytes())
        return t

    with FlopCounterMode(display=False) as counter:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            y = module(x)
        forward = counter.get_total_flops()
        y.sum().backward()
    oh, ow, oc = report.output.dims
    assert tuple(y.shape) == (batch, oc, oh, ow)
    assert forward == report.totals.flops
    assert counter.get_total_flops() - forward == report.totals.backward_flops
    params = {p.untyped_storage().data_ptr() for p in module.parameters()}
    saved = sum(n for ptr, n in storages.items() if ptr not in params)
    assert saved == report.totals.saved_bytes


def test_se_module_is_laid_out_as_torchvision() -> None:
    """SE builds torchvision.ops.SqueezeExcitation's layout: avgpool, fc1, fc2 (1x1 convs with
    bias), activation and scale_activation, so its state_dict keys are torchvision's."""
    torch = pytest.importorskip("torch")
    from cnncalc.ir import Shape
    from cnncalc.layers.extra import SE

    module = SE(8, "SiLU", "HSigmoid").to_torch(Shape((4, 4, 32)))
    assert sorted(module.state_dict()) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]
    assert isinstance(module.activation, torch.nn.SiLU)
    assert isinstance(module.scale_activation, torch.nn.Hardsigmoid)
    x = torch.randn(2, 32, 4, 4)
    pooled = x.mean((2, 3), keepdim=True)
    scale = module.scale_activation(module.fc2(module.activation(module.fc1(pooled))))
    torch.testing.assert_close(module(x), scale * x)


@pytest.mark.parametrize("name", ZOO)
def test_zoo_builds_match_pytorch(name) -> None:
    """Each zoo spec builds in PyTorch with the static weights, output shape and FLOPs.

    Through the public build() with its real CPU forward, at 64x64 to keep the suite fast;
    tests/test_build.py::test_builtin_spec_weights_shape_and_flops checks every built-in at
    its own 224x224 input on the meta device, forward and forward + backward."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.torch.build import build

    report = cnncalc.analyze(name, input="64x64x3")
    module = build(name, input="64x64x3").eval()
    assert sum(p.numel() for p in module.parameters()) == report.totals.weights
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = module(torch.randn(1, 3, 64, 64))
    assert tuple(y.shape) == (1, 1000)
    assert counter.get_total_flops() == report.totals.flops == 2 * report.totals.macs
