"""Parametrised `[blocks]` in spec files (issue 5): `$name(key=value)` calls expand to plain DSL
before parsing, by integer substitution only, and every error, whether found while expanding,
parsing or analysing, points into the text as written (a block body or the call) with a caret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cnncalc
from cnncalc.errors import DslError, SpecFileError
from cnncalc.specs import load_spec
from cnncalc.templates import MAX_CHARS, MAX_DEPTH, MAX_PIECES, Source, expand

# (layers, blocks, expanded text): a call becomes its body in parentheses.
EXPANSIONS = [
    ("$b(c=8)-GAP", {"b": "Conv:3x3x{c}p1"}, "(Conv:3x3x8p1)-GAP"),
    ("$b-$b()", {"b": "ReLU"}, "(ReLU)-(ReLU)"),
    ("$b(c=8, k=3)", {"b": "Conv:{k}x{k}x{c}"}, "(Conv:3x3x8)"),  # a placeholder used twice
    ("$b(k=3,c=8)", {"b": "Conv:{k}x{k}x{c}"}, "(Conv:3x3x8)"),  # keywords in any order
    ("$b( c = 8 )", {"b": "FC:{c}"}, "(FC:8)"),  # spaces around keys and values
    ("$b(c=\n  8)", {"b": "FC:{c}"}, "(FC:8)"),  # arguments over several lines
    # comments explain arguments; a ',' or ')' inside one counts for nothing
    ("$b(c=16,  # channels, say (16)\n  k=3)", {"b": "Conv:{k}x{k}x{c}"}, "(Conv:3x3x16)"),
    ("$b(c=008)", {"b": "FC:{c}"}, "(FC:8)"),  # digits, written as a number
    ("$b(c=8)*2@s", {"b": "FC:{c}"}, "(FC:8)*2@s"),  # repetition and labels apply to the call
    ("$a(c=4)", {"a": "$b(c={c})-ReLU", "b": "Conv:1x1x{c}"}, "((Conv:1x1x4)-ReLU)"),  # nested
    ("$b(c=8)", {"b": "FC:{c}  # a comment\n-ReLU"}, "(FC:8  \n-ReLU)"),  # body comments drop
    ("FC:8  # $b {c}\n-ReLU", {}, "FC:8  # $b {c}\n-ReLU"),  # comments in layers stay as written
]


@pytest.mark.parametrize(("layers", "blocks", "expected"), EXPANSIONS,
                         ids=[e[0] for e in EXPANSIONS])  # fmt: skip
def test_expansion(layers, blocks, expected) -> None:
    """Plain text substitution, the body in parentheses."""
    sources = {name: Source(name, body) for name, body in blocks.items()}
    assert expand(Source("", layers), sources).text == expected


def test_position_map_is_exact() -> None:
    """Every verbatim character of the expansion maps back onto the same character."""
    blocks = {
        "a": Source("a", "Res($b(c={c}, k=3)-BN | Conv:1x1x{c}nb)  # shortcut\n-ReLU"),
        "b": Source("b", "Conv:{k}x{k}x{c}p1nb"),
    }
    exp = expand(Source("", "Conv:3x3x16p1-\n$a(c=16)*2-$a(c=32)-GAP"), blocks)
    verbatim = 0
    for piece in exp.pieces:
        source = exp.sources[exp.frames[piece.frame].source].text
        if piece.verbatim:
            assert exp.text[piece.start : piece.end] == source[piece.src_start : piece.src_end]
            verbatim += piece.end - piece.start
    assert verbatim > len(exp.text) // 2
    assert sum(p.end - p.start for p in exp.pieces) == len(exp.text)


def write_spec(tmp_path: Path, layers: str, blocks: dict[str, str], extra: str = "") -> Path:
    """A spec file: `layers` starts on line 4; [blocks] entries follow, one per line."""
    lines = ['name = "t"', 'input = "16x16x8"', 'layers = """', layers, '"""', extra, "[blocks]"]
    lines += [f"{name} = {json.dumps(body)}" for name, body in blocks.items()]
    path = tmp_path / "t.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def block_line(layers: str, blocks: dict[str, str], name: str) -> int:
    """The file line of a block's entry in write_spec's layout."""
    return 7 + layers.count("\n") + list(blocks).index(name) + 1


def under_caret(rendered: str) -> tuple[str, str]:
    """(the shown line, the text under its ^ marks) of a rendered DslError."""
    shown, marks = rendered.splitlines()[-2:]
    start = marks.index("^")
    return shown[2:], shown[start : start + marks.count("^")]


BLOCKS = {
    "basic": "Res(Conv:3x3x{c}p1nb-BN-ReLU-Conv:3x3x{c}p1nb-BN)-ReLU",
    "conv": "Conv:1x1x{c}",
    "typo": "Cnov:3x3x{c}",
    "outer": "ReLU-$typo(c={c})",
    "loop": "$again",
    "again": "$loop",
    "brace": "Conv:3x3x{c*2}",
}

# (layers, message, text under the caret, where: "layers" or a block's name)
ERRORS = [
    ("$basci(c=8)", "unknown block '$basci' — did you mean 'basic'?", "$basci", "layers"),
    ("$basic()", "block 'basic' needs 'c'", "$basic()", "layers"),
    ("$basic", "block 'basic' needs 'c'", "$basic", "layers"),
    ("$basic(c=8, d=2)", "block 'basic' has no argument 'd'; it takes 'c'", "d", "layers"),
    ("$basic(c=8, c=9)", "argument 'c' is given twice", "c", "layers"),
    ("$basic(c=8.5)", "argument 'c' must be a whole number", "8.5", "layers"),
    ("$basic(c=4*2)", "argument 'c' must be a whole number", "4*2", "layers"),  # no expressions
    ("$basic(c=-8)", "argument 'c' must be a whole number", "-8", "layers"),
    ("$basic(c=)", "argument 'c' must be a whole number", "", "layers"),
    ("$basic(c=8", "is never closed", "(", "layers"),
    ("$basic(8)", "expected key=value", "8", "layers"),
    ("$basic(c={c})", "works only inside [blocks]", "{c}", "layers"),
    ("$-ReLU", "expected a block name after '$'", "$", "layers"),
    ("Conv:3x3x{c}", "placeholders belong in the bodies of [blocks]", "{", "layers"),
    ("$typo(c=8)", "unknown layer 'Cnov' — did you mean 'Conv'?", "Cnov", "typo"),
    ("$outer(c=8)", "unknown layer 'Cnov'", "Cnov", "typo"),
    ("$loop", "block 'loop' uses itself (loop → again → loop)", "$loop", "again"),
    ("$basic(c=0)", "must be at least 1", "{c}", "basic"),  # the value lands in the body
    ("$brace", "expected a placeholder such as {c}", "{c*2}", "brace"),
    # found by the analysis, after parsing: still drawn under the text as written
    ("$basic(c=16)", "Res branches must give the same shape", BLOCKS["basic"][:-5], "basic"),
    ("Res($conv(c=4))", "Res branches must give the same shape", "Res($conv(c=4))", "layers"),
    ("Conv:3x3x8p1-\n$conv(c=4)-FC:10-Conv:1x1x2", "Conv needs an H×W×C input",
     "Conv:1x1x2", "layers"),
]  # fmt: skip


@pytest.mark.parametrize(("layers", "message", "target", "where"), ERRORS,
                         ids=[e[0] for e in ERRORS])  # fmt: skip
def test_errors_point_at_the_text_as_written(tmp_path, layers, message, target, where) -> None:
    """Message, file:line:column, and a caret under the offending text of the layers or of the
    block body; an error inside a block says where the block was called."""
    path = write_spec(tmp_path, layers, BLOCKS)
    with pytest.raises(DslError) as info:
        spec = load_spec(path)
        cnncalc.analyze(spec)
    err = info.value
    rendered = err.render()
    assert message in rendered.splitlines()[0], rendered
    shown, marked = under_caret(rendered)
    if target:
        assert marked == target, rendered
    else:
        assert len(marked) == 1, rendered  # an empty value: one mark where it should be
    assert err.origin == str(path)
    if where == "layers":
        assert shown in layers.splitlines(), rendered
        line = 4 + layers[: err.pos].count("\n")
        assert rendered.startswith(f"{path}:{line}:"), rendered
        assert "(in block" not in rendered
    else:
        assert shown == BLOCKS[where], rendered
        # the column counts from the file line: after `name = "`
        column = len(f'{where} = "') + err.pos + 1
        assert rendered.startswith(f"{path}:{block_line(layers, BLOCKS, where)}:{column}:")
        assert f"(in block '{where}' called at line" in rendered, rendered


def test_nested_error_names_every_call(tmp_path) -> None:
    """An error two calls deep names both call sites, innermost first."""
    path = write_spec(tmp_path, "Conv:3x3x8p1-\n$outer(c=8)", BLOCKS)
    with pytest.raises(DslError) as info:
        load_spec(path)
    outer = block_line("Conv:3x3x8p1-\n$outer(c=8)", BLOCKS, "outer")
    assert (f"(in block 'typo' called at line {outer} in block 'outer', called at line 5)"
            in str(info.value.render()))  # fmt: skip


def test_cli_error_is_one_message(cli, user_error, tmp_path) -> None:
    """Through the CLI: one message on stderr, exit 2, the caret under the block body."""
    path = write_spec(tmp_path, "$typo(c=8)", BLOCKS)
    result = cli("shape", str(path))
    user_error(result, "unknown layer 'Cnov'", "Cnov:3x3x{c}", "^^^^")


def test_calls_need_a_spec_file(cli, user_error) -> None:
    """DSL text on the command line has no [blocks]: a call there says so."""
    user_error(cli("shape", "In:8x8x3-$b(c=4)-ReLU"), "unknown block '$b'",
               "[blocks] table in the spec file")  # fmt: skip


def test_limits(tmp_path) -> None:
    """Nesting deeper than MAX_DEPTH and expansions beyond MAX_CHARS are errors, not hangs."""
    deep = {f"b{i}": f"$b{i + 1}" for i in range(MAX_DEPTH + 2)} | {f"b{MAX_DEPTH + 2}": "ReLU"}
    with pytest.raises(DslError, match=f"nest more than {MAX_DEPTH} deep"):
        load_spec(write_spec(tmp_path, "$b0", deep))
    # Ten million calls: refused by counting them, before any is expanded (issue 9).
    wide = {"w0": "ReLU"} | {f"w{i}": "-".join([f"$w{i - 1}"] * 10) for i in range(1, 8)}
    with pytest.raises(DslError, match=f"more than {MAX_PIECES:,} block calls") as info:
        load_spec(write_spec(tmp_path, "ReLU-$w7", wide))
    assert under_caret(info.value.render())[1] == "$w7"
    # Few calls of a long body: the expanded text's own limit.
    big = {"big": "-".join(["ReLU"] * 150_000)}
    with pytest.raises(DslError, match=f"more than {MAX_CHARS:,} characters") as info:
        load_spec(write_spec(tmp_path, "$big-$big-$big-$big", big))
    assert under_caret(info.value.render())[1] == "$big"


# [blocks] entries that are not blocks: (TOML after the layers, message, line)
BAD_TABLES = [
    ('blocks = "Conv:3x3x8"', "'blocks' must be a table", 6),
    ("[blocks]\nb = 3", "block 'b' must be DSL text in a string, got int", 7),
    ('[blocks]\n"2x" = "ReLU"', "block name '2x' must start with a letter", 7),
    ('[blocks]\n"a-b" = "ReLU"', "block name 'a-b' must start with a letter", 7),
    ('[blocks]\nb = "ReLU"\nb2 = ["ReLU"]', "block 'b2' must be DSL text in a string", 8),
    ('[blocks]\ne = "  # only a comment"', "block 'e' is empty", 7),
]


@pytest.mark.parametrize(("toml", "message", "line"), BAD_TABLES, ids=[b[1] for b in BAD_TABLES])
def test_bad_blocks_table(tmp_path, toml, message, line) -> None:
    """The [blocks] table is validated with the file and line of the bad entry."""
    path = tmp_path / "t.toml"
    path.write_text(f'name = "t"\ninput = "8x8x3"\nlayers = """\nReLU\n"""\n{toml}\n')
    with pytest.raises(SpecFileError) as info:
        load_spec(path)
    assert message in info.value.msg
    assert info.value.line == line


def test_a_spec_with_blocks_equals_its_expansion(tmp_path, cli) -> None:
    """A spec with blocks gives the same report as the hand-expanded DSL, and `--expand` prints
    text that gives it again."""
    layers = "Conv:3x3x16p1nb-BN-ReLU-\n$basic(c=16)*2@stage1-GAP-FC:10"
    path = write_spec(tmp_path, layers, {"basic": BLOCKS["basic"]})
    by_hand = (
        "In:16x16x8-Conv:3x3x16p1nb-BN-ReLU-"
        "(Res(Conv:3x3x16p1nb-BN-ReLU-Conv:3x3x16p1nb-BN)-ReLU)*2@stage1-GAP-FC:10"
    )
    a, b = cnncalc.analyze(str(path)), cnncalc.analyze(by_hand)
    assert a.totals == b.totals
    assert [(r.name, r.depth, r.output) for r in a.rows] == [
        (r.name, r.depth, r.output) for r in b.rows
    ]
    result = cli("shape", str(path), "--expand")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("In:16x16x8-\n")
    assert "$" not in result.stdout and "{" not in result.stdout
    assert cnncalc.analyze(result.stdout).totals == a.totals


@pytest.mark.parametrize("name", ["resnet50", "densenet121", "googlenet", "efficientnet_b0"])
def test_builtin_expand_round_trips(cli, name) -> None:
    """`shape NAME --expand` of a built-in is DSL text with the spec's figures."""
    text = cli("shape", name, "--expand").stdout
    assert "$" not in text
    expanded = json.loads(cli("shape", text, "--format", "json").stdout)
    original = json.loads(cli("shape", name, "--format", "json").stdout)
    assert expanded["totals"] == original["totals"]
    assert [r["name"] for r in expanded["layers"]] == [r["name"] for r in original["layers"]]


