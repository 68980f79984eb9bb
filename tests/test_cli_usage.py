"""click's own usage errors under `--lang ko` (issue 12): an unknown option, a missing argument,
a bad value, an extra argument are retold in Korean with the user's words kept; English stays
click's text; any other wording stays click's, never lost."""

from __future__ import annotations

import re

import pytest
from conftest import describe, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.cli_usage import usage_text
from cnncalc.messages import language, set_language

# click's English lead phrases (click/exceptions.py, click/parser.py, click/types.py)
ENGLISH = re.compile(r"No such|Possible options|Missing|Invalid value|is not|Got unexpected"
                     r"|requires an argument|does not take", re.IGNORECASE)  # fmt: skip


@pytest.fixture
def korean():
    before = language()
    set_language("ko")
    yield
    set_language(before)


CASES = [
    (["shape", "alexnet", "--bogus"], ["--bogus"]),
    (["shape", "alexnet", "--colums", "macs"], ["--colums", "--columns"]),
    (["check"], ["specs"]),
    (["shape", "alexnet", "--batch", "0"], ["--batch", "0", "x>=1"]),
    (["shape", "alexnet", "--batch", "many"], ["--batch", "'many'"]),
    (["shape", "alexnet", "--format", "yaml"], ["'yaml'", "'json'"]),
    (["shape", "alexnet", "surplus"], ["surplus"]),
    (["shape", "alexnet", "--batch"], ["--batch"]),
    (["shape", "alexnet", "--explain=yes"], ["--explain"]),
    (["shapes", "alexnet"], ["shapes"]),
]


@pytest.mark.parametrize(("args", "words"), CASES)
def test_usage_errors_in_korean(korean, cli, args: list[str], words: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2, describe(result)
    assert result.stdout == "" and result.stderr.count("\n") == 1, describe(result)
    assert result.stderr.startswith("오류: "), describe(result)
    assert not ENGLISH.search(result.stderr), describe(result)
    for word in words:
        assert word in result.stderr, (word, describe(result))


@pytest.mark.parametrize(("args", "words"), CASES)
def test_usage_errors_in_english_are_clicks(cli, args: list[str], words: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2 and result.stderr.startswith("error: "), describe(result)
    assert ENGLISH.search(result.stderr), describe(result)


@settings(max_examples=examples(200))
@given(st.text(max_size=80))
def test_any_click_text_is_kept_or_retold(text: str) -> None:
    before = language()
    try:
        for lang in ("en", "ko"):
            set_language(lang)
            told = usage_text(text)
            assert isinstance(told, str)
            if lang == "en":
                stripped = text.rstrip(".")
                assert told == stripped[:1].lower() + stripped[1:]
    finally:
        set_language(before)
