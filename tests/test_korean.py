"""`--lang ko` (issue 12): every command speaks Korean, the shape table with the seed's own
headings and totals (seed 000, "컨볼루션 신경망의 학습대상 가중치 개수와 메모리 요구량"), while
JSON and exit codes stay as they are. Run as a user runs cnncalc, in a subprocess, because the
language is chosen before the command line is built (cnncalc/launch.py)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
# Seed 000's table headings, in its order.
SEED_HEADINGS = ["층", "필터/블록 크기", "필터 개수", "스트라이드", "패딩", "노드개수 (출력 크기)",
                 "학습대상 가중치 개수"]  # fmt: skip


def cnncalc(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """One run of `python -m cnncalc` with its output piped."""
    environ = {k: v for k, v in os.environ.items() if k != "CNNCALC_LANG"}
    environ.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True,
                          text=True, env=environ, cwd=ROOT, check=False)  # fmt: skip


def on_pty(*args: str, columns: int = 80) -> str:
    """What a terminal `columns` wide shows for one run, colour codes removed."""
    main, child = pty.openpty()
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(columns), "LINES": "25"}
    environ.pop("CNNCALC_LANG", None)
    proc = subprocess.Popen([sys.executable, "-m", "cnncalc", *args], stdout=child,
                            stderr=subprocess.DEVNULL, env=environ, cwd=ROOT)  # fmt: skip
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed its side
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait()
    os.close(main)
    return ANSI.sub("", b"".join(chunks).decode("utf-8").replace("\r\n", "\n"))


def table_block(text: str) -> list[str]:
    """The lines of the first table in `text`: from the header line to the first blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("층"))
    end = lines.index("", start)
    return lines[start:end]


