"""The decoder zoo (issue 11): `unet`, `dcgan` and `convnext_tiny` against PyTorch modules
written here with torch's own layers (not cnncalc's build), layer by layer: every layer with
weights, in order, has the reference's output shape, parameter count and FlopCounterMode
FLOPs; the totals are the published figures. And a U-Net's peak memory holds its skips.
"""

from __future__ import annotations

import pytest

import cnncalc

torch = pytest.importorskip("torch")

from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def double(cin: int, c: int) -> list[nn.Module]:
    """Two valid 3×3 convs with ReLU (Ronneberger et al. 2015, Fig. 1)."""
    return [nn.Conv2d(cin, c, 3), nn.ReLU(), nn.Conv2d(c, c, 3), nn.ReLU()]


class UNet(nn.Module):
    """The original U-Net: contracting path 64…512, bottleneck, expanding path with 2×2
    up-convolutions and copy-and-crop, a 1×1 conv to 2 classes."""

    def __init__(self, bottleneck: int = 1024) -> None:
        super().__init__()
        chans = [64, 128, 256, 512]
        self.down = nn.ModuleList()
        cin = 1
        for c in chans:
            self.down.append(nn.Sequential(*double(cin, c)))
            cin = c
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Sequential(*double(cin, bottleneck))
        cin = bottleneck
        self.ups = nn.ModuleList()
        self.dec = nn.ModuleList()
        for c in reversed(chans):
            self.ups.append(nn.ConvTranspose2d(cin, c, 2, stride=2))
            self.dec.append(nn.Sequential(*double(2 * c, c)))
            cin = c
        self.head = nn.Conv2d(cin, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for down in self.down:
            x = down(x)
            skips.append(x)
            x = self.pool(x)
        x = self.mid(x)
        for up, dec, skip in zip(self.ups, self.dec, reversed(skips), strict=True):
            x = up(x)
            h, w = x.shape[2:]
            top, left = (skip.shape[2] - h) // 2, (skip.shape[3] - w) // 2
            x = dec(torch.cat([skip[:, :, top : top + h, left : left + w], x], 1))
        return self.head(x)


def dcgan() -> nn.Module:
    """The PyTorch DCGAN tutorial's Generator (nz=100, ngf=64, nc=3)."""
    nz, ngf = 100, 64
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh(),
    )  # fmt: skip


class LayerNorm2d(nn.LayerNorm):
    """torchvision's LayerNorm2d: LayerNorm over the channels of an N×C×H×W map."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class LayerScale(nn.Module):
    """CNBlock's layer_scale parameter (C×1×1), as a module of its own here."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.full((c, 1, 1), 1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class CNBlock(nn.Module):
    """torchvision.models.convnext.CNBlock (stochastic depth left out: the identity in eval)."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.fc1, self.act, self.fc2 = nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c)
        self.scale = LayerScale(c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc2(self.act(self.fc1(self.norm(self.dw(x).permute(0, 2, 3, 1)))))
        return x + self.scale(y.permute(0, 3, 1, 2))


class ConvNeXtTiny(nn.Module):
    """torchvision.models.convnext_tiny's layers: block_setting 96/192/384/768 × 3/3/9/3."""

    def __init__(self) -> None:
        super().__init__()
        dims, depths = [96, 192, 384, 768], [3, 3, 9, 3]
        layers: list[nn.Module] = [nn.Conv2d(3, 96, 4, 4), LayerNorm2d(96, eps=1e-6)]
        for i, (c, n) in enumerate(zip(dims, depths, strict=True)):
            layers += [CNBlock(c) for _ in range(n)]
            if i < 3:
                layers += [LayerNorm2d(c, eps=1e-6), nn.Conv2d(c, dims[i + 1], 2, 2)]
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(LayerNorm2d(768, eps=1e-6), nn.Flatten(), nn.Linear(768, 1000))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(self.features(x)))


def weight_layers(module: nn.Module, x: torch.Tensor) -> list[tuple[tuple[int, ...], int, int]]:
    """(output shape as N×C×H×W, parameters, FLOPs) of every leaf module with parameters, in
    the order the forward pass calls them; on the meta device (FlopCounterMode counts from
    shapes). A Linear or LayerNorm inside a CNBlock works channel-last: its shape is turned
    back to N×C×H×W."""
    seen: list[tuple[nn.Module, tuple[int, ...], tuple[int, ...]]] = []
    leaves = [m for m in module.modules() if not list(m.children()) and list(m.parameters())]
    hooks = [
        m.register_forward_hook(lambda m, a, y: seen.append((m, tuple(a[0].shape), tuple(y.shape))))
        for m in leaves
    ]
    module.eval()
    with torch.no_grad():
        module(x)
    for h in hooks:
        h.remove()
    out = []
    for m, shape_in, shape_out in seen:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            m(torch.empty(shape_in, device="meta"))
        channel_last = len(shape_out) == 4 and type(m) in (nn.Linear, nn.LayerNorm)
        if channel_last:
            shape_out = (shape_out[0], shape_out[3], shape_out[1], shape_out[2])
        out.append((shape_out, sum(p.numel() for p in m.parameters()), counter.get_total_flops()))
    return out


def nchw(dims: tuple[int, ...]) -> tuple[int, ...]:
    return (1, dims[0]) if len(dims) == 1 else (1, dims[2], dims[0], dims[1])


