"""Issue 9, helper C's part: SPEC resolution, spec files, budgets, `check` and `diff` under
hostile input. Every class of the issue has a regression test here, and the open-ended ones a
hypothesis property (only cnncalc's own errors, never another exception; a time bound).

Expected figures come from DESIGN §4's formulas worked by hand in the comments, from
torchvision's published counts, or from Python's own int arithmetic — never from cnncalc's
output.
"""

from __future__ import annotations

import json
import os
import re
import time
import types
import xml.etree.ElementTree as ET
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import tomllib
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cnncalc import budget
from cnncalc.api import analyze
from cnncalc.budget import SpecResult, Verdict, spec_paths
from cnncalc.cli import app
from cnncalc.diff import diff_reports
from cnncalc.diff_ops import _SMALL, opcodes
from cnncalc.errors import CnnCalcError, SpecFileError
from cnncalc.messages import msg
from cnncalc.render import as_check
from cnncalc.spec_text import MAX_SPEC_BYTES, Lines
from cnncalc.specs import load_spec, resolve_spec
from cnncalc.units import UnitError, parse_quantity

runner = CliRunner()
TINY = "In:8x8x3-Conv:3x3x4p1-ReLU-FC:10"  # 2,682 weights (tests/test_check.py's docstring)


def check(*args: str):
    return runner.invoke(app, ["check", *args])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- 1. SPEC resolution never lets an OS error out ----------------------------------------

LONG_DSL = "In:8x8x3-" + "-".join(["ReLU"] * 2_000)  # 10k characters: ENAMETOOLONG before


def test_long_dsl_text_is_dsl_not_a_file_name(cli) -> None:
    """DSL text far past NAME_MAX (255) parses; it crashed with OSError [Errno 36]."""
    doc = json.loads(cli("shape", LONG_DSL, "--format", "json").stdout)
    assert len(doc["layers"]) == 2_000
    assert doc["output"] == [8, 8, 3]


@pytest.mark.parametrize("text", [
    "ReLU-" * 60,  # 300 characters, bad DSL (ends in '-')
    "a" * 300,  # a 300-character word
    "x" * 5_000 + ".toml",  # a .toml "path" past PATH_MAX
    "a/" * 3_000 + "b.toml",
    "In:8x8x3-\nConv:3x3x4\n" * 200 + ".toml",
    "bad\x00name.toml",  # a NUL: ValueError from os.stat
])  # fmt: skip
def test_no_text_ends_in_an_os_error(cli, user_error, text: str) -> None:
    user_error(cli("shape", text))
    user_error(check(text))


