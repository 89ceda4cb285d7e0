"""Peak memory of one augment worker on a 12 MP image, as a multiple of the decoded image.

Usage (repository root)::

    python benchmarks/bench_memory.py [--resampler opencv|pillow] [--tag after]

For each dtype (uint8 RGB JPEG, uint16 greyscale PNG, float32 greyscale TIFF; 4032x3024, a
phone camera's 12 MP) and each pipeline (``copy``: read and encode only; ``geometric``:
benchmarks/geometric.yaml; ``noise``: benchmarks/geometric_noise.yaml; ``noise only``: both
noises on the whole image, no warp; ``labels``: the ``noise`` pipeline with a 12 MP uint8
mask travelling with the image), one child process runs
``augcli augment SRC DST -c PIPELINE --workers 1 --copies 1`` (``--workers 1`` runs the worker
in the main process, so its peak RSS is the worker's) and its peak RSS (``ru_maxrss`` from
``os.wait4``) is read. The same command on a 64x48 image of the same kind gives the baseline
(interpreter, numpy, Pillow, OpenCV, augcli); the table shows ``(peak - baseline) / decoded``,
where ``decoded`` is the image's bytes as an array (36.6 MB for RGB uint8, 24.4 MB for uint16,
48.8 MB for float32). Each figure is the median of ``--repeats`` runs.

The augcli measured is the one on ``PYTHONPATH`` (default: this checkout); pass another tree's
path to measure it (its path is recorded). Results: ``benchmarks/results/memory_<tag>.json``
(machine, load average, commands, figures).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
WIDTH, HEIGHT = 4032, 3024
KINDS = {"uint8 RGB": "jpg", "uint16": "png", "float32": "tiff"}  # name: file extension


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


def _argv(folder: Path, pipeline: str, config: Path, resampler: str) -> list[str]:
    argv = [sys.executable, "-m", "augcli", "augment", str(folder / "src"), str(folder / "out")]
    argv += ["-c", str(config), "--workers", "1", "--copies", "1", "--seed", "3", "-q"]
    argv += ["--no-manifest", "--overwrite"]
    if resampler:
        argv += ["--resampler", resampler]
    if pipeline == "labels":
        argv += ["--masks", str(folder / "masks"), str(folder / "out_masks")]
    return argv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resampler", default="", help="passed as --resampler (default: none)")
    parser.add_argument("--tag", default="after", help="results file: memory_<tag>.json")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(REPO))
    rows, commands = [], []
    with tempfile.TemporaryDirectory(prefix="augcli-mem-") as tmp:
        root = Path(tmp)
        probe = [
            sys.executable,
            "-c",
            "import augcli, cv2; print(augcli.__file__, cv2.__version__)",
        ]
        where = subprocess.run(
            probe, env=env, cwd=root, capture_output=True, text=True, check=True
        ).stdout
        for kind in KINDS:
            big, small = root / kind.replace(" ", "_") / "big", root / kind.replace(" ", "_") / "s"
            # Made in a spawned process: Linux keeps a process's peak RSS across fork + exec,
            # so this process stays small for the children it starts to measure cleanly.
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                _, decoded = pool.apply(_image, (kind, HEIGHT, WIDTH, big))
                pool.apply(_image, (kind, 48, 64, small))
            for name, text in PIPELINES.items():
                config = root / f"{name.replace(' ', '_')}.yaml"
                config.write_text(text)
                peaks, bases = [], []
                for _ in range(args.repeats):
                    bases.append(_peak_mb(_argv(small, name, config, args.resampler), env, root))
                    peaks.append(_peak_mb(_argv(big, name, config, args.resampler), env, root))
                commands.append(" ".join(_argv(big, name, config, args.resampler)))
                peak, base = statistics.median(peaks), statistics.median(bases)
                ratio = (peak - base) * 2**20 / decoded
                rows.append(
                    {
                        "dtype": kind,
                        "pipeline": name,
                        "decoded_mb": round(decoded / 2**20, 1),
                        "baseline_mb": round(base, 1),
                        "peak_mb": round(peak, 1),
                        "ratio": round(ratio, 2),
                    }
                )
                print(f"{kind:10} {name:11} peak {peak:7.1f} MiB  base {base:6.1f}  {ratio:5.2f}x")
    result = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "augcli": where.split()[0],
            "opencv": where.split()[1],
        },
        "load_before": os.getloadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": " ".join(sys.argv),
        "runs": commands,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"memory_{args.tag}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
