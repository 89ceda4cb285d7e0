"""Throughput benchmark of `augcli augment` against a Pillow floor and Albumentations (issue 6).

Usage (from the repository root, with the ``bench`` extra installed)::

    python benchmarks/bench_augment.py --repeats 3

One command does everything:

1. makes the dataset once (cached in ``benchmarks/_data/``, git-ignored): ``--images`` distinct
   512x512 RGB JPEGs (quality 90) cut from the photos bundled with scikit-image and
   scikit-learn (random rescale, random 512x512 window, random horizontal mirror; nothing is
   downloaded), plus a twice as large set for the memory check;
2. runs, ``--repeats`` times and in a rotating order so drift hits every contender alike:
   the floor (``floor_script.py``: Pillow decode + JPEG encode, no transform), ``augcli augment``
   and ``albumentations_script.py`` (cv2 I/O and Pillow I/O) on each pipeline
   (``geometric.yaml``, ``geometric_noise.yaml``), every run a fresh child process writing to a
   fresh folder under ``benchmarks/_out/`` (git-ignored; removed after the run);
3. prints a markdown table of median wall times, the ratios augcli/Albumentations (the faster
   of its two I/O variants) and augcli/floor against the issue's targets, and the peak RSS per
   worker of every contender;
4. runs augcli once more on the ``--images`` and the ``2 x --images`` sets and prints its
   peak RSS per worker for both (it must not grow with the dataset).

Peak RSS is each process's ``VmHWM`` from ``/proc/<pid>/status``, polled every 50 ms for the
whole process tree of the run (augcli's workers are children of its forkserver); RSS counts
shared library pages too. CPU time is the sum of ``utime + stime`` over the tree (same polling),
printed beside wall time because this machine may be shared: with other work on the cores, wall
time is noisy and CPU time is the steadier comparison. Raw numbers: ``_out/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "_data"
OUT = HERE / "_out"
SIZE = 512
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
QUALITY = 90
DATASET_VERSION = "1"  # bump when the generator changes: cached sets are rebuilt
PIPELINES = ("geometric", "geometric_noise")
TARGETS = {  # issue 6: (max augcli/albumentations, max augcli/floor)
    "geometric": (1.0, 5.5),
    "geometric_noise": (0.8, None),
}


# -- the dataset -----------------------------------------------------------------------------


def _sources() -> list[tuple[str, np.ndarray]]:
    """The bundled photographs (RGB uint8); camera is greyscale, stacked to RGB."""
    from skimage import data
    from sklearn.datasets import load_sample_images

    grey = data.camera()
    sources = [
        ("astronaut", data.astronaut()),
        ("chelsea", data.chelsea()),
        ("coffee", data.coffee()),
        ("rocket", data.rocket()),
        ("camera", np.dstack([grey, grey, grey])),
        ("hubble_deep_field", data.hubble_deep_field()),
        ("retina", data.retina()),
        ("immunohistochemistry", data.immunohistochemistry()),
        ("motorcycle", data.stereo_motorcycle()[0]),
    ]
    sample = load_sample_images()
    for path, image in zip(sample.filenames, sample.images, strict=True):
        sources.append((Path(path).stem, image))
    return sources


def _variant(image: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """A random SIZE x SIZE window of ``image`` rescaled by a random factor, maybe mirrored."""
    h, w = image.shape[:2]
    fit = SIZE / min(h, w)  # smallest factor that still holds a SIZE x SIZE window
    factor = rng.uniform(fit, max(1.0, fit) * 1.6)
    new_w, new_h = max(SIZE, round(w * factor)), max(SIZE, round(h * factor))
    pil = Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BICUBIC)
    top = int(rng.integers(0, new_h - SIZE + 1))
    left = int(rng.integers(0, new_w - SIZE + 1))
    pil = pil.crop((left, top, left + SIZE, top + SIZE))
    if rng.random() < 0.5:
        pil = pil.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return pil


def make_dataset(n: int) -> Path:
    """``benchmarks/_data/photos_<n>/``: n distinct 512x512 JPEGs (built once, then cached).

    Image ``i`` depends only on ``i`` (so the first n of a larger set are this set's images).
    """
    folder = DATA / f"photos_{n}"
    stamp = folder / ".complete"
    if stamp.exists() and stamp.read_text() == DATASET_VERSION:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sources = _sources()
    seen: set[bytes] = set()
    for i in range(n):
        name, image = sources[i % len(sources)]
        rng = np.random.default_rng([20240606, i])
        pil = _variant(image, rng)
        digest = pil.tobytes()[::997]
        if digest in seen:
            raise RuntimeError(f"image {i} ({name}) repeats an earlier one")
        seen.add(digest)
        pil.save(folder / f"{i:04d}_{name}.jpg", format="JPEG", quality=QUALITY)
    stamp.write_text(DATASET_VERSION)
    return folder


# -- running one contender -------------------------------------------------------------------


@dataclass
class Run:
    """One timed child process and the peak RSS (MiB) of each process in its tree."""

    name: str
    pipeline: str
    wall: float
    written: int
    peaks: dict[int, tuple[str, float]] = field(default_factory=dict)
    cpu: float = 0.0

    def worker_peaks(self) -> list[float]:
        return sorted((mb for role, mb in self.peaks.values() if role == "worker"), reverse=True)

    def main_peak(self) -> float:
        return max((mb for role, mb in self.peaks.values() if role == "main"), default=0.0)


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of ``pid`` itself (not of its reaped children)."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _vmhwm_mb(pid: int) -> float | None:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


class TreePeaks(threading.Thread):
    """Polls VmHWM of every process under ``root`` until stopped."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peaks: dict[int, tuple[str, float]] = {}
        self.cpu: dict[int, float] = {}
        self.roles: dict[int, str] = {self.root: "main"}
        self.done = threading.Event()

    def _role(self, pid: int, parent: int) -> str:
        cmdline = _read(f"/proc/{pid}/cmdline").replace("\0", " ")
        if "resource_tracker" in cmdline:
            return "tracker"
        if parent == self.root and "forkserver" in cmdline:
            return "forkserver"
        return "worker"

    def poll(self) -> None:
        children = _children_map()
        stack = [self.root]
        while stack:
            pid = stack.pop()
            for child in children.get(pid, []):
                if child not in self.roles:
                    self.roles[child] = self._role(child, pid)
                stack.append(child)
            mb = _vmhwm_mb(pid)
            if mb is not None:
                old = self.peaks.get(pid, ("", 0.0))[1]
                self.peaks[pid] = (self.roles[pid], max(old, mb))
            cpu = _cpu_seconds(pid)
            if cpu is not None:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu)

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.poll()