class _Spy:
    """Records every path handed to the filesystem calls SPEC resolution could make."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[str] = []
        for module, name in ((os, "stat"), (os, "lstat"), (os, "scandir"), (os, "listdir")):
            real = getattr(module, name)
            monkeypatch.setattr(module, name, self._wrap(real))

    def _wrap(self, real):
        def call(path=".", *args, **kwargs):
            self.seen.append(os.fsdecode(path) if isinstance(path, (str, bytes)) else str(path))
            return real(path, *args, **kwargs)

        return call

    def touched(self, text: str) -> bool:
        probe = text.strip()[:40]
        return any(probe and probe in seen for seen in self.seen)


DSL_CHARS = st.text(alphabet="-:()|\n@*#x3p1/ ReLUConvFC", min_size=1, max_size=400)


@settings(max_examples=examples(150), deadline=None)
@given(text=DSL_CHARS.filter(lambda t: any(c in t.strip() for c in ":(|*@#\n ")))
def test_text_that_cannot_be_a_name_never_touches_the_filesystem(text: str) -> None:
    """Issue 9: text holding ':', '(', a newline, … reaches neither os.stat nor a directory
    listing (built-in names are matched against the list read once). A name may hold '-'
    (`vgg-16`): one that names no built-in is looked up as NAME.toml for the message."""
    resolve_spec("alexnet")  # the list of built-ins, read before the spy
    with pytest.MonkeyPatch.context() as mp:
        spy = _Spy(mp)
        try:
            resolve_spec(text)
        except CnnCalcError:
            pass
        assert not spy.touched(text), spy.seen


@settings(max_examples=examples(200), deadline=None)
@given(text=st.text(max_size=300) | DSL_CHARS)
def test_resolution_raises_only_cnncalc_errors(text: str) -> None:
    """Any text: a Spec or a CnnCalcError, quickly; never OSError, ValueError, …"""
    start = time.perf_counter()
    for resolve in (resolve_spec, lambda t: spec_paths([t])):
        try:
            resolve(text)
        except CnnCalcError:
            pass
    assert time.perf_counter() - start < 2


# -- 2. names as people write them ------------------------------------------------------------

# torchvision's published parameter counts (vgg.py, resnet.py, mobilenetv2.py weight metadata)
NAMES = [
    ("vgg-16", 138_357_544),
    ("VGG16", 138_357_544),
    ("Vgg_16", 138_357_544),
    ("resnet-50", 25_557_032),
    ("ResNet50", 25_557_032),
    ("mobilenet-v2", 3_504_872),
    ("MobileNetV2", 3_504_872),
]


@pytest.mark.parametrize(("name", "weights"), NAMES)
def test_builtin_names_as_people_write_them(cli, name: str, weights: int) -> None:
    doc = json.loads(cli("shape", name, "--format", "json").stdout)
    assert doc["totals"]["weights"] == weights


def test_check_takes_names_as_people_write_them() -> None:
    result = check("vgg-16", "ResNet50", "--format", "json")
    assert result.exit_code == 0, result.output
    paths = [Path(s["path"]).name for s in json.loads(result.stdout)["specs"]]
    assert paths == ["vgg16.toml", "resnet50.toml"]


def test_an_unknown_name_says_so_and_lists_close_builtins(cli, user_error) -> None:
    user_error(cli("shape", "resnet51"), "no built-in spec or file named 'resnet51'",
               "resnet50", "cnncalc list")  # fmt: skip
    user_error(check("resnet51"), "no built-in spec or file named 'resnet51'", "resnet50")


def test_an_unknown_name_points_at_the_file_of_that_name(cli, user_error, tmp_path,
                                                         monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    user_error(cli("shape", "my_net"), "no built-in spec or file named 'my_net'")
    assert "my_net.toml" not in cli("shape", "my_net").stderr  # not there: not mentioned
    write(tmp_path, "my_net.toml", f'layers = "{TINY}"\n')
    user_error(cli("shape", "my_net"), "no built-in spec or file named 'my_net'",
               "my_net.toml")  # fmt: skip


def test_a_misspelt_layer_stays_a_dsl_error(cli, user_error) -> None:
    """`Cnov` is closer to a layer than to any built-in; `ReLU-Cnov` holds a layer."""
    user_error(cli("shape", "Cnov", "--input", "8x8x3"), "unknown layer 'Cnov'", "Conv")
    user_error(cli("shape", "ReLU-Cnov", "--input", "8x8x3"), "unknown layer 'Cnov'")


# -- 3. budgets: units, exactness, a missing [budget] ---------------------------------------

# A net with exactly 2^53 + 1 = 9,007,199,254,740,993 weights, every number ≤ 10^9 (the DSL's
# limit). FC without bias from n inputs to m outputs has n·m weights (DESIGN §3):
#   In:90071991 → FC:100000000nb  90,071,991 · 100,000,000 = 9,007,199,100,000,000
#               → FC:1nb          100,000,000 · 1           =           100,000,000
#               → FC:54740993nb   1 · 54,740,993            =            54,740,993
BIG_NET = "In:90071991-FC:100000000nb-FC:1nb-FC:54740993nb"
BIG = 90_071_991 * 100_000_000 + 100_000_000 * 1 + 1 * 54_740_993


def test_the_big_net_has_two_to_the_53_plus_one_weights() -> None:
    assert BIG == 2**53 + 1
    assert float(BIG) == float(BIG - 1)  # what a float comparison could not tell apart
    assert analyze(BIG_NET).totals.weights == BIG


@pytest.mark.parametrize("written", [str(BIG), f'"{BIG}"', f'"{BIG:,}"', f'"{BIG:_}"'])
def test_integers_are_compared_exactly(tmp_path: Path, written: str) -> None:
    at = write(tmp_path, "at.toml", f'layers = "{BIG_NET}"\n[budget]\nweights = {written}\n')
    result = check(str(at), "--format", "json")
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)["specs"][0]["checks"]
    assert (item["actual"], item["limit"], item["status"]) == (BIG, BIG, "pass")
    below = write(tmp_path, "below.toml", f'layers = "{BIG_NET}"\n[budget]\nweights = {BIG - 1}\n')
    assert check(str(below)).exit_code == 1


@settings(max_examples=examples(200), deadline=None)
@given(n=st.integers(min_value=0, max_value=10**40))
def test_quantities_are_exact_ints(n: int) -> None:
    assert parse_quantity(n, "count") == n
    assert parse_quantity(str(n), "count") == n
    assert parse_quantity(f"{n:,}", "count") == n
    assert parse_quantity(f"{n}B", "bytes") == n
    assert parse_quantity(f"{n}KiB", "bytes") == n * 1024
    assert parse_quantity(f"{n}k", "count") == n * 1000


EXACT = [
    # value, unit, exact figure by hand
    ("62.4M", "count", 62_400_000),  # 62.4 · 10^6, not 62,399,999.99… as a float
    ("0.1k", "count", 100),
    ("1.5KiB", "bytes", 1_536),
    ("2.5", "count", 2),  # at most 2.5 weights is at most 2
    ("1e300T", "count", 10**312),  # a huge but exact limit
    (62.4e6, "count", 62_400_000),  # a TOML float
    ("0.000001", "ms", 1e-6),
]


@pytest.mark.parametrize(("value", "unit", "expected"), EXACT, ids=[str(e[0]) for e in EXACT])
def test_exact_quantities(value, unit: str, expected) -> None:
    assert parse_quantity(value, unit) == expected


BAD = [
    (300, "bytes", "a byte budget needs one"),  # 300 B or 300 MiB?
    ("300", "bytes", "a byte budget needs one"),
    (2.5, "bytes", "a byte budget needs one"),
    ("1e400", "count", "too large"),
    ("1e999999999T", "count", "too large"),  # no 10^999999999 is ever built
    (10**500, "count", "too large"),
    ("1e400", "ms", "too large"),
    ("²", "count", "not a number"),  # str.isdigit says yes
    ("１２", "count", "not a number"),  # fullwidth digits
    ("٣", "count", "not a number"),  # Arabic-Indic three
    ("9" * 100_000, "count", "too many digits"),  # past Python's int-string limit
    ("inf", "count", "not a finite number"),
    ("-inf", "ms", "not a finite number"),
]


@pytest.mark.parametrize(("value", "unit", "words"), BAD, ids=[str(b[0])[:20] for b in BAD])
def test_bad_quantities(value, unit: str, words: str) -> None:
    start = time.perf_counter()
    with pytest.raises(UnitError, match=words):
        parse_quantity(value, unit)
    assert time.perf_counter() - start < 0.5


@settings(max_examples=examples(300), deadline=None)
@given(value=st.text(max_size=60) | st.from_regex(r"[+-]?[0-9.,_eE]{1,30}[kMGTiBm]{0,3}"),
       unit=st.sampled_from(["count", "bytes", "ms"]))  # fmt: skip
def test_any_quantity_text_is_a_number_or_a_unit_error(value: str, unit: str) -> None:
    try:
        got = parse_quantity(value, unit)
    except UnitError:
        return
    assert isinstance(got, float if unit == "ms" else int) and got >= 0


def test_bare_byte_budget_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bare.toml", f'layers = "{TINY}"\n[budget]\npeak_memory = 300\n')
    result = check(str(path))
    assert result.exit_code == 2
    assert f"{path}:3: budget 'peak_memory': '300' has no unit" in result.stderr
    assert '"300MiB"' in result.stderr


FORMATS = ["table", "json", "junit", "github", "markdown"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_spec_without_budget_is_reported_in_every_format(tmp_path: Path, fmt: str) -> None:
    free = write(tmp_path, "free.toml", f'name = "free"\nlayers = "{TINY}"\n')
    result = check(str(free), "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        spec = json.loads(result.stdout)["specs"][0]
        assert (spec["has_budget"], spec["ok"], spec["checks"]) == (False, True, [])
    elif fmt == "junit":
        (case,) = ET.fromstring(result.stdout).iter("testcase")
        assert case.find("skipped").get("message") == msg(as_check.EMPTY)
    else:
        assert "no [budget]" in result.stdout

    required = check(str(free), "--format", fmt, "--require-budget")
    assert required.exit_code == 1, required.output
    if fmt == "json":
        doc = json.loads(required.stdout)
        assert (doc["ok"], doc["exit_code"], doc["specs"][0]["ok"]) == (False, 1, False)
    elif fmt == "junit":
        (case,) = ET.fromstring(required.stdout).iter("testcase")
        assert case.find("failure").get("type") == "no-budget"
    elif fmt == "github":
        assert required.stdout.startswith("::error file=")
        assert "--require-budget" in required.stdout
    else:
        assert "--require-budget" in required.stdout


def test_require_budget_keeps_the_exit_codes(tmp_path: Path) -> None:
    ok = write(tmp_path, "ok.toml", f'layers = "{TINY}"\n[budget]\nweights = 2682\n')
    over = write(tmp_path, "over.toml", f'layers = "{TINY}"\n[budget]\nweights = 2681\n')
    bad = write(tmp_path, "bad.toml", "layers = 3\n")
    assert check(str(ok), "--require-budget").exit_code == 0
    assert check(str(ok), str(over), "--require-budget").exit_code == 1
    assert check(str(ok), str(bad), "--require-budget").exit_code == 2


# -- 4. spec files ---------------------------------------------------------------------------


def test_a_directory_named_like_a_spec_file(cli, user_error, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.toml").mkdir()
    user_error(cli("shape", "x.toml"), "x.toml: is a directory, not a spec file")
    user_error(check("x.toml"), "no .toml spec files in the directory x.toml")
    with pytest.raises(SpecFileError, match="is a directory"):
        load_spec(tmp_path / "x.toml")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "huge.toml"
    with path.open("wb") as f:
        f.truncate(300 * 2**20)  # 300 MiB, sparse: costs no disk
    opened: list[Path] = []
    real_open = Path.open
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: opened.append(self)
                        or real_open(self, *a, **k))  # fmt: skip
    start = time.perf_counter()
    result = check(str(path))
    assert time.perf_counter() - start < 2
    assert result.exit_code == 2
    assert "300.0 MiB (314,572,800 B)" in result.stderr
    assert f"at most 4.0 MiB ({MAX_SPEC_BYTES:,} B)" in result.stderr
    assert path not in opened


def test_a_file_that_is_not_regular_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # reading it would wait forever for a writer
    result = check(str(fifo))
    assert result.exit_code == 2
    assert "not a regular file" in result.stderr


def test_permission_denied_is_one_message(tmp_path: Path, monkeypatch) -> None:
    """Root reads every file whatever its mode, so the refusal is mocked."""
    path = write(tmp_path, "locked.toml", f'layers = "{TINY}"\n')

    def deny(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", deny)
    result = check(str(path))
    assert result.exit_code == 2
    assert f"{path}: cannot read the spec file: Permission denied" in result.stderr


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(f'layers = "{TINY}"\n'.encode() + b'description = "caf\xe9"\n')
    result = check(str(path))
    assert result.exit_code == 2
    assert f"{path}:2: the spec file is not UTF-8 text" in result.stderr


# TOML the old line scanner mis-read: (file text, table, key, the line the key is on)
TRICKY = [
    # a multi-line string holding an odd number of triple quotes of the other kind
    ('description = """\nsays \'\'\' once\nweights = 1\n"""\n[budget]\nweights = 2\n',
     "budget", "weights", 6),
    # a literal multi-line string holding '"""' and a [budget] header
    ("description = '''\n\"\"\" [budget]\n[budget]\nweights = 1\n'''\n[budget]\nmacs = 2\n",
     "budget", "macs", 7),
    # two triple-quoted strings opened and closed on one line, then a multi-line one
    ('name = """a""" # """\ndescription = """\n[budget]\n"""\n[budget]\nflops = 1\n',
     "budget", "flops", 6),
    # a quoted key holding a dot is one key, not a table
    ('"budget.weights" = 1\n[budget]\nweights = 2\n', "budget", "weights", 3),
    ('[budget]\n"weights" = 2\n', "budget", "weights", 2),
    # dotted keys at the top level and inside a table, with spaces around the dots
    ("budget . weights = 1\n", "budget", "weights", 1),
    ('[budget]\nlatency_ms . "cuda:0" = 5\n', "budget.latency_ms", "cuda:0", 2),
    # an array spanning lines, holding '=' and '[' in strings, before the key
    ('tags = [\n  "a = 1",\n  "[budget]",\n]\n[budget]\nmacs = 3\n', "budget", "macs", 6),
    # an inline table inside an array spanning lines
    ('rows = [\n  { weights = 1 },\n  { macs = 2 },\n]\nbudget = { macs = 4 }\n',
     "budget", "macs", 5),
    # arrays of tables
    ('[[model]]\nweights = 1\n[[model]]\nweights = 2\n[budget]\nweights = 3\n',
     "budget", "weights", 6),
    # a basic string with escaped quotes and a '#' that is not a comment
    ('name = "a \\" [budget] # x"\n[budget]\nweights = 1\n', "budget", "weights", 3),
    # CRLF line ends
    ('name = "x"\r\n[budget]\r\nweights = 1\r\n', "budget", "weights", 3),
    # a table header with spaces and a quoted part
    ('[ budget . "latency_ms" ]\ncpu = 1\n', "budget.latency_ms", "cpu", 2),
]  # fmt: skip


