"""The progress bar of `profile` and `check --profile` on a terminal (issues 15, 16): every
stage the profiler reports has its words in the catalogue, in every language, and a run at a
terminal ends in its report, never a traceback. A pipe shows no bar, so only a terminal runs
this code: the tests use a pseudo-terminal, as a user's shell is one."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc.messages import LANGUAGES, table

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
SPEC = 'name = "tiny"\nlayers = "In:8x8x3-Conv:3x3x4-ReLU"\n[profile]\nmin_time = 0.01\n' \
       '[budget.latency_ms]\ncpu = 10000\n'  # fmt: skip


def at_terminal(*args: str, cwd: Path, lang: str = "en") -> tuple[int, str]:
    """Exit code and everything a terminal 80 columns wide shows (stdout and stderr)."""
    main, child = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "LINES": "25",
           "CNNCALC_LANG": lang}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "cnncalc", *args], stdout=child,
                            stderr=child, env=env, cwd=cwd)  # fmt: skip
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    return proc.wait(timeout=120), ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def test_every_stage_reported_has_words_in_every_language() -> None:
    from cnncalc.torch.profile import profile

    stages: list[str] = []
    profile("In:8x8x3-Conv:3x3x4-ReLU", mode="both", min_time=0.01, per_layer=True,
            progress=lambda stage, done: stages.append(stage))  # fmt: skip
    assert {"building", "timing infer", "timing train", "timing layers"} <= set(stages)
    for lang in LANGUAGES:
        assert [s for s in set(stages) if f"torch.stage.{s}" not in table(lang)] == [], lang


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "args",
    [
        ("profile", "tiny.toml", "--mode", "both", "--per-layer"),
        ("check", "tiny.toml", "--profile"),
    ],
)
def test_a_terminal_run_shows_its_report(tmp_path: Path, args: tuple[str, ...], lang: str) -> None:
    (tmp_path / "tiny.toml").write_text(SPEC)
    code, shown = at_terminal(*args, cwd=tmp_path, lang=lang)
    assert code == 0, shown
    assert "Traceback" not in shown and "Error" not in shown, shown
    assert "tiny" in shown
