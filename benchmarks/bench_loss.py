"""Benchmark `augcli loss` against DuckDB and pandas.read_csv + scikit-learn on large files.

Usage::

    python benchmarks/bench_loss.py [--rows 10000000 1000000] [--cases csv tsv.gz]
                                    [--contenders augcli-3 augcli-all duckdb pandas]
                                    [--repeat 1] [--dir /tmp/augcli-bench]

Two cases, each generated once per size: ``csv``, a plain ``y_true,y_pred`` file (binary
labels, probabilities with 8 decimals); ``tsv.gz``, a gzip-compressed TSV with a third
column of sample weights (4 decimals, about 10% zeros), read with ``--weight w``.

Contenders, side by side in one run: ``augcli-3``, ``augcli loss -l log,squared,zero_one``
(the three losses DuckDB computes; auto-detection, so squared is reported n/a for binary
data and the Brier score beside it is the same number); ``augcli-all``, every loss and
metric; ``duckdb`` (when installed; the ``bench`` extra), ``read_csv`` and the three losses in
SQL (log with eps = 2.22e-16 clipping as augcli, zero-one at 0.5, squared = mean
``(p - y)^2``) plus hinge, weighted in the ``tsv.gz`` case; ``pandas``, ``read_csv`` of the
whole file then scikit-learn's ``log_loss``, ``zero_one_loss``, ``hinge_loss`` (and
``accuracy_score``, ``brier_score_loss`` when weighted). All must agree to 1e-9.

Each contender runs in a fresh child process under a wrapper that runs nothing else and reads
the child's wall time, ``user + sys`` CPU seconds and peak RSS
(``resource.getrusage(RUSAGE_CHILDREN)``); with ``--repeat N`` the contenders alternate N times
and the best wall time (with its CPU seconds) and the worst peak RSS are kept. The 1-minute load
average is recorded before every run: on a shared machine read CPU seconds beside wall time.
Results go to ``benchmarks/results/loss_<rows>.json`` through ``results.write_result``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from results import load, write_result  # noqa: E402

WRAPPER = r"""
import json, os, resource, subprocess, sys, time
load = os.getloadavg()[0]
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024, "load": load, "rc": proc.returncode,
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
       "hinge": hinge_loss(y, 2 * p - 1, sample_weight=w),
       "brier": brier_score_loss(y, p, sample_weight=w)}
if w is not None:
    out["accuracy"] = accuracy_score(y, p >= 0.5, sample_weight=w)
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
       f"sum({w} * (y_pred - y_true) ^ 2) / sum({w}), sum({w} * {hinge}) / sum({w}) "
       f"from read_csv(?, header = true, delim = ?)")
con = duckdb.connect()
con.execute("set enable_progress_bar = false")  # it would print to stdout on long queries
row = con.execute(sql, [path, "\t" if weighted else ","]).fetchone()
out = {"rows": row[0], "log": row[1], "zero_one": row[2], "brier": row[3], "hinge": row[4]}
if weighted:
    out["accuracy"] = 1 - row[2]