@pytest.mark.parametrize(("text", "table", "key", "line"), TRICKY)
def test_the_line_finder_reads_tricky_toml(text: str, table: str, key: str, line: int) -> None:
    tomllib.loads(text)  # the case is valid TOML
    assert Lines(text).of(table, key) == line


def test_an_inline_table_spanning_lines_is_invalid_toml_with_a_hint(tmp_path: Path) -> None:
    """TOML 1.0 keeps an inline table on one line; tomllib says so at line 2."""
    path = write(tmp_path, "inline.toml",
                 f'layers = "{TINY}"\nbudget = {{ weights = 1,\n  macs = 2 }}\n')  # fmt: skip
    result = check(str(path))
    assert result.exit_code == 2
    assert f"{path}:2: invalid TOML" in result.stderr
    assert "an inline table { … } must be on one line" in result.stderr


def test_a_number_past_pythons_int_string_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "digits.toml", f'layers = "{TINY}"\n[budget]\nweights = {"9" * 5_000}\n')
    result = check(str(path))
    assert result.exit_code == 2
    assert f"{path}:3: invalid TOML: a number of 5,000 digits" in result.stderr


def test_a_budget_error_in_tricky_toml_names_the_right_line(tmp_path: Path) -> None:
    path = write(tmp_path, "tricky.toml",
                 f'description = """\n[budget]\nweights = "x"\n"""\nlayers = "{TINY}"\n'
                 '[budget]\nweights = "lots"\n')  # fmt: skip
    result = check(str(path))
    assert result.exit_code == 2
    assert f"{path}:7: budget 'weights'" in result.stderr


