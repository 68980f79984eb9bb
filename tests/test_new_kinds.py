"""The layer kinds of issue 11 beyond the registry-driven tables (test_layers, test_oracle,
test_properties): the transposed convolution's FLOP convention against FlopCounterMode, the
instance-norm spelling, and hostile arguments that must end in one message with a caret."""

from __future__ import annotations

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.errors import DslError

# -- hostile arguments: one message, exit 2, a caret under the culprit ------------------------

HOSTILE = [
    # text                                           words in the message        under the caret
    ("In:8x8x3-ConvT:3x3x8/1000000000", ["passes cnncalc's limit"], "ConvT:3x3x8/1000000000"),
    ("In:8x8x3-Up:1000*4", ["passes cnncalc's limit"], "Up:1000"),
    ("In:8x8x3-Up:0", ["at least 1"], "0"),
    ("In:8x8x3-Crop:9x4", ["cannot crop 9×4 out of a 8×8 input"], "Crop:9x4"),
    ("In:8x8x3-PS:2", ["divisible by r² = 4, got 3"], "PS:2"),
    ("In:8x8x3-ConvT:3x3x8/2op2", ["output padding 2", "smaller than the stride"], "op2"),
    ("In:8x8x3-ConvT:3x3x8psame", ["'psame' is for Conv"], "psame"),
    ("In:2x2x3-ConvT:1x1x8p1", ["≤ 0", "(2 - 1)·1 - 2·1"], "ConvT:1x1x8p1"),
    ("In:8x8x3-ConvT:3x3x8g2", ["divisible by groups (2)"], "ConvT:3x3x8g2"),
    ("In:8x8x3-Up:2nearestbilinear", ["one of 'nearest' and 'bilinear'"], "bilinear"),
    ("In:10-Up:2", ["H×W×C input", "flat vector of 10"], "Up:2"),
    ("In:8x8x3-ConvT", ["kernel size and a number of filters"], "ConvT"),
    ("In:8x8x6-GN:4", ["4 groups do not divide the 6 channels"], "GN:4"),
    ("In:8x8x6-GN", ["number of groups"], "GN"),
    ("In:1x1x3-InstNorm", ["more than one position"], "InstNorm"),
    ("In:8x8x3-PReLU:4", ["PReLU:4 needs 4 channels"], "PReLU:4"),
    ("In:8x8x3-DropPath:2", ["between 0 and 1"], "2"),
    ("In:8x8x3-ReLU-In", ["In needs a shape", "IN, in capitals, or InstNorm"], "In"),
    ("In:8x8x3-Conv:3x3x8p8reflect", ["reflect padding of 8", "got 8"], "Conv:3x3x8p8reflect"),
    ("In:4x4x3-Conv:3x3x8p5circular", ["circular padding of 5"], "Conv:3x3x8p5circular"),
    ("In:8x8x3-Conv:3x3x8replicate", ["needs some"], "replicate"),
]