print(json.dumps(out))
"""

#: What each contender computes that augcli also reports (squared = augcli's Brier score).
COMPARED = {
    "duckdb": ["log", "zero_one", "brier", "hinge"],
    "pandas": ["log", "zero_one", "hinge", "brier"],
}


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
    """Run ``argv`` in a wrapper child: wall and CPU seconds, peak RSS (MB), load, output."""
    env = dict(os.environ, PYTHONPATH=REPO)
    res = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, env=env
    )
    data = json.loads(res.stdout)
    if data["rc"] != 0:
        raise SystemExit(f"{argv} failed: {data['err']}")
    return data


def contenders(path: str, weighted: bool, chosen: list[str]) -> dict[str, list[str]]:
    """The command of each chosen contender for one input file."""
    ours = [sys.executable, "-m", "augcli", "loss", path, "--format", "json"]
    ours += ["--weight", "w"] if weighted else []
    runs = {
        "augcli-3": [*ours, "-l", "log,squared,zero_one"],
        "augcli-all": ours,
        "duckdb": [sys.executable, "-c", DUCKDB, path],
        "pandas": [sys.executable, "-c", PANDAS, path],
    }
    if "duckdb" in chosen and not _has("duckdb"):
        print("duckdb is not installed (pip install augcli[bench]): skipped")
        chosen = [c for c in chosen if c != "duckdb"]
    return {name: runs[name] for name in chosen}


def check_agreement(results: dict[str, dict]) -> None:
    """Every value another contender computes equals augcli's to 1e-9 (relative)."""
    for ours_name in [n for n in results if n.startswith("augcli")]:
        doc = results[ours_name]
        ours = {**doc["losses"], **doc["metrics"]}
        for other, keys in COMPARED.items():
            if other not in results:
                continue
            for key in keys:
                if ours.get(key) is None:
                    continue  # not asked of this augcli run
                ref = results[other][key]
                assert abs(ours[key] - ref) <= 1e-9 * max(1.0, abs(ref)), (
                    ours_name, other, key, ours[key], ref,
                )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000, 1_000_000])
    parser.add_argument("--cases", nargs="+", choices=["csv", "tsv.gz"], default=["csv", "tsv.gz"])
    parser.add_argument(
        "--contenders",
        nargs="+",
        choices=["augcli-3", "augcli-all", "duckdb", "pandas"],
        default=["augcli-3", "augcli-all", "duckdb", "pandas"],
    )
    parser.add_argument("--dir", default="/tmp/augcli-bench")
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate the contenders N times; keep the best"
    )
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    load_before = load()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPU(s)")
    print(f"load average before: {load_before}")
    head = f"{'rows':>11}  {'case':<7} {'tool':<11} {'wall s':>7} {'cpu s':>6} {'peak MB':>8}"
    print(head + f" {'load':>5}  vs DuckDB")
    runs_out, tables, headline = [], [], []
    for case in args.cases:
        weighted = case == "tsv.gz"
        for rows in args.rows:
            path = os.path.join(args.dir, f"bench_{rows}.{case}")
            generate(path, rows, weighted)
            runs = contenders(path, weighted, args.contenders)
            results, figures = {}, {}
            for _ in range(args.repeat):  # alternated, so all see the same load on average
                for name, argv in runs.items():
                    data = measure(argv)
                    results[name] = json.loads(data["out"])
                    best = figures.get(name, data)
                    peak = max(best["peak_mb"], data["peak_mb"])  # the worst memory seen
                    figures[name] = {**min(best, data, key=lambda d: d["wall"]), "peak_mb": peak}
            check_agreement(results)
            duck = figures.get("duckdb")
            table_rows = []
            for name, f in figures.items():
                ratio = f"{f['wall'] / duck['wall']:.2f}x" if duck else "n/a"
                cpu_ratio = f"{f['cpu'] / duck['cpu']:.2f}x" if duck else "n/a"
                if name == "augcli-3" and duck and not weighted:
                    headline.append(
                        [f"loss -l log,squared,zero_one vs DuckDB, {rows:,} rows", ratio, "<= 1.5x"]
                    )
                print(
                    f"{rows:>11,}  {case:<7} {name:<11} {f['wall']:>7.2f} {f['cpu']:>6.2f} "
                    f"{f['peak_mb']:>8.0f} {f['load']:>5.2f}  {ratio} wall, {cpu_ratio} CPU"
                )
                table_rows.append(
                    [
                        " ".join(runs[name] if name.startswith("augcli") else [f"<{name} script>"])
                        .replace(sys.executable, "python")
                        .replace(path, os.path.basename(path)),
                        f"{f['wall']:.2f}",
                        f"{f['cpu']:.2f}",
                        f"{f['peak_mb']:.0f}",
                        f"{rows / f['wall']:,.0f}",
                        ratio,
                        cpu_ratio,
                        f"{f['load']:.2f}",
                    ]
                )
            tables.append(
                {
                    "title": f"{rows:,} rows, {case}"
                    + (" (weighted, --weight w)" if weighted else ""),
                    "columns": [
                        "command",
                        "wall s",
                        "user+sys s",
                        "peak RSS MB",
                        "rows/s",
                        "wall vs DuckDB",
                        "CPU vs DuckDB",
                        "load (1 min) at start",
                    ],
                    "rows": table_rows,
                    "notes": (
                        f"Best wall time of {args.repeat} alternated run(s) (its CPU seconds), "
                        "worst peak RSS. The target is augcli-3 at <= 1.5x DuckDB's wall time. "
                        "All contenders agree to 1e-9 on every value compared."
                    ),
                }
            )
            runs_out.append(
                {
                    "rows": rows,
                    "case": case,
                    "repeat": args.repeat,
                    "figures": {
                        n: {
                            "wall_s": round(f["wall"], 3),
                            "cpu_s": round(f["cpu"], 3),
                            "peak_mb": round(f["peak_mb"], 1),
                            "load_at_start": round(f["load"], 2),
                        }
                        for n, f in figures.items()
                    },
                }
            )
    name = "loss_" + "_".join(str(r) for r in args.rows)
    versions = {"numpy": np.__version__}
    if _has("duckdb"):
        import duckdb

        versions["duckdb"] = duckdb.__version__
    write_result(
        name,
        runs_out,
        tables=tables,
        headline=headline or None,
        load_before=load_before,
        versions=versions,
    )
    print(f"all contenders agree on every value compared; wrote results/{name}.json")


if __name__ == "__main__":
    main()
