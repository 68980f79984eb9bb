"""Issue 9, "an 80-column terminal loses numbers": at any width from 40 columns every terminal
table shows each cell whole ('37,748,736', never '37,748…') and no line is wider than the
terminal; below 40 (COLUMNS=0 or 10) the output is still whole. The expected figures come from
the seeds (DESIGN §9), the spec files' own budgets and torchvision's published counts."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.analysis import Report
from cnncalc.render.columns import COLUMNS, pick
from cnncalc.render.fit import Col, FitTable, Pairs, wrap_words

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# DESIGN §9, seed 000: AlexNet's rows (name, output, weights) as the seed tabulates them.
ALEXNET = [
    ("Conv:1", "55×55×96", "34,944"),
    ("Pool:1", "27×27×96", ""),
    ("Conv:2", "27×27×256", "614,656"),
    ("Pool:2", "13×13×256", ""),
    ("Conv:3", "13×13×384", "885,120"),
    ("Conv:4", "13×13×384", "1,327,488"),
    ("Conv:5", "13×13×256", "884,992"),
    ("Pool:5", "6×6×256", ""),
    ("FC:6", "4,096", "37,748,736"),
    ("FC:7", "4,096", "16,777,216"),
    ("FC:8", "1,000", "4,096,000"),
]
# DESIGN §9: total weights, weight bytes at fp32, activation nodes.
ALEXNET_TOTALS = ["62,369,152", "249,476,608", "781,736"]
# MACs = Hout·Wout·F·Kh·Kw·C for a conv, in·out for an FC (DESIGN §4), from the seed's shapes.
ALEXNET_MACS = [
    f"{n:,}"
    for n in (
        55 * 55 * 96 * 11 * 11 * 3,
        27 * 27 * 256 * 5 * 5 * 96,
        13 * 13 * 384 * 3 * 3 * 256,
        13 * 13 * 384 * 3 * 3 * 384,
        13 * 13 * 256 * 3 * 3 * 384,
        6 * 6 * 256 * 4096,
        4096 * 4096,
        4096 * 1000,
    )
]
# Trainable parameters as torchvision's model docs publish them; lenet5 from seed 001.
PUBLISHED = {
    "lenet5": "61,706",
    "alexnet": "62,369,152",
    "resnet18": "11,689,512",
    "resnet50": "25,557,032",
    "vgg11": "132,863,336",
    "vgg16": "138,357,544",
}
# specs/alexnet.toml's [budget]: 62.4M, 240MiB, 4MiB, 1.2G, 1GiB.
ALEXNET_BUDGETS = ["62,400,000", "251,658,240", "4,194,304", "1,200,000,000", "1,073,741,824"]

WIDTHS = st.integers(min_value=40, max_value=200)


class _Tty(io.StringIO):
    """A stdout that says it is a terminal, so print_rich takes the terminal path."""

    def isatty(self) -> bool:
        return True


def on_terminal(renderable: object, columns: int | str) -> str:
    """What render.output.print_rich writes to a terminal with COLUMNS=`columns`, colour codes removed."""
    from cnncalc.render.output import print_rich

    out = _Tty()
    env = {"COLUMNS": str(columns), "LINES": "25"}
    with mock.patch.dict(os.environ, env), contextlib.redirect_stdout(out):
        print_rich(renderable)
    return ANSI.sub("", out.getvalue())


def whole(figure: str, text: str) -> bool:
    """`figure` appears on one line with no digit, separator or letter glued to either side."""
    return re.search(rf"(?<![\w,.]){re.escape(figure)}(?![\w,.])", text) is not None


def assert_fits(text: str, width: int) -> None:
    """No line wider than the terminal, no cell cut with an ellipsis."""
    assert text.strip(), "nothing printed"
    assert "…" not in text, text
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, f"{len(long)} lines over {width} columns:\n" + "\n".join(long)


@functools.cache
def report(name: str) -> Report:
    """A built-in's report, analysed once per test session."""
    return cnncalc.analyze(name)


