"""`cnncalc run` (issue 12): the numpy forward and backward of every layer kind and block kind
against PyTorch (the oracle: cnncalc's own build, cnncalc/torch/build.py), values, init, the
command line and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.api import analyze, load
from cnncalc.dsl import parse
from cnncalc.ir import Node, Shape
from cnncalc.layers import BLOCKS, KINDS
from cnncalc.numeric.execute import execute, nchw
from cnncalc.numeric.init import DISTS, INITS
from cnncalc.numeric.params import Mode
from cnncalc.numeric.run import row_params, run
from cnncalc.torch.build import assemble
from tests.conftest import examples

RNG = np.random.default_rng(12)


def layer_of(kind: type) -> object:
    """The kind's own example (its EXAMPLE, else its bare name), parsed."""
    item = parse(kind.EXAMPLE or kind.NAMES[0]).items[0]
    assert isinstance(item, Node)
    return item.layer


def random_params(
    params: dict, rng: np.random.Generator | None = None, dtype: type = np.float32
) -> dict:
    """Random values for every parameter, running variances positive (BN)."""
    out = {}
    for name, p in params.items():
        a = (rng or RNG).normal(size=p.shape).astype(dtype)
        out[name] = np.abs(a) + 0.5 if "var" in name else a
    return out


def load_into(module: torch.nn.Module, values: dict) -> None:
    """Copy numpy parameters into a module by PyTorch's names (a suffix match: FC's Linear
    sits behind a Flatten as '1.weight')."""
    state = dict(module.named_parameters()) | dict(module.named_buffers())
    for name, a in values.items():
        keys = [k for k in state if k == name or k.endswith("." + name)]
        assert len(keys) == 1, (name, list(state))
        with torch.no_grad():
            state[keys[0]].copy_(torch.from_numpy(a))


# An input on which every kind's example runs: 9×7 so that pools leave remainders and
# adaptive windows overlap, 4 channels for groups, LRN and SE.
KIND_INPUT = Shape((9, 7, 4))
RUNNABLE = [k for k in KINDS if not k.SETS_INPUT]


@pytest.mark.parametrize("kind", RUNNABLE, ids=lambda k: k.NAMES[0])
@pytest.mark.parametrize("train", [False, True], ids=["infer", "train"])
def test_every_kind_matches_pytorch_forward_and_backward(kind: type, train: bool) -> None:
    """Registry-driven: a kind without forward_np fails here. Forward output and the input's
    gradient equal PyTorch's within float32 tolerance, at inference and in training (where
    sampling kinds are compared by their own properties instead)."""
    layer = layer_of(kind)
    x_shape = KIND_INPUT
    y_shape = layer.out_shape(x_shape)
    params = random_params(layer.params(x_shape))
    x = RNG.normal(size=nchw(x_shape, 3)).astype(np.float32)
    gy = RNG.normal(size=nchw(y_shape, 3)).astype(np.float32)
    y, back, *_ = layer.forward_np(x, params, Mode(train, np.random.default_rng(0)))
    assert y.shape == nchw(y_shape, 3)
    gx = back(gy)
    assert gx.shape == x.shape
    module = layer.to_torch(x_shape)
    load_into(module, params)
    module.train(train)
    xt = torch.from_numpy(x).requires_grad_()
    if train and kind.NAMES[0] in ("StochPool", "Drop", "Dropout", "DropPath"):
        return  # random in training: tests below check their rules
    yt = module(xt)
    (yt * torch.from_numpy(gy)).sum().backward()
    # float32 sums of many terms (FC's gradient sums 252) err by about 1e-7 of their terms'
    # size, so an element that cancels to near 0 is held to the array's scale, not its own
    want_y, want_gx = yt.detach().numpy(), xt.grad.numpy()
    scale_y, scale_gx = (max(1.0, float(np.abs(a).max())) for a in (want_y, want_gx))
    np.testing.assert_allclose(y, want_y, rtol=1e-4, atol=1e-5 * scale_y)
    np.testing.assert_allclose(gx, want_gx, rtol=1e-3, atol=1e-5 * scale_gx)


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.NAME)
def test_every_block_kind_has_a_numpy_merge(block: type) -> None:
    """Registry-driven: each block kind merges numpy outputs and splits the gradient back."""
    a, b = np.ones((1, 2, 3, 3), np.float32), np.full((1, 2, 3, 3), 2, np.float32)
    y, back = block.merge_np([a, b])
    grads = back(np.ones_like(y))
    assert len(grads) == 2 and all(g.shape == a.shape for g in grads)


