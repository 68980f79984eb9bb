"""`cnncalc check torch:MODULE:CALLABLE --input HxWxC` (issue 10: SPEC's torch: form works
for check too). Such a module has no [budget] of its own: it is reported as a spec without one
(a failure with --require-budget), beside spec files judged at their own input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import describe, examples
from hypothesis import given, settings
from hypothesis import strategies as st

NETS_PY = """
from torch import nn


def small(classes=10):
    # 3·3·3·8 = 216 conv weights (no bias), BN 2·8 = 16, FC 8·10 + 10 = 90: 322 in all
    return nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, classes))
"""
SPEC = 'input = "16x16x3"\ntorch = "nets.py:small"\n[budget]\nweights = 400\n'


@pytest.fixture
def nets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """nets.py and a `torch =` spec file budgeting it, in the current directory."""
    (tmp_path / "nets.py").write_text(NETS_PY)
    (tmp_path / "small.toml").write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_torch_argument_is_read_at_input(nets: Path, cli) -> None:
    result = cli("check", "torch:nets.py:small", "small.toml", "--input", "16x16x3",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, describe(result)
    data = json.loads(result.stdout)
    first, second = data["specs"]
    assert first["path"] == "torch:nets.py:small --input 16x16x3"  # how to read it again
    assert first["has_budget"] is False and second["has_budget"] is True
    assert second["checks"][0]["actual"] == 322  # PyTorch's count, in the comment above
    assert data["summary"]["specs_without_budget"] == 1


def test_torch_argument_without_budget_fails_when_one_is_required(nets: Path, cli) -> None:
    result = cli("check", "torch:nets.py:small", "--input", "16x16x3", "--require-budget")
    assert result.exit_code == 1, describe(result)
    assert "--require-budget" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["torch:nets.py:small"], ["--input"]),
        (["small.toml", "--input", "16x16x3"], ["--input", "torch:"]),
        (["alexnet", "--input", "224x224x3"], ["spec file is checked at its own input"]),
        (["torch:nets.py:small", "--input", "16x16"], ["16x16"]),
        (["torch:nets.py:nothing", "--input", "16x16x3"], ["has no nothing"]),
    ],
)
def test_check_torch_mistakes_are_one_message(nets: Path, cli, user_error, args, words) -> None:
    user_error(cli("check", *args), *words)


@settings(max_examples=examples(20), deadline=None)
@given(
    st.lists(st.sampled_from(["torch:nets.py:small", "small.toml", "lenet5"]), min_size=1,
             max_size=4),
    st.sampled_from([None, "16x16x3", "8x8x3", "0x16x3", "16x16", "x"]),
)  # fmt: skip
def test_any_mix_of_arguments_is_a_verdict_or_one_error(
    tmp_path_factory: pytest.TempPathFactory, args: list[str], input: str | None
) -> None:
    from typer.testing import CliRunner

    from cnncalc.cli import app

    where = tmp_path_factory.mktemp("nets")
    (where / "nets.py").write_text(NETS_PY)
    (where / "small.toml").write_text(SPEC)
    here = Path.cwd()
    try:
        import os

        os.chdir(where)
        extra = ["--input", input] if input is not None else []
        result = CliRunner().invoke(app, ["check", *args, *extra])
    finally:
        os.chdir(here)
    torch_args = "torch:nets.py:small" in args
    assert "Traceback" not in result.output, describe(result)
    good_input = input == "16x16x3" or (input == "8x8x3" and torch_args)
    if (torch_args and not good_input) or (input is not None and not torch_args):
        assert result.exit_code == 2, describe(result)
        assert result.stdout == "" and result.stderr.count("error:") == 1, describe(result)
    else:
        assert result.exit_code == 0, describe(result)  # 322 weights ≤ 400; lenet5 within
    assert (where / "small.toml").read_text() == SPEC  # nothing the user gave is touched