@functools.cache
def _catalog() -> list:
    """The built-ins' catalogue, analysed once per test session."""
    from cnncalc.catalog import catalog

    return catalog("family")


def shape_text(name: str, width: int | str, columns: str | None = None, explain: bool = False):
    from cnncalc.render import as_table

    return on_terminal(as_table.render(report(name), pick(columns), explain), width)


# -- shape ----------------------------------------------------------------------------------


@settings(max_examples=examples(60), deadline=None)
@given(width=WIDTHS)
def test_shape_alexnet_default_columns_fit_every_width(width: int) -> None:
    text = shape_text("alexnet", width)
    assert_fits(text, width)
    for name, output, weights in ALEXNET:
        assert whole(name, text) and whole(output, text), (name, output, text)
        assert not weights or whole(weights, text), (weights, text)
    for figure in ALEXNET_TOTALS:
        assert whole(figure, text), (figure, text)


@settings(max_examples=examples(60), deadline=None)
@given(
    width=WIDTHS,
    keys=st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, max_size=len(COLUMNS), unique=True),
    add=st.booleans(),
)
def test_shape_any_columns_fit_every_width(width: int, keys: list[str], add: bool) -> None:
    """Any --columns selection (issue 9: '+macs,rf' gave rf zero width): every cell whole."""
    spec = ("+" if add else "") + ",".join(keys)
    text = shape_text("alexnet", width, spec)
    assert_fits(text, width)
    shown = {c.key for c in pick(spec)}
    for name, _, weights in ALEXNET:
        assert whole(name, text)
        if "weights" in shown and weights:
            assert whole(weights, text), (weights, spec, text)
    if "macs" in shown:
        for macs in ALEXNET_MACS:
            assert whole(macs, text), (macs, spec, text)


def test_shape_macs_and_rf_columns_at_80() -> None:
    """The issue's case: `--columns +macs,rf` at 80 columns showed rf with zero width."""
    text = shape_text("alexnet", 80, "+macs,rf")
    assert_fits(text, 80)
    assert re.search(r"^layer +macs +rf$", text, re.MULTILINE), text  # a block of its own
    # seed 000's receptive field after conv1 is the kernel, 11 wide
    assert re.search(r"^Conv:1 +105,415,200 +11$", text, re.MULTILINE), text
    for macs in ALEXNET_MACS:
        assert whole(macs, text)


@settings(max_examples=examples(20), deadline=None)
@given(width=WIDTHS)
def test_shape_explain_fits(width: int) -> None:
    text = shape_text("alexnet", width, explain=True)
    assert_fits(text, width)
    # seed 000: (224 - 11 + 2·3) / 4 + 1 = 55.75 → 55, on one line with no number split
    assert "55.75" in text and whole("34,944", text)


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_shape_nested_blocks_fit(width: int) -> None:
    """resnet50's nested block rows ('│ │ Conv:2') and its torchvision weight count."""
    text = shape_text("resnet50", width)
    assert_fits(text, width)
    assert "│ │ Conv:2" in text and "│ ├ Conv:5" in text
    assert whole(PUBLISHED["resnet50"], text)


@pytest.mark.parametrize("columns", [0, 10, "", "x"])
def test_shape_without_a_usable_width_prints_every_number(columns: int | str) -> None:
    """COLUMNS=0 or 10: nothing fits, yet the table prints, every figure whole."""
    text = shape_text("alexnet", columns, "all")
    assert "…" not in text
    for name, output, weights in ALEXNET:
        assert whole(name, text) and whole(output, text)
        assert not weights or whole(weights, text)
    for figure in ALEXNET_TOTALS + ALEXNET_MACS:
        assert whole(figure, text), figure


def test_shape_summary_never_breaks_a_figure() -> None:
    """The totals wrap at spaces: a byte count stays with its unit, '(4.5 MiB)' on one line."""
    for width in range(40, 121):
        text = shape_text("alexnet", width)
        assert whole("249,476,608 B", text) and whole("237.9 MiB", text), (width, text)