NETS = [
    # every block kind, a labelled repeat, a flat tail
    (
        "In:12x12x3-Conv:3x3x8p1-BN-ReLU-Pool:2/2-Conv:3x3x8/2p1g2-LRN:3"
        "-Res(Conv:1x1x8-SE:4|Id)-Cat(AvgPool:3/1p1|Pool:3/1p1ceil|StochPool:3/1p1)"
        "-(Conv:1x1x8-ReLU)*2@pair-AdaptAvg:2x2-Flatten-FC:10-Tanh-FC:5-SM"
    ),
    "In:10x10x2-Conv:3x3x4psame-Res(Conv:3x3x4p1-BN-ReLU6-Conv:3x3x4p1|Conv:1x1x4)-GAP-FC:3",
    "In:16-FC:8-BN-SiLU-FC:4-GELU-Drop-FC:2",
    # references (issue 11): a skip read twice, its gradient summed over both branches
    "In:8x8x2-Conv:3x3x4p1@e1-Pool:2/2-Conv:3x3x4p1-Cat(&e1-Pool:2/2 | Id)-Res(&e1-AvgPool:2-Conv:1x1x8)",
]


@pytest.mark.parametrize("spec", NETS)
@pytest.mark.parametrize("train", [False, True], ids=["infer", "train"])
def test_whole_nets_match_pytorch_row_by_row(spec: str, train: bool, seed: int = 0) -> None:
    """Every row's output and every row's output gradient against the torch build's, both in
    float64: in float32 a saturated tanh's 1 − y² (or a gradient near zero) differs between
    two correct implementations by more than any fixed tolerance for some seeds. The 1e-6 is
    GELU's erf (Abramowitz & Stegun 7.1.26, |error| < 1.5·10⁻⁷), not float64 rounding."""
    if train:
        # sampling and dropout masks are random: their own tests check them
        spec = spec.replace("StochPool", "AvgPool").replace("Drop", "Id")
    rng = np.random.default_rng([zlib.crc32(spec.encode()), seed])  # not test order
    resolved = load(spec)
    report = analyze(resolved, batch=3)
    params = {r: random_params(ps, rng, np.float64)
              for r, ps in row_params(resolved.net.items, report).items()}  # fmt: skip
    x = rng.normal(size=nchw(report.input, 3))
    gy = rng.normal(size=nchw(report.output, 3))
    runs = execute(resolved.net.items, report, x, params, Mode(train, None), gy, show_all=True)
    module = assemble(resolved.net, report).double()
    for name, sub in module.rows.items():
        if params.get(name):
            load_into(sub, params[name])
    module.train(train)
    seen: dict[str, torch.Tensor] = {}

    def keep(name: str):
        def hook(mod, args, out):  # a fresh tensor per row, so each keeps its own gradient
            out = out * 1.0
            out.retain_grad()
            seen[name] = out
            return out

        return hook

    for name, sub in module.rows.items():
        sub.register_forward_hook(keep(name))
    y = module(torch.from_numpy(x))
    (y * torch.from_numpy(gy)).sum().backward()
    for r in runs:
        t = seen[r.name]
        want = t.detach().numpy()
        scale = max(1e-300, float(np.abs(want).max()))  # GELU's erf error is absolute
        np.testing.assert_allclose(r.stats.mean, want.mean(), rtol=1e-6, atol=1e-6 * scale)
        np.testing.assert_allclose(r.values, _hwc(want), rtol=1e-6, atol=1e-6 * scale)
        np.testing.assert_allclose(
            r.grad.std, t.grad.numpy().std(), rtol=1e-5, atol=1e-12, err_msg=r.name
        )  # fmt: skip  (atol: float64 noise beside gy ~ 1)


