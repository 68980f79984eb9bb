"""Issue 15, the CI gate: quiet logs (a remainder that loses no input is a note, not a
warning), the progress bar of `check --profile`, and growth limits against a git base."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli import app
from cnncalc.specs import builtin_dir

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def spec_file(folder: Path, name: str, layers: str, budget: str = '[budget]\nweights = "1G"\n'):
    """A spec file with `layers` and a budget (TOML text)."""
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\nlayers = "{layers}"\n{textwrap.dedent(budget)}', "utf-8")
    return path


# -- 1. quiet logs -----------------------------------------------------------------------------

# (H + 2P − K) / S + 1 by hand; `lost` says whether input rows are left over (a warning) or only
# trailing padding (a note). The rows left over come off the far edge: padding first.
REMAINDERS = [
    # (224 − 11 + 6)/4 + 1 = 55.75: 3 left over, all 3 the trailing padding (AlexNet, seed 000)
    ("In:224x224x3-Conv:11x11x96/4p3", False),
    # (224 − 7 + 6)/2 + 1 = 112.5: 1 left over, padding (ResNet's stem)
    ("In:224x224x3-Conv:7x7x64/2p3", False),
    # (112 − 3 + 2)/2 + 1 = 56.5: 1 left over, padding (ResNet's max pool)
    ("In:112x112x64-Pool:3/2p1", False),
    # (224 − 11)/4 + 1 = 54.25: 1 left over, no padding: an input row (NiN)
    ("In:224x224x3-Conv:11x11x96/4", True),
    # (56 − 1)/2 + 1 = 28.5: 1 left over, no padding (ResNet's 1×1/2 shortcut)
    ("In:56x56x64-Conv:1x1x128/2", True),
    # (9 − 3 + 2)/3 + 1 = 3.67: 2 left over, 1 padding and 1 input row
    ("In:9x9x1-Conv:3x3x1/3p1", True),
]


@pytest.mark.parametrize(("spec", "lost"), REMAINDERS)
def test_a_remainder_of_padding_is_a_note(spec: str, lost: bool) -> None:
    report = cnncalc.analyze(spec)
    row = report.rows[-1]
    assert bool(row.warnings) == lost and bool(row.notes) != lost
    assert bool(report.warnings) == lost and bool(report.notes) != lost
    text = (row.warnings or row.notes)[0]
    assert ("ignored" in text) == lost and ("no input is lost" in text) != lost
    # a note is read with the formulas (--explain), a warning is not repeated there
    assert any(text in line for line in row.explain) != lost


def test_notes_in_json_never_on_stderr() -> None:
    # AlexNet's conv1: (224 − 11 + 2·3)/4 + 1 = 55.75 → 55, 3 padding rows unused
    shape = invoke("shape", "alexnet", "--format", "json")
    assert shape.exit_code == 0 and shape.stderr == "", shape.output
    doc = json.loads(shape.stdout)
    assert doc["warnings"] == [] and [n["layer"] for n in doc["notes"]] == ["Conv:1"]
    explain = invoke("shape", "alexnet", "--explain")
    assert "no input is lost" in explain.stdout and explain.stderr == ""


def test_check_on_the_zoo_warns_only_of_lost_input() -> None:
    """`check specs/` printed 14 warning lines, 8 of them about padding only (issue 15); the
    rest name rows that truly leave input rows unused."""
    result = invoke("check", str(builtin_dir()))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert lines and all("never used" not in line for line in lines)
    for spec in ("alexnet", "googlenet", "zfnet", "mobilenet_v2", "efficientnet_b0"):
        assert f"{spec}.toml" not in result.stderr, spec
    github = invoke("check", str(builtin_dir()), "--format", "github")
    notes = [line for line in github.stdout.splitlines() if line.startswith("::")]
    assert all("never used" not in line for line in notes)
    assert not any("alexnet.toml" in line for line in notes)
    doc = json.loads(invoke("check", str(builtin_dir() / "alexnet.toml"), "-f", "json").stdout)
    (spec,) = doc["specs"]
    assert spec["warnings"] == [] and spec["notes"][0]["row"] == "Conv:1"


def test_strict_still_refuses_any_non_integer_size() -> None:
    # DESIGN §4: --strict is about the size, whatever is left over
    result = invoke("shape", "In:224x224x3-Conv:11x11x96/4p3", "--strict")
    assert result.exit_code == 2 and "55.75" in result.stderr


@settings(max_examples=examples(60))
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 7),
    s=st.integers(1, 5),
    p=st.integers(0, 3),
)
def test_note_or_warning_follows_the_rows_left_over(n: int, k: int, s: int, p: int) -> None:
    """Left over = (n + 2p − k) mod s rows at the far edge; a warning exactly when more are
    left over than the trailing padding p holds."""
    if p >= k or n + 2 * p < k:
        return
    row = cnncalc.analyze(f"In:{n}x{n}x1-Conv:{k}x{k}x1/{s}p{p}").rows[-1]
    left = (n + 2 * p - k) % s
    assert bool(row.warnings) == (left > p)
    assert bool(row.notes) == (0 < left <= p)


def test_check_profile_names_spec_and_device_in_the_progress(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("cnncalc.torch.profile")
    from cnncalc.latency import measure_with
    from cnncalc.specs import load_spec

    path = spec_file(tmp_path, "tiny", "In:8x8x3-Conv:3x3x4p1-ReLU-FC:10",
                     "[budget.latency_ms]\ncpu = 60000\n[profile]\nwarmup = 1\nmin_time = 0.02\n")  # fmt: skip
    told: list[tuple[str, float, str]] = []
    got = measure_with(lambda stage, done, what: told.append((stage, done, what)))(load_spec(path))
    assert 0 < got["cpu"] < 60000
    assert told and all(what == "tiny cpu" for _, _, what in told)
    assert {stage for stage, _, _ in told} >= {"building", "timing infer"}  # catalogue keys
    # in a pipe (CliRunner is one) no bar is drawn: stderr holds nothing
    result = invoke("check", str(path), "--profile", "--format", "json")
    assert result.exit_code == 0 and result.stderr == "", result.output


# -- 3. growth limits against a git base ------------------------------------------------------

BASE_NET = "In:8x8x4-Conv:3x3x4p1-ReLU-GAP-FC:10"
GROWN_NET = "In:8x8x4-Conv:3x3x4p1-ReLU-Conv:3x3x4p1-ReLU-GAP-FC:10"
# By hand: Conv (3·3·4 + 1)·4 = 148 weights, FC (4 + 1)·10 = 50: the base has 198 weights,
# the grown net 346, i.e. +148 = +74.7%. MACs: a Conv 8·8·4·3·3·4 = 9,216, FC 40.


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` (a test's throwaway repository)."""
    import subprocess

    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout


