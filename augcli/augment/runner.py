"""Running an augment plan: tasks -> worker pool (or in-process) -> atomic outputs.

Each input is one task. A worker reads the image, runs the pipeline for every copy and writes
each result to a temporary file (``TEMP_PREFIX`` + name) in its destination folder; the main
process then appends the output's manifest line and renames the file into place, so an output
exists whole or not at all and always has its manifest line. Tasks are submitted a few at a
time, so memory stays bounded whatever the dataset size.

Faults: an unreadable input is a failed task (the run goes on; exit status 1). A worker that
dies takes only its own task down: the tasks that were in flight are re-run one at a time in a
new pool, and the one that kills a worker on its own is reported failed. Ctrl-C (or SIGTERM)
stops submitting, lets running tasks finish, removes temporary files and raises
KeyboardInterrupt. A destination that cannot be written stops the run with OutputError.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augcli.atomic import TEMP_PREFIX
from augcli.augment.config import PipelineSpec
from augcli.augment.manifest import MANIFEST_NAME, ManifestWriter, read_entries, repair
from augcli.augment.pipeline import Pipeline
from augcli.augment.plan import AugmentOptions, Plan, make_plan, planned_outputs
from augcli.augment.walk import output_extension, walk
from augcli.errors import AugcliError, InputError, OutputError
from augcli.imagefiles import read_image, write_image
from augcli.progress import Reporter, SilentReporter
from augcli.workers import deferred_interrupts, prepare_worker_process, run_in_process, run_pool

MAX_FAILURES_KEPT = 1000
WORKER_DIED = "the worker process died while processing it (killed, or out of memory)"


@dataclass(frozen=True)
class Task:
    """One input and the outputs to write for it: ``(copy or None, final, temp)``."""

    src: str
    key: str
    outputs: tuple[tuple[int | None, str, str], ...]
    copy_original: bool


@dataclass
class TaskResult:
    """What a worker did: the written temporary files with their records, or why not."""

    task: Task
    written: list[tuple[int | None, str, str, list[dict[str, Any]]]] = field(default_factory=list)
    error: str | None = None
    fatal: str | None = None
    n_frames: int = 1


@dataclass
class Summary:
    """The end-of-run summary (printed as one line, or as JSON with ``--json``)."""

    seed: int
    inputs: int = 0
    written: int = 0
    skipped: int = 0
    failed: int = 0
    not_images: int = 0
    elapsed: float = 0.0
    animated: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def images_per_second(self) -> float:
        """Inputs processed per second of wall time."""
        done = self.inputs
        return done / self.elapsed if self.elapsed > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "inputs": self.inputs,
            "written": self.written,
            "skipped": self.skipped,
            "failed": self.failed,
            "not_images": self.not_images,
            "elapsed_s": round(self.elapsed, 3),
            "images_per_s": round(self.images_per_second, 2),
            "seed": self.seed,
            "interrupted": self.interrupted,
            "failures": [{"path": p, "reason": r} for p, r in self.failures],
        }

    def to_line(self) -> str:
        """One human line."""
        return (
            f"{self.inputs} inputs: {self.written} outputs written, {self.skipped} skipped, "
            f"{self.failed} failed, {self.not_images} not images; "
            f"{self.elapsed:.1f} s, {self.images_per_second:.1f} images/s (seed {self.seed})"
        )


# -- the worker side -------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(spec: PipelineSpec, options: AugmentOptions, in_process: bool = False) -> None:
    """Per-process state: the pipeline and options (set once, not sent with every task)."""
    _WORKER["pipeline"] = Pipeline(spec)
    _WORKER["options"] = options
    if not in_process:
        prepare_worker_process()


def process(task: Task) -> TaskResult:
    """Read one input, augment every copy and write each to its temporary file."""
    pipeline: Pipeline = _WORKER["pipeline"]
    options: AugmentOptions = _WORKER["options"]
    result = TaskResult(task)
    try:
        data = read_image(task.src, max_pixels=options.max_pixels)
        result.n_frames = data.n_frames
        for copy, final, temp in task.outputs:
            if copy is None:
                if task.copy_original:
                    shutil.copyfile(task.src, temp)
                else:
                    write_image(
                        data.array, temp, mode=data.mode, quality=options.quality, atomic=False
                    )
                records: list[dict[str, Any]] = []
            else:
                image, recs = pipeline.run(data.array, options.seed, task.key, copy)
                write_image(image, temp, mode=data.mode, quality=options.quality, atomic=False)
                records = [r.to_dict() for r in recs]
            result.written.append((copy, final, temp, records))
    except InputError as exc:
        result.error = str(exc)
    except OutputError as exc:
        result.fatal = str(exc)
    except OSError as exc:  # copyfile
        result.fatal = f"cannot write {exc.filename}: {exc.strerror}"
    except Exception as exc:  # a bug must not take the run down: report the input
        result.error = f"{task.src}: internal error ({type(exc).__name__}: {exc})"
    if result.error or result.fatal:
        for _, _, temp, _ in result.written:
            _unlink(temp)
        result.written = []
    return result


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# -- the main side ---------------------------------------------------------------------------


def resolve_seed(
    cli_seed: int | None, spec: PipelineSpec, dst: Path, resume: bool
) -> tuple[int | None, str]:
    """The run's seed and where it came from: CLI, config, an earlier run's manifest, or none."""
    if cli_seed is not None:
        return cli_seed, "--seed"
    if spec.seed is not None:
        return spec.seed, "config"
    if resume:
        for entry in read_entries(dst / MANIFEST_NAME):
            if isinstance(entry.get("seed"), int):
                return entry["seed"], "manifest"
    return None, "none"


def augment_tree(
    spec: PipelineSpec,
    src: str | Path,
    dst: str | Path,
    options: AugmentOptions,
    reporter: Reporter | None = None,
) -> Summary:
    """Augment every image under ``src`` into ``dst``; see the module docstring.

    Parameters
    ----------
    spec : PipelineSpec
        The validated pipeline.
    src, dst : str or pathlib.Path
        Source folder (or one image) and destination folder.
    options : AugmentOptions
        Copies, seed, workers, formats, policies.
    reporter : Reporter, optional
        Progress and messages; silent by default.

    Returns
    -------
    Summary

    Raises
    ------
    UsageError
        Before any work, for anything :func:`augcli.augment.plan.make_plan` refuses.
    OutputError
        When the destination cannot be written (the run stops; temporary files removed).
    KeyboardInterrupt
        On Ctrl-C or SIGTERM, after cleaning up (``summary`` attribute attached).
    """
    reporter = reporter or SilentReporter()
    src, dst = Path(src), Path(dst)
    plan = make_plan(src, dst, options)
    src, dst, exclude = plan.src, plan.dst, plan.exclude
    _check_seed_matches(dst, options)
    summary = Summary(seed=options.seed, not_images=plan.not_images)
    start = time.perf_counter()
    try:
        dst.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create DST {dst}: {exc.strerror}") from None
    manifest_path = dst / MANIFEST_NAME if options.manifest else None
    if manifest_path is not None and options.existing == "resume":
        repair(manifest_path, dst)
    writer = ManifestWriter(manifest_path, truncate=options.existing != "resume")
    touched: set[str] = set()
    run = _Run(plan, dst, options, summary, writer, reporter)
    reporter.start(plan.inputs)
    try:
        with deferred_interrupts() as stop:
            tasks = _tasks(src, dst, exclude, options, summary, touched, reporter)
            if options.workers <= 1:
                _init_worker(spec, options, in_process=True)
                run_in_process(tasks, process, run.handle, stop)
            else:
                run_pool(
                    tasks, process, run.handle, stop, options.workers,
                    _init_worker, (spec, options), died=_worker_died,
                )  # fmt: skip
    except BaseException as exc:
        summary.interrupted = isinstance(exc, KeyboardInterrupt)
        _clean_temps(dst, touched)
        if isinstance(exc, OutputError) and summary.written:
            exc.exit_code = 1  # part of the work was done: not a "nothing done" error
        summary.elapsed = time.perf_counter() - start
        exc.summary = summary  # type: ignore[attr-defined]
        raise
    else:
        _clean_temps(dst, touched)  # a worker killed mid-write leaves its temporary file
    finally:
        writer.close()
        reporter.close()
    summary.elapsed = time.perf_counter() - start
    return summary


def _check_seed_matches(dst: Path, options: AugmentOptions) -> None:
    if options.existing != "resume":
        return
    for entry in read_entries(dst / MANIFEST_NAME):
        seed = entry.get("seed")
        if isinstance(seed, int) and seed != options.seed:
            raise AugcliError(
                f"--resume: {dst / MANIFEST_NAME} was written with seed {seed}, this run uses "
                f"{options.seed}; pass --seed {seed} to finish that run"
            )
        return


def _tasks(
    src: Path,
    dst: Path,
    exclude: Path | None,
    options: AugmentOptions,
    summary: Summary,
    touched: set[str],
    reporter: Reporter,
) -> Iterator[Task]:
    """Walk again (the plan's order) and yield one task per input with outputs to write."""
    for folder in walk(src, exclude):
        if not folder.images:
            continue
        out_dir = dst / folder.rel
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create folder {out_dir}: {exc.strerror}") from None
        touched.add(str(out_dir))
        present = set(os.listdir(out_dir))
        for name in present:
            if name.startswith(TEMP_PREFIX):
                _unlink(str(out_dir / name))  # left by an earlier, killed run
        for name in folder.images:
            key = f"{folder.rel}/{name}" if folder.rel else name
            outputs = []
            for copy, out in planned_outputs(folder, name, options):
                if options.existing == "resume" and out in present:
                    summary.skipped += 1
                    continue
                outputs.append((copy, str(out_dir / out), str(out_dir / (TEMP_PREFIX + out))))
            summary.inputs += 1
            if not outputs:
                reporter.advance()
                continue
            same_ext = output_extension(name, options.out_format) == os.path.splitext(name)[1]
            yield Task(str(folder.path / name), key, tuple(outputs), same_ext)


class _Run:
    """Turns task results into manifest lines, renames, counts and messages."""

    def __init__(self, plan, dst, options, summary, writer, reporter) -> None:
        self.plan: Plan = plan
        self.dst: Path = dst
        self.options: AugmentOptions = options
        self.summary: Summary = summary
        self.writer: ManifestWriter = writer
        self.reporter: Reporter = reporter

    def handle(self, result: TaskResult) -> None:
        summary, task = self.summary, result.task
        if result.fatal:
            raise OutputError(result.fatal)
        if result.error:
            summary.failed += 1
            if len(summary.failures) < MAX_FAILURES_KEPT:
                summary.failures.append((task.src, result.error))
            self.reporter.message(f"failed: {result.error}")
            self.reporter.advance()
            if self.options.fail_fast:
                raise _FailFast(result.error)
            return
        if result.n_frames > 1:
            summary.animated += 1
            if summary.animated == 1:
                self.reporter.message(
                    f"note: {task.src} has {result.n_frames} frames; animated images are "
                    "augmented from their first frame only (said once per run)"
                )
        for copy, final, temp, records in result.written:
            self.writer.write(
                {
                    "source": task.key,
                    "output": Path(final).relative_to(self.dst).as_posix(),
                    "copy": copy,
                    "seed": self.options.seed,
                    "ops": records,
                    **({"original": True} if copy is None else {}),
                }
            )
            try:
                os.replace(temp, final)
            except OSError as exc:
                self.writer.retract_last()
                raise OutputError(f"cannot write {final}: {exc.strerror}") from None
            summary.written += 1
        self.reporter.advance()


def _worker_died(task: Task) -> TaskResult:
    return TaskResult(task, error=f"{task.src}: {WORKER_DIED}")


class _FailFast(AugcliError):
    """--fail-fast stopped the run at the first failed input."""

    exit_code = 1


def _clean_temps(dst: Path, touched: set[str]) -> None:
    """Remove this run's temporary files from every destination folder it used."""
    for folder in {*touched, str(dst)}:  # DST itself: the manifest's temporary file
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.startswith(TEMP_PREFIX):
                _unlink(os.path.join(folder, name))
