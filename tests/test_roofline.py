"""`cnncalc roofline` (issue 13): static figures by hand, presets, budgets, hostile flags, the
JSON schema, the plot, the cache of measured peaks, and the lower bound on this CPU."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.api import analyze
from cnncalc.errors import CnnCalcError
from cnncalc.roofline import Peaks, given_peaks, parse_rate, roofline
from tests.conftest import describe, examples

NET = "In:32x32x3-Conv:3x3x16p1-ReLU-FC:10"
PEAKS = Peaks("test", 1e12, 1e11, "by hand")  # 1 TFLOP/s, 100 GB/s: ridge 10 FLOP/B

# By hand, batch 2, fp32 (4 B). Conv:3x3x16p1 on 32×32×3: 32·32·16 outputs × 27 MACs = 442,368
# MACs an image; input 3,072, weights 27·16 + 16 = 448, output 16,384 elements an image.
# ReLU: input and output 16,384 each. FC:10 on 16,384: 163,840 MACs an image; weights
# (16,384 + 1)·10 = 163,850; output 10.
HAND = [
    # row      FLOPs                  bytes                                   bound
    ("Conv:1", 2 * 442_368 * 2, (2 * 3_072 + 448 + 2 * 16_384) * 4, "compute"),
    ("ReLU:1", 0, (2 * 16_384 + 2 * 16_384) * 4, "memory"),
    ("FC:2", 2 * 163_840 * 2, (2 * 16_384 + 163_850 + 2 * 10) * 4, "memory"),
]


def _roof(mode: str = "infer", net: str = NET, batch: int = 2) -> dict:
    rows = roofline(analyze(net, batch=batch), PEAKS, mode).rows
    return {r.name: r for r in rows}


@pytest.mark.parametrize(("name", "flops", "nbytes", "bound"), HAND)
def test_static_figures_by_hand(name: str, flops: int, nbytes: int, bound: str) -> None:
    row = _roof()[name]
    assert (row.flops, row.bytes, row.bound(PEAKS)) == (flops, nbytes, bound)
    floor_ms = max(flops / 1e12, nbytes / 1e11) * 1e3
    assert row.roofline_ms == pytest.approx(floor_ms, rel=1e-12)
    assert row.intensity == pytest.approx(flops / nbytes if nbytes else 0)


def test_floor_is_the_sum_and_shares_add_up() -> None:
    roof = roofline(analyze(NET, batch=2), PEAKS)
    expected = sum(max(f / 1e12, b / 1e11) * 1e3 for _, f, b, _ in HAND)
    assert roof.roofline_ms == pytest.approx(expected, rel=1e-12)
    assert sum(r.share for r in roof.rows) == pytest.approx(1.0)
    assert PEAKS.ridge == 10.0


def test_train_mode_adds_backward_by_the_existing_rule() -> None:
    """DESIGN §4: the first weight layer computes grad-weight only (1× forward), later ones
    grad-weight and grad-input (2×). Bytes: the backward of Conv:1 (no grad-input) reads the
    output's gradient and its input and writes the weights' gradient; ReLU's reads the
    output's gradient and its input and writes the input's gradient."""
    train, infer = _roof("train"), _roof("infer")
    assert train["Conv:1"].flops == 2 * infer["Conv:1"].flops
    assert train["FC:2"].flops == 3 * infer["FC:2"].flops
    assert train["Conv:1"].bytes == infer["Conv:1"].bytes + (2 * 16_384 + 2 * 3_072 + 448) * 4
    assert train["ReLU:1"].bytes == infer["ReLU:1"].bytes + 3 * 2 * 16_384 * 4


def test_a_view_moves_nothing_and_a_residual_add_reads_both_summands() -> None:
    rows = _roof(net="In:8x8x4-Flatten-FC:3", batch=1)
    assert (rows["Flatten:0"].bytes, rows["Flatten:0"].roofline_ms) == (0, 0.0)
    assert rows["Flatten:0"].bound(PEAKS) == "none"
    # Up writes a new tensor four times its input (nearest neighbour: no arithmetic)
    rows = _roof(net="In:8x8x4-Up:2", batch=1)
    assert rows["Up:0"].bytes == (8 * 8 * 4 + 16 * 16 * 4) * 4
    rows = _roof(net="In:8x8x4-Res(Conv:3x3x4p1)", batch=1)
    assert rows["Res:1"].bytes == 3 * 8 * 8 * 4 * 4  # two summands read, one sum written


# -- presets and the ceilings the user gives ---------------------------------------------


def test_presets_carry_the_datasheet_figures() -> None:
    # NVIDIA H200 datasheet: 4.8 TB/s; BF16 tensor 1,979 TFLOPS with sparsity → 989.4 dense
    h200 = given_peaks("bf16", "h200", None, None)
    assert (h200.peak_flops, h200.bandwidth) == (989.4e12, 4.8e12)
    assert "datasheet" in h200.method
    # the example: H100 SXM bf16 on the command line
    given = given_peaks("bf16", None, "989e12", "3.35T")
    assert given.ridge == pytest.approx(989e12 / 3.35e12)
    assert given_peaks("fp32", "h100", None, "2e12").bandwidth == 2e12  # an override


@given(st.text(max_size=20))
@settings(max_examples=examples(200))
def test_any_rate_text_is_a_positive_finite_rate_or_one_error(text: str) -> None:
    try:
        value = parse_rate(text, "--peak-flops")
    except CnnCalcError as exc:
        assert "--peak-flops" in str(exc)
    else:
        assert math.isfinite(value) and value > 0


HOSTILE = [
    (["--peak-flops", "-1", "--bandwidth", "1e9"], "--peak-flops"),
    (["--peak-flops", "0", "--bandwidth", "1e9"], "--peak-flops"),
    (["--peak-flops", "nan", "--bandwidth", "1e9"], "--peak-flops"),
    (["--peak-flops", "1e12", "--bandwidth", "inf"], "--bandwidth"),
    (["--peak-flops", "1e12", "--bandwidth", "1e999"], "--bandwidth"),
    (["--peak-flops", "fast", "--bandwidth", "1e9"], "--peak-flops"),
    (["--peak-flops", "1e12"], "--bandwidth"),
    ([], "--preset"),
    (["--preset", "h2000"], "did you mean 'h200'"),
    (["--preset", "m1-max", "--dtype", "bf16"], "no published peak for bf16"),
    (["--preset", "h200", "--device", "cpu"], "--device"),
    (["--preset", "h200", "--threads", "2"], "--device"),
    (["--preset", "h200", "--mode", "train", "--device", "cpu"], "--device"),
]


@pytest.mark.parametrize(("args", "word"), HOSTILE)
def test_hostile_flags_end_in_one_message(cli, user_error, args: list[str], word: str) -> None:
    user_error(cli("roofline", "alexnet", *args), word)


def test_json_schema(cli) -> None:
    result = cli("roofline", "alexnet", "--preset", "h200", "--format", "json")
    assert result.exit_code == 0, describe(result)
    doc = json.loads(result.stdout)
    assert doc["schema"] == "cnncalc.roofline/1"
    assert set(doc["device"]) >= {"name", "peak_flops", "bandwidth", "ridge", "method", "measured"}
    assert doc["device"]["measured"] is False
    layer_keys = {"name", "kind", "flops", "bytes", "intensity", "bound", "roofline_ms",
                  "measured_ms", "efficiency"}  # fmt: skip
    assert all(set(row) >= layer_keys for row in doc["layers"])
    assert set(doc["totals"]) >= {"roofline_ms", "measured_ms"}
    assert doc["totals"]["roofline_ms"] == pytest.approx(
        sum(r["roofline_ms"] for r in doc["layers"])
    )
    fc6 = next(r for r in doc["layers"] if r["name"] == "FC:6")
    # DESIGN §9: FC:6 has 37,748,736 weights (no bias); at batch 1 it is memory-bound
    assert fc6["bytes"] == (9216 + 37_748_736 + 4096) * 4 and fc6["bound"] == "memory"


def test_table_fits_80_columns() -> None:
    import io

    from rich.console import Console

    from cnncalc.api import analyze as an
    from cnncalc.render.as_roofline import render_table

    roof = roofline(an("alexnet"), given_peaks("fp32", "h200", None, None))
    buf = io.StringIO()
    Console(file=buf, width=80, no_color=True).print(render_table(roof))
    assert max(len(line) for line in buf.getvalue().splitlines()) <= 80
    assert "Conv:1" in buf.getvalue() and "FC:8" in buf.getvalue()


def test_static_roofline_never_imports_torch_or_numpy() -> None:
    code = (
        "import sys, contextlib, io\n"
        "import cnncalc.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: cnncalc.cli.app(['roofline', 'alexnet', '--preset', 'h200'],"
        " standalone_mode=False)\n"
        "    except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr


# -- budgets -------------------------------------------------------------------------------


def _spec(tmp_path: Path, budget: str) -> Path:
    path = tmp_path / "net.toml"
    path.write_text(f'name = "net"\ninput = "32x32x3"\nlayers = "{NET[11:]}"\n{budget}')
    return path


def test_budget_roofline_ms_passes_and_fails(cli, tmp_path: Path) -> None:
    # the floor of NET at batch 1 on the H200 (fp32: 67 TFLOP/s, 4.8 TB/s) is well under 1 µs
    path = _spec(tmp_path, "[budget.roofline_ms]\nh200 = 0.001\nrtx-4090 = 0.0000001\n")
    result = cli("check", str(path), "--format", "json")
    assert result.exit_code == 1, describe(result)
    checks = {c["metric"]: c for c in json.loads(result.stdout)["specs"][0]["checks"]}
    assert checks["roofline_ms.h200"]["status"] == "pass"
    assert checks["roofline_ms.rtx-4090"]["status"] == "fail"
    floor = roofline(analyze(str(path)), given_peaks("fp32", "h200", None, None)).roofline_ms
    assert checks["roofline_ms.h200"]["actual"] == pytest.approx(floor)


def test_budget_with_an_unknown_preset_is_bad_input(cli, user_error, tmp_path: Path) -> None:
    path = _spec(tmp_path, "[budget.roofline_ms]\nh201 = 1\n")
    user_error(cli("check", str(path)), "net.toml:5", "unknown device preset 'h201'")


# -- the plot ------------------------------------------------------------------------------


def test_plot_draws_every_weight_row(cli, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "roof.svg"
    result = cli("roofline", "alexnet", "--preset", "h200", "--plot", str(target))
    assert result.exit_code == 0, describe(result)
    svg = target.read_text()
    assert svg.startswith("<?xml") and all(f"FC:{n}" in svg for n in (6, 7, 8))


def test_plot_refuses_the_spec_file_and_keeps_it(cli, user_error, tmp_path: Path) -> None:
    path = _spec(tmp_path, "")
    before = path.read_bytes()
    same = tmp_path / "net.svg"
    same.symlink_to(path)  # the spec file under another name
    user_error(cli("roofline", str(path), "--preset", "h200", "--plot", str(same)), "spec file")
    assert path.read_bytes() == before
    user_error(cli("roofline", str(path), "--preset", "h200", "--plot", str(path)), "svg")
    user_error(cli("roofline", str(path), "--preset", "h200", "--plot", str(tmp_path)), "svg")
    missing = tmp_path / "no" / "such" / "roof.svg"
    user_error(cli("roofline", str(path), "--preset", "h200", "--plot", str(missing)), "directory")
    assert path.read_bytes() == before and not missing.parent.exists()


def test_plot_without_matplotlib_says_how_to_install(
    cli, user_error, monkeypatch, tmp_path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    target = tmp_path / "roof.png"
    user_error(cli("roofline", "alexnet", "--preset", "h200", "--plot", str(target)),
               'pip install "cnncalc[plot]"')  # fmt: skip
    assert not target.exists()


# -- measured: the cache of peaks, and the lower bound on this CPU ---------------------------


def _fake(peak: float = 1e11):
    from cnncalc.torch.roofline import Measured

    return Measured(peak_flops=peak, flops_median=peak, flops_p10=peak, flops_p90=peak, runs=3,
                    matmul_n=8, reference_flops=peak, bandwidth=1e10, copy_bandwidth=1e10,
                    read_bandwidth=9e9, stream_bytes=2**28, cache_bytes=2**25,
                    measured_at=0.0)  # fmt: skip


def test_cache_is_keyed_and_invalidated(monkeypatch, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from cnncalc.torch import roofline as measured

    calls: list[tuple[str, int]] = []

    def measure(dev, dtype, threads):
        calls.append((dtype, threads))
        return _fake(1e11 + len(calls))

    monkeypatch.setattr(measured, "measure_peaks", measure)
    path = tmp_path / "cache" / "peaks.json"
    cpu = torch.device("cpu")
    first = measured.device_peaks(cpu, "a cpu", "fp32", 2, path=path)[0]
    again = measured.device_peaks(cpu, "a cpu", "fp32", 2, path=path)[0]
    assert calls == [("fp32", 2)] and again.peak_flops == first.peak_flops  # from the cache
    measured.device_peaks(cpu, "a cpu", "fp32", 1, path=path)  # another thread count
    measured.device_peaks(cpu, "a cpu", "bf16", 2, path=path)  # another dtype
    measured.device_peaks(cpu, "another cpu", "fp32", 2, path=path)  # another machine
    assert len(calls) == 4
    fresh = measured.device_peaks(cpu, "a cpu", "fp32", 2, path=path, remeasure=True)[0]
    assert len(calls) == 5 and fresh.peak_flops != first.peak_flops
    keys = json.loads(path.read_text())["entries"]
    assert len(keys) == 4 and all(f"torch={torch.__version__}" in k for k in keys)


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "[]",
        '{"schema": "cnncalc.peaks/1", "entries": 3}',
        '{"schema": "cnncalc.peaks/1", "entries": {"k": {"x": 1}}}',
    ],
)
def test_a_corrupt_cache_is_measured_again(monkeypatch, tmp_path: Path, text: str) -> None:
    torch = pytest.importorskip("torch")
    from cnncalc.torch import roofline as measured

    monkeypatch.setattr(measured, "measure_peaks", lambda dev, dtype, threads: _fake())
    path = tmp_path / "peaks.json"
    path.write_text(text)
    peaks, _, details = measured.device_peaks(torch.device("cpu"), "c", "fp32", 1, path=path)
    assert peaks.peak_flops == 1e11 and "measured now" in dict(details)["peaks"]
    assert json.loads(path.read_text())["schema"] == "cnncalc.peaks/1"  # rewritten whole


def test_a_cache_entry_with_a_bad_rate_is_measured_again(monkeypatch, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from cnncalc.torch import roofline as measured

    path = tmp_path / "peaks.json"
    key = measured.cache_key("cpu", "c", "fp32", 1, torch.__version__)
    measured.write_cache(path, key, _fake(peak=-1.0))
    assert measured.read_cache(path, key) is None
    entry = json.loads(path.read_text())
    entry["entries"][key] = {**entry["entries"][key], "peak_flops": 1.0, "cache_bytes": "32M"}
    path.write_text(json.dumps(entry))
    assert measured.read_cache(path, key) is None
    measured.write_cache(path, key, _fake())
    assert measured.read_cache(path, key) == _fake()


def test_cuda_is_measured_only_where_there_is_one(cli, user_error) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is here: the measured test below covers it")
    user_error(cli("roofline", "lenet5", "--device", "cuda"), "not available")


def test_the_roofline_is_a_floor_on_this_cpu(monkeypatch, tmp_path: Path) -> None:
    """Issue 13: on the measured device every Conv and FC row of AlexNet whose bytes do not
    fit the last-level cache runs no faster than its roofline time (5% noise), and a row that
    does beat its floor says why."""
    pytest.importorskip("torch")
    import torch

    from cnncalc.api import load
    from cnncalc.torch.roofline import last_level_cache, measured_roofline

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    spec = load("alexnet")
    roof = measured_roofline(spec, analyze(spec), device="cpu", min_time=0.2, remeasure=True)
    cache = dict(roof.details)
    assert roof.peaks.measured and cache["peaks"].startswith("measured now")
    weight_rows = [r for r in roof.rows if r.kind in ("Conv", "FC")]
    assert len(weight_rows) == 8 and all(r.measured_ms for r in weight_rows)
    # Rows half as large again as the last-level cache cannot run from it (here FC:6 and FC:7,
    # 144 and 64 MiB, against a 32 MiB L3; 256 MiB when the size is unknown).
    big = 1.5 * (last_level_cache(torch.device("cpu")) or 2**28)
    for row in weight_rows:
        beats = row.roofline_ms > row.measured_ms * 1.05
        assert bool(row.note) == beats, row
        if row.bytes > big:
            assert not beats, (row, roof.peaks)
    fc6 = next(r for r in roof.rows if r.name == "FC:6")
    assert fc6.bytes > big and fc6.bound(roof.peaks) == "memory"


@settings(max_examples=examples(40))
@given(case=st.deferred(lambda: _nets()))
def test_generated_nets_have_a_consistent_roofline(case) -> None:
    """For any net the generator of tests/test_properties.py makes (every kind and block):
    each floor is the larger of its two times, the floor is their sum, and training never
    does less than inference, row by row."""
    shape = None if case.in_text else "x".join(map(str, case.input))
    report = analyze(case.dsl(), input=shape, batch=case.batch)
    infer, train = roofline(report, PEAKS), roofline(report, PEAKS, "train")
    assert [r.name for r in infer.rows] == [r.name for r in train.rows]
    for a, b in zip(infer.rows, train.rows):
        for r in (a, b):
            assert r.flops >= 0 and r.bytes >= 0
            assert r.roofline_ms == max(r.flops / 1e12, r.bytes / 1e11) * 1e3
            assert not r.flops or r.bytes  # arithmetic reads something
        assert b.flops >= a.flops and b.bytes >= a.bytes
    for roof in (infer, train):
        assert roof.roofline_ms == pytest.approx(sum(r.roofline_ms for r in roof.rows))
        assert not roof.roofline_ms or sum(r.share for r in roof.rows) == pytest.approx(1.0)


def _nets():
    from tests.test_properties import nets

    return nets()