def repo(tmp_path: Path, growth: str, layers: str = BASE_NET) -> Path:
    """A repository whose main branch holds specs/net.toml, then a branch 'grow'."""
    root = tmp_path / "repo"
    (root / "specs").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    spec_file(root / "specs", "net", layers, f'[budget]\nweights = "1M"\n[budget.growth]\n{growth}')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "grow")
    return root


def grow(root: Path, growth: str, layers: str = GROWN_NET) -> None:
    spec_file(root / "specs", "net", layers, f'[budget]\nweights = "1M"\n[budget.growth]\n{growth}')
    git(root, "commit", "-q", "-am", "grow")


GROWTH_CASES = [
    # allowance        passes  the growth allowed
    ('weights = "2%"', False, 198 * 2 / 100),
    ('weights = "75%"', True, 198 * 75 / 100),  # 148 ≤ 148.5
    ('weights = "+100"', False, 100),
    ("weights = 148", True, 148),  # equal passes: a budget is a maximum
    ('macs = "+9.216k"', True, 9_216),
    ('activation_memory = "+1KiB"', True, 1_024),  # one 8×8×4 fp32 map: 1,024 B
    ('activation_memory = "+1023B"', False, 1_023),
]


@pytest.mark.parametrize(("growth", "passes", "allowed"), GROWTH_CASES)
def test_growth_items_are_judged_against_the_base(
    tmp_path: Path, monkeypatch, growth: str, passes: bool, allowed: float
) -> None:
    root = repo(tmp_path, growth)
    grow(root, growth)
    monkeypatch.chdir(root)
    result = invoke("check", "specs/", "--base", "main", "-f", "json")
    assert result.exit_code == (0 if passes else 1), result.output
    (spec,) = json.loads(result.stdout)["specs"]
    (item,) = [c for c in spec["checks"] if c["key"] == "growth"]
    metric = growth.split(" ")[0]
    grown = {"weights": 148, "macs": 9_216, "activation_memory": 1_024}[metric]
    assert (item["metric"], item["actual"], item["status"]) == (
        f"growth.{metric}", grown, "pass" if passes else "fail")  # fmt: skip
    assert item["limit"] == pytest.approx(allowed) and item["line"] == 6
    assert spec["base"]["ref"] == "main" and spec["base"]["note"] is None
    summary = spec["base"]["diff"]["summary"]
    assert (summary["added"], summary["changed"], summary["removed"]) == (2, 0, 0)


