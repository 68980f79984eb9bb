"""Issue 2 speed targets, measured side by side in one run (run by hand, not in CI).

1. `cnncalc shape alexnet` as a cold process imports neither torch nor numpy and takes under
   a tenth of the time of `python -c "import torch"` (medians of alternated runs).
2. A long chain is analysed in well under 2 s and the time grows linearly with its length.

    python bench/bench_shape.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from _cold import cold, heavy, imported_modules, where


def chain(n: int) -> str:
    """A valid n-layer chain: conv, BN and ReLU repeated, spatial size kept."""
    body = ["Conv:3x3x16p1", "BN", "ReLU"]
    return "In:32x32x16-" + "-".join(body[i % 3] for i in range(n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    print(where())
    shape = [sys.executable, "-m", "cnncalc", "shape", "alexnet"]
    torch_cmd = [sys.executable, "-c", "import torch"]
    bare = [sys.executable, "-c", "pass"]
    found = heavy(imported_modules(["-m", "cnncalc", "shape", "alexnet", "--format", "json"]))
    print(f"cold 'cnncalc shape alexnet' imports torch/numpy: {found or 'no'}")

    cold(shape), cold(torch_cmd), cold(bare)  # warm the file and bytecode caches
    shape_t, torch_t, bare_t = [], [], []
    for _ in range(args.runs):  # alternated, so drift hits all alike
        shape_t.append(cold(shape))
        torch_t.append(cold(torch_cmd))
        bare_t.append(cold(bare))
    s, t, b = (statistics.median(x) for x in (shape_t, torch_t, bare_t))
    print(f"cnncalc shape alexnet   median {s * 1000:7.1f} ms  (min {min(shape_t) * 1000:.1f})")
    print(f"python -c 'import torch' median {t * 1000:7.1f} ms  (min {min(torch_t) * 1000:.1f})")
    print(f"python -c pass          median {b * 1000:7.1f} ms  (the interpreter's own start-up)")
    print(f"ratio {s / t:.3f} (target < 0.100)")

    from cnncalc.analysis import analyze_net
    from cnncalc.dsl import parse

    print("\nlayers   parse+analyse   per layer")
    per = []
    for n in (1_000, 2_500, 5_000, 10_000, 20_000):
        text = chain(n)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            analyze_net(parse(text))
            best = min(best, time.perf_counter() - start)
        per.append(best / n)
        print(f"{n:6d}   {best * 1000:9.1f} ms   {best / n * 1e6:6.1f} µs")
    print(f"per-layer time, 20k vs 1k: {per[-1] / per[0]:.2f}× (1.0 = perfectly linear)")


if __name__ == "__main__":
    main()
