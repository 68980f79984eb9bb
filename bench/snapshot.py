"""Snapshot what cnncalc prints for the zoo, to compare a restructuring's before and after
(issue 16: "the CLI's output is unchanged").

    python bench/snapshot.py OUT_DIR            # write the snapshot
    diff -r before/ after/                      # compare two

Writes, for every built-in spec: `shape` as piped text and as JSON, `check` as text and JSON,
`diff` of neighbouring specs, and `profile --format json` for a few small nets with the
measured timings and rates removed (they differ on every run; FLOPs, weights and memory do
not). Every command runs as a user runs it, in a subprocess.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

PROFILED = ("lenet5", "alexnet", "mobilenet_v3_small")
# Measured on every run, so left out of the comparison.
VOLATILE = {"latency_ms", "throughput", "flops_per_s", "per_layer", "threads", "device_name"}


def cnncalc(*args: str) -> str:
    """stdout and stderr of one cnncalc run, with its exit code."""
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", *args], capture_output=True, text=True, check=False
    )
    return f"{result.stdout}--- stderr\n{result.stderr}--- exit {result.returncode}\n"


def stable_profile(text: str) -> str:
    """profile's JSON without the figures that are measured afresh each run."""
    body, _, rest = text.partition("--- stderr\n")
    try:
        doc = json.loads(body)
    except json.JSONDecodeError:
        return text
    for key in VOLATILE:
        doc.pop(key, None)
    memory = doc.get("memory") or {}
    for key in list(memory):
        if "peak" in key and doc.get("device") == "cuda":
            memory.pop(key)
    stderr = [line for line in rest.splitlines(keepends=True) if "timing spread" not in line]
    return json.dumps(doc, indent=2) + "\n--- stderr\n" + "".join(stderr)


def main(out: Path) -> None:
    """Write the snapshot under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    names = sorted(json.loads(cnncalc("list", "--format", "json").split("--- stderr")[0])["specs"],
                   key=lambda s: s["name"])  # fmt: skip
    names = [s["name"] for s in names]
    for name in names:
        (out / f"shape-{name}.txt").write_text(cnncalc("shape", name, "--columns", "all"))
        (out / f"shape-{name}.json").write_text(cnncalc("shape", name, "--format", "json"))
        (out / f"check-{name}.txt").write_text(cnncalc("check", name))
        (out / f"check-{name}.json").write_text(cnncalc("check", name, "--format", "json"))
    for a, b in itertools.pairwise(names):
        (out / f"diff-{a}-{b}.txt").write_text(cnncalc("diff", a, b))
    for name in PROFILED:
        text = cnncalc("profile", name, "--format", "json", "--min-time", "0.01", "--warmup", "0")
        (out / f"profile-{name}.json").write_text(stable_profile(text))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python bench/snapshot.py OUT_DIR")
    main(Path(sys.argv[1]))