def _hwc(a: np.ndarray) -> np.ndarray:
    return a[0].transpose(1, 2, 0) if a.ndim == 4 else a[0]


def test_stochastic_pooling_samples_an_element_of_its_window() -> None:
    """Training: every output is one of its window's positive values (seed 000: chosen with
    p_i = a_i / Σ a_k), and the draws follow the probabilities: over many windows holding
    [1, 3] the larger is picked about 3/4 of the time."""
    from cnncalc.numeric.ops import stoch_pool

    x = np.tile(np.array([1.0, 3.0], np.float32), (1, 1, 1, 2000))  # 1×1×1×4000, windows 1×2
    y, back, probs = stoch_pool(x, (1, 2), (1, 2), ((0, 0), (0, 0)), np.random.default_rng(1))
    assert set(np.unique(y)) <= {1.0, 3.0}
    assert abs((y == 3.0).mean() - 0.75) < 0.03  # 2,000 draws: 3σ ≈ 0.029
    np.testing.assert_allclose(probs[0, 0, 0, :2], [0.25, 0.75])
    g = back(np.ones_like(y))
    assert g.sum() == y.size and set(np.unique(g)) <= {0.0, 1.0}


def test_run_never_imports_torch() -> None:
    """DESIGN §2: run is numpy only; shape and list import neither."""
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom cnncalc.cli import app\n"
        "r = CliRunner().invoke(app, ['run', 'seed000_conv_p1s2', '--backward'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent)  # fmt: skip
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_cli_choices_follow_the_init_module() -> None:
    """cli_run's --init and --init-dist choices are numeric/init.py's lists."""
    from cnncalc import cli_run

    assert tuple(m.value for m in cli_run.Init) == INITS
    assert tuple(m.value for m in cli_run.InitDist) == DISTS


def test_json_schema(cli) -> None:
    """cnncalc.run/1: layers with name, kind, output, values, mean, std, min, max, zeros."""
    result = cli("run", "In:4x4x1-Conv:3x3x2-ReLU-GAP-FC:3", "--format", "json", "--backward")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "cnncalc.run/1"
    assert [l["name"] for l in doc["layers"]] == ["Conv:1", "ReLU:1", "GAP:1", "FC:2"]
    conv = doc["layers"][0]
    assert conv["output"] == [2, 2, 2] and np.array(conv["values"]).shape == (2, 2, 2)
    for key in ("kind", "mean", "std", "min", "max", "zeros", "grad"):
        assert key in conv
    relu = doc["layers"][1]
    assert relu["min"] >= 0 and relu["zeros"] == np.mean(np.array(relu["values"]) == 0)


def test_same_seed_same_numbers_and_seed_changes_them() -> None:
    a = run("In:8x8x3-Conv:3x3x4-ReLU", seed=3)
    b = run("In:8x8x3-Conv:3x3x4-ReLU", seed=3)
    c = run("In:8x8x3-Conv:3x3x4-ReLU", seed=4)
    assert a.rows[0].stats == b.rows[0].stats != c.rows[0].stats


def test_too_large_is_refused_before_work(cli, user_error) -> None:
    """A pass that would not fit is one message, before any array exists."""
    user_error(cli("run", "In:20000x20000x64-Conv:3x3x64"), "too large")


def test_bn_training_on_one_value_per_channel(cli, user_error) -> None:
    user_error(cli("run", "In:8-FC:4-BN", "--train"), "--batch 2")
    assert cli("run", "In:8-FC:4-BN", "--train", "--batch", "4").exit_code == 0


# -- values: every malformed value is one message, exit 2 (house rule) ------------------------

SPEC = 'name = "v"\ninput = "3x3x1"\nlayers = "Conv:2x2x1-ReLU"\n[values]\n'


