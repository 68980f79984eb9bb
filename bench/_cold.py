"""Cold-process timing shared by the start-up benchmarks (run by hand, not in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

# Run the processes outside the checkout, so `-m cnncalc` measures the installed package (a
# plain or an editable install) and not the source tree that happens to be the cwd.
NEUTRAL = tempfile.gettempdir()

# As installed: Python reads cnncalc from its bytecode cache, as pip's install writes it. A
# shell with PYTHONDONTWRITEBYTECODE set (some sandboxes and IDEs set it) would otherwise
# recompile every cnncalc module from source on every run of an editable install: ~40 ms
# here that no user pays. The warm-up run of each command writes the cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cold(cmd: list[str]) -> float:
    """Wall time of one cold process, in seconds."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=NEUTRAL, env=ENV)  # fmt: skip
    return time.perf_counter() - start


def cold_tty(cmd: list[str], columns: int = 160) -> float:
    """Wall time of one cold process whose stdout is a terminal (a pseudo-terminal read to its
    end), in seconds: what a user at a terminal waits, rich rendering included."""
    import pty

    master, slave = pty.openpty()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.DEVNULL, cwd=NEUTRAL,
                            env={**ENV, "COLUMNS": str(columns)})  # fmt: skip
    os.close(slave)
    while True:  # drain, or the process blocks on a full terminal buffer
        try:
            if not os.read(master, 1 << 16):
                break
        except OSError:  # EIO: the process closed its end
            break
    proc.wait()
    elapsed = time.perf_counter() - start
    os.close(master)
    return elapsed


def imported_modules(args: list[str]) -> set[str]:
    """Top-level and nested modules `python -X importtime ARGS` imports."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True,
                          text=True, check=True, cwd=NEUTRAL, env=ENV)  # fmt: skip
    return {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}


def heavy(mods: set[str]) -> list[str]:
    """The torch and numpy modules among `mods`."""
    return sorted(m for m in mods if m.split(".")[0] in ("torch", "numpy"))


def where() -> str:
    """Which cnncalc the processes run, and on which Python."""
    path = subprocess.run([sys.executable, "-c", "import cnncalc; print(cnncalc.__file__)"],
                          capture_output=True, text=True, check=True, cwd=NEUTRAL,
                          env=ENV).stdout.strip()  # fmt: skip
    return f"python {sys.version.split()[0]} at {sys.executable}; cnncalc from {path}"
