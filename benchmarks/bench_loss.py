"""Benchmark `augcli loss` against pandas.read_csv + scikit-learn on large two-column CSVs.

Usage::

    python benchmarks/bench_loss.py [--rows 10000000 1000000] [--dir /tmp/augcli-bench]

Generates ``rows`` lines of ``y_true,y_pred`` (binary labels, probabilities with 8 decimals)
once per size, then runs each contender in a fresh child process and reports wall time,
rows/s and the child's peak RSS (``resource.getrusage(RUSAGE_CHILDREN)`` read by a wrapper
process that runs nothing else). augcli runs with auto-detection and all losses; the pandas
variant reads the whole file and computes log, zero_one and hinge with scikit-learn.
Needs the ``bench`` extra (pandas, scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

WRAPPER = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"wall": wall, "peak_mb": peak, "rc": proc.returncode,
                  "out": proc.stdout[-2000:], "err": proc.stderr[-2000:]}))
"""

PANDAS = r"""
import sys, json
import numpy as np, pandas as pd
from sklearn.metrics import hinge_loss, log_loss, zero_one_loss
df = pd.read_csv(sys.argv[1])
y, p = df["y_true"].to_numpy(), df["y_pred"].to_numpy()
print(json.dumps({"rows": len(df), "log": log_loss(y, p),
                  "zero_one": zero_one_loss(y, p >= 0.5), "hinge": hinge_loss(y, 2 * p - 1)}))
"""


def generate(path: str, rows: int, seed: int = 0) -> None:
    """Write ``rows`` random binary rows to ``path`` (skipped if it already exists)."""
    if os.path.exists(path):
        return
    rng = np.random.default_rng(seed)
    tmp = path + ".part"
    with open(tmp, "w") as out:
        out.write("y_true,y_pred\n")
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            y = rng.integers(0, 2, n)
            p = np.clip(np.where(y == 1, 0.7, 0.3) + rng.normal(0, 0.2, n), 0, 1)
            out.write(
                "".join(f"{a},{b:.8f}\n" for a, b in zip(y.tolist(), p.tolist(), strict=True))
            )
    os.replace(tmp, path)


def measure(argv: list[str]) -> dict:
    """Run ``argv`` in a wrapper child; return wall seconds, peak RSS (MB), output."""
    env = dict(os.environ, PYTHONPATH=REPO)
    res = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, env=env
    )
    data = json.loads(res.stdout)
    if data["rc"] != 0:
        raise SystemExit(f"{argv} failed: {data['err']}")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000, 1_000_000])
    parser.add_argument("--dir", default="/tmp/augcli-bench")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPU(s)")
    print(f"{'rows':>11}  {'tool':<16} {'wall s':>7} {'rows/s':>11} {'peak MB':>8}")
    for rows in args.rows:
        path = os.path.join(args.dir, f"bench_{rows}.csv")
        generate(path, rows)
        runs = {
            "augcli loss": [sys.executable, "-m", "augcli", "loss", path, "--format", "json"],
            "pandas+sklearn": [sys.executable, "-c", PANDAS, path],
        }
        results = {}
        for name, argv in runs.items():
            data = measure(argv)
            results[name] = json.loads(data["out"])
            print(
                f"{rows:>11,}  {name:<16} {data['wall']:>7.2f} "
                f"{rows / data['wall']:>11,.0f} {data['peak_mb']:>8.0f}"
            )
        ours, ref = results["augcli loss"]["losses"], results["pandas+sklearn"]
        for key in ("log", "zero_one", "hinge"):
            assert abs(ours[key] - ref[key]) <= 1e-9 * max(1.0, abs(ref[key])), (key, ours, ref)
    print("augcli and pandas+sklearn agree on log, zero_one and hinge.")


if __name__ == "__main__":
    main()
