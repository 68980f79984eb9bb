"""PyTorch as the oracle (STYLE: "PyTorch is the oracle wherever it can be"): for every layer
kind, the module `layer.to_torch(x)` builds must agree with the static figures on output
shape, sum(p.numel()) and FlopCounterMode's count; whole chains agree on backward FLOPs and
on the bytes autograd saves. StochPool is left out here: its module has its own tests."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

# PyTorch's own note on an even kernel with padding='same' (it pads a copy): expected here.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")

from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnncalc
from cnncalc.analysis import Report, analyze_net
from cnncalc.api import load
from cnncalc.dsl import parse
from cnncalc.ir import Node, Shape
from cnncalc.layers import KINDS

BATCH = 2


def torch_shape(shape: Shape, batch: int = BATCH) -> tuple[int, ...]:
    """(H, W, C) → (N, C, H, W); (N,) → (batch, N)."""
    return (batch, shape.c) if shape.is_flat else (batch, shape.c, shape.h, shape.w)


# (dsl, input): non-square inputs, strides, groups, dilation, ceil mode, flat inputs.
CASES = [
    ("Conv:3x3x8", "8x8x3"),
    ("Conv:3x5x8/2x1p1x2", "9x11x3"),
    ("Conv:3x3x8d2p1", "10x7x4"),
    ("Conv:3x3x8g2/2", "9x9x4"),
    ("Conv:3x3x6g3nb", "7x7x6"),
    ("Conv:3x3x8g8p1", "6x5x8"),  # depthwise
    ("Conv:4x4x8psame", "7x9x3"),  # even kernel: PyTorch pads the extra one on the right
    ("Conv:3x3x8psamed2", "8x8x3"),
    ("Conv:3x3x16nbg4p2d2/2", "16x15x8"),
    ("Conv:11x11x96/4p3", "224x224x3"),  # seed 000 conv1 (55.75 → 55)
    # issue 11: padding modes, TensorFlow's 'same' with a stride (even and uneven padding)
    ("Conv:3x3x8p1reflect", "8x8x3"),
    ("Conv:3x5x8/2p1x2replicate", "9x11x3"),
    ("Conv:3x3x8p1circularg2", "6x5x4"),
    ("Conv:3x3x8psame/2", "9x9x3"),
    ("Conv:3x3x8/2psame", "8x8x3"),
    ("Conv:4x4x8/3psamereflect", "10x7x3"),
    ("Pool", "8x8x3"),
    ("Pool:3/2", "13x13x4"),
    ("MaxPool:3/2ceil", "8x10x2"),
    ("Pool:2/2p1ceil", "5x5x1"),  # the last window would start in the padding: dropped
    ("Pool:2x3/1x2", "6x7x1"),
    ("Pool:3/2p1", "7x7x2"),
    ("AvgPool:2", "9x9x2"),
    ("AvgPool:3/2p1ceil", "8x8x2"),
    ("AvgPool:2x3/2x1p1", "7x6x3"),
    ("GAP", "5x7x4"),
    ("AdaptAvg:2x3", "7x9x5"),
    ("AdaptAvg:1", "4x4x3"),
    ("AdaptAvg:6", "13x13x4"),
    ("FC:10", "4x5x3"),  # implicit flatten
    ("FC:10nb", "20"),
    ("Dense:7", "12"),
    ("Linear:3nb", "2x2x2"),
    ("Flatten", "3x4x5"),
    ("ReLU", "4x5x3"),
    ("ReLU6", "4x5x3"),
    ("LReLU", "4x5x3"),
    ("LReLU:0.2", "10"),
    ("Tanh", "4x5x3"),
    ("Sigmoid", "4x5x3"),
    ("GELU", "4x5x3"),
    ("SiLU", "4x5x3"),
    ("HSwish", "4x5x3"),
    ("HSigmoid", "4x5x3"),
    ("ELU", "4x5x3"),
    ("ELU:0.3", "10"),
    ("Mish", "4x5x3"),
    ("SM", "10"),
    ("Softmax", "3x3x4"),
    ("BN", "4x5x3"),  # BatchNorm2d
    ("BN", "10"),  # BatchNorm1d
    ("LRN", "4x4x8"),
    ("LRN:3", "5x5x6"),
    ("Drop", "4x5x3"),
    ("Drop:0.2", "10"),
    ("Id", "4x4x3"),
    ("SE:2", "4x4x8"),
    ("SE:2silu", "5x3x6"),
    ("SE:3hswishhsigmoid", "4x4x8"),
    # issue 11
    ("ConvT:2x2x8/2", "5x6x4"),
    ("ConvT:3x3x8/2p1op1", "5x6x4"),
    ("ConvT:3x5x6/2x3p1x2op1x2g2", "4x5x4"),
    ("ConvT:3x3x4d2op1/2nb", "4x3x2"),
    ("ConvT:4x4x512nb", "1x1x100"),  # DCGAN's first layer
    ("Up:2", "4x5x3"),
    ("Up:3bilinear", "4x4x2"),
    ("Up:7x9", "4x3x2"),
    ("Up:5x4bilinear", "4x6x2"),
    ("PS:2", "3x4x8"),
    ("PS:3", "2x2x18"),
    ("Crop:4x6", "7x9x3"),
    ("Crop:5", "5x5x1"),
    ("LN", "4x5x8"),  # LayerNorm2d
    ("LN", "10"),  # nn.LayerNorm
    ("GN:2", "4x5x4"),
    ("GN:3", "6"),
    ("InstNorm", "4x5x3"),
    ("IN", "3x3x2"),
    ("Scale", "4x5x3"),
    ("Scale:0.5", "10"),
    ("DropPath", "4x5x3"),
    ("DropPath:0.3", "10"),
    ("PReLU", "4x5x3"),
    ("PReLU:3", "4x5x3"),
    ("PReLU:10", "10"),
]

# Every registered kind, from the registry: StochPool's module is random and tested apart (its
# FLOPs are no matmul's), and the input has none.
ORACLE_KINDS = {k.NAMES[0] for k in KINDS if not k.SETS_INPUT} - {"StochPool"}


def single(dsl: str, inp: str) -> tuple[object, Report]:
    """The layer value and the batch-2 report of `In:inp-dsl`."""
    text = f"In:{inp}-{dsl}"
    (node,) = parse(text).items
    assert isinstance(node, Node)
    return node.layer, cnncalc.analyze(text, batch=BATCH)


@pytest.mark.parametrize(("dsl", "inp"), CASES, ids=[f"{c[0]}@{c[1]}" for c in CASES])
def test_layer_matches_pytorch(dsl, inp) -> None:
    """Output shape, trainable weights, buffers and forward FLOPs = PyTorch's own counts."""
    layer, report = single(dsl, inp)
    (row,) = report.rows
    module = layer.to_torch(report.input)
    x = torch.randn(torch_shape(report.input))
    with FlopCounterMode(display=False) as counter:
        y = module(x)
    assert tuple(y.shape) == torch_shape(row.output)
    assert sum(p.numel() for p in module.parameters()) == row.weights
    stats = [
        b for name, b in module.named_buffers() if name.endswith(("running_mean", "running_var"))
    ]
    assert sum(b.numel() for b in stats) == row.buffers
    assert counter.get_total_flops() == row.flops == 2 * row.macs