def write(tmp_path: Path, values: str) -> str:
    path = tmp_path / "v.toml"
    path.write_text(SPEC + values, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ("input = [[1, 2], [3, 4]]", ["input", "3×3"]),
        ("input = [[1, 2, 3], [3, 4], [5, 6, 7]]", ["ragged"]),
        ('input = [[1, 2, 3], [3, 4, "x"], [5, 6, 7]]', ["numbers", "str"]),
        ("input = [[1, 2, 3], [3, 4, nan], [5, 6, 7]]", ["finite"]),
        ("input = [[1, 2, 3], [3, 4, true], [5, 6, 7]]", ["numbers", "bool"]),
        ("input = [[1, 2, 3], [3, 4, 1e39], [5, 6, 7]]", ["finite"]),
        ("input = []", ["empty"]),
        ('"Cnov:1" = { weight = 1 }', ["Cnov:1", "Conv:1"]),
        ('"ReLU:1" = { weight = 1 }', ["ReLU:1", "without weights"]),
        ('"Conv:1" = { wieght = 1 }', ["wieght", "weight, bias"]),
        ('"Conv:1" = { weight = [[1, 2, 3]] }', ["Conv:1.weight", "2×2"]),
        ('"Conv:1" = 3', ["Conv:1", "table"]),
    ],
)
def test_malformed_values(tmp_path, cli, user_error, values, words) -> None:
    user_error(cli("run", write(tmp_path, values)), *words)


# Anything TOML can hold, nested a few levels.
TOML_VALUE = st.recursive(
    st.none().filter(lambda _: False)
    | st.booleans() | st.integers(-(10**40), 10**40) | st.floats(allow_nan=True)
    | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=examples(60))
@given(value=TOML_VALUE)
def test_any_value_is_accepted_or_one_message(value) -> None:
    """Whatever the input and weight hold, run either runs or says one thing (CnnCalcError):
    never a numpy error, a traceback or a memory blow-up."""
    from cnncalc import values as given_values
    from cnncalc.errors import CnnCalcError

    resolved = load("In:3x3x1-Conv:2x2x1")
    report = analyze(resolved)
    params = row_params(resolved.net.items, report)
    for table in ({"input": value}, {"Conv:1": {"weight": value}}, {"Conv:1": {"bias": value}}):
        try:
            x, arrays = given_values.resolve(dict(table), params, report.input, np.float32)
        except CnnCalcError:
            continue
        got = x if x is not None else next(iter(arrays["Conv:1"].values()))
        assert np.all(np.isfinite(got))


@settings(max_examples=examples(30))
@given(shape=st.lists(st.integers(0, 6), min_size=0, max_size=5), kind=st.sampled_from("fib"))
def test_any_npz_array_is_accepted_or_one_message(tmp_path_factory, shape, kind) -> None:
    """An .npz array of any shape and dtype: checked from its header before it is read."""
    from cnncalc.errors import CnnCalcError

    path = tmp_path_factory.mktemp("npz") / "v.npz"
    dtype = {"f": np.float64, "i": np.int32, "b": np.bool_}[kind]
    np.savez(path, **{"input": np.ones(shape, dtype), "Conv:1.weight": np.ones((1, 1, 2, 2))})
    try:
        report = run("In:3x3x1-Conv:2x2x1", values=path)
    except CnnCalcError:
        return
    assert kind in "fi" and tuple(shape) in ((3, 3, 1), (3, 3))
    assert report.given == ("Conv:1",) and report.input_given


def test_npz_values(tmp_path) -> None:
    """--values FILE.npz gives the same numbers as [values]."""
    path = tmp_path / "v.npz"
    x = np.arange(9, dtype=np.float32).reshape(3, 3)
    np.savez(path, **{"input": x, "Conv:1.weight": np.ones((2, 2)), "Conv:1.bias": np.array(1.0)})
    report = run("In:3x3x1-Conv:2x2x1", values=path)
    # 2×2 sums of 0..8 plus 1
    np.testing.assert_array_equal(report.rows[0].values[:, :, 0], [[9, 13], [21, 25]])
    assert report.given == ("Conv:1",) and report.input_given


