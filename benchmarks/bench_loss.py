"""Benchmark `augcli loss` against DuckDB and pandas.read_csv + scikit-learn on large files.

Usage::

    python benchmarks/bench_loss.py [--rows 10000000 1000000] [--cases csv tsv.gz]
                                    [--repeat 1] [--dir /tmp/augcli-bench]

Two cases, each generated once per size: ``csv``, a plain ``y_true,y_pred`` file (binary
labels, probabilities with 8 decimals); ``tsv.gz``, a gzip-compressed TSV with a third
column of sample weights (4 decimals, about 10% zeros), read with ``--weight w``. Each
contender runs in a fresh child process; the script reports wall time, rows/s and the
child's peak RSS (``resource.getrusage(RUSAGE_CHILDREN)`` read by a wrapper process that
runs nothing else), and the side-by-side ratios; with ``--repeat N`` the contenders alternate
N times and the best wall time and the worst peak RSS are kept. augcli runs with
auto-detection and all losses; the pandas variant reads the whole file and computes log,
zero_one and hinge (and for the weighted case accuracy and Brier, all with ``sample_weight``)
with scikit-learn.
DuckDB (when installed; the ``bench`` extra) reads the same file with ``read_csv`` and computes
the same values in SQL (eps = 2.22e-16 clipping for log, as augcli). All must agree to 1e-9.
Needs pandas and scikit-learn (the ``bench`` extra). Figures are also written to
``benchmarks/results/loss_<rows>.json`` (machine, load, commands).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import subprocess
import sys
import time

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
                  "out": proc.stdout, "err": proc.stderr[-2000:]}))
"""

PANDAS = r"""
import sys, json
import numpy as np, pandas as pd
from sklearn.metrics import (accuracy_score, brier_score_loss, hinge_loss, log_loss,
                             zero_one_loss)
path = sys.argv[1]
df = pd.read_csv(path, sep="\t" if ".tsv" in path else ",")  # compression from the extension
y, p = df["y_true"].to_numpy(), df["y_pred"].to_numpy()
w = df["w"].to_numpy() if "w" in df else None
out = {"rows": len(df), "log": log_loss(y, p, sample_weight=w),
       "zero_one": zero_one_loss(y, p >= 0.5, sample_weight=w),
       "hinge": hinge_loss(y, 2 * p - 1, sample_weight=w)}
if w is not None:
    out["accuracy"] = accuracy_score(y, p >= 0.5, sample_weight=w)
    out["brier"] = brier_score_loss(y, p, sample_weight=w)
print(json.dumps(out))
"""


