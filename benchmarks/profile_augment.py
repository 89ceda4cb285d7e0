"""Where an `augcli augment` worker spends its time, per input image (4 copies each).

Usage (from the repository root; makes the dataset of bench_augment.py if needed)::

    python benchmarks/profile_augment.py [--pipeline geometric_noise] [--images 240]
                                         [--clock cpu|wall] [--pyinstrument]
                                         [--resampler pillow|opencv] [--large]

``--large`` profiles the 12 MP set of bench_data.py instead of the 512x512 one.

Runs the worker function itself (:func:`augcli.augment.run.worker.process`, the code a pool
worker runs for one input) in this process on every image, after wrapping the functions it
calls with timers:
decode (Pillow's ``ImageFile.load``), the rest of ``read_image``, the seeding generators, the
geometric ops' sampling and composition, the warp (split into building Pillow's padded source,
Pillow's AFFINE ``Image.transform``, its output to an array, or OpenCV's warpAffine, and the
rest), each noise op (split into drawing its random bytes and its
kernel), the JPEG encode (``Image.save``) and the rest of ``write_image``; "other" is what is
left of ``process``. Nested timers are subtracted, so the rows add up to the whole.

``--clock cpu`` (default) times with ``time.thread_time`` (CPU time of this thread: steady on a
shared machine, and nothing here runs on other threads); ``--clock wall`` with perf_counter.
``--pyinstrument`` also prints a pyinstrument call tree of the same loop (without the timers).
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageFile

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_data import QUALITY, make_dataset, make_large_dataset  # noqa: E402

from augcli.augment import pipeline as pipeline_mod  # noqa: E402
from augcli.augment.config import load_pipeline  # noqa: E402
from augcli.augment.kernels import noise as noise_kernels  # noqa: E402
from augcli.augment.kernels import opencv as opencv_kernels  # noqa: E402
from augcli.augment.kernels import pillow as pillow_kernels  # noqa: E402
from augcli.augment.kernels import warp as geometry  # noqa: E402
from augcli.augment.ops import noise as noise_ops  # noqa: E402
from augcli.augment.run import worker as runner  # noqa: E402
from augcli.augment.run.plan import make_plan  # noqa: E402
from augcli.augment.tasks import AugmentOptions, Task  # noqa: E402

# (label, label it is usually called from): the rows printed, in order. Each row is the label's
# own time: its calls minus the timed calls nested in them (measured, whatever the nesting).
ROWS = [
    ("process", None),
    ("read_image", "process"),
    ("decode (ImageFile.load)", "read_image"),
    ("pipeline.run", "process"),
    ("seeding generators", "pipeline.run or geometry group"),
    ("geometry group", "pipeline.run"),
    ("warp", "geometry group"),
    ("padded source (Pillow)", "warp"),
    ("Pillow AFFINE transform", "warp"),
    ("Pillow output to array", "warp"),
    ("OpenCV warpAffine", "warp"),
    ("gaussian_noise op", "pipeline.run"),
    ("gaussian_noise kernel", "gaussian_noise op"),
    ("salt_and_pepper op", "pipeline.run"),
    ("salt_and_pepper kernel", "salt_and_pepper op"),
    ("write_image", "process"),
    ("encode (Image.save)", "write_image"),
]
OWN_NAMES = {
    "process": "other (records, loop)",
    "read_image": "read: open, EXIF, to array",
    "pipeline.run": "pipeline: other",
    "geometry group": "geometry: sample + compose matrices",
    "warp": "geometry: window, fromarray/asarray",
    "gaussian_noise op": "gaussian_noise: random bytes",
    "salt_and_pepper op": "salt_and_pepper: random bytes",
    "write_image": "write: fromarray, temp file",
}


class Timers:
    """Inclusive and own (exclusive of nested timed calls) time and call count per label."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.total: dict[str, float] = defaultdict(float)
        self.own: dict[str, float] = defaultdict(float)
        self.stack: list[float] = []  # time of timed calls nested in each open call
        self.calls: dict[str, int] = defaultdict(int)
        self.saved: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, attr: str, label: str) -> None:
        """Replace ``owner.attr`` by a timed version (undone by :meth:`restore`)."""
        original = getattr(owner, attr)
        clock, total, own, calls, stack = self.clock, self.total, self.own, self.calls, self.stack

        def timed(*args: Any, **kwargs: Any) -> Any:
            stack.append(0.0)
            start = clock()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = clock() - start
                nested = stack.pop()
                total[label] += elapsed
                own[label] += elapsed - nested
                calls[label] += 1
                if stack:
                    stack[-1] += elapsed

        self.saved.append((owner, attr, original))
        setattr(owner, attr, timed)

    def restore(self) -> None:
        for owner, attr, original in reversed(self.saved):
            setattr(owner, attr, original)
        self.saved.clear()


