"""Peak memory of one augment worker on a 12 MP image, as a multiple of the decoded image.

Usage (repository root)::

    python benchmarks/bench_memory.py [--resampler opencv|pillow] [--tag 12mp]
                                      [--copies 1 2] [--before PATH] [--repeats 1]

For each dtype (uint8 RGB JPEG, uint16 greyscale PNG, float32 greyscale TIFF; 4032x3024, a
phone camera's 12 MP) and each pipeline (``copy``: read and encode only; ``geometric``:
benchmarks/geometric.yaml; ``noise``: benchmarks/geometric_noise.yaml; ``noise only``: both
noises on the whole image, no warp; ``labels``: the ``noise`` pipeline with a 12 MP uint8
mask travelling with the image), one child process runs
``augcli augment SRC DST -c PIPELINE --workers 1 --copies N`` for each N of ``--copies``
(with 2+ copies the decoded source stays alive while a copy is encoded; ``--workers 1`` runs
the worker in the main process, so its peak RSS is the worker's) and its peak RSS (``ru_maxrss``
from ``os.wait4``) is read. The same command on a 64x48 image of the same kind gives the baseline
(interpreter, numpy, Pillow, OpenCV, augcli); the table shows ``(peak - baseline) / decoded``,
where ``decoded`` is the image's bytes as an array (36.6 MB for RGB uint8, 24.4 MB for uint16,
48.8 MB for float32). Each figure is the median of ``--repeats`` runs.

The augcli measured is the one on ``PYTHONPATH`` (default: this checkout). ``--before PATH``
also measures the tree at PATH (e.g. ``git worktree add /tmp/before main``), run for run
interleaved with this one, and the tables show both side by side. Results:
``benchmarks/results/memory_<tag>.json`` through ``results.write_result`` (machine, load
average, command, rows and tables).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import results
from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WIDTH, HEIGHT = 4032, 3024
KINDS = {"uint8 RGB": "jpg", "uint16": "png", "float32": "tiff"}  # name: file extension
TARGET = 2.5  # issue 23: peak RSS per worker <= 2.5x the decoded image


def _make(kind: str, rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    if kind == "uint8 RGB":
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if kind == "uint16":
        return rng.integers(0, 65536, (h, w), dtype=np.uint16)
    return rng.random((h, w), dtype=np.float32)


PIPELINES = {
    "copy": "pipeline:\n  - flip: {direction: horizontal}\n",
    "geometric": (HERE / "geometric.yaml").read_text(),
    "noise": (HERE / "geometric_noise.yaml").read_text(),
    "noise only": "pipeline:\n  - gaussian_noise: {std: 0.04}\n"
    "  - salt_and_pepper: {amount: 0.02}\n",
    "labels": (HERE / "geometric_noise.yaml").read_text(),
}


def _image(kind: str, height: int, width: int, folder: Path) -> tuple[Path, int]:
    """A smooth-plus-grain test image of ``kind`` in ``folder``; its path and decoded bytes."""
    ext = KINDS[kind]
    array = _make(kind, np.random.default_rng(0), height, width)
    if array.dtype == np.uint8:  # photo-like: a gradient plus grain (compresses like a photo)
        ramp = np.linspace(0, 200, width, dtype=np.float32)[None, :, None]
        array = np.clip(ramp + (array.astype(np.float32) - 128) * 0.1, 0, 255).astype(np.uint8)
    path = folder / "src" / f"img.{ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **({"quality": 90} if ext == "jpg" else {}))
    masks = folder / "masks"
    masks.mkdir(exist_ok=True)
    mask = (np.arange(width)[None, :] // 97 + np.arange(height)[:, None] // 89) % 5
    Image.fromarray(mask.astype(np.uint8)).save(masks / "img.png")
    return path, array.nbytes


def _peak_mb(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """Peak RSS (MiB) of ``argv`` run as a child process (fails loudly if it fails).

    Run from ``cwd`` (not the checkout): ``python -m`` puts the working folder first on
    ``sys.path``, which would shadow the ``PYTHONPATH`` being measured.
    """
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.stdout.read()
    stderr = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{stderr.decode()}")
    return usage.ru_maxrss / 1024


def _argv(folder: Path, pipeline: str, config: Path, resampler: str, copies: int) -> list[str]:
    argv = [sys.executable, "-m", "augcli", "augment", str(folder / "src"), str(folder / "out")]
    argv += ["-c", str(config), "--workers", "1", "--copies", str(copies), "--seed", "3", "-q"]
    argv += ["--no-manifest", "--overwrite"]
    if resampler:
        argv += ["--resampler", resampler]
    if pipeline == "labels":
        argv += ["--masks", str(folder / "masks"), str(folder / "out_masks")]
    return argv


def _measure(args, env: dict[str, str], root: Path, kind: str, name: str, copies: int) -> dict:
    """Median peak and baseline (MiB) of ``--repeats`` runs of one dtype, pipeline and count."""
    folder = root / kind.replace(" ", "_")
    big, small = folder / "big", folder / "s"
    config = root / f"{name.replace(' ', '_')}.yaml"
    peaks, bases = [], []
    for _ in range(args.repeats):
        bases.append(_peak_mb(_argv(small, name, config, args.resampler, copies), env, root))
        peaks.append(_peak_mb(_argv(big, name, config, args.resampler, copies), env, root))
    return {"peak_mb": statistics.median(peaks), "baseline_mb": statistics.median(bases)}


def _headline(rows: list[dict]) -> list[list[str]]:
    """README's rows: per dtype, the worst multiple of the decoded image on the current tree."""
    lines = []
    for kind in KINDS:
        mine = [r for r in rows if r["tree"] == "after" and r["dtype"] == kind]
        if mine:
            worst = max(mine, key=lambda r: r["ratio"])
            lines.append(
                [
                    f"peak RSS per worker / decoded image, 12 MP {kind} (worst: "
                    f"{worst['pipeline']}, {worst['copies']} cop"
                    f"{'y' if worst['copies'] == 1 else 'ies'})",
                    f"{worst['ratio']:.2f}x",
                    f"<= {TARGET}x",
                ]
            )
    return lines


