"""How planning scales: client (main process) peak RSS and wall time over 100k and 1M tiny files.

Run from the repository root: ``python benchmarks/bench_plan.py [--counts 100000,1000000]
[--real]``. Builds the trees once with ``tools/make_many_files.py`` (1x1 PNGs in folders of
1,000, under ``benchmarks/_data/``), then runs ``augcli augment --dry-run --copies 4`` and, with
``--real``, a real run (``--copies 1``, a one-flip pipeline, 2 workers; over trees larger than
``--real-limit`` files, only shard 0 of the number that brings the work under the limit: the
client still walks and checks the whole tree), each as a fresh child process whose
main-process ``VmHWM`` is polled (:mod:`bench_procs`). Writes ``benchmarks/results/plan.json``
(rows of tree sizes not measured this time are kept, each with the date, load and command
that measured it).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench_procs import TreePeaks
from results import RESULTS, command, load, start_benchmark, write_result

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tools"))

from make_many_files import make_tree  # noqa: E402

FLIP = "pipeline:\n  - flip: {direction: horizontal}\n"


def measure(argv: list[str]) -> dict[str, object]:
    """Wall time, main-process and largest worker peak RSS (MiB) and the JSON summary."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    poller = TreePeaks(proc.pid, interval=0.2)
    poller.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    poller.done.set()
    poller.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    main = max((mb for role, mb in poller.peaks.values() if role == "main"), default=0.0)
    workers = [mb for role, mb in poller.peaks.values() if role == "worker"]
    summary = json.loads(stdout) if stdout.strip() else {}
    return {
        "wall_s": round(wall, 1),
        "client_peak_mib": round(main, 1),
        "worker_peak_mib": round(max(workers, default=0.0), 1),
        "inputs": summary.get("inputs"),
        "outputs": summary.get("outputs", summary.get("written")),
    }


def flat(row: dict[str, object]) -> dict[str, object]:
    """One table row: ``dry_run_wall_s``, ``real_run_client_peak_mib``... (idempotent)."""
    out: dict[str, object] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out.update({f"{key}_{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def _mib(value: object) -> str:
    return "-" if value is None else f"{value:.1f}"


def _count(value: object) -> str:
    return "-" if value is None else f"{value:,}"


def table(rows: list[dict[str, object]]) -> dict[str, object]:
    """The performance page's table of ``rows`` (flat rows, as :func:`flat` makes them)."""
    cells = []
    for r in rows:
        measured = r.get("measured_date") or "not recorded"
        if r.get("measured_load_before"):
            measured += f", load {r['measured_load_before'][0]:g}"
        real = "real_run_wall_s" in r
        shard = r.get("real_run_shard")
        cells.append([
            _count(r["files"]), f"{r['dry_run_wall_s']:.1f}", _mib(r["dry_run_client_peak_mib"]),
            f"{r['real_run_wall_s']:.1f}" if real else "-",
            _mib(r.get("real_run_client_peak_mib")) if real else "-",
            _mib(r.get("real_run_worker_peak_mib")) if real else "-",
            (f"shard {shard}" if shard else "all") if real else "-",
            measured,
        ])  # fmt: skip
    return {
        "title": "Planning many tiny files: wall time and the client's peak RSS",
        "columns": ["files", "dry run s", "dry run client MiB", "real run s",
                    "real run client MiB", "real run worker MiB", "real run covers", "measured"],
        "rows": cells,
        "notes": (
            "Dry run: `--dry-run --copies 4`. Real run: `--copies 1`, a one-flip pipeline, 2 "
            "workers. Client = the main process's peak RSS (VmHWM, polled), worker = the "
            "largest worker's. Each row says when it was measured and the 1-minute load then."
        ),
    }  # fmt: skip


def headline(rows: list[dict[str, object]]) -> list[list[str]]:
    """README's rows: the client's peak RSS over the largest tree measured."""
    top = max(rows, key=lambda r: r["files"])
    files = f"{top['files']:,} files"
    if not top.get("measured_date"):
        files += " (an earlier run: its command, date and load not recorded)"
    out = [[f"client peak RSS, dry run over {files}",
            f"{_mib(top['dry_run_client_peak_mib'])} MiB", "<= 300 MB"]]  # fmt: skip
    if "real_run_client_peak_mib" in top:
        out.append([f"client peak RSS, real run over {files}",
                    f"{_mib(top['real_run_client_peak_mib'])} MiB", "<= 300 MB"])  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="100000,1000000")
    parser.add_argument("--real", action="store_true", help="also a real run (slow at 1M)")
    parser.add_argument("--real-limit", type=int, default=100_000)
    args = parser.parse_args()
    before = start_benchmark()
    config = HERE / "_out" / "flip.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(FLIP)
    results = []
    for count in (int(c) for c in args.counts.split(",")):
        src = make_tree(HERE / "_data" / f"many_{count}", count)
        dst = HERE / "_out" / f"many_{count}"
        shutil.rmtree(dst, ignore_errors=True)
        base = ["augcli", "augment", str(src), str(dst), "--seed", "1", "--json"]
        row: dict[str, object] = {"files": count}
        row["dry_run"] = measure([*base, "--dry-run", "--copies", "4"])
        if args.real:
            shards = -(-count // args.real_limit)
            shard = ["--shard", f"0/{shards}"] if shards > 1 else []
            row["real_run"] = measure(
                [*base, "--copies", "1", "-c", str(config), "--workers", "2", "--quiet", *shard]
            )
            row["real_run"]["shard"] = f"0/{shards}" if shards > 1 else None
            shutil.rmtree(dst, ignore_errors=True)
        row["measured"] = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "command": command(),
                           "load_before": before, "load_after": load()}  # fmt: skip
        results.append(row)
        print(json.dumps(row), flush=True)
    previous = RESULTS / "plan.json"
    if previous.exists():  # keep the rows of other tree sizes measured earlier
        measured = {row["files"] for row in results}
        kept = [
            r for r in json.loads(previous.read_text())["results"] if r["files"] not in measured
        ]
        results = sorted(kept + results, key=lambda row: row["files"])
    results = [flat(row) for row in results]
    path = write_result("plan", results, tables=[table(results)], headline=headline(results))
    print(f"written {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