def test_growth_in_every_format(tmp_path: Path, monkeypatch) -> None:
    root = repo(tmp_path, 'weights = "2%"')
    grow(root, 'weights = "2%"')
    monkeypatch.chdir(root)
    github = invoke("check", "specs/", "--base", "main", "-f", "github")
    (error,) = [ln for ln in github.stdout.splitlines() if ln.startswith("::error")]
    assert "line=6" in error and "growth.weights" in error and "+148" in error
    md = invoke("check", "specs/", "--base", "main", "-f", "markdown").stdout
    # 148 / 198 = +74.7%; 2% of 198 = 3.96, shown rounded
    assert "| `growth.weights` | +148 (+74.7%) | +4 = 2% of base |" in md
    assert "**changes against main: 0 changed, 2 added" in md and "| + | Conv:2 |" in md
    junit = invoke("check", "specs/", "--base", "main", "-f", "junit").stdout
    assert 'name="growth.weights"' in junit and "<failure" in junit
    text = invoke("check", "specs/", "--base", "main").stdout
    assert "changes against main: 0 changed, 2 added, 0 removed" in text


def test_a_spec_new_in_the_branch_is_noted_and_growth_skipped(tmp_path: Path, monkeypatch):
    root = repo(tmp_path, 'weights = "2%"')
    spec_file(root / "specs", "other", BASE_NET, '[budget.growth]\nweights = "2%"\n')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "new spec")
    monkeypatch.chdir(root)
    result = invoke("check", "specs/", "--base", "main", "-f", "json")
    assert result.exit_code == 0, result.output
    other = {s["name"]: s for s in json.loads(result.stdout)["specs"]}["other"]
    assert other["base"]["note"] == "new in this branch: no base at main"
    assert (
        other["checks"][0]["status"] == "skip"
        and "new in this branch" in other["checks"][0]["reason"]
    )
    # without --base a growth item is skipped, and says what it needs
    plain = json.loads(invoke("check", "specs/", "-f", "json").stdout)
    reasons = {c["reason"] for s in plain["specs"] for c in s["checks"] if c["key"] == "growth"}
    assert reasons == {"growth is checked against a git ref: check --base REF"}