def run_child(name: str, pipeline: str, argv: list[str], out: Path) -> Run:
    """Run ``argv`` (writing into the fresh folder ``out``), timing it and polling its tree."""
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    poller = TreePeaks(proc.pid)
    poller.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    poller.done.set()
    poller.join()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}): {stderr.decode()[-3000:]}")
    written = sum(1 for p in out.rglob("*.jpg"))
    shutil.rmtree(out, ignore_errors=True)
    return Run(name, pipeline, wall, written, poller.peaks, sum(poller.cpu.values()))


def command(name: str, pipeline: str, src: Path, dst: Path, args, seed: int) -> list[str]:
    """The argv of contender ``name`` on ``pipeline``."""
    common = ["--workers", str(args.workers), "--copies", str(args.copies)]
    common += ["--quality", str(QUALITY)]
    py = sys.executable
    if name == "floor":
        return [py, str(HERE / "floor_script.py"), str(src), str(dst), *common]
    if name == "augcli":
        config = str(HERE / f"{pipeline}.yaml")
        argv = [py, "-m", "augcli", "augment", str(src), str(dst), "-c", config, *common]
        return argv + ["--seed", str(seed), "-q", "--no-manifest"]
    io = name.split("-", 1)[1]  # albumentations-cv2 / albumentations-pil
    script = str(HERE / "albumentations_script.py")
    argv = [py, script, str(src), str(dst), "--pipeline", pipeline, *common]
    return argv + ["--io", io, "--seed", str(seed)]


# -- reporting -------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    """Machine and library versions for the README."""
    import albumentations
    import cv2
    import PIL

    cpu = "unknown"
    for line in _read("/proc/cpuinfo").splitlines():
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


def _median(runs: list[Run], metric: str) -> float:
    return statistics.median(getattr(r, metric) for r in runs)


def table(runs: list[Run], contenders: list[str], n_images: int, args, metric: str) -> str:
    """The markdown table of medians and ratios of ``metric`` ("wall" or "cpu")."""
    alb = [c for c in contenders if c.startswith("albumentations")]
    what = "wall time" if metric == "wall" else "CPU time (user + sys, all processes)"
    lines = [
        f"{n_images} images x {args.copies} copies, {args.workers} workers, JPEG quality "
        f"{QUALITY}; median {what} of {args.repeats} runs (s)"
        + (", images/s in brackets" if metric == "wall" else ""),
        "",
        "| pipeline | floor | augcli | "
        + " | ".join(f"{c.replace('albumentations-', 'albumentations, ')} I/O" for c in alb)
        + " | augcli / albumentations | augcli / floor |",
        "|---|---:|---:|" + "---:|" * len(alb) + "---:|---:|",
    ]

    def cell(value: float) -> str:
        return f"{value:.2f} ({n_images / value:.1f})" if metric == "wall" else f"{value:.2f}"

    def mark(value: float, target: float | None) -> str:
        if target is None or metric != "wall":
            return f"{value:.2f}"
        return f"{value:.2f} ({'ok' if value <= target else 'FAILS'} <= {target})"

    floor = _median([r for r in runs if r.name == "floor"], metric)
    for pipeline in args.pipelines:
        med = {
            c: _median([r for r in runs if r.name == c and r.pipeline == pipeline], metric)
            for c in contenders
            if c != "floor"
        }
        best_alb = min(med[c] for c in alb) if alb else float("nan")
        r_alb, r_floor = med["augcli"] / best_alb, med["augcli"] / floor
        t_alb, t_floor = TARGETS.get(pipeline, (None, None))
        lines.append(
            f"| {pipeline} | {cell(floor)} | {cell(med['augcli'])} | "
            + " | ".join(cell(med[c]) for c in alb)
            + f" | {mark(r_alb, t_alb)} | {mark(r_floor, t_floor)} |"
        )
    return "\n".join(lines)