def test_every_kind_is_checked() -> None:
    """Each registered layer kind (but StochPool) has an oracle case above."""
    assert {single(dsl, inp)[1].rows[0].kind for dsl, inp in CASES} == ORACLE_KINDS


def chain(spec: str, batch: int = 1) -> tuple[nn.Module, Report]:
    """A plain chain built layer by layer with to_torch, and its static report."""
    resolved = load(spec)
    report = analyze_net(resolved.net, input=resolved.input, batch=batch)
    assert all(isinstance(item, Node) for item in resolved.net.items), "chains only"
    modules = [node.layer.to_torch(row.input) for node, row in zip(resolved.net.items, report.rows)]
    return nn.Sequential(*modules), report


CHAINS = [
    "In:8x8x3-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10",
    "In:8x8x3-ReLU-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10",
    "In:8x8x3-BN-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10",  # BN first: the conv needs grad-input
    "In:8x8x3-Conv:3x3x4p1-ReLU-Drop-Flatten-FC:10",
    "In:8x8x3-Conv:3x3x4p1-Tanh-AvgPool:2-FC:10-SM",
    "In:8x8x3-Pool-FC:10",
    "In:8x8x4-Conv:3x3x8p1g2-LRN-GELU-GAP-FC:10-Sigmoid",
    "In:8x8x4-Conv:3x3x8p1-AdaptAvg:2-HSwish-FC:10-LReLU-FC:4-SiLU",
    "In:20-FC:10-BN-ReLU6-FC:5-HSigmoid",
    "lenet5",
    "alexnet",
    # issue 11: up-convolutions first (no grad-input) and later, grouped, then resampling
    "In:5x5x4-ConvT:3x3x8/2p1op1g2-ReLU-Up:2-Crop:16x16-PS:2-Conv:3x3x4p1-GAP-FC:3",
    "In:12x12x2-Conv:3x3x8-Pool-ConvT:2x2x4/2g2-Up:3x4bilinear-Conv:1x1x2-Crop:2x3",
    "In:8x8x4-Conv:3x3x8p1-LN-Conv:1x1x8-GN:4-PReLU:8-Scale-DropPath:0.5-IN-GAP-FC:4-LN-PReLU",
    "In:8x8x4-Scale-GN:2-Conv:3x3x8-InstNorm-ReLU-Conv:3x3x4",  # weights before any conv
    # padding modes and TF 'same': what the pad and the conv keep, first and later
    (
        "In:9x9x3-Conv:3x3x8p1reflect-ReLU-Conv:3x3x8/2psame-Conv:3x3x4p1circular"
        "-Conv:4x4x4/3psamereplicate-Conv:3x3x4psame/2-GAP-FC:3"
    ),
    "In:9x9x3-Conv:3x3x8/2psame-Conv:3x3x8p2replicate",
]