# -- signal propagation (seed 002) ------------------------------------------------------------
# A stack of FC:512 (no bias) + ReLU on a standard normal input, fan_in = fan_out = 512. With
# Var(w) = s², a layer's pre-activation variance is 512·s²·E[x²], and a ReLU halves E[x²] of a
# symmetric input. He (s² = 2/512) keeps it: 2 at every FC row. Xavier (s² = 2/1024 = 1/512)
# halves it at every ReLU layer: 1, 1/2, 1/4, … BN (batch statistics) resets it to 1.
DEEP = "In:512-(FC:512nb-ReLU)*8"


def _fc_std(report) -> list[float]:
    return [r.stats.std for r in report.rows if r.kind == "FC"]


@settings(max_examples=examples(5))
@given(seed=st.integers(0, 2**32 - 1))
def test_he_keeps_a_deep_relu_stack_at_scale(seed: int) -> None:
    stds = _fc_std(run(DEEP, init="he", seed=seed, batch=128))
    per_layer = (stds[-1] / stds[0]) ** (1 / (len(stds) - 1))
    assert abs(per_layer - 1) < 0.05, stds
    assert abs(stds[0] - 2**0.5) < 0.1  # first layer: 512·(2/512)·E[x²] = 2


@settings(max_examples=examples(5))
@given(seed=st.integers(0, 2**32 - 1), dist=st.sampled_from(DISTS))
def test_xavier_halves_the_variance_at_every_relu(seed: int, dist: str) -> None:
    stds = _fc_std(run(DEEP, init="xavier", dist=dist, seed=seed, batch=128))
    variance_ratio = ((stds[-1] / stds[0]) ** 2) ** (1 / (len(stds) - 1))
    assert abs(variance_ratio - 0.5) < 0.05, stds


def test_bn_resets_the_scale() -> None:
    """With BN after each FC (training mode, batch statistics) every BN row has std ≈ 1,
    while the FC rows before them shrink by Xavier's 1/2 per layer no more."""
    report = run("In:512-(FC:512nb-BN-ReLU)*8", init="xavier", seed=1, batch=128, train=True)
    bn = [r.stats.std for r in report.rows if r.kind == "BN"]
    assert all(abs(s - 1) < 0.01 for s in bn), bn


