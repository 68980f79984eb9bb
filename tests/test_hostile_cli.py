"""Issue 9 at the command line's edges: one settings rule for every command, warnings folded and
silenced, profile's output and bounds, the output streams, and the Python API's arguments.

Stream tests run `python -m cnncalc` in a subprocess: CliRunner has no real file descriptors.
Expected figures come from hand arithmetic on tiny nets (written next to each) or DESIGN §9.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import describe, examples
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.api import MAX_BATCH, CnnCalcTypeError, CnnCalcValueError, analyze, load
from cnncalc.errors import CnnCalcError
from cnncalc.render.output import warning_lines
from cnncalc.settings import resolve as resolve_settings

# In:8x8x1-Conv:3x3x2: output 6×6×2 = 72 elements, (3·3·1 + 1)·2 = 20 weights.
TINY = "In:8x8x1-Conv:3x3x2"
TINY_NODES = 72
TINY_WEIGHTS = 20

# A spec whose [profile] says batch 4, fp16, adam.
PROFILED = """name = "profiled"
layers = "In:8x8x1-Conv:3x3x2"
[profile]
batch = 4
dtype = "fp16"
optimizer = "adam"
"""

# 1×1 input, Conv 1×1 stride 3 pad 1: (1 - 1 + 2) / 3 + 1 = 1.67 → 1, the one window reads
# the leading padding and the input row is ignored, so every copy of the repeat gives the very
# same warning (issue 9: 12 lines of it before; issue 15: a remainder of padding only would be
# a note, not a warning).
REPEATED_WARNING = "In:1x1x3-(Conv:1x1x3p1/3-ReLU)*12"

# Issue 9: hostile input ends within 2 s and 500 MB. Each case takes 0.2–0.6 s on an idle
# machine, start-up included; the bound leaves room for a loaded CI runner, not for a hang.
SECONDS = 4.0
MAX_RSS_KB = 500 * 1024


def cnncalc_run(
    *args: str, env: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """`python -m cnncalc ARGS` in a subprocess, bytes out."""
    return subprocess.run(
        [sys.executable, "-m", "cnncalc", *args],
        check=False,
        capture_output="stdout" not in kwargs,
        env={**os.environ, **(env or {})},
        timeout=120,
        cwd=Path(__file__).parent.parent,
        **kwargs,
    )


@pytest.fixture
def profiled(tmp_path: Path) -> Path:
    path = tmp_path / "profiled.toml"
    path.write_text(PROFILED)
    return path


# -- item 1: one rule for batch, dtype and optimizer -----------------------------------------


def test_settings_rule_given_then_spec_then_default(profiled: Path) -> None:
    spec = load(profiled)
    s = resolve_settings(spec)
    assert (s.batch, s.dtype, s.optimizer) == (4, "fp16", "adam")
    s = resolve_settings(spec, batch=2, dtype="fp64", optimizer="sgd")
    assert (s.batch, s.dtype, s.optimizer) == (2, "fp64", "sgd")
    s = resolve_settings(load(TINY))  # DSL text has no [profile]: the defaults
    assert (s.batch, s.dtype, s.optimizer) == (1, "fp32", "sgd")


def test_shape_applies_the_specs_profile(cli, profiled: Path) -> None:
    """Issue 9: shape ignored [profile] while check and diff applied it."""
    result = cli("shape", str(profiled), "--format", "json")
    assert result.exit_code == 0, describe(result)
    doc = json.loads(result.stdout)
    assert (doc["batch"], doc["dtype"], doc["optimizer"]) == (4, "fp16", "adam")
    # 72 output elements × batch 4 × 2 bytes (fp16)
    assert doc["totals"]["activation_bytes"] == TINY_NODES * 4 * 2
    # adam keeps 2 states per weight: 20 weights × 2 bytes × 2, and a float32 step counter per
    # parameter tensor (the conv's weight and bias): 2 × 4 bytes
    assert doc["totals"]["optimizer_bytes"] == TINY_WEIGHTS * 2 * 2 + 2 * 4


def test_shape_option_given_wins_over_the_spec(cli, profiled: Path) -> None:
    result = cli("shape", str(profiled), "--format", "json", "--batch", "3", "--dtype", "fp32")
    doc = json.loads(result.stdout)
    assert (doc["batch"], doc["dtype"], doc["optimizer"]) == (3, "fp32", "adam")
    assert doc["totals"]["activation_bytes"] == TINY_NODES * 3 * 4


def test_api_analyze_applies_the_specs_profile(profiled: Path) -> None:
    report = analyze(profiled)
    assert (report.batch, report.dtype, report.optimizer) == (4, "fp16", "adam")
    assert analyze(profiled, batch=1).batch == 1


# -- item 2: warnings folded, and --quiet ----------------------------------------------------

WARNING_CASES = [
    # (row, message) pairs                                   lines
    ([("Conv:1", "m")], ["Conv:1: m"]),
    ([("Conv:1", "m"), ("Conv:1", "m")], ["Conv:1: m (×2)"]),
    ([("Conv:1", "m"), ("Conv:2", "m")], ["Conv:1, Conv:2: m"]),
    ([(f"Conv:{i}", "m") for i in range(1, 13)], ["Conv:1, Conv:2, Conv:3 and 9 more rows: m"]),
    ([("Conv:1", "m"), ("Conv:2", "m"), ("Conv:3", "m"), ("Conv:4", "m")],
     ["Conv:1, Conv:2, Conv:3 and 1 more row: m"]),
    ([("A", "x"), ("B", "y"), ("C", "x")], ["A, C: x", "B: y"]),  # first appearance order
]  # fmt: skip


@pytest.mark.parametrize("warnings, lines", WARNING_CASES)
def test_warning_lines(warnings, lines) -> None:
    assert warning_lines(warnings) == lines


@given(st.lists(st.tuples(st.sampled_from("ABCDE"), st.sampled_from("xyz")), max_size=40))
@settings(max_examples=examples(100), deadline=None)
def test_warning_lines_one_per_distinct_message(warnings) -> None:
    lines = warning_lines(warnings)
    assert len(lines) == len({m for _, m in warnings})
    for line, message in zip(lines, dict.fromkeys(m for _, m in warnings)):
        assert line.split(": ", 1)[1].startswith(message)


def test_shape_folds_repeated_warnings(cli) -> None:
    result = cli("shape", REPEATED_WARNING)
    assert result.exit_code == 0, describe(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, describe(result)
    assert lines[0].startswith("warning: Conv:1, Conv:2, Conv:3 and 9 more rows: non-integer")


@pytest.mark.parametrize(
    "args",
    [
        ["shape", REPEATED_WARNING],
        ["shape", "nin", "--format", "json"],  # (224 - 11) / 4 + 1 = 54.25: input ignored
        ["diff", "alexnet", REPEATED_WARNING.replace("*12", "*2")],
        ["check", "nin"],
        ["check", "nin", "--format", "junit"],
    ],
)
def test_quiet_silences_warnings(cli, args) -> None:
    loud = cli(*args)
    assert "warning:" in loud.stderr, describe(loud)  # there is something to silence
    for flag in ("--quiet", "-q"):
        result = cli(*args, flag)
        assert result.exit_code == loud.exit_code, describe(result)
        assert result.stderr == "", describe(result)
        assert result.stdout == loud.stdout


def test_profile_quiet(cli) -> None:
    args = ["profile", REPEATED_WARNING.replace("*12", "*2"), "--min-time", "0.001",
            "--warmup", "0", "--mode", "infer"]  # fmt: skip
    assert "warning: Conv:1, Conv:2: non-integer" in cli(*args).stderr
    quiet = cli(*args, "-q")
    assert quiet.exit_code == 0, describe(quiet)
    assert quiet.stderr == "", describe(quiet)


# -- item 3: profile's output ----------------------------------------------------------------


def _profile(**options):
    return cnncalc.profile("lenet5", min_time=0.001, warmup=0, **options)


def test_profile_in_a_pipe_is_plain_text(cli) -> None:
    result = cli("profile", "lenet5", "--min-time", "0.001", "--warmup", "0", "-q")
    assert result.exit_code == 0, describe(result)
    assert not set(result.stdout) & set("│┃━─┏┗╭╰"), describe(result)
    lines = result.stdout.splitlines()
    assert lines[1].split()[:3] == ["layer", "output", "weights"]
    # DESIGN §9 (seed 001): LeNet-5's Conv:1 has 156 weights, the total is 61,706
    assert lines[2].split()[:3] == ["Conv:1", "28×28×6", "156"]
    assert "static 61,706, built 61,706 (equal)" in result.stdout


@pytest.mark.parametrize("width", [40, 80, 120])
def test_profile_table_fits_the_terminal(width: int) -> None:
    """Issue 9: no line wider than the terminal, no number cut with '…'."""
    import io

    from rich.console import Console

    from cnncalc.render import as_profile

    report = _profile(mode="both", per_layer=True)
    buf = io.StringIO()
    Console(file=buf, width=width, force_terminal=True, color_system=None).print(
        as_profile.render_table(report)
    )
    text = buf.getvalue()
    assert "…" not in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width, text
    for figure in ("61,706", "235.2k", "48,120"):  # seed 001 weights; 2·117,600 MACs of Conv:1
        assert figure in text, text


def test_spread_warning() -> None:
    from cnncalc.torch.report import Latency
    from cnncalc.torch.timing import spread_warnings

    def lat(p10: float, p90: float) -> Latency:
        return Latency(median=p10, p10=p10, p90=p90, runs=10, mean=p10, min=p10, max=p90,
                       total_s=1.0, clock="test")  # fmt: skip

    assert spread_warnings({"infer": lat(1.0, 1.5)}) == ()  # 1.5 is not wider than 1.5
    ((what, message),) = spread_warnings({"infer": lat(1.0, 1.0), "train": lat(2.0, 4.0)})
    assert what == "latency train"
    assert "2.0×" in message and "busy" in message and "unreliable" in message
    assert spread_warnings({"infer": lat(0.0, 1.0)})  # p10 of 0 cannot hide a spread


def test_no_numpy_warning_and_shape_imports_neither_torch_nor_numpy() -> None:
    result = cnncalc_run("profile", TINY, "--min-time", "0.001", "--warmup", "0")
    assert result.returncode == 0, result.stderr.decode()
    assert b"NumPy" not in result.stderr and b"numpy" not in result.stderr
    result = cnncalc_run("shape", "alexnet", env={"PYTHONPROFILEIMPORTTIME": "1"})
    imported = [line for line in result.stderr.decode().splitlines() if "import time" in line]
    assert imported, "importtime printed nothing"
    assert not [line for line in imported if "numpy" in line or "torch" in line]


# -- item 4: hostile option values -----------------------------------------------------------

HOSTILE = [
    # args                                              words in the one error line
    (["profile", "lenet5", "--batch", str(10**30)], "batch must be between 1 and"),
    (["profile", "lenet5", "--batch", str(10**11)], "static estimate"),
    (["profile", "lenet5", "--min-time", "1e308"], "at most 3600"),
    (["profile", "lenet5", "--min-time", "inf"], "at most 3600"),
    (["profile", "lenet5", "--warmup", str(10**12)], "warmup must be between 0 and 10,000"),
    (["profile", "lenet5", "--threads", str(10**20)], "threads must be between 1 and"),
    (["shape", "alexnet", "--batch", str(10**30)], "batch must be between 1 and"),
    (["shape", "alexnet", "--batch", str(10**400)], "batch must be between 1 and"),
]  # fmt: skip


def _limit_memory() -> None:
    # Address space ≥ resident memory: a run that ends well under this limit used < 500 MB.
    resource.setrlimit(resource.RLIMIT_AS, (MAX_RSS_KB * 1024, MAX_RSS_KB * 1024))


def _timed(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    result = cnncalc_run(*args, preexec_fn=_limit_memory)
    return result, time.monotonic() - start


@pytest.mark.parametrize("args, words", HOSTILE)
def test_hostile_options_end_in_one_error(args, words) -> None:
    result, seconds = _timed(*args)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert result.stdout == b""
    assert err.startswith("error: ") and err.count("\n") == 1 and words in err, err
    assert "Traceback" not in err
    assert seconds < SECONDS


@pytest.mark.parametrize(
    "key, value, words",
    [("min_time", "1e308", "at most 3600"), ("warmup", str(10**12), "between 0 and 10,000")],
)
def test_hostile_profile_table(tmp_path: Path, key: str, value: str, words: str) -> None:
    path = tmp_path / "net.toml"
    path.write_text(f'layers = "{TINY}"\n[profile]\n{key} = {value}\n')
    result, seconds = _timed("profile", str(path))
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert words in err and str(path) in err, err  # names the spec whose [profile] says it
    assert seconds < SECONDS


def test_a_huge_batch_is_exact_in_shape(cli) -> None:
    """shape's figures are exact ints: batch 10**18 is a correct answer, not an error."""
    result = cli("shape", TINY, "--batch", str(10**18), "--format", "json")
    assert result.exit_code == 0, describe(result)
    assert json.loads(result.stdout)["totals"]["activation_bytes"] == TINY_NODES * 10**18 * 4