def _basic(text: str, multiline: bool = False) -> str:
    """`text` as a TOML basic string (escapes by hand, from the TOML 1.0 spec)."""
    out = []
    for ch in text:
        if ch == "\\" or ch == '"':
            out.append("\\" + ch)
        elif ch == "\n" and multiline or ch == "\t" or (ch.isprintable() and ch != "\x7f"):
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04X}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08X}")
    body = "".join(out)
    return f'"""{body}"""' if multiline else f'"{body}"'


NASTY = st.sampled_from(['"""', "'''", "[budget]", "weights = 1", "\n", "#", "=", "'", '"',
                         "::error::x", "\x1b[31m", "%0A", "\r", "{", "}", ","])  # fmt: skip
TEXT = st.lists(NASTY | st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
                max_size=8).map("".join)  # fmt: skip
STRING_STYLE = st.sampled_from(["basic", "multiline", "literal", "multiliteral"])


def _string(text: str, style: str) -> str:
    plain = all(c.isprintable() or c == "\t" for c in text) and "'" not in text
    if style == "literal" and plain:
        return f"'{text}'"
    if (
        style == "multiliteral"
        and all(c.isprintable() or c in "\t\n" for c in text)
        and ("'" not in text)
    ):
        return f"'''{text}'''"
    return _basic(text, multiline=style in ("multiline", "multiliteral"))