# -- the decoder and normalisation operations (issue 11's kinds), against torch.nn.functional --
OPS_X = RNG.normal(size=(2, 6, 5, 7)).astype(np.float32)
GAMMA, BETA = RNG.normal(size=6).astype(np.float32), RNG.normal(size=6).astype(np.float32)
CONVT_W = {g: RNG.normal(size=(6, 12 // g, 3, 3)).astype(np.float32) for g in (1, 2, 3)}
CONVT_B = RNG.normal(size=12).astype(np.float32)


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a)


def _first_channels(op, x: np.ndarray, c: int, *args):
    """op on x's first c channels, its gradient given for all of x (zeros for the rest)."""
    y, back = op(x[:, :c], *args)
    return y, lambda g: np.concatenate([back(g), np.zeros_like(x[:, c:])], axis=1)


def _ops_cases() -> list:
    from cnncalc.numeric import norms as N
    from cnncalc.numeric import resample as R

    p = {"weight": GAMMA, "bias": BETA}
    cases = []
    for s, pad, op, d, g in [((2, 2), (1, 1), (1, 1), (1, 1), 1), ((2, 1), (0, 1), (1, 0), (1, 1), 2),
                             ((1, 2), (1, 0), (0, 1), (2, 2), 3)]:  # fmt: skip
        w = CONVT_W[g]
        cases.append((f"convT{s}{pad}{op}{d}g{g}",
                      lambda x, w=w, s=s, pad=pad, op=op, d=d, g=g: R.conv_transpose2d(x, w, CONVT_B, s, pad, op, d, g),
                      lambda x, w=w, s=s, pad=pad, op=op, d=d, g=g: F.conv_transpose2d(x, _t(w), _t(CONVT_B), s, pad, op, g, d)))  # fmt: skip
    for mode in ("nearest", "bilinear"):
        bil = mode == "bilinear"
        cases += [
            (f"up3-{mode}", lambda x, b=bil: R.upsample(x, (15, 21), 3, b),
             lambda x, m=mode: F.interpolate(x, scale_factor=3, mode=m)),
            (f"up-size-{mode}", lambda x, b=bil: R.upsample(x, (8, 11), None, b),
             lambda x, m=mode: F.interpolate(x, size=(8, 11), mode=m)),
        ]  # fmt: skip
    cases += [
        ("ps", lambda x: _first_channels(R.pixel_shuffle, x, 4, 2), lambda x: F.pixel_shuffle(x[:, :4], 2)),
        ("crop", lambda x: R.center_crop(x, 1, 1, 3, 4), lambda x: x[:, :, 1:4, 1:5]),
        ("ln", lambda x: N.layer_norm(x, p, 1e-6), lambda x: F.layer_norm(
            x.permute(0, 2, 3, 1), (6,), _t(GAMMA), _t(BETA), 1e-6).permute(0, 3, 1, 2)),
        ("gn", lambda x: N.group_norm(x, 3, p), lambda x: F.group_norm(x, 3, _t(GAMMA), _t(BETA))),
        ("in", lambda x: N.instance_norm(x, {}), lambda x: F.instance_norm(x)),
        ("scale", lambda x: N.scale(x, GAMMA), lambda x: x * _t(GAMMA).view(1, -1, 1, 1)),
        ("prelu", lambda x: N.prelu(x, GAMMA), lambda x: F.prelu(x, _t(GAMMA))),
        ("prelu1", lambda x: N.prelu(x, GAMMA[:1]), lambda x: F.prelu(x, _t(GAMMA[:1]))),
    ]  # fmt: skip
    return cases


@pytest.mark.parametrize(
    ("name", "ours", "theirs"), _ops_cases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_grid_and_norm_ops_match_pytorch(name, ours, theirs) -> None:
    """Forward and input gradient of cnncalc/numeric/resample.py and norms.py."""
    y, back = ours(OPS_X)
    xt = _t(OPS_X).requires_grad_()
    yt = theirs(xt)
    gy = RNG.normal(size=y.shape).astype(np.float32)
    (yt * _t(gy)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(back(gy), xt.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_drop_path_keeps_or_drops_whole_images() -> None:
    from cnncalc.numeric.norms import drop_path

    x = np.ones((400, 2, 2, 2), np.float32)
    y, back = drop_path(x, 0.25, np.random.default_rng(0))
    np.testing.assert_array_equal(back(np.ones_like(x)), y)  # the same mask backward
    per_image = y.reshape(400, -1)
    assert set(np.unique(per_image)) <= {0.0, np.float32(1 / 0.75)}
    assert (per_image == per_image[:, :1]).all()  # a whole image at once
    assert abs((per_image[:, 0] == 0).mean() - 0.25) < 0.07  # 400 draws: 3σ ≈ 0.065
    assert drop_path(x, 0.25)[0] is x  # inference: identity


def test_a_kind_without_numpy_is_one_message(monkeypatch) -> None:
    """A row run cannot compute (the torch reader's opaque rows) is a message naming it."""
    from cnncalc.errors import CnnCalcError
    from cnncalc.layers import GAP

    def missing(self, x, p, mode):
        raise NotImplementedError

    monkeypatch.setattr(GAP, "forward_np", missing)
    with pytest.raises(CnnCalcError, match="GAP:1"):
        run("In:4x4x2-Conv:1x1x2-GAP")


@pytest.mark.parametrize(
    "args",
    [
        ("lenet5", "--backward"),
        ("seed000_stochpool",),
        ("In:8x8x3-Res(Conv:3x3x3p1-BN-ReLU)@block-(Conv:1x1x4-ReLU)*2@pair-GAP-FC:10",),
    ],
)
def test_terminal_output_fits_80_columns(args) -> None:
    """On an 80-column terminal every line fits and no cell is cut (render/fit.py)."""
    from cnncalc.render.as_run import render_table
    from tests.test_width import assert_fits, on_terminal

    spec, *flags = args
    report = run(spec, backward="--backward" in flags)
    assert_fits(on_terminal(render_table(report), 80), 80)