@pytest.mark.parametrize("mode, key", [("infer", "peak_bytes"), ("train", "train_bytes")])
def test_memory_refusal_names_a_batch_that_fits(monkeypatch, mode: str, key: str) -> None:
    """The estimate is the static one of the mode asked for; the suggested batch is the
    largest whose estimate fits (memory grows linearly with the batch)."""
    import cnncalc.torch.profile

    free = 2**30
    monkeypatch.setattr(cnncalc.torch.profile, "host_free_bytes", lambda: free)
    with pytest.raises(CnnCalcError, match=r"try --batch [\d,]+ or less") as info:
        _profile(batch=10**15, mode=mode)
    assert "static estimate" in str(info.value) and "1.0 GiB free" in str(info.value)
    fits = int(str(info.value).split("try --batch ")[1].split()[0].replace(",", ""))
    assert getattr(analyze("lenet5", batch=fits).totals, key) <= free
    assert getattr(analyze("lenet5", batch=fits + 1).totals, key) > free


# -- item 5: output streams ------------------------------------------------------------------

COMMANDS = [
    ["shape", "resnet50"],
    ["shape", "alexnet", "--format", "json"],
    ["list"],
    ["check", "specs/"],
    ["check", "specs/", "--format", "junit"],
    ["diff", "alexnet", "vgg16"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_broken_pipe_is_quiet_exit_2(args) -> None:
    """`cnncalc … | head -1`: the reader is gone before the first write."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cnncalc", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parent.parent,
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert proc.returncode == 2, err  # not 1: `check` means "over budget" by it
    lines = [line for line in err.splitlines() if not line.startswith("warning:")]
    assert lines == [], err


@pytest.mark.parametrize("args", [*COMMANDS, ["profile", TINY]], ids=" ".join)
def test_closed_stdout(args) -> None:
    result = cnncalc_run(*args, stdout=None, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    err = result.stderr.decode() if result.stderr else ""
    assert result.returncode == 2, err
    assert err.splitlines()[-1] == "error: cannot write the output: standard output is closed"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [*COMMANDS, ["profile", TINY, "--min-time", "0.001", "--warmup", "0", "-q"]],
    ids=" ".join,
)
def test_full_disk(args) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "cnncalc", *args], stdout=full, stderr=subprocess.PIPE, check=False,
            cwd=Path(__file__).parent.parent, timeout=120,
        )  # fmt: skip
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err.splitlines()[-1].startswith("error: cannot write the output: No space left"), err
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize(
    "args",
    [["shape", "alexnet"], ["shape", "alexnet", "--format", "markdown"], ["list"],
     ["check", "alexnet"], ["diff", "alexnet", "vgg16"], ["shape", "resnet18", "--explain"]],
    ids=" ".join,
)  # fmt: skip
def test_narrow_encodings_degrade(encoding: str, args) -> None:
    result = cnncalc_run(*args, env={"PYTHONIOENCODING": encoding})
    err = result.stderr.decode(encoding, errors="replace")
    assert result.returncode == 0, err
    assert "Traceback" not in err and "UnicodeEncodeError" not in err
    out = result.stdout.decode(encoding)  # every byte is in the encoding
    if args[0] in ("shape", "diff"):  # their warnings too
        result.stderr.decode(encoding)
    if args == ["shape", "alexnet"]:
        # DESIGN §9: AlexNet's first output 55×55×96 (=290,400); '×' → 'x' in ASCII
        assert ("55x55x96 (=290,400)" if encoding == "ascii" else "55×55×96 (=290,400)") in out


def test_lookalikes() -> None:
    from cnncalc.streams import lookalike

    assert [lookalike(c) for c in "×—≈┃╭█€"] == ["x", "-", "~", "|", "+", "#", "?"]
    assert "224×224 — ≈ ┌─┐".encode("ascii", errors="cnncalc-ascii") == b"224x224 - ~ +-+"


# -- item 6: the Python API ------------------------------------------------------------------

API_CASES = [
    # keyword arguments                     error type          words
    ({"input": (8, 8)}, CnnCalcValueError, "3 dimensions"),
    ({"input": (224.0, 224, 3)}, CnnCalcTypeError, "whole numbers"),
    ({"input": (0, 8, 3)}, CnnCalcValueError, "at least 1"),
    ({"input": 224}, CnnCalcTypeError, "224x224x3"),
    ({"batch": "8"}, CnnCalcTypeError, "batch must be a whole number"),
    ({"batch": 1.5}, CnnCalcTypeError, "batch must be a whole number"),
    ({"batch": True}, CnnCalcTypeError, "batch must be a whole number"),
    ({"batch": 0}, CnnCalcValueError, "at least 1"),
    ({"batch": MAX_BATCH + 1}, CnnCalcValueError, "between 1 and"),
    ({"dtype": "float32"}, CnnCalcValueError, "did you mean 'fp32'"),
    ({"dtype": 4}, CnnCalcTypeError, "dtype must be a string"),
    ({"optimizer": 3}, CnnCalcTypeError, "optimizer must be a string"),
    ({"optimizer": "lion"}, CnnCalcValueError, "expected one of sgd, momentum, adam"),
    ({"strict": "yes"}, CnnCalcTypeError, "strict"),
]  # fmt: skip


@pytest.mark.parametrize("kwargs, error, words", API_CASES)
def test_api_argument_errors(kwargs, error, words) -> None:
    with pytest.raises(error, match=words) as info:
        analyze(TINY, **kwargs)
    assert isinstance(info.value, CnnCalcError)
    assert isinstance(info.value, TypeError if error is CnnCalcTypeError else ValueError)


def test_api_refuses_a_module_by_name() -> None:
    from torch import nn

    with pytest.raises(CnnCalcTypeError, match="does not take PyTorch modules") as info:
        analyze(nn.Conv2d(3, 8, 3))
    assert isinstance(info.value, TypeError)
    assert "DSL text" in str(info.value) and ".toml" in str(info.value)
    with pytest.raises(TypeError, match="a spec must be DSL text"):
        analyze(42)


def test_api_accepts_numpy_integers_and_lists() -> None:
    import numpy as np

    report = analyze("In:1x1x1-FC:1", batch=np.int64(3), input=[8, 8, 1])
    assert report.batch == 3 and report.input.dims == (8, 8, 1)
    assert report.totals.weights == 8 * 8 + 1  # FC on 64 inputs with bias


ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True), st.text(max_size=12),
    st.tuples(st.integers(-3, 300), st.integers(-3, 300), st.integers(-3, 9)),
    st.lists(st.one_of(st.integers(-2, 40), st.floats(0, 40)), max_size=4),
)  # fmt: skip


@given(input=ANYTHING, batch=ANYTHING, dtype=ANYTHING, optimizer=ANYTHING)
@settings(max_examples=examples(200), deadline=None)
def test_api_arguments_never_raise_anything_else(input, batch, dtype, optimizer) -> None:
    """Issue 9, proof (2): any value ends in a report or a cnncalc error, nothing else."""
    try:
        report = analyze(TINY, input=input, batch=batch, dtype=dtype, optimizer=optimizer)
    except CnnCalcError:
        return
    assert isinstance(batch, int) or batch is None
    assert report.batch == (1 if batch is None else batch)


def test_infer_only_skips_a_training_step_that_would_not_fit(monkeypatch) -> None:
    import cnncalc.torch.profile

    totals = analyze("lenet5").totals
    assert totals.peak_bytes < totals.train_bytes
    free = (totals.peak_bytes + totals.train_bytes) // 2
    monkeypatch.setattr(cnncalc.torch.profile, "host_free_bytes", lambda: free)
    report = _profile(mode="infer")
    assert report.flops["train"].measured is None
    assert any("training figures skipped: a training step needs about" in n for n in report.notes)
    with pytest.raises(CnnCalcError, match="for a training step"):
        _profile(mode="train")


def test_the_json_of_90000_rows_streams_within_the_memory_bound() -> None:
    """90,000 rows (within the row limit) give 90 MB of JSON: written as it is made, never held
    whole (it took 920 MB), and the layers all there."""
    result = cnncalc_run(
        "shape", "In:8x8x3-(ReLU*300)*300", "--format", "json", preexec_fn=_limit_memory
    )
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    assert len(doc["layers"]) == 300 * 300 and doc["totals"]["weights"] == 0
