"""Spec files (DESIGN §5): everything in them is validated, and every error names the file and
the line (and, inside `layers`, the column). The files are in tests/data/."""

from __future__ import annotations

from pathlib import Path

import pytest

import cnncalc
from cnncalc.errors import DslError, SpecFileError
from cnncalc.specs import builtin_names, load_spec
from cnncalc.units import UnitError, parse_quantity

DATA = Path(__file__).parent / "data"

# (file, line of the mistake in the file as counted by hand, words of the message)
FILE_ERRORS = [
    ("bad_toml_syntax.toml", 3, ["invalid TOML"]),  # the string opened on line 3
    ("bad_type_input.toml", 2, ["'input' must be a string", "int"]),
    ("bad_type_layers.toml", 3, ["'layers' must be a string", "list"]),
    ("bad_type_budget_table.toml", 4, ["'budget' must be a table"]),
    ("bad_type_budget_value.toml", 6, ["budget 'weights'", "expected a number"]),
    ("bad_type_profile_batch.toml", 7, ["[profile] batch must be a whole number", "'2'"]),
    ("bad_value_profile_dtype.toml", 6, ["unknown [profile] dtype 'fp8'", "fp32, fp16"]),
    ("bad_value_profile_min_time.toml", 6, ["[profile] min_time must be a positive", "inf"]),
    ("bad_key_top.toml", 2, ["unknown key 'inptu'", "did you mean 'input'"]),
    ("bad_key_budget.toml", 7, ["unknown budget key 'weigths'", "did you mean 'weights'"]),
    ("bad_key_profile.toml", 10, ["unknown profile key 'btch'", "did you mean 'batch'"]),
    ("bad_key_latency_device.toml", 7, ["unknown device 'gpu'", "cpu, cuda, cuda:N or mps"]),
    ("bad_unit_bytes.toml", 7, ["unknown suffix 'MiBB'", "KiB, MiB, GiB"]),
    # 'M' is a count (×1000), not bytes: bytes need MiB or MB (DESIGN §4: never call MiB "MB")
    ("bad_unit_count_for_bytes.toml", 6, ["unknown suffix 'M'", "KiB, MiB, GiB or KB, MB, GB"]),
    ("bad_unit_bytes_for_count.toml", 6, ["unknown suffix 'GiB'", "k, M, G, T"]),
    ("bad_input_conflict.toml", 2, ["'input' says 32×32×3", "In:16×16×3"]),
    ("bad_input_shape.toml", 2, ["'input'", "takes 1 or 3 number(s)"]),
    ("bad_missing_layers.toml", None, ["missing 'layers'", "layers = "]),
]


@pytest.mark.parametrize(("name", "line", "words"), FILE_ERRORS, ids=[f[0] for f in FILE_ERRORS])
def test_spec_file_error(name, line, words) -> None:
    """A SpecFileError with the path, the line and what was expected."""
    path = DATA / name
    with pytest.raises(SpecFileError) as info:
        load_spec(path)
    err = info.value
    for word in words:
        assert word in err.msg, err.render()
    assert err.path == str(path)
    assert err.line == line, err.render()
    where = str(path) if line is None else f"{path}:{line}"
    assert err.render().startswith(f"{where}: "), err.render()


# (file, line, column of the mistake in the file by hand, words). The DSL text's own lines
# and columns are shifted to the file's.
DSL_ERRORS = [
    # line 4 opens """ and a newline; the third DSL line is file line 7
    ("bad_dsl_multiline.toml", 7, 1, ["unknown layer 'Cnov'", "did you mean 'Conv'"]),
    # `layers = "` is 10 characters and `Conv:3x3x8p1-ReLU-` 18 more: column 29
    ("bad_dsl_single_line.toml", 3, 29, ["unknown layer 'Cnov'"]),
    # text starts right after `layers = """` on line 3; its second line is file line 4
    ("bad_dsl_triple_same_line.toml", 4, 5, ["unknown layer 'Cnov'"]),
    # a literal ''' string after a comment and a blank line: '(' is never closed, line 7
    ("bad_dsl_literal_string.toml", 7, 14, ["unbalanced parenthesis"]),
]


@pytest.mark.parametrize(("name", "line", "column", "words"), DSL_ERRORS,
                         ids=[d[0] for d in DSL_ERRORS])  # fmt: skip
def test_dsl_error_in_spec_file(name, line, column, words) -> None:
    """`path:line:column: message` and the caret drawing of the offending line."""
    path = DATA / name
    with pytest.raises(DslError) as info:
        load_spec(path)
    err = info.value
    for word in words:
        assert word in err.msg
    first, text, marks = err.render().splitlines()
    assert "^" in marks
    assert first.startswith(f"{path}:{line}:{column}: "), err.render()
    file_line = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert text.strip() in file_line


def test_analysis_error_in_spec_file() -> None:
    """A size ≤ 0 found by the analysis also names the file and line: 8 → 6 → 6-9+1 = -2."""
    path = DATA / "bad_size.toml"
    with pytest.raises(DslError) as info:
        cnncalc.analyze(path)
    first = info.value.render().splitlines()[0]
    assert first.startswith(f"{path}:5:1: "), first
    assert "Conv:2" in first and "≤ 0" in first