def one_error(result, *words: str) -> None:
    """DESIGN §7: exit 2, one message on stderr, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_git_errors_are_one_message(tmp_path: Path, monkeypatch) -> None:
    root = repo(tmp_path, 'weights = "2%"')
    monkeypatch.chdir(root)
    one_error(invoke("check", "specs/", "--base", "nosuchbranch"), "unknown git ref")
    one_error(invoke("check", "specs/", "--base", "--output=x"), "is not a git ref")
    one_error(invoke("check", "specs/", "--base", "main..grow"), "is not a git ref")
    assert not (root / "x").exists()
    # not a repository: a folder outside any
    lone = tmp_path / "lone"
    lone.mkdir()
    spec_file(lone, "net", BASE_NET)
    monkeypatch.chdir(lone)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    one_error(invoke("check", "net.toml", "--base", "main"), "needs a git repository")
    # git missing
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    one_error(invoke("check", "net.toml", "--base", "main"), "git is not installed")


def test_a_shallow_clone_says_to_fetch_the_history(tmp_path: Path, monkeypatch) -> None:
    root = repo(tmp_path, 'weights = "2%"')
    grow(root, 'weights = "2%"')
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "grow", f"file://{root}", str(clone))
    monkeypatch.chdir(clone)
    one_error(invoke("check", "specs/", "--base", "HEAD~1"), "shallow", "fetch-depth: 0")


def test_bad_growth_items_name_the_line(tmp_path: Path) -> None:
    for growth, words in [('weights = "two"', ["growth 'weights'", "2%"]),
                          ('weigths = "2%"', ["unknown metric 'weigths'", "weights"]),
                          ('weights = "-2%"', ["not an allowance"])]:  # fmt: skip
        path = spec_file(tmp_path, "bad", BASE_NET, f"[budget.growth]\n{growth}\n")
        one_error(invoke("check", str(path)), f"{path}:4", *words)


@settings(max_examples=examples(30))
@given(ref=st.text(min_size=1, max_size=30))
def test_any_ref_text_is_a_verdict_or_one_message(tmp_path_factory, ref: str) -> None:
    """Whatever the ref, git never reads it as an option and the user gets one message."""
    root = tmp_path_factory.mktemp("r")
    spec_file(root, "net", BASE_NET)
    import os

    here = os.getcwd()
    os.chdir(root)
    try:
        result = invoke("check", "net.toml", "--base", ref)
    finally:
        os.chdir(here)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert sorted(p.name for p in root.iterdir()) == ["net.toml"]


def readme_workflow() -> dict:
    """The GitHub Actions workflow of the README's 'Use in CI' section, parsed."""
    import yaml  # the test extra installs PyYAML, so this check runs in CI, never skips

    text = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    section = text.split("## Use in CI", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    return yaml.safe_load(block)


def test_the_readme_workflow_needs_no_shell_loop() -> None:
    doc = readme_workflow()
    steps = doc["jobs"]["budgets"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # the base branch's history, for --base
    runs = [s["run"] for s in steps if "run" in s]
    assert not any("for " in run or "git show" in run for run in runs)
    gate = next(s for s in steps if "--base" in s.get("run", ""))
    assert (
        gate["run"] == 'cnncalc check specs/ --base "origin/${{ github.base_ref }}" --format github'
    )
    assert gate["if"] == "github.event_name == 'pull_request'"
    # pyyaml reads the bare key `on` as True (YAML 1.1); GitHub reads it as 'on'
    assert "pull_request" in doc.get("on", doc.get(True))


def test_github_format_appends_the_job_summary(tmp_path: Path, monkeypatch) -> None:
    root = repo(tmp_path, 'weights = "2%"')
    grow(root, 'weights = "2%"')
    monkeypatch.chdir(root)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", "utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = invoke("check", "specs/", "--base", "main", "-f", "github")
    assert result.exit_code == 1, result.output
    text = summary.read_text("utf-8")
    assert text.startswith("earlier step\n")  # appended, never overwritten
    assert "### ❌ cnncalc check" in text and "**changes against main:" in text
