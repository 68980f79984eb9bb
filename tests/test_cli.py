"""The command line (DESIGN §2, §7): `shape` in every format, `list`, `--version`, SPEC
resolution, and bad input ending in exit 2 with one message and no traceback."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from importlib.metadata import version

import pytest

import cnncalc

# seed 000 (lines ~370-400), the AlexNet table: row, output cell as the seed writes it
# ("55 × 55 × 96 (=290,400)"), weights.
SEED_TABLE = [
    ("Conv:1", "55×55×96 (=290,400)", "34,944"),
    ("Pool:1", "27×27×96 (=69,984)", None),
    ("Conv:2", "27×27×256 (=186,624)", "614,656"),
    ("Pool:2", "13×13×256 (=43,264)", None),
    ("Conv:3", "13×13×384 (=64,896)", "885,120"),
    ("Conv:4", "13×13×384 (=64,896)", "1,327,488"),
    ("Conv:5", "13×13×256 (=43,264)", "884,992"),
    ("Pool:5", "6×6×256 (=9,216)", None),
    ("FC:6", "4,096", "37,748,736"),
    ("FC:7", "4,096", "16,777,216"),
    ("FC:8", "1,000", "4,096,000"),
]


def line_of(text: str, name: str) -> str:
    """The output line of the row called `name`."""
    hits = [line for line in text.splitlines() if line.split(" ")[0] == name]
    assert len(hits) == 1, f"row {name!r} not found once in:\n{text}"
    return hits[0]


def test_shape_alexnet_table(cli) -> None:
    """`cnncalc shape alexnet` shows every seed number and the totals (issue 2, Done when)."""
    result = cli("shape", "alexnet")
    out = result.stdout
    assert result.exit_code == 0, result.output
    for name, output, weights in SEED_TABLE:
        line = line_of(out, name)
        assert output in line, line
        if weights:
            assert line.rstrip().endswith(weights), line
    assert "224×224×3 (=150,528)" in out  # the seed's input row
    assert "62,369,152" in out
    assert "249,476,608 B" in out
    assert "237.9 MiB" in out  # 249,476,608 / 2^20; never "MB" (DESIGN §4)
    assert "781,736 nodes" in out
    assert "MB" not in out.replace("MiB", "")
    # the seed's default columns (DESIGN §4): layer, size, filters, stride, padding, output, weights
    conv1 = line_of(out, "Conv:1").split()
    assert conv1[:5] == ["Conv:1", "11×11×3", "96", "4", "3"]
    # the non-integer size of conv1 leaves only padding unused (55.75 → 55, 3 padding rows):
    # a note read with --explain, never a warning on stderr (issue 15)
    assert "55.75 → 55" not in result.stderr
    assert "no input is lost" in cli("shape", "alexnet", "--explain").stdout


def test_shape_rich_table() -> None:
    """On a terminal the table is drawn by rich; the same numbers appear."""
    from rich.console import Console

    from cnncalc.render import as_table
    from cnncalc.render.columns import pick

    console = Console(file=io.StringIO(), width=250, color_system=None)
    console.print(as_table.render(cnncalc.analyze("alexnet"), pick(None), False))
    text = console.file.getvalue()
    for _, output, weights in SEED_TABLE:
        assert output in text
        if weights:
            assert weights in text
    assert "62,369,152" in text and "781,736" in text


# Every key issue 2 asks for, and the extra ones the README documents.
TOP_KEYS = {"schema", "input", "batch", "dtype", "layers", "totals"}
README_TOP_KEYS = TOP_KEYS | {"name", "description", "output", "input_named", "dtype_bytes",
                              "optimizer", "warnings"}  # fmt: skip
LAYER_KEYS = {"name", "kind", "output", "nodes", "weights", "macs", "flops", "activation_bytes",
              "rf", "warnings", "depth"}  # fmt: skip
README_LAYER_KEYS = LAYER_KEYS | {
    "branch", "block", "input", "output_named", "buffers", "backward_flops", "other_ops",
    "filter", "filters", "stride", "padding", "fan_in", "fan_out", "explain", "dsl",
}  # fmt: skip
TOTALS_KEYS = {"weights", "weight_bytes", "nodes", "activation_bytes", "macs", "flops",
               "backward_flops", "train_bytes"}  # fmt: skip
README_TOTALS_KEYS = TOTALS_KEYS | {"buffers", "buffer_bytes", "peak_activation_bytes",
                                    "peak_bytes", "other_ops", "saved_bytes", "optimizer_bytes",
                                    "rf"}  # fmt: skip
INT_LAYER_KEYS = ("nodes", "weights", "macs", "flops", "activation_bytes", "depth")


def is_int(value: object) -> bool:
    """An exact JSON integer (not a float, not a bool)."""
    return type(value) is int


def test_shape_json_schema(cli) -> None:
    """--format json: the keys of issue 2 and the README, exact integers, seed numbers."""
    result = cli("shape", "alexnet", "--format", "json", "--batch", "2", "--dtype", "fp16")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # stdout is JSON only; the warning goes to stderr
    assert README_TOP_KEYS <= set(doc)
    assert doc["schema"] == "cnncalc.shape/1"
    assert doc["input"] == [224, 224, 3]
    assert doc["input_named"] == {"h": 224, "w": 224, "c": 3}
    assert (doc["batch"], doc["dtype"], doc["dtype_bytes"]) == (2, "fp16", 2)
    assert doc["name"] == "alexnet"
    for layer in doc["layers"]:
        assert README_LAYER_KEYS <= set(layer), layer["name"]
        assert {"size", "jump"} <= set(layer["rf"])
        assert is_int(layer["rf"]["size"]) and is_int(layer["rf"]["jump"])
        for key in INT_LAYER_KEYS:
            assert is_int(layer[key]), (layer["name"], key)
        assert isinstance(layer["warnings"], list)
    rows = {layer["name"]: layer for layer in doc["layers"]}
    assert rows["Conv:1"]["output"] == [55, 55, 96]  # H, W, C order
    assert rows["Conv:1"]["output_named"] == {"h": 55, "w": 55, "c": 96}
    assert rows["Conv:1"]["nodes"] == 290_400
    assert rows["Conv:1"]["weights"] == 34_944
    assert rows["FC:6"]["output"] == [4096]  # [N] for flat
    assert rows["FC:6"]["weights"] == 37_748_736
    assert rows["Conv:1"]["warnings"] == []  # 55.75 → 55 leaves padding only: a note
    assert "55.75 → 55" in rows["Conv:1"]["notes"][0]
    totals = doc["totals"]
    assert README_TOTALS_KEYS <= set(totals)
    for key in TOTALS_KEYS:
        assert is_int(totals[key]), key
    assert totals["weights"] == 62_369_152
    assert totals["weight_bytes"] == 62_369_152 * 2  # fp16
    assert totals["nodes"] == 781_736
    assert totals["activation_bytes"] == 781_736 * 2 * 2  # batch 2, fp16
    assert totals["flops"] == 2 * totals["macs"]
    assert doc["notes"][0]["layer"] == "Conv:1" and doc["warnings"] == []


def test_json_block_rows_carry_depth(cli) -> None:
    """Block rows and their children: depth, branch and block flags."""
    spec = "In:8x8x4-Res(Conv:3x3x4p1 | Conv:1x1x4)@blk-GAP"
    doc = json.loads(cli("shape", spec, "--format", "json").stdout)
    got = [(r["name"], r["depth"], r["branch"], r["block"]) for r in doc["layers"]]
    assert got == [("blk", 0, 0, True), ("Conv:1", 1, 0, False), ("Conv:2", 1, 1, False),
                   ("GAP:2", 0, 0, False)]  # fmt: skip
    assert doc["name"] == "" and doc["description"] == ""  # DSL text has neither


def test_shape_csv(cli) -> None:
    """--format csv parses with the csv module; one line per row, raw numbers."""
    result = cli("shape", "alexnet", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 19  # 8 weight layers, 3 pools, 7 ReLUs, softmax
    by_name = {r["name"]: r for r in rows}
    for name, _, weights in SEED_TABLE:
        assert int(by_name[name]["weights"]) == int((weights or "0").replace(",", ""))
    assert by_name["Conv:1"]["output"] == "55x55x96"
    assert by_name["Conv:1"]["nodes"] == "290400"
    assert sum(int(r["weights"]) for r in rows) == 62_369_152


def test_shape_markdown(cli) -> None:
    """--format markdown: a GitHub table and the totals as a list."""
    result = cli("shape", "alexnet", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| layer |"))
    assert set(lines[header + 1].replace("|", "").replace(":", "")) == {"-"}
    assert "| Conv:1 | 11×11×3 | 96 | 4 | 3 | 55×55×96 (=290,400) | 34,944 |" in lines
    assert any(line.startswith("- **weights**: 62,369,152") for line in lines)
    # every table row has as many cells as the header
    cells = lines[header].count("|")
    table = [line for line in lines[header:] if line.startswith("|")]
    assert all(line.count("|") == cells for line in table)


def header_of(stdout: str) -> list[str]:
    """The column keys of the plain-text table (the line after the title)."""
    return stdout.splitlines()[1].split()


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (None, ["layer", "size", "filters", "stride", "padding", "output", "weights"]),
        ("macs,rf", ["layer", "macs", "rf"]),
        ("weights,layer,flops", ["layer", "weights", "flops"]),
        ("+macs", ["layer", "size", "filters", "stride", "padding", "output", "weights", "macs"]),
        (
            "+macs,+fan_in",
            [
                "layer",
                "size",
                "filters",
                "stride",
                "padding",
                "output",
                "weights",
                "macs",
                "fan_in",
            ],
        ),
        # the README's example: one '+' makes the whole list an addition
        (
            "+macs,rf",
            ["layer", "size", "filters", "stride", "padding", "output", "weights", "macs", "rf"],
        ),
        ("MACS", ["layer", "macs"]),
    ],
)
def test_columns(cli, columns, expected) -> None:
    """--columns: a list after 'layer', '+' to add to the defaults."""
    args = ["shape", "alexnet"] + (["--columns", columns] if columns else [])
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert header_of(result.stdout) == expected


def test_columns_all(cli) -> None:
    """--columns all shows every column, MACs and the share bars included."""
    from cnncalc.render.columns import COLUMNS

    result = cli("shape", "alexnet", "--columns", "all")
    assert result.exit_code == 0, result.output
    assert header_of(result.stdout) == list(COLUMNS)
    for key in ("macs", "flops", "memory", "rf", "jump", "fan_in", "fan_out", "weights%", "macs%"):
        assert key in COLUMNS
    conv2 = line_of(result.stdout, "Conv:2")
    assert "447,897,600" in conv2  # 27·27·256·5·5·96 MACs, by hand
    assert "█" in line_of(result.stdout, "FC:6")  # 60.5% of the weights as a bar


@pytest.mark.parametrize(
    ("columns", "words"),
    [("bogus", ["unknown column 'bogus'", "macs"]), ("+mcas", ["did you mean 'macs'"])],
)
def test_unknown_column(cli, user_error, columns, words) -> None:
    """An unknown column is a user error."""
    user_error(cli("shape", "alexnet", "--columns", columns), *words)


def test_explain(cli) -> None:
    """--explain: each row's size formula with the numbers (issue 2)."""
    result = cli("shape", "alexnet", "--explain")
    assert result.exit_code == 0, result.output
    assert "(224 - 11 + 2·3) / 4 + 1 = 55.75 → 55" in result.stdout
    assert "(11·11·3 + 1)·96 = 34,944" in result.stdout
    assert "(55 - 3 + 2·0) / 2 + 1 = 27" in result.stdout  # pool1: exact, no arrow


