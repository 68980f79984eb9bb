"""Shared test fixtures: a CLI runner that keeps stdout and stderr apart, and the check that a
user mistake ended as DESIGN §7 says (exit 2, one message on stderr, no traceback)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import CliRunner, Result


def describe(result: Result) -> str:
    """Everything the user saw, as an assertion message."""
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@pytest.fixture
def cli() -> Callable[..., Result]:
    """cli('shape', 'alexnet') runs the app in-process and returns the runner's Result."""
    from cnncalc.cli import app

    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture
def user_error() -> Callable[..., None]:
    """user_error(result, *words): exit 2, one 'error:' message with the words on stderr,
    nothing on stdout, no traceback."""

    def check(result: Result, *words: str) -> None:
        shown = describe(result)
        assert result.exit_code == 2, shown
        assert result.stdout == "", shown
        assert result.stderr.startswith("error: "), shown
        assert result.stderr.count("error:") == 1, shown
        assert "Traceback" not in result.output, shown
        for word in words:
            assert word in result.stderr, shown

    return check