# -- list, check, diff ----------------------------------------------------------------------


@settings(max_examples=examples(40), deadline=None)
@given(width=WIDTHS)
def test_list_fits(width: int) -> None:
    from cnncalc.render.as_list import render_table

    entries = _catalog()
    text = on_terminal(render_table(entries), width)
    assert_fits(text, width)
    for name, weights in PUBLISHED.items():
        assert whole(name, text) and whole(weights, text), (name, text)
    # a description wraps at spaces (a long word after a hyphen between letters): every word
    # of it is printed whole, or in its hyphenated parts
    parts = {p for e in entries for w in e.description.split() for p in re.split(r"(?<=-)", w)}
    assert all(p in text for p in parts)


@settings(max_examples=examples(40), deadline=None)
@given(width=WIDTHS)
def test_check_fits(width: int) -> None:
    from cnncalc import budget
    from cnncalc.render.as_check import render_table

    results = budget.check(budget.spec_paths(["alexnet", "lenet5"]))
    text = on_terminal(render_table(results), width)
    assert_fits(text, width)
    for figure in ["62,369,152", "249,476,608 B", *ALEXNET_BUDGETS[:1], "251,658,240 B"]:
        assert whole(figure, text), (figure, text)
    assert whole("--profile", text) and whole("weight_memory", text)


@settings(max_examples=examples(30), deadline=None)
@given(width=WIDTHS)
def test_diff_fits(width: int) -> None:
    from cnncalc.diff import compare
    from cnncalc.render.as_diff import render_table

    text = on_terminal(render_table(compare("alexnet", "vgg11")), width)
    assert_fits(text, width)
    for figure in ["37,748,736", "16,777,216", "4,096,000", "62,369,152", "132,863,336"]:
        assert whole(figure, text), (figure, text)


# -- the layout rule itself -----------------------------------------------------------------


@settings(max_examples=examples(200), deadline=None)
@given(
    words=st.lists(st.text("abc,0123456789", min_size=1, max_size=15), min_size=1, max_size=30),
    width=st.integers(min_value=1, max_value=80),
)
def test_wrap_words_keeps_words_whole(words: list[str], width: int) -> None:
    lines = wrap_words(" ".join(words), width)
    assert " ".join(lines).split() == words
    assert all(len(line) <= width or " " not in line for line in lines)


@settings(max_examples=examples(150), deadline=None)
@given(
    cells=st.lists(
        st.lists(st.integers(0, 10**15).map("{:,}".format), min_size=6, max_size=6),
        min_size=1, max_size=8,
    ),
    width=st.integers(min_value=0, max_value=160),
)  # fmt: skip
def test_fit_table_any_cells_any_width(cells: list[list[str]], width: int) -> None:
    """Any grid of figures at any width: each cell whole; within the width from 40 columns."""
    cols = [Col(f"c{i}", right=True) for i in range(6)]
    rows = [[f"r{n}", *row[1:]] for n, row in enumerate(cells)]
    text = on_terminal(FitTable(cols, rows), width)
    if width >= 40:
        assert_fits(text, width)
    for row in rows:
        for cell in row:
            assert whole(cell, text), (cell, text)


def test_pairs_stack_when_the_labels_leave_no_room() -> None:
    pairs = Pairs([("a long label for a value", "1,234,567,890 (1.2G) and more words")])
    lines = [line.plain for line in pairs.lines(40)]
    assert lines[0] == "a long label for a value" and lines[1].startswith("  1,234,567,890")


# -- user text ------------------------------------------------------------------------------