@pytest.mark.parametrize(
    "name", [f[0] for f in FILE_ERRORS] + [d[0] for d in DSL_ERRORS] + ["bad_size.toml"]
)
def test_spec_file_error_through_cli(cli, user_error, name) -> None:
    """Through `cnncalc shape FILE`: exit 2, one message naming the file, no traceback."""
    path = DATA / name
    result = cli("shape", str(path))
    user_error(result, str(path))


def test_good_spec_loads_every_key() -> None:
    """A spec with every key of DESIGN §5; values parsed with their units by hand."""
    spec = load_spec(DATA / "good_full.toml")
    assert spec.name == "good_full"
    assert spec.description == "every key of DESIGN §5"
    assert spec.input is not None and spec.input.dims == (32, 32, 3)
    limits = {(lim.key, lim.device): (lim.limit, lim.unit, lim.line) for lim in spec.budget}
    assert limits == {
        ("weights", None): (62_400, "count", 11),  # 62.4 · 1000
        ("weight_memory", None): (245_760, "bytes", 12),  # 240 · 1024
        ("activation_memory", None): (4_194_304, "bytes", 13),  # 4 · 2^20
        ("peak_memory", None): (1_000_000, "bytes", 14),  # MB is 10^6
        ("macs", None): (1_200_000, "count", 15),
        ("flops", None): (2_400_000_000, "count", 16),
        ("train_memory", None): (1_073_741_824, "bytes", 17),  # 2^30
        ("latency_ms", "cpu"): (250, "ms", 20),
        ("latency_ms", "cuda"): (5, "ms", 21),
        ("latency_ms", "cuda:1"): (7.5, "ms", 22),
        ("latency_ms", "mps"): (20, "ms", 23),
    }
    assert dict(spec.profile) == {
        "batch": 8, "dtype": "fp16", "optimizer": "adam", "device": "auto", "mode": "both",
        "warmup": 0, "min_time": 0.5,
    }  # fmt: skip


def test_good_spec_analyses() -> None:
    """Weights by hand: conv (3·3·3+1)·16 = 448, BN 32, conv (3·3·16+1)·32 = 4,640, BN 64,
    FC (32+1)·10 = 330 → 5,514."""
    report = cnncalc.analyze(DATA / "good_full.toml")
    assert report.name == "good_full"
    assert report.totals.weights == 5_514
    assert report.output.dims == (10,)


def test_input_from_the_layers() -> None:
    """Without `input`, the layers' In: sets it."""
    spec = load_spec(DATA / "good_input_in_layers.toml")
    assert spec.input is not None and spec.input.dims == (16, 16, 3)


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_specs_load(name) -> None:
    """Every built-in spec is valid, budget and profile included, and analyses."""
    spec = load_spec(Path(cnncalc.specs.builtin_dir()) / f"{name}.toml")
    assert spec.name == name
    assert spec.description
    report = cnncalc.analyze(name)
    # seed 000's pooling examples (cnncalc run) are the only nets without weights
    assert report.totals.weights > 0 or name.startswith("seed000_")


def test_builtins_include_the_seed_specs() -> None:
    """alexnet (seed 000) and lenet5 (seed 001) ship with the package (issue 2)."""
    assert {"alexnet", "lenet5"} <= set(builtin_names())


def test_missing_file() -> None:
    """A .toml path that does not exist is a user error, not a DSL parse."""
    with pytest.raises(cnncalc.CnnCalcError, match="no such spec file"):
        cnncalc.analyze("does/not/exist.toml")


# Units (DESIGN §5): counts take k M G T (×1000); bytes take KiB MiB GiB (×1024) or
# KB MB GB (×1000).
QUANTITIES = [
    ("62.4M", "count", 62_400_000),
    ("1.2G", "count", 1_200_000_000),
    ("62k", "count", 62_000),
    ("1T", "count", 10**12),
    ("1_000", "count", 1_000),
    (1500, "count", 1_500),
    ("256KiB", "bytes", 262_144),
    ("240MiB", "bytes", 251_658_240),
    ("1GiB", "bytes", 1_073_741_824),
    ("1.5KiB", "bytes", 1_536),
    ("1KB", "bytes", 1_000),
    ("3MB", "bytes", 3_000_000),
    ("2GB", "bytes", 2_000_000_000),
    ("512B", "bytes", 512),
    (250, "ms", 250),
    ("7.5", "ms", 7.5),
    ("20ms", "ms", 20),
]


@pytest.mark.parametrize(
    ("value", "unit", "expected"), QUANTITIES, ids=[str(q) for q in QUANTITIES]
)
def test_quantity(value, unit, expected) -> None:
    """Each accepted spelling gives the number by hand."""
    assert parse_quantity(value, unit) == expected


BAD_QUANTITIES = [
    ("1MiB", "count", "unknown suffix 'MiB'"),
    ("1M", "bytes", "unknown suffix 'M'"),
    ("4Mb", "bytes", "unknown suffix 'Mb'"),
    ("-5", "count", "negative"),
    ("abc", "count", "not a number"),
    (True, "count", "expected a number"),
    ([1], "bytes", "expected a number"),
    ("5s", "ms", "unknown suffix 's'"),
    ("512", "bytes", "a byte budget needs one"),  # 512 B or 512 MiB? (issue 9)
]


@pytest.mark.parametrize(
    ("value", "unit", "words"), BAD_QUANTITIES, ids=[str(b) for b in BAD_QUANTITIES]
)
def test_bad_quantity(value, unit, words) -> None:
    """A message that says what is accepted."""
    with pytest.raises(UnitError, match=words):
        parse_quantity(value, unit)