def instrument(timers: Timers) -> None:
    """Wrap every function of the split (see ROWS)."""
    timers.wrap(runner, "process", "process")
    timers.wrap(runner, "read_image", "read_image")
    timers.wrap(ImageFile.ImageFile, "load", "decode (ImageFile.load)")
    timers.wrap(pipeline_mod.Pipeline, "run", "pipeline.run")
    timers.wrap(pipeline_mod, "generator", "seeding generators")
    timers.wrap(pipeline_mod.Pipeline, "_run_group", "geometry group")
    timers.wrap(geometry, "warp", "warp")
    timers.wrap(pillow_kernels, "_padded", "padded source (Pillow)")
    timers.wrap(Image.Image, "transform", "Pillow AFFINE transform")
    timers.wrap(Image.Image, "tobytes", "Pillow output to array")
    timers.wrap(opencv_kernels, "_warp_affine", "OpenCV warpAffine")
    timers.wrap(noise_ops.GaussianNoise, "apply", "gaussian_noise op")
    timers.wrap(noise_kernels, "gaussian_noise", "gaussian_noise kernel")
    timers.wrap(noise_ops.SaltAndPepper, "apply", "salt_and_pepper op")
    timers.wrap(noise_kernels, "salt_and_pepper", "salt_and_pepper kernel")
    timers.wrap(runner, "write_image", "write_image")
    timers.wrap(Image.Image, "save", "encode (Image.save)")


def tasks(src: Path, out: Path, options: AugmentOptions) -> list[Task]:
    """One task per image, as the plan lists them (outputs left under their temporary names)."""
    return list(make_plan(src, out, options).tasks())


def run_all(todo: list[Task]) -> None:
    for task in todo:
        result = runner.process(task)
        if result.error or result.fatal:
            raise SystemExit(f"{task.src}: {result.error or result.fatal}")


def report(timers: Timers, n_images: int, copies: int, clock: str) -> str:
    """The markdown split: own time per row, ms per input and per output copy, share."""
    whole = timers.total["process"]
    lines = [
        f"{n_images} inputs x {copies} copies, in-process, {clock} clock; "
        f"{1000 * whole / n_images:.1f} ms per input in process()",
        "",
        "| part | calls per input | ms per input | ms per output | share |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, _parent in ROWS:
        if label not in timers.calls:
            continue
        own = timers.own[label]
        name = OWN_NAMES.get(label, label)
        per_input = 1000 * own / n_images
        lines.append(
            f"| {name} | {timers.calls[label] / n_images:.1f} | {per_input:.2f} | "
            f"{per_input / copies:.2f} | {100 * own / whole:.1f}% |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default="geometric_noise")
    parser.add_argument("--images", type=int, default=240, help="dataset size (bench_augment)")
    parser.add_argument("--limit", type=int, default=None, help="profile only the first N")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--resampler", choices=("pillow", "opencv"), default="pillow")
    parser.add_argument("--large", action="store_true", help="the 12 MP set (24 images)")
    args = parser.parse_args()

    src = make_large_dataset(24) if args.large else make_dataset(args.images)
    spec = load_pipeline(HERE / f"{args.pipeline}.yaml")
    spec = dataclasses.replace(spec, resampler=args.resampler)
    options = AugmentOptions(copies=args.copies, seed=1, workers=1, quality=QUALITY)
    runner.init_worker(spec, options, in_process=True)
    out = Path(tempfile.mkdtemp(prefix="augcli-profile-"))
    try:
        todo = tasks(src, out, options)[: args.limit]
        run_all(todo[:2])  # warm-up: imports, the Gaussian quantile table, caches
        clock = time.thread_time if args.clock == "cpu" else time.perf_counter
        timers = Timers(clock)
        instrument(timers)
        try:
            run_all(todo)
        finally:
            timers.restore()
        print(f"pipeline {args.pipeline}: {HERE / (args.pipeline + '.yaml')}")
        print()
        print(report(timers, len(todo), args.copies, args.clock))
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            run_all(todo)
            profiler.stop()
            print()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