@st.composite
def spec_texts(draw):
    """A spec file written in one of TOML's many ways, and the line of each budget key."""
    lines: list[str] = []
    where: dict[tuple[str, str], int] = {}

    def emit(text: str) -> int:
        lines.append(text)
        return sum(part.count("\n") + 1 for part in lines[:-1]) + 1

    for key in ("name", "description"):
        if draw(st.booleans()):
            emit(f"{key} = {_string(draw(TEXT), draw(STRING_STYLE))}")
        if draw(st.booleans()):
            emit(f"# {''.join(c for c in draw(TEXT) if c.isprintable())}")
    emit(f'layers = "{TINY}"')
    keys = draw(st.lists(st.sampled_from(sorted(budget.METRICS)), unique=True, min_size=1))
    values = {k: draw(st.integers(0, 10**20)) for k in keys}
    written = {k: (f'"{v}B"' if k.endswith("memory") else str(v)) for k, v in values.items()}
    style = draw(st.sampled_from(["table", "inline", "dotted", "quoted"]))
    devices = draw(st.lists(st.sampled_from(["cpu", "cuda", '"cuda:1"', "mps"]), unique=True))
    if style == "inline":  # latency inline too: a [budget.latency_ms] header would redefine it
        items = [f"{k} = {written[k]}" for k in keys]
        if devices:
            items.append("latency_ms = { " + ", ".join(f"{d} = 5" for d in devices) + " }")
        line = emit("budget = { " + ", ".join(items) + " }")
        where.update({("budget", k): line for k in keys})
        where.update({("budget.latency_ms", d.strip('"')): line for d in devices})
        return "\n".join(lines) + "\n", where, values
    if style == "dotted":
        for k in keys:
            where["budget", k] = emit(f"budget.{k} = {written[k]}")
    else:
        emit(draw(st.sampled_from(["[budget]", "[ budget ]", '["budget"]', "[budget] # b"])))
        for k in keys:
            if draw(st.booleans()):
                emit("")
            name = f'"{k}"' if style == "quoted" else k
            where["budget", k] = emit(f"{name}{draw(st.sampled_from(['=', ' = ', '  =  ']))}"
                                      f"{written[k]}")  # fmt: skip
    if devices:
        emit("[budget.latency_ms]")
        for device in devices:
            where["budget.latency_ms", device.strip('"')] = emit(f"{device} = 5")
    return "\n".join(lines) + "\n", where, values