@pytest.mark.parametrize(("text", "words", "caret"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_arguments(text, words, caret, cli, user_error) -> None:
    """At the command line: exit 2 and one message; in the API: the caret's text."""
    user_error(cli("shape", text), *words)
    with pytest.raises(DslError) as info:
        cnncalc.analyze(text)
    err = info.value
    assert err.src[err.pos : err.end] == caret, err.render()


HOSTILE_PATTERNS = ["ConvT:3x3x{n}/{n}", "Up:{n}", "PS:{n}", "Crop:{n}", "Up:{n}x{n}",
                    "ConvT:1x1x2p{n}", "ConvT:2x2x2/2op{n}"]  # fmt: skip


@settings(max_examples=examples(40), deadline=None)
@given(
    kind=st.sampled_from(HOSTILE_PATTERNS),
    n=st.one_of(st.integers(0, 64), st.integers(10**8, 10**9 + 1)),
    repeat=st.integers(1, 6),
)
def test_hostile_numbers_end_in_one_message(kind, n, repeat) -> None:
    """Any number, any repeat: an answer or a DslError, never a traceback or a blow-up."""
    text = f"In:8x8x4-{kind.format(n=n)}*{repeat}"
    try:
        report = cnncalc.analyze(text)
    except DslError as err:
        assert err.msg and err.src == text
        return
    assert report.rows and all(side <= 10**9 for side in report.output.dims[:-1])


# -- the transposed convolution's FLOPs, as FlopCounterMode measures them ----------------------

# (C, F, K, S, P, OP, G, H, W): plain, U-Net's 2×2/2, grouped twice and four times, dilated.
CONVT = [(4, 8, 3, 2, 1, 1, 1, 5, 6), (8, 4, 2, 2, 0, 0, 1, 7, 7), (4, 8, 3, 2, 1, 1, 2, 5, 6),
         (8, 8, 4, 2, 1, 0, 4, 3, 5), (6, 4, 3, 3, 0, 2, 2, 4, 4)]  # fmt: skip


@pytest.mark.parametrize(("c", "f", "k", "s", "p", "op", "g", "h", "w"), CONVT)
def test_convt_flops_against_flop_counter(c, f, k, s, p, op, g, h, w) -> None:
    """Forward: 2·Hin·Win·C·K²·F/G per image, what FlopCounterMode counts (every input pixel
    scatters its kernel once, whatever the stride). Backward: grad-input the same again; the
    grad-weight is the same again too, but torch 2.13 counts it G times (the grouped-conv bug
    test_oracle pins), and cnncalc's profile corrects it as for Conv."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.api import load
    from cnncalc.torch.build import assemble
    from cnncalc.torch.flops import count_flops

    batch = 2
    macs = batch * h * w * c * k * k * f // g
    conv = torch.nn.ConvTranspose2d(c, f, k, stride=s, padding=p, output_padding=op, groups=g)
    x = torch.randn(batch, c, h, w, requires_grad=True)
    with FlopCounterMode(display=False) as forward:
        y = conv(x)
    with FlopCounterMode(display=False) as backward:
        y.sum().backward()
    assert forward.get_total_flops() == 2 * macs
    assert backward.get_total_flops() == 2 * macs + g * 2 * macs  # PyTorch: grad-weight ×G
    spec = f"In:{h}x{w}x{c}-Conv:1x1x{c}-ConvT:{k}x{k}x{f}/{s}p{p}op{op}g{g}"
    report = cnncalc.analyze(spec, batch=batch)
    row = report.rows[1]
    assert (row.flops, row.backward_flops) == (2 * macs, 4 * macs)
    net = assemble(load(spec).net, report)
    counted = count_flops(net, torch.randn(batch, c, h, w), train=True)
    assert counted.total == report.totals.flops + report.totals.backward_flops
    assert counted.rows[row.name] == 2 * macs + 4 * macs


# -- `cnncalc run`'s numpy forward and backward of the new kinds, beyond each kind's example ---

NUMPY_CASES = [
    ("ConvT:3x3x8/2p1op1", "5x6x4"),
    ("ConvT:3x5x6/2x3p1x2op1x2g2", "4x5x4"),
    ("ConvT:3x3x4d2op1/2nb", "4x3x2"),
    ("ConvT:2x2x3/3d2op2", "3x4x2"),  # OP ≥ S is allowed when below D
    ("ConvT:4x4x8/2p1g4", "3x3x4"),
    ("Up:3", "3x4x2"),
    ("Up:2bilinear", "3x4x2"),
    ("Up:7x9", "4x3x2"),
    ("Up:5x4bilinear", "4x6x2"),
    ("Up:3x2", "7x5x1"),  # a size below the input: nearest picks
    ("Up:3bilinear", "5x5x1"),
    ("PS:3", "2x3x18"),
    ("Crop:3x4", "8x9x2"),
    ("Conv:3x3x4p1reflect", "5x6x2"),
    ("Conv:3x3x4/2p2x1replicate", "5x6x2"),
    ("Conv:3x3x4p1circularg2", "5x6x2"),
    ("Conv:3x3x4/2psame", "8x7x2"),
    ("Conv:4x4x4/3psamereflect", "10x7x2"),
    ("LN", "3x4x5"),
    ("LN", "6"),
    ("GN:2", "3x4x6"),
    ("GN:3", "6"),
    ("InstNorm", "3x4x3"),
    ("Scale:0.5", "3x4x3"),
    ("Scale:2", "6"),
    ("PReLU", "3x4x3"),
    ("PReLU:3", "3x4x3"),
    ("PReLU:6", "6"),
]


@pytest.mark.parametrize(("dsl", "inp"), NUMPY_CASES, ids=[c[0] for c in NUMPY_CASES])
def test_numpy_forward_and_backward_match_pytorch(dsl, inp) -> None:
    """forward_np's output and input gradient equal the torch module's (float32 tolerance)."""
    torch = pytest.importorskip("torch")
    import numpy as np

    from cnncalc.dsl import parse
    from cnncalc.numeric.execute import nchw
    from cnncalc.numeric.params import Mode

    rng = np.random.default_rng(3)
    layer = parse(f"In:{inp}-{dsl}").items[0].layer
    x_shape = cnncalc.analyze(f"In:{inp}-{dsl}").input
    y_shape = layer.out_shape(x_shape)
    params = {k: rng.normal(size=p.shape).astype(np.float32)
              for k, p in layer.params(x_shape).items()}  # fmt: skip
    x = rng.normal(size=nchw(x_shape, 2)).astype(np.float32)
    gy = rng.normal(size=nchw(y_shape, 2)).astype(np.float32)
    y, back = layer.forward_np(x, params, Mode())
    module = layer.to_torch(x_shape)
    with torch.no_grad():
        for name, value in params.items():
            state = dict(module.named_parameters())  # a pad module may sit in front
            key = next(k for k in state if k == name or k.endswith("." + name))
            state[key].copy_(torch.from_numpy(value))
    xt = torch.from_numpy(x).requires_grad_()
    yt = module(xt)
    (yt * torch.from_numpy(gy)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(back(gy), xt.grad.numpy(), rtol=1e-3, atol=1e-5)


# -- IN: instance norm or the input? --------------------------------------------------------

SPELLINGS = [
    # text                       input        rows' kinds           (README: the IN rule)
    ("In:8x8x3-IN", (8, 8, 3), ["InstNorm"]),  # bare IN in capitals: instance norm
    ("IN:8x8x3-ReLU", (8, 8, 3), ["ReLU"]),  # with a shape, any case: the input, as before
    ("in:8x8x3-InstNorm-instancenorm", (8, 8, 3), ["InstNorm", "InstNorm"]),
    ("Input:4x4x2-Conv:1x1x2-IN", (4, 4, 2), ["Conv", "InstNorm"]),
]


@pytest.mark.parametrize(("text", "shape", "kinds"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_instance_norm_and_the_input(text, shape, kinds) -> None:
    """Every spec that worked keeps working: `In:shape` in any case is the input, `IN` alone
    (in capitals) and `InstNorm` are instance norm."""
    report = cnncalc.analyze(text)
    assert report.input.dims == shape
    assert [r.kind for r in report.rows] == kinds


def test_in_repeated_is_counted_before_unrolling() -> None:
    """`IN*N` is N rows (not an input marker counted as none): the row limit holds."""
    from cnncalc.dsl import MAX_ROWS

    with pytest.raises(DslError, match="rows"):
        cnncalc.analyze(f"In:8x8x3-IN*{MAX_ROWS + 1}")