def rss_table(runs: list[Run], contenders: list[str], args) -> str:
    """Peak RSS per worker (max over runs) and of the main process, per contender."""
    lines = [
        "| contender | pipeline | peak RSS per worker (MiB, max over runs) | main process (MiB) |",
        "|---|---|---:|---:|",
    ]
    keys = [("floor", "-")] + [(c, p) for p in args.pipelines for c in contenders if c != "floor"]
    for name, pipeline in keys:
        chosen = [r for r in runs if r.name == name and (pipeline == "-" or r.pipeline == pipeline)]
        workers = max((max(r.worker_peaks(), default=0.0) for r in chosen), default=0.0)
        main = max((r.main_peak() for r in chosen), default=0.0)
        lines.append(f"| {name} | {pipeline} | {workers:.1f} | {main:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--images", type=int, default=240)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--pipelines", nargs="+", choices=PIPELINES, default=list(PIPELINES))
    parser.add_argument(
        "--albumentations-io",
        nargs="+",
        choices=("cv2", "pil"),
        default=["cv2", "pil"],
        help="I/O variants of the Albumentations script (the faster one is compared)",
    )
    parser.add_argument("--skip-rss", action="store_true", help="skip the 1x / 2x memory runs")
    args = parser.parse_args()

    info = versions()
    print(
        f"machine: {info['cores']} cores, {info['cpu']}; Python {info['python']}, numpy "
        f"{info['numpy']}, Pillow {info['pillow']}, OpenCV {info['opencv']}, albumentations "
        f"{info['albumentations']}",
        flush=True,
    )
    src = make_dataset(args.images)
    OUT.mkdir(exist_ok=True)
    contenders = ["floor", "augcli"] + [f"albumentations-{io}" for io in args.albumentations_io]
    jobs = [("floor", "-")] + [(c, p) for p in args.pipelines for c in contenders if c != "floor"]
    runs: list[Run] = []
    for repeat in range(args.repeats):
        shift = repeat % len(jobs)
        for name, pipeline in jobs[shift:] + jobs[:shift]:
            seed = repeat + 1
            dst = OUT / f"{name}_{pipeline}_r{repeat}"
            run = run_child(name, pipeline, command(name, pipeline, src, dst, args, seed), dst)
            if run.written != args.images * args.copies:
                raise SystemExit(
                    f"{name}: wrote {run.written} images, expected {args.images * args.copies}"
                )
            runs.append(run)
            print(
                f"  repeat {repeat + 1}: {name:<20} {pipeline:<16} {run.wall:6.2f} s wall "
                f"{run.cpu:6.2f} s CPU, load {_read('/proc/loadavg').split()[0]}; "
                f"workers' peak RSS {', '.join(f'{mb:.0f}' for mb in run.worker_peaks())} MiB",
                flush=True,
            )

    rss_runs: list[Run] = []
    if not args.skip_rss:
        pipeline = args.pipelines[-1]
        for n in (args.images, 2 * args.images):
            folder = make_dataset(n)
            dst = OUT / f"augcli_rss_{n}"
            run = run_child(
                "augcli", pipeline, command("augcli", pipeline, folder, dst, args, 1), dst
            )
            rss_runs.append(run)

    print()
    print(table(runs, contenders, args.images, args, "wall"))
    print()
    print(table(runs, contenders, args.images, args, "cpu"))
    print()
    print(rss_table(runs, contenders, args))
    if rss_runs:
        print()
        print(f"augcli peak RSS per worker vs dataset size ({rss_runs[0].pipeline}):")
        print()
        print("| images | outputs | wall (s) | peak RSS per worker (MiB) | main process (MiB) |")
        print("|---:|---:|---:|---:|---:|")
        for run in rss_runs:
            peaks = ", ".join(f"{mb:.1f}" for mb in run.worker_peaks())
            print(
                f"| {run.written // args.copies} | {run.written} | {run.wall:.2f} | {peaks} | "
                f"{run.main_peak():.1f} |"
            )
    results = {
        "machine": info,
        "args": vars(args),
        "runs": [
            {
                "name": r.name,
                "pipeline": r.pipeline,
                "wall_s": r.wall,
                "cpu_s": r.cpu,
                "written": r.written,
                "peaks_mb": {str(pid): list(v) for pid, v in r.peaks.items()},
            }
            for r in runs + rss_runs
        ],
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\nraw numbers: {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
