"""`cnncalc run alexnet --random 0` against PyTorch's CPU forward of the same net, same machine,
same threads, same run (issue 12: target within 3×).

    python bench/bench_run.py [SPEC] [--repeat N]

Times the numpy pass (cnncalc.numeric.execute, inference, batch 1, float32) and the torch
module cnncalc builds (cnncalc.torch.build.assemble, eval, no_grad), best of N each, after one
warm-up; both use the BLAS threads this process has.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from cnncalc.api import analyze, load
from cnncalc.numeric.execute import execute, nchw
from cnncalc.numeric.init import draw
from cnncalc.numeric.params import Mode
from cnncalc.numeric.run import row_params
from cnncalc.torch.build import assemble


def best(fn, repeat: int) -> float:
    """The fastest of `repeat` timed calls, after one warm-up, in seconds."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("spec", nargs="?", default="alexnet")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    resolved = load(args.spec)
    report = analyze(resolved, batch=1)
    rng = np.random.default_rng(0)
    params = {row: {name: draw(p, "pytorch", "normal", rng, np.float32) for name, p in ps.items()}
              for row, ps in row_params(resolved.net.items, report).items()}  # fmt: skip
    x = rng.standard_normal(nchw(report.input, 1), dtype=np.float32)
    mode = Mode(False, None)
    numpy_s = best(lambda: execute(resolved.net.items, report, x, params, mode), args.repeat)
    module = assemble(resolved.net, report).eval()
    xt = torch.from_numpy(x)

    def forward() -> None:
        with torch.no_grad():
            module(xt)

    torch_s = best(forward, args.repeat)
    print(f"{args.spec}: {report.totals.macs:,} MACs; torch threads {torch.get_num_threads()}")
    print(f"numpy run      {numpy_s * 1e3:8.1f} ms (statistics of every row included)")
    print(f"torch forward  {torch_s * 1e3:8.1f} ms")
    print(f"ratio          {numpy_s / torch_s:8.2f}×  (target ≤ 3×)")


if __name__ == "__main__":
    main()
