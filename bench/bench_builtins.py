"""Issue 5 speed check: `cnncalc shape NAME` as a cold process for every built-in spec, next to
`python -c "import torch"` (run by hand, not in CI).

Every built-in must stay far below the torch import: the zoo's specs (up to DenseNet-121's 58
concatenations and ResNet-101's 33 residual blocks) are parsed, their [blocks] expanded and the
whole net analysed in pure Python. Runs are alternated so that drift hits all commands alike;
the table gives medians with stdout to a pipe (plain text) and to a terminal (rich), each
with its ratio to the torch import, the time over `cnncalc --version` (the interpreter and
CLI start-up every command pays: what the spec itself costs), and whether torch or numpy was
imported.

    python bench/bench_builtins.py [--runs 7] [--target 0.1]
"""

from __future__ import annotations

import argparse
import statistics
import sys

from _cold import cold, cold_tty, heavy, imported_modules, where

from cnncalc.specs import builtin_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command")
    parser.add_argument("--target", type=float, default=0.1,
                        help="largest acceptable ratio to the torch import, piped")  # fmt: skip
    parser.add_argument("--tty-target", type=float, default=0.2,
                        help="the same at a terminal, rich's import and layout included")  # fmt: skip
    args = parser.parse_args()

    print(where())
    names = builtin_names()
    commands = {name: [sys.executable, "-m", "cnncalc", "shape", name] for name in names}
    commands["import torch"] = [sys.executable, "-c", "import torch"]
    commands["cnncalc --version"] = [sys.executable, "-m", "cnncalc", "--version"]
    for cmd in commands.values():  # warm the file and bytecode caches
        cold(cmd)
    piped: dict[str, list[float]] = {key: [] for key in commands}
    tty: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.runs):  # alternated, so drift hits every command alike
        for key, cmd in commands.items():
            piped[key].append(cold(cmd))
            if key in tty:
                tty[key].append(cold_tty(cmd))

    torch_median = statistics.median(piped["import torch"])
    start_up = statistics.median(piped["cnncalc --version"])
    width = max(len(n) for n in commands)
    print(f"{'command':<{width}}  {'pipe ms':>7}  {'ratio':>6}  {'spec ms':>7}  {'tty ms':>7}"
          f"  {'ratio':>6}  torch/numpy")  # fmt: skip
    for key in ("import torch", "cnncalc --version"):
        median = statistics.median(piped[key])
        print(f"{key:<{width}}  {median * 1000:7.1f}  {median / torch_median:6.3f}")
    worst = worst_tty = 0.0
    for name in names:
        pipe, term = statistics.median(piped[name]), statistics.median(tty[name])
        worst, worst_tty = max(worst, pipe / torch_median), max(worst_tty, term / torch_median)
        found = heavy(imported_modules(["-m", "cnncalc", "shape", name, "--format", "json"]))
        print(f"{name:<{width}}  {pipe * 1000:7.1f}  {pipe / torch_median:6.3f}"
              f"  {(pipe - start_up) * 1000:7.1f}  {term * 1000:7.1f}  {term / torch_median:6.3f}"
              f"  {', '.join(found) or 'no'}")  # fmt: skip
    verdict = "ok" if worst < args.target else "TOO SLOW"
    verdict_tty = "ok" if worst_tty < args.tty_target else "TOO SLOW"
    floor = start_up / torch_median
    print(f"\nworst ratio piped {worst:.3f} (target < {args.target:.3f}): {verdict}; at a terminal"
          f" {worst_tty:.3f} (target < {args.tty_target:.3f}): {verdict_tty}; the start-up floor"
          f" (cnncalc --version) alone is {floor:.3f}. Medians of {args.runs} runs; pipe: stdout"
          " to /dev/null (plain text); tty: stdout a 160-column pseudo-terminal (rich); spec ms ="
          " pipe - cnncalc --version")  # fmt: skip


if __name__ == "__main__":
    main()
