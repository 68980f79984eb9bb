"""`cnncalc check` (issue 4): budgets → verdicts, exit codes, and every output format.

Expected figures are derived by hand below from DESIGN §4's conventions, never copied from
cnncalc's output. The tiny net used throughout:

    In:8x8x3-Conv:3x3x4p1-ReLU-FC:10

    Conv:1  (8 + 2·1 − 3)/1 + 1 = 8 → 8×8×4 = 256 elements
            weights (3·3·3 + 1)·4 = 112          MACs 8·8·4 · 3·3·3 = 6,912
    ReLU:1  element-wise, in place: no new memory
    FC:2    256 → 10: weights (256 + 1)·10 = 2,570      MACs 256·10 = 2,560

    weights            112 + 2,570                                    = 2,682
    MACs               6,912 + 2,560                                  = 9,472
    FLOPs              2 · 9,472                                      = 18,944
    weight memory      2,682 · 4 B (fp32)                             = 10,728 B
    activation memory  (256 + 10) · 4 B (input not counted)           = 1,064 B
    peak memory        weights + largest live set; Conv:1 holds its input 8·8·3·4 = 768 B
                       and its output 256·4 = 1,024 B → 10,728 + 1,792 = 12,520 B
    train memory (sgd) weights + grads 2·10,728 = 21,456 B, plus what autograd saves:
                       Conv:1 its input (768 B), ReLU its output (1,024 B), FC its input (the
                       same 1,024 B storage, counted once) → 21,456 + 1,792 = 23,248 B
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc import budget
from cnncalc.cli import app
from cnncalc.specs import builtin_dir

runner = CliRunner()
TINY = "In:8x8x3-Conv:3x3x4p1-ReLU-FC:10"

# metric, the hand-derived actual figure of TINY at batch 1, fp32, sgd (module docstring)
ACTUAL = [
    ("weights", 2_682),
    ("weight_memory", 10_728),
    ("activation_memory", 1_064),
    ("peak_memory", 12_520),
    ("macs", 9_472),
    ("flops", 18_944),
    ("train_memory", 23_248),
]


def spec_file(folder: Path, name: str, budget_toml: str, layers: str = TINY,
              extra: str = "") -> Path:  # fmt: skip
    """Write a spec file: name, layers on line 2, then the given TOML (from line 3 on)."""
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nlayers = "{layers}"\n{textwrap.dedent(budget_toml)}{extra}',
        encoding="utf-8",
    )
    return path


def invoke(*args: str):
    return runner.invoke(app, ["check", *args])


def test_within_budget_exits_0_with_unit_suffixes(tmp_path: Path) -> None:
    path = spec_file(
        tmp_path,
        "tiny",
        """\
        [budget]
        weights = "2.7k"              # 2,700 ≥ 2,682
        weight_memory = "10.5KiB"     # 10,752 B ≥ 10,728 B
        activation_memory = "1.1KB"   # 1,100 B ≥ 1,064 B
        peak_memory = "12.5KiB"       # 12,800 B ≥ 12,520 B
        macs = "9.5k"                 # 9,500 ≥ 9,472
        flops = 18944                 # exactly the figure: a budget is a maximum
        train_memory = "0.03MB"       # 30,000 B ≥ 23,248 B
    """,
    )
    result = invoke(str(path))
    assert result.exit_code == 0, result.output
    assert "7 passed, 0 over" in result.stdout
    for metric, _ in ACTUAL:
        assert metric in result.stdout


@pytest.mark.parametrize("metric, actual", ACTUAL)
def test_each_metric_at_its_figure_passes_and_one_below_fails(
    tmp_path: Path, metric: str, actual: int
) -> None:
    # a byte budget needs a unit (issue 9): "10728B"; counts may stay bare
    unit = "B" if metric.endswith("memory") else ""
    at = spec_file(tmp_path, "at", f'[budget]\n{metric} = "{actual}{unit}"\n')
    result = invoke(str(at))
    assert result.exit_code == 0, result.output

    below = spec_file(tmp_path, "below", f'[budget]\n{metric} = "{actual - 1}{unit}"\n')
    result = invoke(str(below), "--format", "json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    (check,) = doc["specs"][0]["checks"]
    assert (check["metric"], check["status"], check["actual"], check["limit"]) == (
        metric,
        "fail",
        actual,
        actual - 1,
    )
    # the table names the metric over budget in its summary line
    table = invoke(str(below))
    assert table.exit_code == 1
    assert f"over budget: below {metric}" in table.stdout


def test_profile_defaults_set_batch_and_dtype(tmp_path: Path) -> None:
    # [profile] batch = 4, dtype = fp16 (2 bytes):
    #   weight memory     2,682 · 2 B          = 5,364 B
    #   activation memory 266 · 4 · 2 B        = 2,128 B
    #   MACs              9,472 · 4            = 37,888
    cases = [("weight_memory", 5_364), ("activation_memory", 2_128), ("macs", 37_888)]
    profile = '[profile]\nbatch = 4\ndtype = "fp16"\n'
    for metric, actual in cases:
        unit = "B" if metric.endswith("memory") else ""  # a byte budget needs a unit
        ok = spec_file(tmp_path, "ok", f'[budget]\n{metric} = "{actual}{unit}"\n{profile}')
        over = spec_file(tmp_path, "over", f'[budget]\n{metric} = "{actual - 1}{unit}"\n{profile}')
        assert invoke(str(ok)).exit_code == 0, metric
        assert invoke(str(over)).exit_code == 1, metric


def test_one_spec_over_fails_the_run_and_is_named(tmp_path: Path) -> None:
    good = spec_file(tmp_path, "good", "[budget]\nweights = 3000\n")
    bad = spec_file(tmp_path, "bad", "[budget]\nweights = 3000\nmacs = 9000\n")
    result = invoke(str(good), str(bad))
    assert result.exit_code == 1
    assert "over budget: bad macs (1 of 2 specs" in result.stdout


# Bad input: exit 2, one message naming the file (and the line where there is one).
BAD = [
    # name, file text, what the message must say (after the path)
    ("invalid_toml", 'name = "x"\nlayers = "In:8x8x3-FC:10\n', ":2: invalid TOML"),
    (
        "bad_unit",
        f'layers = "{TINY}"\n[budget]\nweights = "1MiB"\n',
        ":3: budget 'weights': unknown suffix 'MiB'",
    ),
    (
        "bad_unit_bytes",
        f'layers = "{TINY}"\n[budget]\nweight_memory = "1Mb"\n',
        ":3: budget 'weight_memory': unknown suffix 'Mb'",
    ),
    (
        "unknown_key",
        f'layers = "{TINY}"\n[budget]\nmacs = 1\nweigths = "1M"\n',
        ":4: unknown budget key 'weigths' — did you mean 'weights'?",
    ),
    (
        "dsl_error",
        'layers = """\nIn:8x8x3-\nConv:3x3x4p1-Cnov:3x3x4\n"""\n',
        ":3:14: unknown layer 'Cnov'",
    ),
    (
        "size_error",
        'layers = """\nIn:2x2x3-\nConv:5x5x4\n"""\n[budget]\nweights = 1\n',
        ":3:1: Conv:1: output row size",
    ),
    ("no_input", 'layers = "Conv:3x3x4"\n[budget]\nweights = 1\n', ": no input shape"),
    # TOML has inf and nan; neither is a budget (they crashed the verdict's rounding)
    ("inf", f'layers = "{TINY}"\n[budget]\nweights = inf\n', ":3: budget 'weights': inf is not a"),
    ("nan", f'layers = "{TINY}"\n[budget]\nmacs = nan\n', ":3: budget 'macs': nan is not a"),
    (
        "overflow",
        f'layers = "{TINY}"\n[budget]\nmacs = "1e400"\n',
        ":3: budget 'macs': '1e400' is too large for a budget",
    ),
    (
        "latency_inf",
        f'layers = "{TINY}"\n[budget.latency_ms]\ncpu = inf\n',
        ":3: budget 'cpu': inf is not a finite number",
    ),
    # a decimal comma read as a thousands separator would make the budget 10× too loose
    (
        "decimal_comma",
        f'layers = "{TINY}"\n[budget]\nweight_memory = "2,5MiB"\n',
        ":3: budget 'weight_memory': '2,5MiB': a comma may only separate thousands",
    ),
    (
        "wrong_type",
        f'layers = "{TINY}"\n[budget]\nweights = true\n',
        ":3: budget 'weights': expected a number or a string",
    ),
    (
        "unquoted_unit",
        f'layers = "{TINY}"\n[budget]\nweights = 62.4M\n',
        (
            ":3: invalid TOML: Expected newline or end of document after a statement; a number"
            ' with a unit is a string: weights = "62.4M"'
        ),
    ),
]


@pytest.mark.parametrize("name, text, message", BAD, ids=[b[0] for b in BAD])
def test_bad_spec_file_exits_2_naming_file_and_line(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    result = invoke(str(path))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {path}{message}"), result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    result = invoke(str(path))
    assert result.exit_code == 2
    assert f"{path}:1: the spec file is not UTF-8 text" in result.stderr


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads files whatever their mode"
)
def test_file_without_read_permission_exits_2(tmp_path: Path) -> None:
    path = spec_file(tmp_path, "locked", "[budget]\nweights = 1\n")
    path.chmod(0)
    try:
        result = invoke(str(path))
    finally:
        path.chmod(0o644)
    assert result.exit_code == 2
    assert f"{path}: cannot read the spec file" in result.stderr


@pytest.mark.parametrize("arg, message", [
    ("missing.toml", "no such spec file: missing.toml"),
    ("specs/", "no such file or directory: specs/"),  # run from the wrong directory
    ("", "an empty SPEC argument"),  # an unset shell variable must not check '.'
    ("nothing/here/*.toml", "no .toml spec files match nothing/here/*.toml"),
    (TINY, "is not a spec file"),  # DSL text has no budget
])  # fmt: skip
def test_bad_arguments_exit_2(tmp_path: Path, monkeypatch, arg: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(arg)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_one_bad_file_stops_before_any_verdict(tmp_path: Path) -> None:
    good = spec_file(tmp_path, "good", "[budget]\nweights = 1\n")  # over budget, but …
    bad = tmp_path / "bad.toml"
    bad.write_text("layers = 3\n", encoding="utf-8")  # … bad input wins: exit 2
    result = invoke(str(good), str(bad))
    assert result.exit_code == 2
    assert f"{bad}:1: 'layers' must be a string" in result.stderr
    assert result.stdout == ""


def test_directories_and_globs_expand_to_toml_files(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    spec_file(folder, "a", "[budget]\nweights = 3000\n")
    spec_file(folder, "b", "[budget]\nmacs = 10000\n")
    (folder / "notes.txt").write_text("not a spec", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for args in (["specs"], ["specs/*.toml"], ["specs", "specs/a.toml"]):
        result = invoke(*args, "--format", "json")
        assert result.exit_code == 0, result.output
        paths = [s["path"] for s in json.loads(result.stdout)["specs"]]
        assert paths == [str(Path("specs/a.toml")), str(Path("specs/b.toml"))], args
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke("empty").exit_code == 2


def test_latency_is_skipped_without_profile(tmp_path: Path) -> None:
    path = spec_file(
        tmp_path,
        "lat",
        """\
        [budget]
        weights = 3000
        [budget.latency_ms]
        cpu = 0.000001
        cuda = 0.000001
    """,
    )
    result = invoke(str(path), "--format", "json")
    assert result.exit_code == 0, result.output  # impossible budgets, but not measured
    checks = json.loads(result.stdout)["specs"][0]["checks"]
    assert [(c["metric"], c["status"]) for c in checks] == [
        ("weights", "pass"),
        ("latency_ms.cpu", "skip"),
        ("latency_ms.cuda", "skip"),
    ]
    assert all("--profile" in c["reason"] for c in checks[1:])


def test_measured_latency_and_missing_devices(tmp_path: Path) -> None:
    """With --profile, a measured latency is judged; a device not available here is skipped,
    not failed (the measurement is stubbed, so this runs without torch)."""
    path = spec_file(
        tmp_path,
        "lat",
        """\
        [budget.latency_ms]
        cpu = 10
        "cuda:1" = 1
        mps = 1
    """,
    )
    measured = {"cpu": 12.5, "cuda:1": "cuda:1 is not available here", "mps": "no mps here"}
    (result,) = budget.check([path], measure=lambda spec: measured)
    got = [(v.metric, v.status, v.actual, v.line) for v in result.verdicts]
    # lines: 1 name, 2 layers, 3 [budget.latency_ms], 4 cpu, 5 "cuda:1", 6 mps
    assert got == [
        ("latency_ms.cpu", "fail", 12.5, 4),
        ("latency_ms.cuda:1", "skip", None, 5),
        ("latency_ms.mps", "skip", None, 6),
    ]
    assert budget.exit_code([result]) == 1
    # headroom (10 − 12.5) / 10 = −25 %
    assert result.verdicts[0].headroom_pct == pytest.approx(-25.0)


def test_junit_has_one_testcase_per_budget_item(tmp_path: Path) -> None:
    path = spec_file(
        tmp_path,
        "tiny",
        """\
        [budget]
        weights = 2000
        macs = "10k"
        train_memory = "1MiB"
        [budget.latency_ms]
        cpu = 5
    """,
    )
    other = spec_file(tmp_path, "other", "[budget]\nflops = 20000\n")
    result = invoke(str(path), str(other), "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "1", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["tiny", "other"]
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == ["weights", "macs", "train_memory", "latency_ms.cpu"]
    # lines: 1 name, 2 layers, 3 [budget], 4 weights, 5 macs, 6 train_memory, 7 table, 8 cpu
    assert [c.get("line") for c in cases] == ["4", "5", "6", "8"]
    failure = cases[0].find("failure")
    assert failure is not None
    # 2,682 weights against 2,000: over by 682, 34.1 %
    assert "2,682" in failure.get("message", "") and "2,000" in failure.get("message", "")
    assert "682" in failure.get("message", "") and "34.1%" in failure.get("message", "")
    assert cases[1].find("failure") is None and cases[1].find("skipped") is None
    assert cases[3].find("skipped") is not None
    assert len(suites[1].findall("testcase")) == 1


def test_github_annotations_point_at_the_budget_line(tmp_path: Path, monkeypatch) -> None:
    spec_file(
        tmp_path,
        "tiny",
        """\
        # a comment line, to move the budget down
        [budget]
        weights = "3k"
        macs = "9k"
        peak_memory = "1MiB"
    """,
    )
    monkeypatch.chdir(tmp_path)
    result = invoke("tiny.toml", "--format", "github")
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    # lines: 1 name, 2 layers, 3 comment, 4 [budget], 5 weights, 6 macs, 7 peak_memory
    assert len(errors) == 1
    head, message = errors[0][len("::error ") :].split("::", 1)
    props = dict(p.split("=", 1) for p in head.split(","))
    assert props["file"] == "tiny.toml" and props["line"] == "6"
    assert props["title"] == "tiny%3A macs over budget"  # ':' escaped in a property
    # 9,472 MACs against 9,000: over by 472 (5.2 %)
    assert "9,472" in message and "9,000" in message and "5.2%25" in message  # '%' escaped
    assert any(
        line.startswith("tiny.toml:5:") and "weights" in line for line in result.stdout.splitlines()
    )


def test_markdown_for_a_pull_request(tmp_path: Path) -> None:
    path = spec_file(tmp_path, "tiny", "[budget]\nweights = 2000\nmacs = 10000\n")
    result = invoke(str(path), "--format", "markdown")
    assert result.exit_code == 1
    assert result.stdout.startswith("### ❌ cnncalc check")
    assert "| metric | actual | budget | headroom | verdict |" in result.stdout
    assert "| `weights` | 2,682 (2.7k) | 2,000 (2.0k) | -34.1% | ❌ **over** |" in result.stdout
    assert "| `macs` | 9,472 (9.5k) | 10,000 (10.0k) | 5.3% | ✅ pass |" in result.stdout


def test_json_schema(tmp_path: Path) -> None:
    path = spec_file(tmp_path, "tiny", "[budget]\nmacs = 10000\n")
    doc = json.loads(invoke(str(path), "--format", "json").stdout)
    assert doc["schema"] == "cnncalc.check/1"
    assert (doc["ok"], doc["exit_code"]) == (True, 0)
    assert doc["summary"] == {"specs": 1, "specs_over": 0, "specs_without_budget": 0,
                              "passed": 1, "failed": 0, "skipped": 0}  # fmt: skip
    spec = doc["specs"][0]
    assert (spec["name"], spec["batch"], spec["dtype"], spec["optimizer"]) == (
        "tiny",
        1,
        "fp32",
        "sgd",
    )
    # headroom (10,000 − 9,472) / 10,000 = 5.28 %
    assert spec["checks"][0]["headroom_pct"] == pytest.approx(5.28)
    assert spec["checks"][0]["line"] == 4


def test_spec_without_budget_passes_and_says_so(tmp_path: Path) -> None:
    path = spec_file(tmp_path, "free", "")
    result = invoke(str(path))
    assert result.exit_code == 0
    assert "no [budget]" in result.stdout


def test_every_builtin_spec_has_a_budget_and_passes() -> None:
    """The project checks its own specs (issue 4): all of specs/, whatever is in it."""
    files = sorted(builtin_dir().glob("*.toml"))
    assert files
    result = invoke(*map(str, files), "--format", "json")
    assert result.exit_code == 0, result.output
    for spec in json.loads(result.stdout)["specs"]:
        statuses = {c["key"]: c["status"] for c in spec["checks"]}
        assert statuses, f"{spec['path']} has no [budget]"
        assert "fail" not in statuses.values(), spec


def test_check_without_profile_never_imports_torch(tmp_path: Path) -> None:
    path = spec_file(tmp_path, "lat", "[budget]\nweights = 3000\n[budget.latency_ms]\ncpu = 1\n")
    code = (
        "import sys\n"
        "from cnncalc.cli import app\n"
        f"try:\n    app(['check', {str(path)!r}, '--format', 'json'])\n"
        "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        "print('torch' in sys.modules, 'numpy' in sys.modules, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert proc.stderr.strip().splitlines()[-1] == "False False", proc.stderr


def test_check_profile_measures_latency(tmp_path: Path) -> None:
    """--profile on a tiny net: a very generous CPU budget passes, an impossible one fails,
    and a GPU budget on a machine without that GPU is skipped, not failed."""
    pytest.importorskip("torch")
    pytest.importorskip("cnncalc.torch.profile")
    import torch

    fast = "[profile]\nwarmup = 1\nmin_time = 0.05\n"
    generous = spec_file(
        tmp_path, "generous", '[budget.latency_ms]\ncpu = 60000\n"cuda:7" = 60000\n', extra=fast
    )
    impossible = spec_file(
        tmp_path, "impossible", "[budget.latency_ms]\ncpu = 0.000001\n", extra=fast
    )
    result = invoke(str(generous), "--profile", "--format", "json")
    assert result.exit_code == 0, result.output
    cpu, cuda7 = json.loads(result.stdout)["specs"][0]["checks"]
    assert cpu["status"] == "pass" and 0 < cpu["actual"] < 60000
    if torch.cuda.device_count() < 8:
        assert cuda7["status"] == "skip" and "not available" in cuda7["reason"]

    result = invoke(str(generous), str(impossible), "--profile")
    assert result.exit_code == 1, result.output
    assert "over budget: impossible latency_ms.cpu" in result.stdout


def test_budget_lines_skip_multiline_strings_and_read_inline_tables(tmp_path: Path) -> None:
    # A description holding 'weights = …' and '[budget]' lines must not move the budget's
    # lines; keys of an inline table take the line of the table.
    path = tmp_path / "multi.toml"
    path.write_text(
        'name = "multi"\n'  # 1
        'description = """\n'  # 2
        'weights = "lots"\n'  # 3
        "[budget]\n"  # 4
        '"""\n'  # 5
        f'layers = "{TINY}"\n'  # 6
        'budget = { weights = 10, macs = "1k" }\n',  # 7
        encoding="utf-8",
    )
    doc = json.loads(invoke(str(path), "--format", "json").stdout)
    assert [(c["metric"], c["line"]) for c in doc["specs"][0]["checks"]] == [
        ("weights", 7),
        ("macs", 7),
    ]