def test_plain_dsl_expand(cli) -> None:
    """`--expand` of DSL text without blocks prints it back."""
    result = cli("shape", "In:8x8x3-Conv:3x3x4-ReLU", "--expand")
    assert result.stdout == "In:8x8x3-Conv:3x3x4-ReLU\n"


def test_inline_blocks_table_points_at_its_line_and_column(tmp_path) -> None:
    """`blocks = { b = "…" }`: the body starts after `b = "` on that line, not after `blocks =`."""
    path = tmp_path / "inline.toml"
    path.write_text('name = "t"\ninput = "8x8x3"\nlayers = "$b(c=4)-FC:10"\n'
                    'blocks = { b = "Conv:3x3x{c}-Cnov" }\n')  # fmt: skip
    with pytest.raises(DslError) as info:
        load_spec(path)
    column = len('blocks = { b = "Conv:3x3x{c}-') + 1
    assert info.value.render().startswith(f"{path}:4:{column}: unknown layer 'Cnov'")


def test_build_and_profile_locate_errors_in_the_text_as_written(tmp_path) -> None:
    """A size error found while building is drawn under the block body, as `shape` draws it."""
    pytest.importorskip("torch")
    path = write_spec(tmp_path, "$basic(c=16)", BLOCKS)
    for run in (cnncalc.build, lambda p: cnncalc.profile(p, mode="infer", min_time=0.01)):
        with pytest.raises(DslError) as info:
            run(str(path))
        rendered = info.value.render()
        assert "Res branches must give the same shape" in rendered
        assert "(in block 'basic' called at line" in rendered, rendered
        assert under_caret(rendered)[0] == BLOCKS["basic"], rendered