def test_explain_markdown(cli) -> None:
    """--explain works with markdown too."""
    result = cli("shape", "lenet5", "--explain", "--format", "markdown")
    assert "(32 - 5 + 2·0) / 1 + 1 = 28" in result.stdout  # seed 001: C1 is 28×28


def test_input_override(cli) -> None:
    """--input replaces the spec's input: LeNet-5 on 36×36×1."""
    result = cli("shape", "lenet5", "--input", "36x36x1", "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["input"] == [36, 36, 1]
    # 36-5+1 = 32 → 16 → 12 → 6 → C5 2×2×120
    assert doc["layers"][0]["output"] == [32, 32, 6]


def test_strict_warning_and_error(cli, user_error) -> None:
    """Without --strict a warning on stderr (exit 0); with it, exit 2."""
    spec = "In:7x7x3-Conv:3x3x8/3"
    result = cli("shape", spec)
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: Conv:1: non-integer output size")
    user_error(cli("shape", spec, "--strict"), "--strict", "2.33 → 2")


def test_list(cli) -> None:
    """`cnncalc list` names the built-ins with their headline numbers."""
    result = cli("list")
    assert result.exit_code == 0, result.output
    assert "alexnet" in result.stdout and "lenet5" in result.stdout
    assert "62,369,152" in result.stdout and "61,706" in result.stdout
    doc = json.loads(cli("list", "--format", "json").stdout)
    specs = {s["name"]: s for s in doc["specs"]}
    assert specs["alexnet"]["weights"] == 62_369_152
    assert specs["lenet5"]["weights"] == 61_706
    # shapes as in shape's JSON: a list in H,W,C order and named fields (seed 001: 32×32×1)
    assert specs["lenet5"]["input"] == [32, 32, 1]
    assert specs["lenet5"]["input_named"] == {"h": 32, "w": 32, "c": 1}


def test_list_in_a_pipe_is_plain_text(cli) -> None:
    """Piped, `list` is one line per spec with no box drawing: `awk '{print $1}'` gives names."""
    lines = cli("list").stdout.splitlines()
    assert lines[0].split()[:2] == ["name", "input"]
    assert not any(ch in cli("list").stdout for ch in "│┃━")
    assert "lenet5" in [line.split()[0] for line in lines[1:]]


@pytest.mark.parametrize("option", [["--format", "json"], ["--columns", "macs"], ["--explain"],
                                    ["--depth", "1"], ["--strict"]])  # fmt: skip
def test_expand_rejects_options_it_would_ignore(cli, user_error, option) -> None:
    user_error(cli("shape", "lenet5", "--expand", *option), "--expand", option[0])


def test_expand_takes_the_input(cli) -> None:
    """--input replaces the input of the expanded text, the spec's or the layers' own In:."""
    assert cli("shape", "lenet5", "--expand", "-i", "28x28x1").stdout.startswith("In:28x28x1-\n")
    text = cli("shape", "In:8x8x3-Conv:3x3x4", "--expand", "--input", "16x16x3").stdout
    assert text == "In:16x16x3-Conv:3x3x4\n"


def test_version(cli) -> None:
    """--version prints the installed distribution's version."""
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cnncalc {version('cnncalc')}"
    assert cnncalc.__version__ == version("cnncalc")


def test_help(cli) -> None:
    """--help lists the commands."""
    result = cli("--help")
    assert result.exit_code == 0
    assert "shape" in result.stdout and "list" in result.stdout


def test_python_m_help() -> None:
    """`python -m cnncalc --help` works (DESIGN §2)."""
    proc = subprocess.run(
        [sys.executable, "-m", "cnncalc", "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "shape" in proc.stdout


def test_shape_keeps_torch_and_numpy_out() -> None:
    """`import cnncalc.cli` and `shape alexnet --format json` import neither torch nor numpy
    (DESIGN §2); a fresh interpreter, so nothing else imported them first."""
    code = textwrap.dedent(
        """
        import contextlib, io, json, sys
        import cnncalc.cli
        heavy = lambda: sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy'))
        after_import = heavy()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                cnncalc.cli.app(['shape', 'alexnet', '--format', 'json'], standalone_mode=False)
            except SystemExit:
                pass
        weights = json.loads(out.getvalue())['totals']['weights']
        print(json.dumps({'after_import': after_import, 'after_shape': heavy(),
                          'weights': weights}))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found == {"after_import": [], "after_shape": [], "weights": 62_369_152}


# -- SPEC resolution (DESIGN §2): an existing .toml file, then a built-in name, then DSL text.


def test_spec_file_wins(cli, tmp_path, monkeypatch) -> None:
    """A file path is read as a spec file, even when named like a built-in."""
    path = tmp_path / "alexnet.toml"
    path.write_text('name = "mine"\ninput = "8x8x3"\nlayers = "Conv:3x3x4"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    doc = json.loads(cli("shape", "alexnet.toml", "--format", "json").stdout)
    assert doc["name"] == "mine"
    assert doc["totals"]["weights"] == 112  # (3·3·3+1)·4
    doc = json.loads(cli("shape", str(path), "--format", "json").stdout)
    assert doc["name"] == "mine"
    # the bare name is still the built-in, from any directory
    doc = json.loads(cli("shape", "alexnet", "--format", "json").stdout)
    assert doc["totals"]["weights"] == 62_369_152


@pytest.mark.parametrize(("spec", "weights"), [("lenet5", 61_706), ("LeNet5", 61_706)])
def test_builtin_name(cli, spec, weights) -> None:
    """A built-in name (any case) loads the shipped spec."""
    doc = json.loads(cli("shape", spec, "--format", "json").stdout)
    assert doc["totals"]["weights"] == weights


def test_dsl_text(cli) -> None:
    """Anything else is DSL text: seed 004's 760-weight conv."""
    doc = json.loads(cli("shape", "In:32x32x3-Conv:5x5x10p2", "--format", "json").stdout)
    assert doc["totals"]["weights"] == 760
    assert doc["layers"][0]["output"] == [32, 32, 10]


@pytest.mark.parametrize(
    ("spec", "suggestion"), [("alexnte", "alexnet"), ("lenet", "lenet5"), ("AlexNot", "alexnet")]
)
def test_misspelt_builtin(cli, user_error, spec, suggestion) -> None:
    """A misspelt built-in name suggests the right one."""
    user_error(cli("shape", spec), f"did you mean '{suggestion}'", "cnncalc list")


# -- bad input through the CLI: exit 2, one message, no traceback (DESIGN §7) -------------

CLI_ERRORS = [
    (["In:8x8x3-Cnov:3x3x8"], ["unknown layer 'Cnov'", "did you mean 'Conv'", "^^^^"]),
    (["In:8x8x3-Conv"], ["Conv needs", "Conv:3x3x64p1"]),
    (["In:8-FC"], ["FC needs", "FC:4096"]),
    (["In:8x8x3-Conv:3x3x8q2"], ["unknown modifier 'q2'"]),
    (["In:8x8x3-Pool:2/2ciel"], ["did you mean 'ceil'"]),
    (["In:8x8x3-(Conv:3x3x8-ReLU"], ["unbalanced parenthesis", "never closed"]),
    (["In:8x8x3-Conv:3x3x8)"], ["unbalanced parenthesis", "has no '('"]),
    ([""], ["the spec is empty"]),
    (["   "], ["the spec is empty"]),
    (["In:4x4x3-Conv:5x5x8"], ["Conv:1", "(4 - 5 + 2·0) / 1 + 1 = 0", "≤ 0"]),
    (["In:8x8x3-Res(Conv:3x3x8)"], ["6×6×8", "8×8×3"]),
    (["In:8x8x3-Cat(Conv:3x3x8|Conv:3x3x8p1)"], ["6×6×8", "8×8×8"]),
    (["In:8x8x3-Conv:3x3x8@a-ReLU@a"], ["label 'a' is used twice"]),
    (["Conv:3x3x8-In:8x8x3"], ["first layer"]),
    (["In:8x8x3-Conv:3x3x8p9reflect"], ["reflect padding of 9", "got 8"]),
    (["In:7x7x3-Conv:3x3x8/3", "--strict"], ["--strict"]),
    (["Conv:3x3x8"], ["no input shape", "--input"]),
    (["ReLU", "--input", "32x32"], ["takes 1 or 3 number(s)"]),
    (["does/not/exist.toml"], ["no such spec file"]),
]


@pytest.mark.parametrize(
    ("args", "words"), CLI_ERRORS, ids=[repr(" ".join(c[0])) for c in CLI_ERRORS]
)
def test_cli_error(cli, user_error, args, words) -> None:
    """Exit 2 and one message on stderr (with the caret for DSL errors)."""
    user_error(cli("shape", *args), *words)


def test_caret_through_cli(cli) -> None:
    """The caret on stderr sits under the misspelt name."""
    spec = "In:8x8x3-Conv:3x3x8-Cnov:3"
    lines = cli("shape", spec).stderr.splitlines()
    assert lines[1] == f"  {spec}"
    assert lines[2] == "  " + " " * spec.index("Cnov") + "^^^^"


@pytest.mark.parametrize(
    "args",
    [["--batch", "0"], ["--dtype", "fp8"], ["--optimizer", "rmsprop"], ["--format", "xml"]],
)
def test_bad_option_values(cli, args) -> None:
    """Bad option values are usage errors: exit 2, no traceback."""
    result = cli("shape", "alexnet", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_debug_shows_the_exception(cli) -> None:
    """--debug lets the exception through (the traceback a developer wants)."""
    result = cli("shape", "In:8x8x3-Cnov:3x3x8", "--debug")
    assert isinstance(result.exception, cnncalc.DslError)
    assert result.exit_code != 0


def test_terminal_table_of_a_long_report_is_aligned_columns() -> None:
    """Past BOXED_ROWS rows a terminal gets aligned columns (rich's table layout costs ~0.6 ms
    a row); a short report keeps its box. Both hold the same rows."""
    import io

    from rich.console import Console

    from cnncalc.render import as_table
    from cnncalc.render.columns import pick

    def shown(name: str) -> str:
        out = io.StringIO()
        report = cnncalc.analyze(name)
        Console(file=out, width=200, no_color=True).print(as_table.render(report, pick(None)))
        return out.getvalue()

    long = shown("resnet50")
    assert len(cnncalc.analyze("resnet50").rows) > as_table.BOXED_ROWS
    assert not any(ch in long for ch in "┃┏━") and "\nlayer " in long
    assert "│ │ Conv:2 " in long and "25,557,032" in long  # nested rows and the totals
    assert "┃ layer" in shown("lenet5")