def total(text: str, label: str) -> str:
    """The value printed after a totals label."""
    match = re.search(rf"^{re.escape(label)}\s+(.+)$", text, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{text}"
    return match.group(1)


@pytest.fixture(scope="module")
def alexnet_ko() -> str:
    result = cnncalc("shape", "alexnet", "--lang", "ko")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_table_has_the_seeds_headings_and_rows(alexnet_ko: str) -> None:
    header = table_block(alexnet_ko)[0]
    positions = [header.find(h) for h in SEED_HEADINGS]
    assert -1 not in positions and positions == sorted(positions), header
    rows = {line.split()[0]: line for line in table_block(alexnet_ko)[1:]}
    # Seed 000's AlexNet rows: input 224×224×3 (=150,528); Conv:1 11×11×3, 96 filters, stride
    # 4, padding 3, 55×55×96 (=290,400), 34,944 weights; FC:6 37,748,736 weights.
    assert "224×224×3 (=150,528)" in rows["입력"]
    assert rows["Conv:1"].split()[1:5] == ["11×11×3", "96", "4", "3"]
    assert "55×55×96 (=290,400)" in rows["Conv:1"] and rows["Conv:1"].endswith("34,944")
    assert rows["FC:6"].endswith("37,748,736")


def test_the_totals_are_the_seeds_with_the_true_sums(alexnet_ko: str) -> None:
    # DESIGN §9: 62,369,152 weights = 249,476,608 B at fp32; 781,736 nodes (seed 000's
    # "노드 개수: 781,736"; its "개수 : 58,621,952" disagrees with its own rows).
    assert total(alexnet_ko, "가중치 개수").startswith("62,369,152 ")
    assert "249,476,608 B" in total(alexnet_ko, "가중치 메모리 요구량")
    assert total(alexnet_ko, "노드 개수").startswith("781,736개 ")


def test_the_environment_variable_chooses_korean_too(alexnet_ko: str) -> None:
    assert cnncalc("shape", "alexnet", env={"CNNCALC_LANG": "ko"}).stdout == alexnet_ko
    assert cnncalc("--lang", "ko", "shape", "alexnet").stdout == alexnet_ko


def test_english_stays_the_default() -> None:
    text = cnncalc("shape", "alexnet").stdout
    assert text.splitlines()[1].split() == ["layer", "size", "filters", "stride", "padding",
                                            "output", "weights"]  # fmt: skip
    assert not re.search("[가-힣]", text)


def test_piped_columns_line_up_counting_hangul_as_two_cells(alexnet_ko: str) -> None:
    lines = table_block(alexnet_ko)
    # The last column is right-aligned and '-' fills empty cells, so every line of the table
    # ends in the same terminal cell; in characters they differ, the headings being Hangul.
    assert {cell_len(line) for line in lines} == {cell_len(lines[1])}
    assert len(lines[0]) < cell_len(lines[0])


def test_a_terminal_80_columns_wide_gets_every_line_within_it() -> None:
    text = on_pty("shape", "alexnet", "--lang", "ko", columns=80)
    lines = text.splitlines()
    assert lines and all(cell_len(line) <= 80 for line in lines), text
    # Cut into column blocks (pandas' way), each block's lines end in the same cell.
    blocks = "\n".join(lines[1:]).split("\n\n")
    tables = [b.splitlines() for b in blocks if b.startswith("층")]
    assert len(tables) >= 2, text
    for table in tables:
        assert len({cell_len(line) for line in table}) == 1, "\n".join(table)
    assert all(h in text for h in SEED_HEADINGS)
    assert "62,369,152" in total(text, "가중치 개수")


@pytest.mark.parametrize(
    "args",
    [
        ("shape", "alexnet", "--format", "json"),
        ("shape", "resnet18", "--format", "csv"),
        ("check", "specs/alexnet.toml", "--format", "json"),
        ("diff", "alexnet", "zfnet", "--format", "json"),
        ("list", "--format", "json"),
    ],
)
def test_machine_readable_output_is_the_same_in_korean(args: tuple[str, ...]) -> None:
    english, korean = cnncalc(*args), cnncalc(*args, "--lang", "ko")
    assert (korean.stdout, korean.returncode) == (english.stdout, english.returncode)


def test_an_error_in_korean_is_one_line_and_exit_2() -> None:
    result = cnncalc("shape", "alexnet", "--columns", "foo", "--lang", "ko")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("오류: 알 수 없는 열 'foo'")


@pytest.mark.parametrize("args, env", [(("--lang", "xx"), {}), (("--lang=Korean",), {}),
                                       ((), {"CNNCALC_LANG": "fr"})])  # fmt: skip
def test_an_unknown_language_is_one_message_and_exit_2(args: tuple[str, ...], env: dict) -> None:
    result = cnncalc("shape", "lenet5", *args, env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: unknown language")


@given(
    st.lists(
        st.sampled_from(["--lang", "--", "ko", "KO ", "en"]) | st.text(max_size=8), max_size=5
    ),
    st.text(max_size=8),
)
@settings(max_examples=examples(200))
def test_the_language_is_en_ko_or_one_error(argv: list[str], variable: str) -> None:
    from cnncalc import messages
    from cnncalc.launch import choose

    problem = choose(argv, {"CNNCALC_LANG": variable})
    if problem is None:
        assert messages.language() in messages.LANGUAGES
    else:
        assert problem.startswith("unknown language") and "\n" not in problem
        assert messages.language() == "en"
    messages.set_language("en")


def test_help_is_in_korean() -> None:
    top = cnncalc("--help", "--lang", "ko", env={"COLUMNS": "100"}).stdout
    assert "컨볼루션 신경망의 계산기" in top
    shape = cnncalc("shape", "--help", "--lang", "ko", env={"COLUMNS": "100"}).stdout
    assert "층별 정적 표" in shape and "배치 크기" in shape and "--lang" in shape
    english = cnncalc("shape", "--help", env={"COLUMNS": "100"}).stdout
    assert "Static per-layer table" in english and not re.search("[가-힣]", english)


def test_check_and_diff_speak_korean() -> None:
    # specs/lenet5.toml's [budget]: 62,000 weights for LeNet-5's 61,706 (seed 001): within.
    check = cnncalc("check", "specs/lenet5.toml", "--lang", "ko")
    assert check.returncode == 0, check.stderr
    assert "통과" in check.stdout and "✓ 명세 1개 모두 예산 안" in check.stdout
    diff = cnncalc("diff", "alexnet", "zfnet", "--lang", "ko")
    assert diff.returncode == 0 and "범례:" in diff.stdout and "바뀜" in diff.stdout


def test_a_layer_error_in_korean_points_at_the_text() -> None:
    result = cnncalc("shape", "In:32x32x3-Cnv:3x3x16", "--lang", "ko")
    assert result.returncode == 2 and result.stdout == ""
    first, caret = result.stderr.splitlines()[0], result.stderr.splitlines()[2]
    assert first == "오류: 알 수 없는 층 'Cnv' — 'Conv'을(를) 뜻했나요?"
    assert caret.strip() == "^^^"


def test_the_language_is_read_as_the_launcher_reads_it() -> None:
    # The launcher takes 'KO' as ko; the option itself must not refuse what it accepted.
    result = cnncalc("shape", "lenet5", "--lang", "KO")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("층")
