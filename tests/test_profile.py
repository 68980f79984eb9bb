"""`cnncalc profile` and `cnncalc.profile` (DESIGN §6): the report, its JSON schema, the timing
harness, and every error ending with one message and exit 2 (DESIGN §7).

Timings are never asserted against wall-clock targets here (bench/ does that by hand); runs
use a tiny --min-time to stay fast.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

import cnncalc
from cnncalc.errors import CnnCalcError
from cnncalc.specs import load_spec
from cnncalc.torch.build import torch_shape
from cnncalc.torch.profile import checked_options
from cnncalc.torch.timing import HostClock, percentile, summarize, time_runs

PROFILE = importlib.import_module("cnncalc.torch.profile")
FAST = ("--min-time", "0.02", "--warmup", "1")
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def describe(result) -> str:
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


# -- the harness, with a fake clock ----------------------------------------------------------


def test_time_runs_warms_up_then_times_until_min_time() -> None:
    calls = []
    clock = lambda fn: (fn(), 10.0)[1]
    times = time_runs(lambda: calls.append(1), clock, warmup=2, min_time=0.05)
    # 50 ms of timed runs at 10 ms each = 5 runs, after 2 untimed warm-up calls
    assert times == [10.0] * 5
    assert len(calls) == 7


def test_time_runs_makes_a_minimum_number_of_runs() -> None:
    times = time_runs(lambda: None, lambda fn: 1000.0, warmup=0, min_time=0.001)
    assert len(times) == 3  # MIN_RUNS, though one run alone exceeds min_time


def test_percentiles_interpolate_linearly() -> None:
    # 1..10: position (10 − 1)·q/100 → p10 at 0.9 → 1.9, p50 at 4.5 → 5.5, p90 at 8.1 → 9.1
    values = [float(v) for v in range(10, 0, -1)]
    assert percentile(values, 10) == pytest.approx(1.9)
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile(values, 90) == pytest.approx(9.1)
    lat = summarize(values, "test")
    assert (lat.median, lat.runs, lat.min, lat.max) == (5.5, 10, 1.0, 10.0)


def test_host_clock_measures_milliseconds() -> None:
    import time

    assert 4.0 <= HostClock()(lambda: time.sleep(0.005)) < 500


# -- the Python API ----------------------------------------------------------------------------


def test_profile_api_report() -> None:
    report = cnncalc.profile(
        "lenet5", mode="both", min_time=0.02, warmup=1, per_layer=True, batch=2, threads=1
    )
    # DESIGN §9 (seed 001): 61,706 weights
    assert report.weights.static == report.weights.measured == 61_706
    # FlopCounterMode as PyTorch ships it is the oracle: LeNet-5 has no grouped convolution,
    # the one case its formula over-counts (tests/test_build.py corrects for it)
    from torch.utils.flop_counter import FlopCounterMode

    module = cnncalc.build("lenet5")
    x = torch.randn(2, *torch_shape(report.input, 1)[1:])
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module.eval()(x)
    assert report.flops["forward"].measured == counter.get_total_flops()
    with FlopCounterMode(display=False) as counter:
        module.train()(x).sum().backward()
    assert report.flops["train"].measured == counter.get_total_flops()
    assert report.flops["forward"].diff == 0 and report.flops["train"].diff == 0
    for mode in ("infer", "train"):
        lat = report.latency_ms[mode]
        assert lat.runs >= 3 and lat.p10 <= lat.median <= lat.p90
        assert report.throughput[mode] == pytest.approx(2 / (lat.median / 1000))
    assert report.threads == 1
    assert [row.name for row in report.layers] == [r.name for r in cnncalc.analyze("lenet5").rows]
    assert all(0 < row.share <= 1 for row in report.layers)
    assert report.per_layer is not None and report.per_layer.runs >= 3
    assert abs(report.memory.train_bytes.relative_error) <= 0.10


def test_profile_restores_the_thread_count() -> None:
    before = torch.get_num_threads()
    cnncalc.profile("In:8x8x1-Conv:3x3x2", min_time=0.001, warmup=0, threads=1)
    assert torch.get_num_threads() == before


def test_spec_file_profile_table_gives_the_defaults(tmp_path) -> None:
    path = tmp_path / "net.toml"
    path.write_text('layers = "In:8x8x1-Conv:3x3x2"\n[profile]\nbatch = 3\nmode = "train"\n')
    options = checked_options(load_spec(path), threads=None, per_layer=False, batch=None,
                              mode=None, dtype="bf16")  # fmt: skip
    assert (options.batch, options.mode, options.dtype) == (3, "train", "bf16")
    assert (options.device, options.warmup, options.min_time) == ("cpu", 3, 1.0)  # README
    assert checked_options(load_spec(path), threads=None, per_layer=False, batch=5).batch == 5


@pytest.mark.parametrize(
    "options, words",
    [
        ({"dtype": "int8"}, "fp32, fp16 or bf16"),
        ({"mode": "fast"}, "unknown mode"),
        ({"device": "tpu"}, "unknown device"),
        ({"device": "cuda:99"}, "not available"),
        ({"optimizer": "lion"}, "unknown optimizer"),
        ({"min_time": float("inf")}, "min_time must be a positive number"),  # would never end
        ({"threads": 100_000}, "threads must be between 1 and"),  # libgomp crashes on these
    ],
)
def test_profile_api_errors(options, words) -> None:
    with pytest.raises(CnnCalcError, match=words):
        cnncalc.profile("lenet5", **{"min_time": 0.001, **options})


def test_profile_api_reads_the_spec_files_profile_table(tmp_path) -> None:
    """DESIGN §5: [profile] holds the defaults of profiling, for the API as for the CLI."""
    path = tmp_path / "net.toml"
    path.write_text('layers = "In:8x8x1-Conv:3x3x2"\n[profile]\nbatch = 3\nmin_time = 0.01\n')
    report = cnncalc.profile(path, warmup=0)
    assert report.batch == 3 and list(report.latency_ms) == ["infer"]
    assert cnncalc.profile(path, batch=2, warmup=0).batch == 2  # a given option wins


def test_infer_only_survives_a_training_step_that_cannot_run(monkeypatch) -> None:
    """Inference that fits, with a training step that does not (out of memory, a missing
    backward kernel): mode infer leaves the training figures out with a note; mode both is
    an error."""

    def no_memory(*args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate")

    monkeypatch.setattr(PROFILE, "measure_train_bytes", no_memory)
    report = cnncalc.profile("lenet5", mode="infer", min_time=0.01, warmup=0)
    assert report.latency_ms["infer"].runs >= 3
    assert report.flops["train"].measured is None
    assert any(n.startswith("training figures skipped: DefaultCPUAllocator") for n in report.notes)
    with pytest.raises(CnnCalcError, match="out of memory"):
        cnncalc.profile("lenet5", mode="both", min_time=0.01, warmup=0)


# -- the command -------------------------------------------------------------------------------


def test_profile_alexnet_json(cli) -> None:
    # --quiet: AlexNet's Conv:1 warning and a busy machine's timing-spread warning (issue 9)
    result = cli("profile", "alexnet", "--device", "cpu", "--format", "json", "--quiet", *FAST)
    assert result.exit_code == 0, describe(result)
    doc = json.loads(result.stdout)
    assert doc["schema"] == "cnncalc.profile/2"
    assert (doc["device"], doc["dtype"], doc["batch"]) == ("cpu", "fp32", 1)
    # DESIGN §9 (seed 000): 62,369,152 weights
    assert doc["weights"] == {"static": 62_369_152, "built": 62_369_152}
    # hand derivation in tests/test_build.py::test_alexnet_flops_by_hand
    assert doc["flops"]["forward"]["static"] == doc["flops"]["forward"]["measured"] == 2_270_512_192
    assert doc["flops"]["train"]["static"] == doc["flops"]["train"]["measured"] == 6_600_706_176
    for mode in ("infer", "train"):
        assert set(doc["latency_ms"][mode]) >= {"median", "p10", "p90", "runs"}
        assert isinstance(doc["latency_ms"][mode]["runs"], int)
        assert doc["throughput"][mode] > 0
    train_bytes = doc["memory"]["train_bytes"]
    assert isinstance(train_bytes["static"], int) and isinstance(train_bytes["measured"], int)
    names = [row["name"] for row in doc["layers"]]
    assert names == [r.name for r in cnncalc.analyze("alexnet").rows]
    assert result.stderr == ""


def test_profile_table_and_markdown(cli) -> None:
    table = cli("profile", "lenet5", "--per-layer", *FAST)
    assert table.exit_code == 0, describe(table)
    for words in ("Conv:1", "latency infer", "latency train", "training memory", "hooks",
                  "FlopCounterMode", "groups"):  # fmt: skip
        assert words in table.stdout, describe(table)
    markdown = cli("profile", "lenet5", "--format", "markdown", "--mode", "infer", *FAST)
    assert markdown.exit_code == 0, describe(markdown)
    assert "| Conv:1 |" in markdown.stdout and "latency train" not in markdown.stdout


def test_profile_says_when_pytorch_would_overcount(cli) -> None:
    result = cli("profile", "In:16x16x3-Conv:1x1x32-Conv:3x3x32p1g32", "--format", "json", *FAST)
    doc = json.loads(result.stdout)
    train = doc["flops"]["train"]
    assert train["measured"] == train["static"] < train["pytorch_uncorrected"]
    assert any("PyTorch's own formula" in note for note in doc["notes"])


def test_profile_uses_the_spec_files_defaults(cli, tmp_path) -> None:
    path = tmp_path / "net.toml"
    path.write_text('layers = "In:8x8x1-Conv:3x3x2"\n[profile]\nbatch = 2\nmode = "infer"\n')
    result = cli("profile", str(path), "--format", "json", *FAST)
    doc = json.loads(result.stdout)
    assert doc["batch"] == 2 and list(doc["latency_ms"]) == ["infer"]


@pytest.mark.parametrize(
    "args, words",
    [
        (("--device", "cuda:99"), "not available"),
        (("--device", "tpu"), "unknown device"),
        # PyTorch 2.13 has no fp16 avg_pool3d on the CPU, which LRN uses
        (("--dtype", "fp16", "--input", "8x8x4"), "not supported"),
        # BatchNorm cannot train on one value per channel
        (("--mode", "train", "--input", "16"), "--batch 2"),
    ],
)
def test_profile_user_errors(cli, user_error, args, words) -> None:
    spec = "In:8x8x4-Conv:3x3x4-LRN-Flatten-FC:4" if "fp16" in args else "FC:4-BN"
    if "tpu" in args or "cuda:99" in args:
        spec = "lenet5"
    user_error(cli("profile", spec, *args, *FAST), words)


def test_profile_without_torch(cli, user_error, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    user_error(cli("profile", "lenet5", *FAST), "pip install torch")


def test_profile_out_of_memory(cli, user_error, monkeypatch) -> None:
    def boom(*args, **kwargs):
        # the message PyTorch's CPU allocator raises
        raise RuntimeError(
            "DefaultCPUAllocator: can't allocate memory: you tried to allocate 99999999999 bytes"
        )

    monkeypatch.setattr(PROFILE, "_measure", boom)
    user_error(cli("profile", "lenet5", "--batch", "4096", *FAST), "out of memory", "--batch")


def test_profile_interrupted(cli, monkeypatch) -> None:
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    before = torch.get_num_threads()
    monkeypatch.setattr(PROFILE, "_measure", interrupt)
    result = cli("profile", "lenet5", "--threads", "1", *FAST)
    assert result.exit_code == 2, describe(result)
    assert "interrupted" in result.stderr and "Traceback" not in result.output
    assert torch.get_num_threads() == before


def test_profile_bad_option_value(cli) -> None:
    result = cli("profile", "lenet5", "--dtype", "int8")
    assert result.exit_code == 2, describe(result)


# -- imports -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        # importing cnncalc (and its CLI) never imports torch
        "import sys, cnncalc, cnncalc.cli; assert 'torch' not in sys.modules",
        # build and profile are there, and stay functions whichever module is imported first
        (
            "import cnncalc; m = cnncalc.build('In:4x4x1-FC:2'); import cnncalc.torch.profile;"
            " assert callable(cnncalc.profile); cnncalc.build('In:4x4x1-FC:2')"
        ),
        (
            "import cnncalc.torch.profile, cnncalc.torch.build, cnncalc;"
            " r = cnncalc.profile('In:4x4x1-FC:2', min_time=0.001);"
            " assert r.latency_ms['infer'].median > 0; cnncalc.build('In:4x4x1-FC:2')"
        ),
    ],
)
def test_imports(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True)


# -- CUDA (skipped without a GPU) ----------------------------------------------------------------


@CUDA
@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_cuda_profile(dtype: str) -> None:
    if dtype == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bf16")
    report = cnncalc.profile("alexnet", device="cuda", dtype=dtype, mode="both", min_time=0.2,
                             batch=8, per_layer=True)  # fmt: skip
    assert report.latency_ms["infer"].clock.startswith("torch.cuda.Event")
    assert report.flops["train"].diff == 0
    assert report.memory.infer_peak_bytes.measured > report.memory.weight_bytes.static
    assert report.memory.train_bytes.measured > report.memory.infer_peak_bytes.measured


@CUDA
def test_cuda_json(cli) -> None:
    result = cli("profile", "lenet5", "--device", "cuda", "--format", "json", *FAST)
    doc = json.loads(result.stdout)
    assert doc["device"].startswith("cuda") and doc["memory"]["infer_peak_bytes"]["measured"]


def test_diff_and_relative_error_share_a_sign() -> None:
    """issue 16: both say how far the measurement exceeds the prediction (schema /2)."""
    from cnncalc.torch.report import Figure

    over, under = Figure(static=90, measured=100), Figure(static=110, measured=100)
    assert (over.diff, over.relative_error) == (10, 0.1)  # 100 − 90, 10 / 100
    assert (under.diff, under.relative_error) == (-10, -0.1)