@pytest.mark.parametrize("spec", CHAINS)
def test_chain_forward_and_backward_flops(spec) -> None:
    """DESIGN §4: the static backward figure equals what FlopCounterMode measures (the first
    weight layer computes no grad-input); forward likewise."""
    batch = 1 if spec == "alexnet" else BATCH
    model, report = chain(spec, batch)
    x = torch.randn(torch_shape(report.input, batch))
    with FlopCounterMode(display=False) as forward:
        y = model(x)
    with FlopCounterMode(display=False) as backward:
        y.sum().backward()
    assert tuple(y.shape) == torch_shape(report.output, batch)
    assert sum(p.numel() for p in model.parameters()) == report.totals.weights
    assert forward.get_total_flops() == report.totals.flops
    assert backward.get_total_flops() == report.totals.backward_flops + torch_overcount(
        model, report
    )


def torch_overcount(model: nn.Module, report: Report) -> int:
    """FlopCounterMode in torch 2.13 counts a grouped conv's grad-weight G times over: its
    conv_backward_flop takes the full input channels, not C/G (fixed upstream by
    pytorch/pytorch#183405, "Per-group conv; the transposed shapes lose the group
    division"). The static figure is the true count, 2·MACs; this is the excess."""
    excess = 0
    for module, row in zip(model, report.rows):
        groups = getattr(module, "groups", 1)
        convs = (nn.Conv2d, nn.ConvTranspose2d)  # the transposed one likewise (issue 11)
        if isinstance(module, convs) and groups > 1 and row.backward_flops:
            excess += (groups - 1) * 2 * row.macs
    return excess


