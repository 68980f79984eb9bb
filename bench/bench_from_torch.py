"""Issue 10 benchmark (run by hand, not in CI): reading an nn.Module, side by side in one run.

1. `cnncalc.from_torch` of ResNet-50 (tests/torch_reference.py, laid out as torchvision builds
   it) on the meta device, in-process, against torchinfo's `summary()` of the same module on
   the CPU and against `FlopCounterMode` alone (one forward of a real input). Target: faster
   than torchinfo. Medians of alternated runs, after one warm-up each.
2. The peak memory (ru_maxrss growth, in a fresh process) of reading a 1.5·10^11-weight model
   on meta: target well under 1 GB, in seconds.

torchinfo is no dependency of cnncalc: install it for this benchmark only, e.g.
`pip install --no-deps --target /tmp/torchinfo_pkg torchinfo` and pass --torchinfo-path.

    python bench/bench_from_torch.py [--runs 5] [--torchinfo-path /tmp/torchinfo_pkg]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

HUGE = """
import resource, time
from torch import nn
import cnncalc
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
def huge():  # 1.5e11 weights: 1,500 convs of 10^8 weights each
    blocks = [nn.Conv2d(10_000, 10_000, 1, bias=False) for _ in range(1500)]
    return nn.Sequential(*blocks)
report = cnncalc.from_torch(huge, input="8x8x10000")
took = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(report.totals.weights, took, before, after)
"""


def timed(fn, runs: int) -> float:
    """Median seconds of `runs` calls after one warm-up."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--torchinfo-path", default=None)
    args = parser.parse_args()
    if args.torchinfo_path:
        sys.path.insert(0, args.torchinfo_path)
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from torch_reference import resnet50

    import cnncalc

    module = resnet50().eval()
    x = torch.randn(1, 3, 224, 224)
    ours = timed(lambda: cnncalc.from_torch(module, input="224x224x3"), args.runs)

    def flops() -> None:
        with torch.no_grad(), FlopCounterMode(display=False):
            module(x)

    counter = timed(flops, args.runs)
    print(f"ResNet-50, median of {args.runs} ({torch.get_num_threads()} threads)")
    print(f"  cnncalc.from_torch (meta)      {ours * 1000:9.1f} ms")
    print(f"  FlopCounterMode alone (cpu)    {counter * 1000:9.1f} ms  ({counter / ours:.1f}x)")
    try:
        from torchinfo import summary
    except ImportError:
        print("  torchinfo.summary              not installed (see the docstring)")
    else:
        info = timed(lambda: summary(module, input_size=(1, 3, 224, 224), verbose=0), args.runs)
        print(f"  torchinfo.summary (cpu)        {info * 1000:9.1f} ms  ({info / ours:.1f}x)")
    out = subprocess.run([sys.executable, "-c", HUGE], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()  # fmt: skip
    weights, took, before, after = int(out[0]), float(out[1]), int(out[2]), int(out[3])
    print(
        f"1.5e11 weights on meta: {weights:,} weights read in {took:.1f} s;"
        f" peak RSS {after / 1024:.0f} MiB (+{(after - before) / 1024:.0f} MiB while reading)"
    )


if __name__ == "__main__":
    main()
