"""The Dask executor against the local pool, side by side (issue 12: within 15%).

Usage (from the repository root, with the ``dask`` extra installed)::

    python benchmarks/bench_dask.py --repeats 3

On the benchmark set of ``bench_augment.py`` (``--images`` 512x512 JPEGs, built once under
``benchmarks/_data/``), with the ``geometric`` pipeline, ``--copies`` 4 and JPEG quality 90, it
runs in a rotating order, ``--repeats`` times, each a fresh ``python -m augcli augment`` child
writing into a fresh folder:

* ``local``: the local pool of ``--workers`` processes;
* ``dask (running cluster)``: ``--executor dask --scheduler ADDRESS``, a LocalCluster of
  ``--workers`` single-threaded worker processes started once by this script, as a job finds
  an existing cluster (the executor's own cost: batching, transfers, renames by the client);
* ``dask (new LocalCluster)``: ``--executor dask`` alone, which starts and stops its own
  LocalCluster inside the run (the cost a one-off run pays for it).

It prints the median wall time and CPU time of each, their ratios to ``local`` and the load
average before and after. CPU time is ``utime + stime`` of the run's process tree (polled by
``bench_augment.run_child``), plus, for the running cluster, what its worker processes spent
during the run (its scheduler lives in this script and is not counted). The machine may be
shared: with other work on the cores wall time is noisy and CPU time the steadier comparison;
ratios from one run are what to compare, not absolute times. Writes
``benchmarks/results/dask.json``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from bench_augment import OUT
from bench_data import HERE, QUALITY, make_dataset
from bench_procs import REPO, _cpu_seconds, run_child
from results import load, start_benchmark, write_result

CONTENDERS = ("local", "dask (running cluster)", "dask (new LocalCluster)")
TARGET = 1.15  # issue 12: the Dask executor within 15% of the local pool


def command(name: str, src: Path, dst: Path, args: argparse.Namespace, address: str) -> list[str]:
    """The argv of contender ``name``."""
    argv = [sys.executable, "-m", "augcli", "augment", str(src), str(dst), "-q"]
    argv += ["-c", str(HERE / "geometric.yaml"), "--seed", "1", "--copies", str(args.copies)]
    argv += ["--workers", str(args.workers), "--quality", str(QUALITY)]
    if name == "dask (running cluster)":
        argv += ["--executor", "dask", "--scheduler", address]
    elif name == "dask (new LocalCluster)":
        argv += ["--executor", "dask"]
    return argv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=240)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import distributed

    sys.path.insert(0, str(REPO))  # the cluster's workers import this checkout's augcli
    src = make_dataset(args.images)
    load_before = start_benchmark() or [float("nan")]
    walls: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    cpus: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    with (
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # its HTTP server on a free port (None: 8787, maybe taken)
            scheduler_kwargs={"dashboard": False},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())

        def cluster_cpu() -> float:
            return sum(_cpu_seconds(pid) or 0.0 for pid in pids)

        for repeat in range(args.repeats):
            order = CONTENDERS[repeat % 3 :] + CONTENDERS[: repeat % 3]
            for name in order:
                dst = OUT / f"dask_{repeat}_{CONTENDERS.index(name)}"
                argv = command(name, src, dst, args, cluster.scheduler_address)
                before = cluster_cpu()
                run = run_child(name, "geometric", argv, dst)
                extra = cluster_cpu() - before
                expected = args.images * args.copies
                if run.written != expected:
                    raise SystemExit(f"{name}: wrote {run.written} images, expected {expected}")
                walls[name].append(run.wall)
                cpus[name].append(run.cpu + extra)
                print(f"  {name}: {run.wall:.2f} s, CPU {run.cpu + extra:.1f} s", file=sys.stderr)
    load_after = load() or [float("nan")]

    local = statistics.median(walls["local"])
    local_cpu = statistics.median(cpus["local"])
    print(
        f"{args.images} images x {args.copies} copies, geometric pipeline, {args.workers} "
        f"workers, {args.repeats} repeats; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after ({os.cpu_count()} CPUs)\n"
    )
    print("| executor | median wall (s) | runs (s) | wall / local | CPU (s) | CPU / local |")
    print("|---|---|---|---|---|---|")
    rows, raw = [], {}
    for name in CONTENDERS:
        median, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        runs = ", ".join(f"{w:.1f}" for w in walls[name])
        row = [name, f"{median:.2f}", runs, f"{median / local:.2f}", f"{cpu:.1f}",
               f"{cpu / local_cpu:.2f}"]  # fmt: skip
        print("| " + " | ".join(row) + " |")
        rows.append(row)
        raw[name] = {"wall_s": [round(w, 3) for w in walls[name]],
                     "cpu_s": [round(c, 2) for c in cpus[name]]}  # fmt: skip
    print(f"\ntarget (issue 12): Dask within {TARGET:.2f} x the local pool")
    table = {
        "title": f"The Dask executor beside the local pool, {args.images} images x "
        f"{args.copies} copies, {args.workers} workers",
        "columns": ["executor", "median wall s", "each run s", "wall / local", "median CPU s",
                    "CPU / local"],
        "rows": rows,
        "notes": f"geometric pipeline, JPEG quality 90, medians of {args.repeats} in rotating "
        "order, each a fresh child process; CPU is user + sys of the run's process tree (plus "
        f"the running cluster's workers). Target (issue 12): within {TARGET:.2f}x the local pool.",
    }  # fmt: skip
    path = write_result(
        "dask", raw, tables=[table], peers=["dask", "distributed"],
        settings={"images": args.images, "copies": args.copies, "workers": args.workers},
    )  # fmt: skip
    print(f"written {path}")


if __name__ == "__main__":
    main()
