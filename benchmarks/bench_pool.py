"""Time every pooling method on a 512x512x64 float32 HWC array (k=2, s=2 unless noted).

Run: ``PYTHONPATH=. python benchmarks/bench_pool.py [--repeat N]``. Prints a Markdown table:
augcli's time through the same path as ``augcli pool x.npy`` (HWC -> planes view -> kernel ->
HWC), and for max/avg the fastest plain-numpy formulation found for the same result.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from augcli.pool.arrays import from_planes, to_planes
from augcli.pool.registry import METHODS, Geometry, pool

H = W = 512
C = 64


def best_of(fn, repeat: int) -> float:
    """Best wall time of ``repeat`` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def numpy_max_candidates(x: np.ndarray) -> dict[str, callable]:
    h, w, c = x.shape
    return {
        "reshape(H/2,2,W/2,2,C).max(axis=(1,3))": lambda: x.reshape(h // 2, 2, w // 2, 2, c).max(
            axis=(1, 3)
        ),
        "np.maximum of 4 strided slices": lambda: np.maximum(
            np.maximum(x[0::2, 0::2], x[0::2, 1::2]), np.maximum(x[1::2, 0::2], x[1::2, 1::2])
        ),
        "row pairs then column pairs": lambda: np.maximum(
            *(lambda r: (r[:, 0::2], r[:, 1::2]))(np.maximum(x[0::2], x[1::2]))
        ),
    }


def numpy_avg_candidates(x: np.ndarray) -> dict[str, callable]:
    h, w, c = x.shape
    return {
        "reshape(...).mean(axis=(1,3))": lambda: x.reshape(h // 2, 2, w // 2, 2, c).mean(
            axis=(1, 3)
        ),
        "sum of 4 strided slices * 0.25": lambda: (
            (x[0::2, 0::2] + x[0::2, 1::2] + x[1::2, 0::2] + x[1::2, 1::2]) * 0.25
        ),
        "float64: sum of 4 slices * 0.25": lambda: (
            (np.add(x[0::2, 0::2], x[0::2, 1::2], dtype=np.float64) + x[1::2, 0::2] + x[1::2, 1::2])
            * 0.25
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    x = np.random.default_rng(0).random((H, W, C), dtype=np.float32)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, Python {platform.python_version()}"
    )
    print(f"input: {H}x{W}x{C} float32 HWC, best of {args.repeat}\n")
    print("| method | augcli ms | fastest numpy ms | ratio | numpy formulation |")
    print("|---|---:|---:|---:|---|")
    reference = {"max": numpy_max_candidates(x), "avg": numpy_avg_candidates(x)}
    for name, spec in METHODS.items():
        params = {"mode": "sample"} if name == "stochastic" else {}
        geometry = Geometry(2) if spec.geometry is not None else None

        def run(name=name, params=params, geometry=geometry):
            out = pool(to_planes(x, "hwc"), name, geometry, rng=np.random.default_rng(0), **params)
            return from_planes(out, "hwc")

        ms = best_of(run, args.repeat)
        if name in reference:
            timings = {label: best_of(fn, args.repeat) for label, fn in reference[name].items()}
            label = min(timings, key=timings.get)
            for cand in reference[name].values():  # same result, or the timing means nothing
                np.testing.assert_allclose(run(), cand(), rtol=1e-6)
            best = timings[label]
            print(f"| {name} | {ms:.1f} | {best:.1f} | {ms / best:.2f} | {label} |")
        else:
            print(f"| {name} | {ms:.1f} | | | |")


if __name__ == "__main__":
    main()