DUCKDB = r"""
import sys, json
import duckdb
path = sys.argv[1]
weighted = ".tsv" in path
eps = 2.220446049250313e-16
w = "w" if weighted else "1.0"
p = f"greatest(least(y_pred, 1 - {eps}), {eps})"
log = f"-(y_true * ln({p}) + (1 - y_true) * ln(1 - {p}))"
wrong = "(case when (y_pred >= 0.5)::int <> y_true then 1.0 else 0.0 end)"
hinge = "greatest(0.0, 1 - (2 * y_true - 1) * (2 * y_pred - 1))"
sql = (f"select count(*), sum({w} * {log}) / sum({w}), sum({w} * {wrong}) / sum({w}), "
       f"sum({w} * {hinge}) / sum({w}), sum({w} * (y_pred - y_true) ^ 2) / sum({w}) "
       f"from read_csv(?, header = true, delim = ?)")
con = duckdb.connect()
con.execute("set enable_progress_bar = false")  # it would print to stdout on long queries
row = con.execute(sql, [path, "\t" if weighted else ","]).fetchone()
out = {"rows": row[0], "log": row[1], "zero_one": row[2], "hinge": row[3]}
if weighted:
    out["accuracy"] = 1 - row[2]
    out["brier"] = row[4]
print(json.dumps(out))
"""


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def generate(path: str, rows: int, weighted: bool, seed: int = 0) -> None:
    """Write ``rows`` random binary rows to ``path`` (skipped if it already exists).

    ``weighted`` adds a ``w`` column and writes a gzip-compressed TSV.
    """
    if os.path.exists(path):
        return
    rng = np.random.default_rng(seed)
    tmp = path + ".part"
    sep = "\t" if weighted else ","

    def opener(p: str):
        return gzip.open(p, "wt", compresslevel=6) if weighted else open(p, "w")

    with opener(tmp) as out:
        out.write(sep.join(["y_true", "y_pred", "w"][: 3 if weighted else 2]) + "\n")
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            y = rng.integers(0, 2, n)
            p = np.clip(np.where(y == 1, 0.7, 0.3) + rng.normal(0, 0.2, n), 0, 1)
            cols = [y, p]
            if weighted:
                w = rng.uniform(0, 3, n)
                w[rng.random(n) < 0.1] = 0.0
                cols.append(w)
            buf = io.StringIO()
            fmt = ["%d", "%.8f", "%.4f"][: len(cols)]
            np.savetxt(buf, np.column_stack(cols), fmt=fmt, delimiter=sep)
            out.write(buf.getvalue())
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
    parser.add_argument("--cases", nargs="+", choices=["csv", "tsv.gz"], default=["csv", "tsv.gz"])
    parser.add_argument("--dir", default="/tmp/augcli-bench")
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate the contenders N times; keep the best"
    )
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPU(s)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'rows':>11}  {'case':<7} {'tool':<16} {'wall s':>7} {'rows/s':>11} {'peak MB':>8}")
    report = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
        "load_before": os.getloadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "runs": [],
    }
    for case in args.cases:
        weighted = case == "tsv.gz"
        for rows in args.rows:
            path = os.path.join(args.dir, f"bench_{rows}.{case}")
            generate(path, rows, weighted)
            ours_argv = [sys.executable, "-m", "augcli", "loss", path, "--format", "json"]
            runs = {
                "augcli loss": ours_argv + (["--weight", "w"] if weighted else []),
                "pandas+sklearn": [sys.executable, "-c", PANDAS, path],
            }
            if _has("duckdb"):
                runs["duckdb"] = [sys.executable, "-c", DUCKDB, path]
            results, figures = {}, {}
            for _ in range(args.repeat):  # alternated, so both see the same load on average
                for name, argv in runs.items():
                    data = measure(argv)
                    results[name] = json.loads(data["out"])
                    best = figures.get(name, data)
                    peak = max(best["peak_mb"], data["peak_mb"])  # the worst memory seen
                    figures[name] = {**min(best, data, key=lambda d: d["wall"]), "peak_mb": peak}
            for name, data in figures.items():
                print(
                    f"{rows:>11,}  {case:<7} {name:<16} {data['wall']:>7.2f} "
                    f"{rows / data['wall']:>11,.0f} {data['peak_mb']:>8.0f}"
                )
            a, b = figures["augcli loss"], figures["pandas+sklearn"]
            print(
                f"{'':>11}  {case:<7} {'ratio':<16} {b['wall'] / a['wall']:>6.2f}x faster, "
                f"{b['peak_mb'] / a['peak_mb']:.1f}x less memory "
                f"(load now {os.getloadavg()[0]:.2f})"
            )
            if "duckdb" in figures:
                d = figures["duckdb"]
                print(
                    f"{'':>11}  {case:<7} {'vs duckdb':<16} augcli takes "
                    f"{a['wall'] / d['wall']:.2f}x DuckDB's wall time (target <= 1.5), "
                    f"{a['peak_mb'] / d['peak_mb']:.2f}x its peak RSS"
                )
            doc = results["augcli loss"]
            ours = {**doc["losses"], **doc["metrics"]}
            keys = ["log", "zero_one", "hinge"] + (["accuracy", "brier"] if weighted else [])
            for other in [n for n in results if n != "augcli loss"]:
                ref = results[other]
                for key in keys:
                    assert abs(ours[key] - ref[key]) <= 1e-9 * max(1.0, abs(ref[key])), (
                        other, key, ours, ref,
                    )  # fmt: skip
            report["runs"].append(
                {
                    "rows": rows,
                    "case": case,
                    "repeat": args.repeat,
                    "commands": {
                        n: " ".join(
                            argv if n == "augcli loss" else [argv[0], f"<{n} script>", *argv[3:]]
                        )
                        for n, argv in runs.items()
                    },
                    "figures": {
                        n: {"wall_s": round(f["wall"], 3), "peak_mb": round(f["peak_mb"], 1)}
                        for n, f in figures.items()
                    },
                }
            )
    report["load_after"] = os.getloadavg()
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    name = "_".join(str(r) for r in args.rows)
    with open(os.path.join(HERE, "results", f"loss_{name}.json"), "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"all contenders agree on every value compared; wrote results/loss_{name}.json")


if __name__ == "__main__":
    main()
