"""Throughput benchmark of `augcli augment` (both resamplers) against a floor and Albumentations.

Usage (from the repository root, with the ``bench`` extra installed); this one
line prints the tables of README's Performance section::

    python benchmarks/bench_augment.py --sizes 512 12mp --repeats 3

For each size, one command does everything:

1. makes the dataset once (``bench_data.py``; cached in ``benchmarks/_data/``, git-ignored):
   ``512``: 240 distinct 512x512 photos, 4 copies each; ``12mp``: 24 distinct 4032x3024 photos
   (a phone camera's 12 MP), 2 copies each; JPEG quality 90 in and out;
2. runs, ``--repeats`` times and in a rotating order so that drift and other load hit every
   contender alike: the floor (``floor_script.py``: Pillow decode + JPEG encode, no transform),
   ``augcli augment`` with the default resampler (opencv) and with ``--resampler pillow``, and
   ``albumentations_script.py`` with three Affines (one per augcli op) and with one Affine (what
   an expert writes: rotate, scale and translate in one warp, then the crop), each on both
   pipelines (``geometric.yaml``, ``geometric_noise.yaml``); every run a fresh child process
   writing to a fresh folder under ``benchmarks/_out/`` (git-ignored; removed after the run);
3. prints a markdown table of median wall times, the ratios of augcli to the one-Affine
   Albumentations pipeline against the issue's targets, a table of median CPU times, and the
   peak RSS per worker of every contender (``bench_procs.py``).

The machine may be shared: ratios between contenders of one run are what to compare (they ran
interleaved, under the same load); absolute times are not. The load average is printed per run.
Raw numbers, tables, machine, load and command: ``results/augment_<sizes>.json``, written by
``results.write_result`` with one table per size (wall and CPU seconds of every contender side
by side, their ratios to the one-Affine pipeline, the issue's target, peak RSS per worker).
``--contenders`` runs a subset (the one-Affine pipeline always runs).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

import numpy as np
import results
from bench_data import LARGE, QUALITY, SIZE, make_dataset, make_large_dataset
from bench_procs import Run, run_child

HERE = Path(__file__).resolve().parent
OUT = HERE / "_out"
PIPELINES = ("geometric", "geometric_noise")
SIZES = {  # name: (dataset maker, images, copies, (width, height))
    "512": (make_dataset, 240, 4, (SIZE, SIZE)),
    "12mp": (make_large_dataset, 24, 2, LARGE),
}
CONTENDERS = (
    "floor",
    "augcli-default",
    "augcli-pillow",
    "albumentations-three",
    "albumentations-one",
)
LABELS = {
    "floor": "floor",
    "augcli-default": "augcli (default: opencv)",
    "augcli-pillow": "augcli --resampler pillow",
    "albumentations-three": "Alb. 3 Affines",
    "albumentations-one": "Alb. 1 Affine",
}
RATIOS = ("augcli-default", "augcli-pillow")  # contenders compared with the one-Affine pipeline
TARGETS = {  # (contender, pipeline, size): max ratio to the one-Affine Albumentations pipeline
    ("augcli-default", "geometric", "512"): 0.7,  # issue 23
    ("augcli-default", "geometric", "12mp"): 0.7,
    ("augcli-default", "geometric_noise", "512"): 0.55,
    ("augcli-default", "geometric_noise", "12mp"): 0.55,
}


def command(name: str, pipeline: str, src: Path, dst: Path, size: str, args, seed: int) -> list:
    """The argv of contender ``name`` on ``pipeline`` for dataset ``size``."""
    _, _, copies, (width, height) = SIZES[size]
    common = ["--workers", str(args.workers), "--copies", str(copies), "--quality", str(QUALITY)]
    py = sys.executable
    if name == "floor":
        return [py, str(HERE / "floor_script.py"), str(src), str(dst), *common]
    if name.startswith("augcli"):
        config = str(HERE / f"{pipeline}.yaml")
        argv = [py, "-m", "augcli", "augment", str(src), str(dst), "-c", config, *common]
        argv += ["--seed", str(seed), "-q", "--no-manifest"]
        resampler = name.split("-", 1)[1]
        return argv if resampler == "default" else argv + ["--resampler", resampler]
    affine = name.split("-", 1)[1]
    script = str(HERE / "albumentations_script.py")
    argv = [py, script, str(src), str(dst), "--pipeline", pipeline, *common]
    return argv + ["--affine", affine, "--size", f"{width}x{height}", "--seed", str(seed)]


def versions() -> dict[str, str]:
    """Machine and library versions for the README."""
    import albumentations
    import cv2
    import PIL

    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pillow": PIL.__version__,
        "opencv": cv2.__version__,
        "albumentations": albumentations.__version__,
    }


def _load() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def _median(runs: list[Run], name: str, pipeline: str, metric: str) -> float:
    return statistics.median(
        getattr(r, metric) for r in runs if r.name == name and r.pipeline in (pipeline, "-")
    )


def table(runs: list[Run], size: str, args, metric: str) -> str:
    """Medians of ``metric`` ("wall" or "cpu") per contender and the ratios to one Affine."""
    _, images, copies, _ = SIZES[size]
    what = "wall time" if metric == "wall" else "CPU time (user + sys, all processes)"
    contenders = args.contenders
    ratios = [c for c in RATIOS if c in contenders]
    lines = [
        f"{size}: {images} images x {copies} copies, {args.workers} workers, JPEG quality "
        f"{QUALITY}; median {what} of {args.repeats} runs (s)",
        "",
        "| pipeline | "
        + " | ".join(LABELS[c] for c in contenders)
        + "".join(f" | {LABELS[c]} / 1 Affine" for c in ratios)
        + " |",
        "|---|" + "---:|" * (len(contenders) + len(ratios)),
    ]
    for pipeline in args.pipelines:
        med = {c: _median(runs, c, pipeline, metric) for c in contenders}
        cells = []
        for name in ratios:
            ratio = med[name] / med["albumentations-one"]
            target = TARGETS.get((name, pipeline, size))
            mark = (
                ""
                if target is None or metric != "wall"
                else (f" ({'ok' if ratio <= target else 'MISSED'} <= {target})")
            )
            cells.append(f"{ratio:.2f}{mark}")
        lines.append(
            f"| {pipeline} | " + " | ".join(f"{med[c]:.2f}" for c in contenders)
            + " | " + " | ".join(cells) + " |"
        )  # fmt: skip
    return "\n".join(lines)


def rss_table(runs: list[Run], size: str, args) -> str:
    """Peak RSS per worker (max over runs and workers), per contender and pipeline."""
    lines = [
        f"{size}: peak RSS per worker (MiB, VmHWM, max over runs)",
        "",
        "| pipeline | " + " | ".join(LABELS[c] for c in args.contenders) + " |",
        "|---|" + "---:|" * len(args.contenders),
    ]
    for pipeline in args.pipelines:
        cells = []
        for name in args.contenders:
            chosen = [r for r in runs if r.name == name and r.pipeline in (pipeline, "-")]
            cells.append(f"{max(max(r.worker_peaks(), default=0.0) for r in chosen):.0f}")
        lines.append(f"| {pipeline} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_size(size: str, args) -> list[Run]:
    """Every contender on every pipeline, ``--repeats`` times in rotating order."""
    make, images, copies, _ = SIZES[size]
    src = make(images)
    others = [c for c in args.contenders if c != "floor"]
    jobs = [("floor", "-")] if "floor" in args.contenders else []
    jobs += [(c, p) for p in args.pipelines for c in others]
    runs: list[Run] = []
    for repeat in range(args.repeats):
        shift = repeat % len(jobs)
        for name, pipeline in jobs[shift:] + jobs[:shift]:
            dst = OUT / f"{size}_{name}_{pipeline}_r{repeat}"
            argv = command(name, pipeline, src, dst, size, args, repeat + 1)
            run = run_child(name, pipeline, argv, dst)
            run.load = float(_load())
            if run.written != images * copies:
                raise SystemExit(f"{name}: wrote {run.written} images, expected {images * copies}")
            runs.append(run)
            print(
                f"  {size} repeat {repeat + 1}: {name:<21} {pipeline:<16} {run.wall:6.2f} s wall "
                f"{run.cpu:6.2f} s CPU, load {_load()}; workers' peak RSS "
                f"{', '.join(f'{mb:.0f}' for mb in run.worker_peaks())} MiB",
                flush=True,
            )
    return runs


def result_table(runs: list[Run], size: str, args) -> dict:
    """The ``write_result`` table of one size: per pipeline and contender, wall and CPU seconds,
    both as ratios to the one-Affine Albumentations pipeline, the target, and peak RSS."""
    _, images, copies, _ = SIZES[size]
    rows = []
    for pipeline in args.pipelines:
        alb = {m: _median(runs, "albumentations-one", pipeline, m) for m in ("wall", "cpu")}
        for name in args.contenders:
            chosen = [r for r in runs if r.name == name and r.pipeline in (pipeline, "-")]
            wall, cpu = (_median(runs, name, pipeline, m) for m in ("wall", "cpu"))
            target = TARGETS.get((name, pipeline, size))
            verdict = ""
            if target is not None:
                verdict = f"<= {target} ({'ok' if wall / alb['wall'] <= target else 'missed'})"
            peak = max(max(r.worker_peaks(), default=0.0) for r in chosen)
            rows.append(
                [
                    pipeline if name != "floor" else "-",
                    LABELS[name],
                    f"{wall:.2f}",
                    f"{cpu:.2f}",
                    f"{wall / alb['wall']:.2f}",
                    f"{cpu / alb['cpu']:.2f}",
                    verdict,
                    f"{peak:.0f}",
                ]
            )
    loads = sorted(r.load for r in runs)
    return {
        "title": f"augment {size}: {images} images x {copies} copies, {args.workers} workers",
        "columns": [
            "pipeline",
            "contender",
            "wall s",
            "CPU s",
            "wall / Alb. 1 Affine",
            "CPU / Alb. 1 Affine",
            "target (wall)",
            "peak RSS per worker MiB",
        ],
        "rows": rows,
        "notes": f"Medians of {args.repeats} run(s), run interleaved in rotating order, JPEG "
        f"quality {QUALITY}; CPU is user + sys of every process of a run. The issue's targets "
        "are on wall time; on a shared machine compare the CPU column too (load average "
        f"during the runs {loads[0]:.1f}-{loads[-1]:.1f}).",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=tuple(SIZES), default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pipelines", nargs="+", choices=PIPELINES, default=list(PIPELINES))
    parser.add_argument(
        "--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS),
        help="a subset (albumentations-one is always run: the ratios are to it)",
    )  # fmt: skip
    args = parser.parse_args()
    if "albumentations-one" not in args.contenders:
        args.contenders.append("albumentations-one")
    args.contenders = [c for c in CONTENDERS if c in args.contenders]

    info = versions()
    load_before = results.load()
    print(
        f"machine: {info['cores']} cores, {info['cpu']}; Python {info['python']}, numpy "
        f"{info['numpy']}, Pillow {info['pillow']}, OpenCV {info['opencv']}, albumentations "
        f"{info['albumentations']}; load average at start {_load()}",
        flush=True,
    )
    OUT.mkdir(exist_ok=True)
    rows, tables, printed = [], [], []
    for size in args.sizes:
        runs = run_size(size, args)
        printed += [table(runs, size, args, "wall"), table(runs, size, args, "cpu")]
        printed.append(rss_table(runs, size, args))
        tables.append(result_table(runs, size, args))
        rows += [
            {
                "size": size,
                "name": r.name,
                "pipeline": r.pipeline,
                "wall_s": round(r.wall, 3),
                "cpu_s": round(r.cpu, 3),
                "load": r.load,
                "worker_peaks_mb": [round(mb, 1) for mb in r.worker_peaks()],
                "main_peak_mb": round(r.main_peak(), 1),
            }
            for r in runs
        ]
    print(f"\nload average at the end {_load()}\n")
    print("\n\n".join(printed))
    path = results.write_result(
        f"augment_{'_'.join(args.sizes)}",
        rows,
        tables=tables,
        headline=headline_rows(tables, args.sizes) or None,
        load_before=load_before,
        versions=info,
        settings=vars(args),
    )
    print(f"\nraw numbers: {path}")


def headline_rows(tables: list[dict], sizes: list[str]) -> list[list[str]]:
    """README's rows: the default path's ratios to the one-Affine pipeline, with the targets."""
    rows = []
    for size, table_ in zip(sizes, tables, strict=True):
        for row in table_["rows"]:
            pipeline, contender, *_, wall, cpu, _verdict, _peak = row
            target = TARGETS.get(("augcli-default", pipeline, size))
            if contender == LABELS["augcli-default"] and target is not None:
                where = "512²" if size == "512" else "12 MP"
                what = pipeline.replace("geometric_noise", "geometric + noise")
                rows.append(
                    [
                        f"default augment / expert Albumentations, {where}, {what}",
                        f"{wall}x wall ({cpu}x CPU)",
                        f"<= {target}x",
                    ]
                )
    return rows


if __name__ == "__main__":
    main()
