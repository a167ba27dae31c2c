"""glassnet's scalar engine against micrograd, on micrograd's own moons demo.

Both engines train MLP(2, [16, 16, 1]) on make_moons(n_samples=100, noise=0.1,
random_state=1) with labels mapped to -1/+1, the full-batch max-margin loss
``mean(relu(1 - y * score)) + 1e-4 * sum(p * p)`` and SGD with lr = 1.0 - 0.9 * k / 100,
from the same initial weights. The steps alternate (glassnet step k, micrograd step k,
...) in one process, so both see the same machine load. Before each timed step an
untimed ``gc.collect()`` clears what the previous step left, so each engine pays only
for the garbage collection its own step triggers.

Usage: ``python benchmarks/scalar_vs_micrograd.py [--steps 100] [--mem-steps 2]``
(needs ``pip install -e .[bench]`` for micrograd and scikit-learn). ``--no-collect`` leaves
garbage collection to Python, as in the demo itself.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc

import glassnet.scalar as gs


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def rss_mib() -> float:
    """Resident set size of this process now, in MiB (Linux), else peak RSS."""
    try:
        with open("/proc/self/statm", encoding="utf-8") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def train_step(model, value_cls, X, y, k):
    """One step of micrograd's demo; returns (loss, accuracy) before the update."""
    inputs = [list(map(value_cls, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
    model.zero_grad()
    total_loss.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    return total_loss.data, accuracy


def evaluate(model, value_cls, X, y):
    scores = [model(list(map(value_cls, xrow))) for xrow in X]
    return sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)


def peak_step_memory(model, value_cls, X, y, steps):
    """Largest tracemalloc peak (MiB) over ``steps`` steps: the size of one step's graph."""
    peaks = []
    for k in range(steps):
        gc.collect()
        tracemalloc.start()
        train_step(model, value_cls, X, y, k)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    return max(peaks)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument(
        "--mem-steps",
        type=int,
        default=2,
        help="extra steps per engine under tracemalloc (default 2; 0 skips)",
    )
    parser.add_argument("--seed", type=int, default=1337, help="seed of glassnet's init")
    parser.add_argument(
        "--collect",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="untimed gc.collect() before each step (default); with "
        "--no-collect each step also pays for the garbage the other left",
    )
    args = parser.parse_args(argv)
    try:
        import micrograd.engine as me
        import micrograd.nn as mn
        from sklearn.datasets import make_moons
    except ImportError as exc:
        print(f"needs the bench extra (pip install -e '.[bench]'): {exc}", file=sys.stderr)
        return 1

    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    X, y = X.tolist(), (y * 2 - 1).tolist()
    g_model = gs.MLP(2, [16, 16, 1], seed=args.seed)
    m_model = mn.MLP(2, [16, 16, 1])
    for pm, pg in zip(m_model.parameters(), g_model.parameters()):
        pm.data = pg.data  # the same initial weights

    engines = [("glassnet", g_model, gs.Value), ("micrograd", m_model, me.Value)]
    times = {name: [] for name, _, _ in engines}
    losses, rss = {}, {}
    for k in range(args.steps):
        for name, model, value_cls in engines:
            if args.collect:
                gc.collect()
            t0 = time.perf_counter()
            losses[name], _ = train_step(model, value_cls, X, y, k)
            times[name].append(time.perf_counter() - t0)
        if k + 1 in (min(10, args.steps), args.steps):
            rss[k + 1] = rss_mib()
        print(
            f"step {k + 1}/{args.steps}: "
            + ", ".join(f"{n} {times[n][-1]:.3f} s" for n, _, _ in engines),
            file=sys.stderr,
        )

    acc = {name: evaluate(model, vc, X, y) for name, model, vc in engines}
    max_diff = max(abs(a.data - b.data) for a, b in zip(g_model.parameters(), m_model.parameters()))
    peaks = (
        {name: peak_step_memory(model, vc, X, y, args.mem_steps) for name, model, vc in engines}
        if args.mem_steps
        else {}
    )
    report(args, times, losses, acc, rss, peaks, max_diff)
    return 0


def report(args, times, losses, acc, rss, peaks, max_diff) -> None:
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}, CPU: {cpu_model()}"
    )
    print(
        f"moons demo, MLP(2, [16, 16, 1]), 100 samples, {args.steps} steps, "
        "steps interleaved in one process, "
        f"{'untimed gc.collect() before each step' if args.collect else 'no forced gc'}\n"
    )
    print(
        "| engine | median time per step | mean time per step | loss at the last step "
        "| final train accuracy | peak memory of one step |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name in med:
        peak = f"{peaks[name]:.1f} MiB" if peaks else "n/a"
        mean = statistics.fmean(times[name])
        print(
            f"| {name} | {med[name] * 1e3:.1f} ms | {mean * 1e3:.1f} ms | "
            f"{losses[name]:.4f} | {acc[name]:.0%} | {peak} |"
        )
    print(
        f"\nglassnet is {med['micrograd'] / med['glassnet']:.1f}x faster per step "
        "(ratio of the medians)."
    )
    steps = sorted(rss)
    print(
        "process RSS (both engines): "
        + ", ".join(f"{rss[s]:.1f} MiB after step {s}" for s in steps)
    )
    print(f"largest difference between the two models' trained weights: {max_diff:.2e}")


if __name__ == "__main__":
    sys.exit(main())