def _tables(rows: list[dict], trees: list[str], args) -> list[dict]:
    """One table per copy count: peak RSS per worker (MiB) and multiple of the decoded image."""
    tables = []
    for copies in args.copies:
        columns = ["dtype", "pipeline", "decoded MiB"]
        for tree in trees:
            columns += [f"{tree}: peak MiB", f"{tree}: x decoded"]
        columns.append("target")
        body = []
        for kind in KINDS:
            for name in PIPELINES:
                chosen = {
                    r["tree"]: r
                    for r in rows
                    if r["dtype"] == kind and r["pipeline"] == name and r["copies"] == copies
                }
                if not chosen:
                    continue
                cells = [kind, name, f"{next(iter(chosen.values()))['decoded_mb']:.1f}"]
                for tree in trees:
                    row = chosen.get(tree)
                    cells += [f"{row['peak_mb']:.0f}", f"{row['ratio']:.2f}"] if row else ["", ""]
                cells.append(f"<= {TARGET}")
                body.append(cells)
        tables.append(
            {
                "title": f"Peak RSS of one worker at 12 MP, {copies} "
                f"cop{'y' if copies == 1 else 'ies'} per input "
                f"(resampler {args.resampler or 'default'})",
                "columns": columns,
                "rows": body,
                "notes": "Peak RSS (ru_maxrss) of `augcli augment --workers 1` on one 4032x3024 "
                "image, minus the same command's on a 64x48 image of the same kind, as MiB and "
                f"as a multiple of the decoded image; median of {args.repeats} run(s). "
                "before: " + (args.before or "-") + "; after: this checkout.",
            }
        )
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resampler", default="", help="passed as --resampler (default: none)")
    parser.add_argument("--tag", default="12mp", help="results file: memory_<tag>.json")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--before", default="", help="another tree to measure beside this one")
    parser.add_argument("--dtypes", nargs="+", choices=tuple(KINDS), default=list(KINDS))
    parser.add_argument("--pipelines", nargs="+", choices=tuple(PIPELINES), default=None)
    args = parser.parse_args()
    pipelines = args.pipelines or list(PIPELINES)
    trees = {"after": str(REPO)}
    if args.before:
        trees = {"before": str(Path(args.before).resolve()), **trees}
    load_before = results.load()
    rows, commands, where = [], [], {}
    with tempfile.TemporaryDirectory(prefix="augcli-mem-") as tmp:
        root = Path(tmp)
        for tree, path in trees.items():
            env = dict(os.environ, PYTHONPATH=path)
            probe = [sys.executable, "-c", "import augcli, cv2; print(augcli.__file__)"]
            where[tree] = subprocess.run(
                probe, env=env, cwd=root, capture_output=True, text=True, check=True
            ).stdout.strip()
        for name in pipelines:
            (root / f"{name.replace(' ', '_')}.yaml").write_text(PIPELINES[name])
        for kind in args.dtypes:
            folder = root / kind.replace(" ", "_")
            # Made in a spawned process: Linux keeps a process's peak RSS across fork + exec,
            # so this process stays small for the children it starts to measure cleanly.
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                _, decoded = pool.apply(_image, (kind, HEIGHT, WIDTH, folder / "big"))
                pool.apply(_image, (kind, 48, 64, folder / "s"))
            for name in pipelines:
                for copies in args.copies:
                    config = root / f"{name.replace(' ', '_')}.yaml"
                    commands.append(
                        " ".join(_argv(folder / "big", name, config, args.resampler, copies))
                    )
                    for tree, path in trees.items():
                        env = dict(os.environ, PYTHONPATH=path)
                        got = _measure(args, env, root, kind, name, copies)
                        ratio = (got["peak_mb"] - got["baseline_mb"]) * 2**20 / decoded
                        rows.append(
                            {
                                "tree": tree,
                                "dtype": kind,
                                "pipeline": name,
                                "copies": copies,
                                "decoded_mb": round(decoded / 2**20, 1),
                                "baseline_mb": round(got["baseline_mb"], 1),
                                "peak_mb": round(got["peak_mb"], 1),
                                "ratio": round(ratio, 2),
                            }
                        )
                        print(
                            f"{tree:6} {kind:10} {name:11} x{copies} peak {got['peak_mb']:7.1f} "
                            f"MiB  base {got['baseline_mb']:6.1f}  {ratio:5.2f}x",
                            flush=True,
                        )
    tables = _tables(rows, list(trees), args)
    out = results.write_result(
        f"memory_{args.tag}",
        rows,
        tables=tables,
        headline=_headline(rows) or None,
        load_before=load_before,
        trees=where,
        resampler=args.resampler or "default",
        runs=commands,
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