def test_grouped_conv_backward_overcount() -> None:
    """The upstream FlopCounterMode bug above, pinned, so that a torch upgrade that fixes it
    shows up here: Conv:3x3x8p1g2 on 8×8×4 (batch 2) is 2·8·8·8·3·3·2 = 18,432 MACs; its
    grad-weight is 2·18,432 = 36,864 FLOPs, FlopCounterMode says twice that."""
    conv = nn.Conv2d(4, 8, 3, padding=1, groups=2)
    y = conv(torch.randn(2, 4, 8, 8))
    with FlopCounterMode(display=False) as counter:
        y.sum().backward()
    assert counter.get_total_flops() == 2 * 36_864


def saved_bytes(model: nn.Module, x: torch.Tensor) -> int:
    """Bytes autograd saves for backward, each storage once, weights and buffers left out."""
    owned = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in owned:
            seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    return sum(seen.values())


@pytest.mark.parametrize("spec", [c for c in CHAINS if "BN" not in c])
def test_saved_for_backward(spec) -> None:
    """README: what each layer kind saves was read off saved_tensors_hooks; the static
    figure must equal the hook's count for the whole chain."""
    model, report = chain(spec, BATCH)
    x = torch.randn(torch_shape(report.input))
    assert saved_bytes(model, x) == report.totals.saved_bytes


ROW_KINDS = [k for k in KINDS if not k.SETS_INPUT]


@pytest.mark.parametrize("kind", ROW_KINDS, ids=[k.NAMES[0] for k in ROW_KINDS])
def test_every_kind_saves_what_it_says(kind) -> None:
    """Each registered kind's example after a conv (so its input needs a gradient): the static
    saved bytes equal what saved_tensors_hooks sees, so a kind added to the registry is held to
    what autograd really keeps."""
    model, report = chain(f"In:8x8x8-Conv:3x3x8p1-{kind.EXAMPLE or kind.NAMES[0]}", BATCH)
    x = torch.randn(torch_shape(report.input))
    assert saved_bytes(model, x) == report.totals.saved_bytes


def test_saved_for_backward_bn() -> None:
    """BN also saves its per-channel batch mean and inverse std (2·C float32 values); the
    estimate counts them too (layers/norm.py, issue 9), so everything matches."""
    spec = "In:8x8x3-BN-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10"
    model, report = chain(spec, BATCH)
    x = torch.randn(torch_shape(report.input))
    assert saved_bytes(model, x) == report.totals.saved_bytes


class SeedLeNet5(nn.Module):
    """seed 001 (001_dcaa228583329770.txt, "Pytorch로 LeNet-5 구현하기"), as written there."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, stride=1)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5, stride=1)
        self.conv3 = nn.Conv2d(16, 120, kernel_size=5, stride=1)
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The seed prints x_1 … x_8; return the same tensors."""
        x1 = torch.tanh(self.conv1(x))
        x2 = nn.functional.avg_pool2d(x1, 2, 2)
        x3 = torch.tanh(self.conv2(x2))
        x4 = nn.functional.avg_pool2d(x3, 2, 2)
        x5 = torch.tanh(self.conv3(x4))
        x7 = torch.tanh(self.fc1(x5.view(-1, 120)))
        x8 = self.fc2(x7)
        return [x1, x2, x3, x4, x5, x7, x8]


def test_lenet5_against_the_seeds_own_model() -> None:
    """The built-in lenet5 has the seed model's parameter count and every printed shape."""
    seed = SeedLeNet5()
    shapes = [tuple(t.shape[1:]) for t in seed(torch.randn(1, 1, 32, 32))]
    report = cnncalc.analyze("lenet5")
    rows = {r.name: r for r in report.rows}
    # x_1 … x_5, then x_7 = tanh(fc1(x)) and x_8 = fc2(x)
    names = ["Tanh:1", "AvgPool:1", "Tanh:2", "AvgPool:2", "Tanh:3", "Tanh:4", "FC:5"]
    assert shapes == [torch_shape(rows[n].output, 1)[1:] for n in names]
    assert sum(p.numel() for p in seed.parameters()) == report.totals.weights == 61_706
