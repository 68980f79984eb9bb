"""Issue 3 latency checks, run by hand (not in CI): is cnncalc's latency figure right, and
what does its timing harness cost?

1. Agreement (target: within 5% on CPU): the median inference latency `cnncalc.profile`
   reports, against `torch.utils.benchmark.Timer(...).blocked_autorange()` for the same net
   and batch, built by `cnncalc.build`, at the same thread count on both sides (Timer
   defaults to one thread, so --threads defaults to 1 here). The shared machine drifts by up
   to 30% over minutes, so the two are run alternately, round after round, and the medians of
   the rounds are compared.
2. Overhead (target: under 2%): cnncalc's harness (`time_runs` with its clock, one timer
   reading per run) against a bare loop that times N calls with one pair of timer readings,
   for the same module and the same N, alternated; and the harness's absolute cost per run
   with a no-op.

    python bench/bench_latency.py [--spec alexnet] [--batch 1] [--threads 1] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.utils.benchmark import Timer

import cnncalc
from cnncalc.api import analyze
from cnncalc.torch.build import torch_shape
from cnncalc.torch.timing import HostClock, time_runs


def timer_median_ms(
    module: torch.nn.Module, x: torch.Tensor, threads: int, min_time: float
) -> float:
    """torch.utils.benchmark's figure: the median of blocked_autorange's blocks, in ms."""
    timer = Timer(stmt="m(x)", globals={"m": module, "x": x}, num_threads=threads)
    with torch.no_grad():
        return timer.blocked_autorange(min_run_time=min_time).median * 1e3


def cnncalc_median_ms(spec: str, batch: int, threads: int, min_time: float) -> float:
    """cnncalc's figure, end to end: `cnncalc.profile(...).latency_ms["infer"].median`."""
    report = cnncalc.profile(spec, batch=batch, threads=threads, min_time=min_time, mode="infer")
    return report.latency_ms["infer"].median


def harness_vs_bare(fn, runs_wanted: float, rounds: int) -> tuple[float, float]:
    """Median per-call ms of cnncalc's harness (wall time of the whole time_runs call / runs)
    and of a bare loop of the same number of calls, alternated over `rounds`."""
    harness, bare = [], []
    clock = HostClock()
    n = len(time_runs(fn, clock, warmup=0, min_time=runs_wanted))  # runs the harness makes

    def with_harness() -> None:
        start = time.perf_counter()
        times = time_runs(fn, clock, warmup=0, min_time=runs_wanted)
        harness.append((time.perf_counter() - start) * 1e3 / len(times))

    def bare_loop() -> None:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        bare.append((time.perf_counter() - start) * 1e3 / n)

    for i in range(rounds):  # alternated, and who goes first alternates too
        for run in (with_harness, bare_loop) if i % 2 == 0 else (bare_loop, with_harness):
            run()
    return statistics.median(harness), statistics.median(bare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--spec", default="alexnet")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=1.0)
    args = parser.parse_args()

    report = analyze(args.spec, batch=args.batch)
    torch.manual_seed(0)  # the weights profile() builds (it seeds 0), so the same module
    module = cnncalc.build(args.spec).eval()
    x = torch.randn(torch_shape(report.input, args.batch))
    print(f"{args.spec}, batch {args.batch}, {args.threads} thread(s), torch {torch.__version__}")

    # 1. agreement with torch.utils.benchmark, alternated
    ours, theirs = [], []
    cnncalc_median_ms(args.spec, args.batch, args.threads, 0.2)  # warm both paths once
    timer_median_ms(module, x, args.threads, 0.2)
    for i in range(args.rounds):  # who goes first alternates too
        first, second = (ours, theirs) if i % 2 == 0 else (theirs, ours)
        for side in (first, second):
            if side is ours:
                ours.append(cnncalc_median_ms(args.spec, args.batch, args.threads, args.min_time))
            else:
                theirs.append(timer_median_ms(module, x, args.threads, args.min_time))
        print(f"  round {i + 1}: cnncalc {ours[-1]:8.3f} ms   Timer {theirs[-1]:8.3f} ms"
              f"   ratio {ours[-1] / theirs[-1]:.3f}")  # fmt: skip
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"agreement: cnncalc median {a:.3f} ms, Timer.blocked_autorange median {b:.3f} ms,"
          f" ratio {a / b:.3f} (target within 0.95 … 1.05)")  # fmt: skip

    # 2. the harness's own overhead
    previous = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        with torch.no_grad():
            h, bare = harness_vs_bare(lambda: module(x), args.min_time, args.rounds)
        print(f"overhead on {args.spec}: harness {h:.4f} ms per run, bare loop {bare:.4f} ms,"
              f" ratio {h / bare:.4f} (target < 1.02)")  # fmt: skip
        h, bare = harness_vs_bare(lambda: None, 0.2, args.rounds)
        print(
            f"overhead on a no-op: harness {h * 1e3:.2f} µs per run, bare loop"
            f" {bare * 1e3:.2f} µs per run (the harness's absolute cost per run)"
        )
    finally:
        torch.set_num_threads(previous)


if __name__ == "__main__":
    main()
