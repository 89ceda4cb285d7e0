"""What proof by content costs: ``--resume`` over 10,000 finished outputs, SHA-256 vs size only.

Run from the repository root: ``python benchmarks/bench_resume.py [--outputs 10000]``. Makes
``outputs / 4`` small PNG inputs (96x96 RGB, noise) once under ``benchmarks/_data/``, augments
them with 4 copies, then times (median of 3, each a fresh child process) ``augcli augment
--resume`` on the finished DST, which plans, proves every output by size and SHA-256 and
skips it. Beside it: the time to hash every output alone (in this process), and to ``stat``
them (what a size-only check costs). Writes ``benchmarks/results/resume.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
from PIL import Image
from results import start_benchmark, write_result

HERE = Path(__file__).resolve().parent


def make_inputs(n: int) -> Path:
    """``n`` 96x96 RGB PNGs of noise (built once)."""
    root = HERE / "_data" / f"resume_{n}"
    if (root / ".complete").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    for i in range(n):
        pixels = rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / f"img{i:06d}.png")
    (root / ".complete").write_text("1")
    return root


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + sys of it and its children) of one child process."""
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
    return time.perf_counter() - t0, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    start_benchmark()
    src = make_inputs(args.outputs // 4)
    dst = HERE / "_out" / "resume"
    shutil.rmtree(dst, ignore_errors=True)
    base = ["augcli", "augment", str(src), str(dst), "--copies", "4", "--seed", "1", "--quiet"]
    first, first_cpu = timed([*base, "--workers", "2"])
    runs = [timed([*base, "--workers", "2", "--resume"]) for _ in range(args.repeats)]
    resume = [wall for wall, _ in runs]
    resume_cpu = [cpu for _, cpu in runs]
    outputs = sorted(p for p in dst.rglob("*_aug*"))
    size = sum(p.stat().st_size for p in outputs)
    t0 = time.perf_counter()
    for path in outputs:
        hashlib.sha256(path.read_bytes()).hexdigest()
    hashing = time.perf_counter() - t0
    t0 = time.perf_counter()
    for path in outputs:
        os.stat(path)
    stats = time.perf_counter() - t0
    results = {
        "outputs": len(outputs),
        "output_mib": round(size / 2**20, 1),
        "first_run_s": round(first, 2),
        "resume_s_median": round(statistics.median(resume), 2),
        "resume_s_all": [round(t, 2) for t in resume],
        "first_run_cpu_s": round(first_cpu, 2),
        "resume_cpu_s_all": [round(t, 2) for t in resume_cpu],
        "hash_all_outputs_s": round(hashing, 3),
        "stat_all_outputs_s": round(stats, 3),
    }
    per_output = 1000 * results["resume_s_median"] / max(len(outputs), 1)
    table = {
        "title": f"--resume over {len(outputs):,} finished outputs ({results['output_mib']} MiB)",
        "columns": ["step", "wall s", "CPU s"],
        "rows": [
            ["first run (4 copies, 2 workers)", f"{first:.2f}", f"{first_cpu:.2f}"],
            [
                f"--resume, median of {args.repeats}",
                f"{statistics.median(resume):.2f}",
                f"{statistics.median(resume_cpu):.2f}",
            ],
            [
                "--resume, each run",
                ", ".join(f"{t:.2f}" for t in resume),
                ", ".join(f"{t:.2f}" for t in resume_cpu),
            ],
            ["SHA-256 of every output alone (in one process)", f"{hashing:.3f}", "-"],
            ["stat of every output alone (a size-only check)", f"{stats:.3f}", "-"],
        ],
        "notes": (
            f"A resume proves each output by size and SHA-256: {per_output:.2f} ms per output "
            "in all (planning included); each run is a fresh child process."
        ),
    }
    path = write_result("resume", results, tables=[table])
    print(results)
    print(f"written {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