@settings(max_examples=examples(150), deadline=None)
@given(spec=spec_texts())
def test_generated_spec_files_report_each_key_at_its_line(spec) -> None:
    text, where, values = spec
    data = tomllib.loads(text)  # the generator writes valid TOML
    assert {k: data["budget"][k] for k in values} == {
        k: (f"{v}B" if k.endswith("memory") else v) for k, v in values.items()
    }
    lines = Lines(text)
    assert {key: lines.of(*key) for key in where} == where


@settings(max_examples=examples(60), deadline=None)
@given(spec=spec_texts())
def test_generated_spec_files_load_with_their_lines(tmp_path_factory, spec) -> None:
    text, where, values = spec
    path = tmp_path_factory.mktemp("gen") / "gen.toml"
    path.write_text(text, encoding="utf-8")
    loaded = load_spec(path)
    got = {("budget", lim.key) if lim.device is None else ("budget.latency_ms", lim.device):
           lim.line for lim in loaded.budget}  # fmt: skip
    assert got == where
    assert {lim.key: lim.limit for lim in loaded.budget if lim.device is None} == values


@pytest.mark.parametrize(("layers", "offsets"), [
    # (how `layers` is written on file line 2, (line offset, column offset) of its text)
    ('layers = "In:8x8x3-ReLU"', (1, 10)),
    ("layers='In:8x8x3-ReLU'", (1, 8)),
    ('layers = """\nIn:8x8x3-ReLU"""', (2, 0)),
    ("layers = '''In:8x8x3-\nReLU'''", (1, 12)),
    ('"layers" = """\r\nIn:8x8x3-ReLU"""', (2, 0)),
])  # fmt: skip
def test_the_layers_text_is_located(layers: str, offsets: tuple[int, int]) -> None:
    assert Lines(f'name = "x"\n{layers}\n').offsets("", "layers") == offsets


def test_forty_thousand_blocks_load_in_linear_time(tmp_path: Path) -> None:
    """Issue 9: the key finder, the blocks table and the text offsets are one pass each."""

    def load(n: int) -> float:
        rows = [f'layers = "{TINY}-$b0"', "[blocks]", *(f'b{i} = "ReLU-BN"' for i in range(n))]
        path = write(tmp_path, f"many{n}.toml", "\n".join(rows) + "\n")
        start = time.perf_counter()
        load_spec(path)
        return time.perf_counter() - start

    small, large = min(load(10_000) for _ in range(2)), min(load(40_000) for _ in range(2))
    assert large < 10  # about 1 s here; quadratic was minutes
    assert large < 4 * small * 2.5  # 4× the entries, well under 16× the time