def test_two_specs_with_one_name_are_told_apart(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = spec_file(tmp_path / "a", "model", "[budget]\nweights = 10\n")
    second = spec_file(tmp_path / "b", "model", "[budget]\nweights = 10\n")
    result = invoke(str(first), str(second))
    assert result.exit_code == 1
    assert f"model ({first}) weights, model ({second}) weights" in result.stdout
    junit = ET.fromstring(invoke(str(first), str(second), "--format", "junit").stdout)
    assert len({case.get("classname") for case in junit.iter("testcase")}) == 2


def test_bad_input_in_ci_formats(tmp_path: Path, monkeypatch) -> None:
    """github: an ::error annotation at the bad line; junit: a report with one <error>."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text(
        f'name = "bad"\nlayers = "{TINY}"\n[budget]\nweigths = 1\n', encoding="utf-8"
    )
    github = invoke("bad.toml", "--format", "github")
    assert github.exit_code == 2
    assert github.stdout.startswith("::error file=bad.toml,line=4::bad.toml:4: unknown budget key")
    junit = invoke("bad.toml", "--format", "junit")
    assert junit.exit_code == 2
    (case,) = ET.fromstring(junit.stdout).iter("testcase")
    assert (case.get("file"), case.get("line")) == ("bad.toml", "4")
    assert "unknown budget key 'weigths'" in case.find("error").get("message")


def test_analysis_warnings_reach_the_ci_log(tmp_path: Path) -> None:
    # (7 − 2)/2 + 1 = 3.5 → 3: the 7th input row and column are ignored (DESIGN §4)
    path = spec_file(tmp_path, "odd", "[budget]\nweights = 1000\n", layers="In:7x7x3-Conv:2x2x4/2")
    result = invoke(str(path))
    assert result.exit_code == 0, result.output
    assert "warning: " in result.stderr and "3.5 → 3" in result.stderr
    github = invoke(str(path), "--format", "github")
    assert any(line.startswith("::warning file=") and "3.5 → 3" in line
               for line in github.stdout.splitlines())  # fmt: skip


def test_latency_of_an_int8_spec_is_skipped_not_an_error(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    path = spec_file(
        tmp_path,
        "q",
        "[budget]\nweights = 3000\n[budget.latency_ms]\ncpu = 1000\n",
        extra='[profile]\ndtype = "int8"\n',
    )
    result = invoke(str(path), "--profile", "--format", "json")
    assert result.exit_code == 0, result.output
    latency = json.loads(result.stdout)["specs"][0]["checks"][1]
    assert latency["status"] == "skip" and "int8" in latency["reason"]


def test_terminal_table_keeps_the_verdict_at_80_columns() -> None:
    import io

    from rich.console import Console

    from cnncalc.render.as_check import render_table

    results = budget.check([builtin_dir() / "resnet101.toml"])
    out = io.StringIO()
    Console(file=out, width=80, no_color=True).print(render_table(results))
    # the words a user reads: one line per budget with its headroom (%) and the whole verdict
    rows = [line for line in out.getvalue().splitlines() if "%" in line]
    assert len(rows) == len(results[0].verdicts)
    assert all(re.search(r"\bpass\b", line) for line in rows), out.getvalue()