def test_spec_name_is_never_markup_nor_raw_control(tmp_path: Path) -> None:
    """A name with rich markup and an ANSI escape (issue 9, output injection) prints as text."""
    path = tmp_path / "evil.toml"
    path.write_text(
        'name = "[bold red]x[/bold red]\\u001b[31mboom\\nline"\n'
        'description = "[link=http://e]d[/link]"\ninput = "8x8x1"\nlayers = "Conv:3x3x2"\n'
        '[budget]\nweights = "1k"\n'
    )
    from rich.console import Console

    from cnncalc import budget
    from cnncalc.render import as_check, as_table

    for renderable in (
        as_table.render(cnncalc.analyze(str(path)), pick(None)),
        as_check.render_table(budget.check([path])),
    ):
        out = io.StringIO()
        Console(file=out, width=80, force_terminal=False).print(renderable)
        text = out.getvalue()
        assert "[bold red]x[/bold red]" in text and "\\x1b[31mboom\\nline" in text, text
        assert "\x1b" not in text


# -- the command line, at a real terminal ---------------------------------------------------


def _at_terminal(args: list[str], columns: int) -> tuple[int, str]:
    """Run `cnncalc ARGS` with stdout on a pseudo-terminal, as a user would; its output."""
    import pty
    import select

    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "cnncalc", *args], stdout=slave,
                            stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = proc.wait(timeout=30)
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return code, ANSI.sub("", text)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(
    ("args", "columns", "figures"),
    [
        (["shape", "alexnet"], 80, ["37,748,736", "62,369,152", "Conv:1"]),
        (["shape", "alexnet", "--columns", "+macs,rf"], 60, ALEXNET_MACS),
        (["list"], 80, list(PUBLISHED.values())),
        (["check", "alexnet"], 40, ["62,369,152", "251,658,240 B"]),
        (["diff", "alexnet", "vgg11"], 120, ["37,748,736", "132,863,336"]),
        (["shape", "alexnet"], 0, ["37,748,736", "62,369,152"]),
        (["shape", "alexnet", "--columns", "all"], 10, ["37,748,736", *ALEXNET_MACS]),
    ],
)
def test_cli_at_a_terminal(args: list[str], columns: int, figures: list[str]) -> None:
    code, text = _at_terminal(args, columns)
    assert code == 0, text
    if columns >= 40:
        assert_fits(text, columns)
    assert "…" not in text and text.strip()
    for figure in figures:
        assert whole(figure, text), (figure, text)


# -- run (issue 12's value matrices) ----------------------------------------------------------


@functools.cache
def _run_report(h: int, w: int, c: int) -> object:
    from cnncalc.numeric.run import run

    return run(f"In:{h}x{w}x{c}-Conv:3x3x{c}p1", values_all=True)


def _numbers(lines: list[str]) -> list[list[str]]:
    """The numbers of each matrix line (headings and blank lines skipped)."""
    return [ln.split() for ln in lines if ln.startswith("  ") and ln.split()]


@settings(max_examples=examples(30), deadline=None)
@given(width=WIDTHS, h=st.integers(1, 6), w=st.integers(1, 40), c=st.integers(1, 2))
def test_run_matrices_fit_in_bands_of_whole_columns(width: int, h: int, w: int, c: int) -> None:
    """A matrix wider than the terminal is shown in bands of columns, never cut at the edge:
    every line fits, and the bands side by side are the pipe's full rows, value for value."""
    from cnncalc.render.as_run import render_table, value_lines

    report = _run_report(h, w, c)
    text = on_terminal(render_table(report), width)
    assert_fits(text, width)
    full = _numbers(value_lines(report))  # a pipe's text: each matrix row whole
    lines = text.splitlines()
    shown = lines[next(i for i, ln in enumerate(lines) if ln.startswith("input  ")) :]
    rows = _numbers(shown)
    per_matrix = h  # rows of one channel's matrix; bands follow each other
    rebuilt: list[list[str]] = []
    while rows:
        block, rows = rows[:per_matrix], rows[per_matrix:]
        if rebuilt and len(rebuilt[-1]) < w:  # a later band of the same rows
            for r, extra in zip(rebuilt[-per_matrix:], block):
                r.extend(extra)
        else:
            rebuilt += [list(r) for r in block]
    assert rebuilt == full