# (spec, reference module, published weights, where the figure comes from)
ZOO = [
    # Ronneberger et al. 2015: "the network has 23 convolutional layers"; ~31.0M parameters as
    # commonly cited for the 64-channel original (the module above counts 31,030,658)
    ("unet", UNet, 31_030_658, "the U-Net module above (Fig. 1)"),
    # PyTorch DCGAN tutorial: the Generator module's parameters
    ("dcgan", dcgan, 3_576_704, "PyTorch DCGAN tutorial"),
    # torchvision ConvNeXt_Tiny_Weights.IMAGENET1K_V1.meta["num_params"]
    ("convnext_tiny", ConvNeXtTiny, 28_589_128, "torchvision num_params"),
]


@pytest.mark.parametrize(("name", "make", "weights", "source"), ZOO)
def test_zoo_layer_by_layer(name: str, make, weights: int, source: str) -> None:
    report = cnncalc.analyze(name)
    with torch.device("meta"):
        module = make()
        x = torch.empty(nchw(report.input.dims))
        reference = weight_layers(module, x)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            y = module(x)
    assert sum(p.numel() for p in module.parameters()) == weights, source
    assert report.totals.weights == weights, source
    assert tuple(y.shape) == nchw(report.output.dims)
    assert report.totals.flops == counter.get_total_flops()
    rows = [r for r in report.rows if not r.block and r.weights]
    ours = [(nchw(r.output.dims), r.weights, r.flops) for r in rows]
    assert len(ours) == len(reference)
    for row, mine, theirs in zip(rows, ours, reference, strict=True):
        assert mine == theirs, f"{name} {row.name}: cnncalc {mine}, PyTorch {theirs}"


def test_published_sizes() -> None:
    """Fig. 1 of the U-Net paper: 572×572×1 in, 388×388×2 out; the DCGAN tutorial's 64×64×3
    image from 1×1×100 noise; ConvNeXt-Tiny's MACs."""
    unet = cnncalc.analyze("unet")
    assert (unet.input.dims, unet.output.dims) == ((572, 572, 1), (388, 388, 2))
    assert sum(1 for r in unet.rows if r.kind in ("Conv", "ConvT")) == 23  # "23 conv layers"
    gan = cnncalc.analyze("dcgan")
    assert (gan.input.dims, gan.output.dims) == ((1, 1, 100), (64, 64, 3))
    # torchvision's _ops for convnext_tiny, 4.456 GFLOPS, counts multiply-accumulates (as its
    # resnet50's 4.09 does: the README's zoo table)
    assert round(cnncalc.analyze("convnext_tiny").totals.macs / 1e9, 3) == 4.456


# -- a U-Net's skips in its peak memory -----------------------------------------------------------
# Counted by hand in elements (fp32: ×4 B), batch 1, with the conventions of DESIGN §4: a
# layer's input and output are alive while it runs, element-wise layers (ReLU) work in place,
# Crop copies its window, and a skip stays alive from its conv to the Cat that reads it.
E1 = 568 * 568 * 64  # 20,647,936
E2 = 280 * 280 * 128  # 10,035,200
E3 = 136 * 136 * 256  # 4,734,976
E4 = 64 * 64 * 512  # 2,097,152
SKIPS = E1 + E2 + E3 + E4  # 37,515,264


def test_unet_peak_memory_by_hand() -> None:
    """The largest set alive is at the first decoder level's concatenation: e1, e2 and e3 held
    for the levels to come, the crop of e4 (56²·512, e4 itself freed once the crop has read
    it), the up-convolution's output (56²·512) and the concatenation (56²·1024): 41,840,640
    elements. The first level's two convs come next: input 570²·64 and output 568²·64 =
    41,441,536."""
    cat = E1 + E2 + E3 + 56 * 56 * 512 * 2 + 56 * 56 * 1024
    assert cat == 41_840_640
    assert 570 * 570 * 64 + E1 == 41_441_536
    report = cnncalc.analyze("unet")
    assert report.totals.peak_activation_bytes == 4 * cat


def test_unet_peak_memory_holds_its_four_skips(tmp_path) -> None:
    """With a wider bottleneck (4,096 channels) the largest set is at its second conv, and it
    holds all four skip tensors: e1 + e2 + e3 + e4 = 37,515,264 elements, plus the conv's
    input 30²·4096 and output 28²·4096: 44,412,928 elements, above the first decoder level's
    41,840,640 (without the skips the bottleneck's set would be 6,897,664)."""
    text = (cnncalc.specs.builtin_dir() / "unet.toml").read_text(encoding="utf-8")
    wide = tmp_path / "wide_unet.toml"
    wide.write_text(text.replace("$double(c=1024)", "$double(c=4096)"), encoding="utf-8")
    assert SKIPS + 30 * 30 * 4096 + 28 * 28 * 4096 == 44_412_928
    report = cnncalc.analyze(str(wide))
    assert report.totals.peak_activation_bytes == 4 * 44_412_928


def test_unet_train_memory_measured_within_10_percent() -> None:
    """`profile`'s measurement of one training step (saved_tensors_hooks, DESIGN §6) against
    the static estimate, on a U-Net of two levels small enough for the test suite."""
    small = (
        "In:44x44x1-Conv:3x3x8-ReLU-Conv:3x3x8-ReLU@e1-Pool:2/2-Conv:3x3x16-ReLU-Conv:3x3x16-ReLU"
        "-ConvT:2x2x8/2-Cat(&e1-Crop:32x32 | Id)-Conv:3x3x8-ReLU-Conv:3x3x8-ReLU-Conv:1x1x2"
    )
    report = cnncalc.profile(small, mode="infer", min_time=0.01, warmup=0, batch=2)
    memory = report.memory.train_bytes
    assert abs(memory.relative_error) <= 0.10, memory