# -- 5. diff stays n·log n ------------------------------------------------------------------

KEYS = st.lists(st.sampled_from("abcde"), max_size=60)


def _covers(ops: list[list], a: list, b: list) -> None:
    """The opcodes walk both sequences in order, and equal runs are equal."""
    i = j = 0
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (i, j), ops
        assert tag in ("equal", "replace", "insert", "delete")
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(a), len(b))


@settings(max_examples=examples(200), deadline=None)
@given(a=KEYS, b=KEYS)
def test_small_diffs_align_exactly_as_sequence_matcher(a: list, b: list) -> None:
    assert len(a) * len(b) <= _SMALL
    expected = [list(op) for op in SequenceMatcher(None, a, b, autojunk=False).get_opcodes()]
    assert opcodes(a, b) == expected


@settings(max_examples=examples(30), deadline=None)
@given(unit_a=st.lists(st.sampled_from("abc"), min_size=1, max_size=4),
       unit_b=st.lists(st.sampled_from("abc"), min_size=1, max_size=4),
       n=st.integers(300, 1_500), cut=st.integers(0, 50))  # fmt: skip
def test_large_diffs_are_valid_alignments(unit_a: list, unit_b: list, n: int, cut: int) -> None:
    a = (unit_a * n)[:n]
    b = (unit_a * (n // 2))[: n // 2] + (unit_b * cut)[:cut] + (unit_a * n)[n // 2 : n]
    start = time.perf_counter()
    ops = opcodes(a, b)
    assert time.perf_counter() - start < 2
    _covers(ops, a, b)


def _chain(pattern: list[str], n: int) -> str:
    return "In:16x16x8-" + "-".join(pattern[i % len(pattern)] for i in range(n))


def test_two_repetitive_2000_row_nets_diff_fast() -> None:
    """Issue 9: SequenceMatcher took seconds (cubic in a run of repeated rows)."""
    a = analyze(_chain(["Conv:3x3x8p1", "BN", "ReLU"], 2_000))
    b = analyze(_chain(["Conv:3x3x8p1", "ReLU"], 2_000))
    start = time.perf_counter()
    d = diff_reports(a, b)
    assert time.perf_counter() - start < 2
    # A's 667 Conv-BN-ReLU blocks against B's 1,000 Conv-ReLU pairs: every row of both is
    # accounted for, once
    assert sum(r.a is not None for r in d.rows) == 2_000
    assert sum(r.b is not None for r in d.rows) == 2_000


def test_a_10k_row_diff_is_fast_and_finds_the_one_change() -> None:
    rows = ["Conv:3x3x8p1", "BN", "ReLU"] * 3_334
    a = analyze("In:16x16x8-" + "-".join(rows))
    rows[5_001] = "Conv:1x1x8"  # 5,001 = 3 · 1,667: a Conv, now 1×1
    b = analyze("In:16x16x8-" + "-".join(rows))
    start = time.perf_counter()
    d = diff_reports(a, b)
    assert time.perf_counter() - start < 2
    assert d.count("changed") == 1 and d.count("added") == d.count("removed") == 0


# -- 6. CI output: no injected workflow command, JUnit that parses, no raw control chars ----

COMMAND = re.compile(r"^::(error|warning) (file=[^:,\n]*)(,line=\d+)?(,title=[^:,\n]*)?::")


def _result(name: str, path: str, statuses: list[str]) -> SpecResult:
    verdicts = tuple(Verdict("weights", None, "count", 10, 20 if s == "fail" else 5, s, i + 3,
                             "a reason\x1b[2J\n::error::x" if s == "skip" else "")
                     for i, s in enumerate(statuses))  # fmt: skip
    return SpecResult(name, path, 1, "fp32", "sgd", verdicts, (("Conv:1\n::warning::", "w"),))


USER = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | TEXT
STATUSES = st.lists(st.sampled_from(["pass", "fail", "skip"]), max_size=3)


@settings(max_examples=examples(200), deadline=None)
@given(name=USER, path=USER.map(lambda p: p + ".toml"), statuses=STATUSES,
       required=st.booleans())  # fmt: skip
def test_user_text_never_starts_a_workflow_command(name: str, path: str, statuses: list[str],
                                                   required: bool) -> None:  # fmt: skip
    result = _result(name, path, statuses)
    if required:
        result = SpecResult(*[getattr(result, f) for f in result.__slots__[:-1]], True)
    out = as_check.render_github([result])
    commands = statuses.count("fail") + 1 + (required and not statuses)  # + the warning
    lines = out.splitlines()
    assert out.endswith("\n") and len(lines) == len(statuses) + 2 + (not statuses)
    starts = [ln for ln in lines if ln.lstrip().startswith(("::", "##"))]
    assert len(starts) == commands, out
    assert all(COMMAND.match(ln) for ln in starts), out
    assert all(ch.isprintable() for ln in lines for ch in ln), out


@settings(max_examples=examples(200), deadline=None)
@given(name=USER, path=USER, statuses=STATUSES)
def test_junit_parses_and_keeps_the_name(name: str, path: str, statuses: list[str]) -> None:
    xml = as_check.render_junit([_result(name, path, statuses)])
    suite = ET.fromstring(xml).find("testsuite")
    assert suite.get("name") == as_check.xml_text(name)
    assert suite.get("file") == as_check.xml_text(path)


@settings(max_examples=examples(100), deadline=None)
@given(name=USER, path=USER, statuses=STATUSES)
def test_text_and_markdown_show_no_raw_control_characters(name: str, path: str,
                                                          statuses: list[str]) -> None:  # fmt: skip
    for render in (as_check.render_text, as_check.render_markdown):
        out = render([_result(name, path, statuses)])
        assert all(ch.isprintable() for ln in out.splitlines() for ch in ln), out


@settings(max_examples=examples(100), deadline=None)
@given(msg=USER, path=USER, line=st.none() | st.integers(1, 10**6))
def test_errors_in_ci_formats_are_one_command_and_valid_xml(msg: str, path: str,
                                                            line: int | None) -> None:  # fmt: skip
    exc = SpecFileError(msg, path, line)
    out = as_check.github_error(exc)
    assert out.endswith("\n") and out.count("\n") == 1 and COMMAND.match(out), out
    case = ET.fromstring(as_check.junit_error(exc)).find(".//testcase")
    assert case.get("file") == as_check.xml_text(path)


def test_an_injected_name_through_the_cli(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = "evil\\n::error file=x.py,line=1::pwned\\u001b[31m %0A"  # TOML escapes
    write(tmp_path, "::evil.toml",
          f'name = "{name}"\nlayers = "{TINY}"\n[budget]\nweights = 1\nmacs = "1M"\n')  # fmt: skip
    github = check("::evil.toml", "--format", "github")
    assert github.exit_code == 1
    lines = github.stdout.splitlines()
    assert lines[0].startswith("::error file=%3A%3Aevil.toml,line=4,title=evil\\n%3A%3Aerror")
    assert lines[1].startswith("./::evil.toml:5: evil\\n::error")  # a plain log line
    assert all(not ln.startswith("::") for ln in lines[1:])
    assert "\x1b" not in github.stdout
    table = check("::evil.toml")
    assert "\x1b" not in table.stdout and "evil\\n::error" in table.stdout


# -- 7. check --profile speaks in check's terms ---------------------------------------------


def test_a_latency_failure_names_the_spec_and_suggests_profile_keys(tmp_path: Path,
                                                                    monkeypatch) -> None:  # fmt: skip
    pytest.importorskip("torch")
    fake = types.ModuleType("cnncalc.torch.profile")

    def profile(*args, **kwargs):
        raise CnnCalcError("out of memory on cpu at batch 64 (fp32): try a smaller --batch")

    fake.profile = profile  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "cnncalc.torch.profile", fake)
    path = write(tmp_path, "lat.toml", f'layers = "{TINY}"\n[budget]\nweights = 9999\n'
                 "[budget.latency_ms]\ncpu = 5\n[profile]\nbatch = 64\n")  # fmt: skip
    result = check(str(path), "--profile")
    assert result.exit_code == 2, result.output
    assert f"{path}:5: check --profile could not measure latency_ms.cpu" in result.stderr
    assert "[profile] batch" in result.stderr and "--batch" not in result.stderr
