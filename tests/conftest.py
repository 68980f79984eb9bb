"""Shared test fixtures: a CLI runner that keeps stdout and stderr apart, and the check that a
user mistake ended as DESIGN §7 says (exit 2, one message on stderr, no traceback).

Hypothesis profiles (issue 9, "Proof"): every property test of the project runs under the
profile loaded here, so that the default run of `.ci/run` (plain `python -m pytest`) stays
under a minute and is reproducible:

- `ci` (the default): a modest number of examples, derandomized (the same cases on every run,
  so CI never flakes on a new random case), no deadline (timing is asserted in the tests that
  care, with generous bounds), and the failing example's reproduction blob printed;
- `long`: thousands of random examples per test for an occasional deep run:

      python -m pytest tests/test_properties.py tests/test_fuzz.py --hypothesis-profile=long
      HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py

  (`--hypothesis-profile` comes with hypothesis' pytest plugin; the environment variable is
  read here.) A failure prints `@reproduce_failure(...)` to paste above the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner, Result

# No example database: the ci profile is derandomized and the long one prints the blob of any
# failure, so nothing needs to be written into the checkout (.hypothesis/).
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=5000,
    deadline=None,
    derandomize=False,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(n: int) -> int:
    """`n` examples under the ci profile, scaled with the profile in force (×50 under `long`),
    for a test that sets its own count: `@settings(max_examples=examples(40))`."""
    return max(1, n * settings().max_examples // 100)


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
