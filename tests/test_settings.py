"""Settings have one home (issue 16): cnncalc/settings.py lists the dtypes, optimizers, modes,
devices, [profile] keys and budget metrics; `resolve` applies the one rule (given, else the
spec's [profile], else the default) for every command; the CLI's choices are generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc import settings
from cnncalc.api import load
from cnncalc.cli import Dtype, Mode, Optimizer, ProfileDtype, app
from cnncalc.errors import CnnCalcError
from cnncalc.settings import CnnCalcTypeError, CnnCalcValueError, resolve
from cnncalc.specs import Spec, load_spec

# Bytes per element from the formats themselves: IEEE 754 binary32/16/64, bfloat16 (16 bits),
# int8 (8 bits).
DTYPE_SIZES = [("fp32", 4), ("fp16", 2), ("bf16", 2), ("int8", 1), ("fp64", 8)]
# State tensors per weight kept by torch.optim (its docs): SGD none, SGD with momentum the
# momentum buffer, Adam exp_avg and exp_avg_sq.
OPTIMIZER_STATES = [("sgd", 0), ("momentum", 1), ("adam", 2)]


@pytest.mark.parametrize(("dtype", "size"), DTYPE_SIZES)
def test_dtype_bytes(dtype: str, size: int) -> None:
    assert settings.DTYPE_BYTES[dtype] == size


@pytest.mark.parametrize(("optimizer", "states"), OPTIMIZER_STATES)
def test_optimizer_states(optimizer: str, states: int) -> None:
    assert settings.OPTIMIZER_STATES[optimizer] == states


def test_profile_dtypes_are_dtypes() -> None:
    assert set(settings.PROFILE_DTYPES) <= set(settings.DTYPES)


@pytest.mark.parametrize(
    ("name", "device"),
    [("cpu", True), ("cuda", True), ("cuda:0", True), ("cuda:12", True), ("mps", True),
     ("gpu", False), ("cuda:", False), ("cuda:x", False), ("CPU", False)],
)  # fmt: skip
def test_is_device(name: str, device: bool) -> None:
    assert settings.is_device(name) is device
    assert settings.is_device("auto", auto=True)
    assert not settings.is_device("auto")


def test_budget_metrics_have_units_and_fields() -> None:
    # DESIGN §5: counts, bytes; each reads one field of the totals
    assert settings.BUDGET_KEYS["weights"] == "count"
    assert settings.BUDGET_KEYS["peak_memory"] == "bytes"
    assert settings.METRICS["train_memory"].field == "train_bytes"


# The CLI's choices are the lists above, in the same order, and --help shows them.
@pytest.mark.parametrize(
    ("enum", "values"),
    [(Dtype, settings.DTYPES), (Optimizer, settings.OPTIMIZERS),
     (ProfileDtype, settings.PROFILE_DTYPES), (Mode, settings.MODES)],
)  # fmt: skip
def test_cli_choices_are_generated(enum: type, values: tuple[str, ...]) -> None:
    assert [member.value for member in enum] == list(values)


def test_help_lists_the_choices() -> None:
    result = CliRunner().invoke(app, ["shape", "--help"], env={"COLUMNS": "200"})
    assert "fp32|fp16|bf16|int8|fp64" in result.output
    assert "sgd|momentum|adam" in result.output


def _spec_with_profile(tmp_path: Path, profile: str) -> Spec:
    path = tmp_path / "net.toml"
    path.write_text(f'layers = "In:8x8x3-Conv:3x3x4"\n[profile]\n{profile}\n', encoding="utf-8")
    return load_spec(path)


def test_resolve_defaults() -> None:
    # DESIGN §5: batch 1, fp32, sgd when neither the caller nor the spec says
    at = resolve(load("In:8x8x3-Conv:3x3x4"))
    assert (at.batch, at.dtype, at.optimizer) == (1, "fp32", "sgd")
    assert at.device is None and at.mode is None  # not asked for


def test_resolve_spec_then_given(tmp_path: Path) -> None:
    spec = _spec_with_profile(tmp_path, 'batch = 8\ndtype = "fp16"\nmode = "train"\nwarmup = 2')
    at = resolve(spec, mode=None, warmup=None, device=None)
    assert (at.batch, at.dtype, at.optimizer, at.mode, at.warmup) == (8, "fp16", "sgd", "train", 2)
    assert at.device == "cpu"
    given = resolve(spec, batch=2, dtype="bf16", mode="infer")
    assert (given.batch, given.dtype, given.mode) == (2, "bf16", "infer")


def test_resolve_defaults_can_be_overridden(tmp_path: Path) -> None:
    # `cnncalc profile` times both modes unless the spec or the caller says otherwise
    at = resolve(load("In:8x8x3-Conv:3x3x4"), {"mode": settings.CLI_MODE}, mode=None)
    assert at.mode == "both"


@pytest.mark.parametrize(
    ("given", "error", "words"),
    [({"batch": 0}, CnnCalcValueError, "at least 1"),
     ({"batch": "8"}, CnnCalcTypeError, "whole number"),
     ({"dtype": "float16"}, CnnCalcValueError, "did you mean 'fp16'"),
     ({"optimizer": "lion"}, CnnCalcValueError, "expected one of sgd, momentum, adam"),
     ({"mode": "eval"}, CnnCalcValueError, "expected one of infer, train, both"),
     ({"warmup": 10_001}, CnnCalcValueError, "between 0 and 10,000"),
     ({"min_time": 0}, CnnCalcValueError, "positive number of seconds"),
     ({"device": "gpu"}, Exception, "cpu, cuda, cuda:N, mps or auto")],
)  # fmt: skip
def test_resolve_checks_each_value(given: dict, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        resolve(load("In:8x8x3-Conv:3x3x4"), **given)


def test_a_bad_profile_value_is_refused_by_the_same_check_when_the_file_loads(
    tmp_path: Path,
) -> None:
    """One check per setting (issue 16): the spec file's [profile] warmup meets resolve's bound
    (10,000 untimed runs) when the file is loaded, with the file and the line."""
    with pytest.raises(CnnCalcError, match="warmup must be between 0 and 10,000") as refused:
        _spec_with_profile(tmp_path, "warmup = 20000")
    assert refused.value.location() == (str(tmp_path / "net.toml"), 3)  # the warmup line
    with pytest.raises(CnnCalcValueError, match=r"warmup must be between 0 and 10,000"):
        resolve(_spec_with_profile(tmp_path, "warmup = 5"), warmup=20000)


# -- the renderer table (render/output.py) ----------------------------------------------------


def test_every_renderer_in_the_table_exists() -> None:
    """A renderer named wrongly in the table would only fail when that format is asked for."""
    import importlib

    from cnncalc.render.output import ERROR_RENDERERS, RENDERERS

    names = [w for ways in RENDERERS.values() for way in ways.values()
             for w in (way.pipe, way.terminal) if w] + list(ERROR_RENDERERS.values())  # fmt: skip
    for name in names:
        module, function = name.split(":")
        assert callable(getattr(importlib.import_module(f"cnncalc.render.{module}"), function))


def test_format_choices_are_the_table() -> None:
    from cnncalc import cli
    from cnncalc.render.output import formats

    assert [f.value for f in cli.CheckFormat] == ["table", "json", "junit", "github", "markdown"]
    assert [f.value for f in cli.ShapeFormat] == list(formats("shape"))
    assert [f.value for f in cli.ProfileFormat] == list(formats("profile"))


# -- the one home of small formatting facts ---------------------------------------------------


@pytest.mark.parametrize(
    ("axes", "text"),
    [((3, 3), "3"), ((3, 5), "3×5"), ((0.5, 0.5), "0.5")],  # DESIGN §3: a square kernel once
)
def test_pair(axes: tuple, text: str) -> None:
    from cnncalc.units import pair

    assert pair(axes) == text


@pytest.mark.parametrize(
    ("share", "blocks", "percent"),
    # 10 cells of 8 eighths each: 50% is 5 full cells, 5% is 4 eighths of one cell ('▌')
    [(0.5, "█████", " 50.0%"), (0.05, "▌", "  5.0%"), (1.0, "██████████", "100.0%"),
     (0.0, "", "  0.0%")],
)  # fmt: skip
def test_share_bar(share: float, blocks: str, percent: str) -> None:
    from cnncalc.render.columns import share_bar

    assert share_bar(share) == f"{blocks:<10} {percent}"


def test_first_line() -> None:
    from cnncalc.errors import CnnCalcError, SpecFileError, first_line

    assert (
        first_line(RuntimeError("CUDA error: out of memory\nmore")) == "CUDA error: out of memory"
    )
    assert first_line(RuntimeError()) == "RuntimeError"
    assert first_line(SpecFileError("bad", "a.toml", 3)) == "a.toml:3: bad"
    assert first_line(CnnCalcError("no input shape")) == "no input shape"
