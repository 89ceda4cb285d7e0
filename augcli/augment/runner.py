"""Running an augment plan: its tasks -> worker pool (or in-process) -> one writer.

The plan (:mod:`augcli.augment.plan`) lists every task; this module only executes them. A
worker reads the input, runs the pipeline for every copy and writes each result to a temporary
file (``TEMP_PREFIX`` + name) in its destination folder; the main process hands each result to
one writer, which appends the output's manifest line and renames the file into place, so an
output exists whole or not at all and always has its manifest line. Tasks are submitted a few
at a time, so the images in memory stay bounded whatever the dataset size.

Faults: an unreadable input is a failed task (the run goes on; exit status 1). A worker that
dies takes only its own task down: the tasks that were in flight are re-run one at a time in a
new pool, and the one that kills a worker on its own is reported failed. Ctrl-C (or SIGTERM)
stops submitting, lets running tasks finish and removes temporary files. A run that stops
part-way raises :class:`RunAborted` with the partial summary and the exit code.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from augcli.atomic import TEMP_PREFIX
from augcli.augment.config import PipelineSpec
from augcli.augment.manifest import MANIFEST_NAME, ManifestWriter, read_entries, repair
from augcli.augment.pipeline import Pipeline, check_resampler
from augcli.augment.plan import AugmentOptions, Task, make_plan
from augcli.augment.writer import Summary, TaskResult, Writer
from augcli.errors import (
    EXIT_INTERRUPTED,
    EXIT_SOME_FAILED,
    AugcliError,
    InputError,
    OutputError,
    UsageError,
)
from augcli.imagefiles import read_image, write_image
from augcli.progress import Reporter, SilentReporter
from augcli.workers import deferred_interrupts, prepare_worker_process, run_in_process, run_pool

WORKER_DIED = "the worker process died while processing it (killed, or out of memory)"


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
        for output in task.outputs:
            temp = task.temp_path(output)
            if output.copy is None:
                if task.copy_original:
                    shutil.copyfile(task.src, temp)
                else:
                    write_image(
                        data.array, temp, mode=data.mode, quality=options.quality, atomic=False
                    )
                records: list[dict[str, Any]] = []
            else:
                image, recs = pipeline.run(data.array, options.seed, task.key, output.copy)
                write_image(image, temp, mode=data.mode, quality=options.quality, atomic=False)
                records = [r.to_dict() for r in recs]
            result.written.append((output, records))
    except InputError as exc:
        result.error = str(exc)
    except OutputError as exc:
        result.fatal = str(exc)
    except OSError as exc:  # copyfile
        result.fatal = f"cannot write {exc.filename}: {exc.strerror}"
    except Exception as exc:  # a bug must not take the run down: report the input
        result.error = f"{task.src}: internal error ({type(exc).__name__}: {exc})"
    if result.error or result.fatal:
        for output, _ in result.written:
            _unlink(task.temp_path(output))
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
        When the destination cannot be created (before any work).
    RunAborted
        When the run stops part-way: Ctrl-C or SIGTERM, a destination that cannot be written,
        ``fail_fast`` at a failed input (temporary files removed; partial summary attached).
    """
    reporter = reporter or SilentReporter()
    check_resampler(spec.resampler)
    plan = make_plan(Path(src), Path(dst), options)
    dst = plan.dst
    _check_seed_matches(dst, options)
    _check_resampler_matches(dst, options, spec.resampler)
    summary = Summary(seed=options.seed, not_images=plan.not_images)
    start = time.perf_counter()
    try:
        dst.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create DST {dst}: {exc.strerror}") from None
    manifest_path = dst / MANIFEST_NAME if options.manifest else None
    if manifest_path is not None and options.existing == "resume":
        repair(manifest_path, dst)
    manifest = ManifestWriter(manifest_path, truncate=options.existing != "resume")
    writer = Writer(options, summary, manifest, reporter, spec.resampler)
    touched: set[str] = set()
    reporter.start(plan.inputs)
    try:
        with deferred_interrupts() as stop:
            todo = _to_run(plan.tasks, summary, touched, reporter)
            if options.workers <= 1:
                _init_worker(spec, options, in_process=True)
                run_in_process(todo, process, writer.handle, stop)
            else:
                run_pool(
                    todo, process, writer.handle, stop, options.workers,
                    _init_worker, (spec, options), died=_worker_died,
                )  # fmt: skip
    except (KeyboardInterrupt, AugcliError) as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        summary.interrupted = interrupted
        _clean_temps(dst, touched)
        summary.elapsed = time.perf_counter() - start
        raise RunAborted.of(exc, summary) from exc
    except BaseException:
        _clean_temps(dst, touched)
        raise
    else:
        _clean_temps(dst, touched)  # a worker killed mid-write leaves its temporary file
    finally:
        manifest.close()
        reporter.close()
    summary.elapsed = time.perf_counter() - start
    return summary


class RunAborted(AugcliError):
    """A run stopped part-way; carries its partial :class:`Summary` and its exit code.

    The message is the cause's (``"Interrupted."`` for Ctrl-C or SIGTERM, whose exit code is
    130). A destination that cannot be written exits 2 when nothing was written yet, else 1
    (part of the work was done); ``--fail-fast`` exits 1.
    """

    def __init__(
        self, message: str, summary: Summary, exit_code: int, interrupted: bool = False
    ) -> None:
        super().__init__(message)
        self.summary = summary
        self.exit_code = exit_code
        self.interrupted = interrupted

    @classmethod
    def of(cls, cause: BaseException, summary: Summary) -> RunAborted:
        """The abort caused by ``cause`` (KeyboardInterrupt or an AugcliError)."""
        if isinstance(cause, KeyboardInterrupt):
            return cls("Interrupted.", summary, EXIT_INTERRUPTED, interrupted=True)
        code = cause.exit_code if isinstance(cause, AugcliError) else EXIT_SOME_FAILED
        if isinstance(cause, OutputError) and summary.written:
            code = EXIT_SOME_FAILED  # part of the work was done: not a "nothing done" error
        return cls(str(cause), summary, code)


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


def _check_resampler_matches(dst: Path, options: AugmentOptions, resampler: str) -> None:
    """--resume: the manifest's resampler must be this run's (lines without one: pillow)."""
    if options.existing != "resume":
        return
    for entry in read_entries(dst / MANIFEST_NAME):
        earlier = entry.get("resampler", "pillow")
        if earlier != resampler:
            raise UsageError(
                f"--resume: {dst / MANIFEST_NAME} was written with resampler {earlier}, this run "
                f"uses {resampler}; pass --resampler {earlier} to finish that run"
            )
        return


def _to_run(
    tasks: list[Task], summary: Summary, touched: set[str], reporter: Reporter
) -> Iterator[Task]:
    """The plan's tasks with something to write, each folder made ready when first reached.

    Counts every input and every output ``--resume`` keeps; a task with nothing left to write
    only advances the progress bar.
    """
    ready = None
    for task in tasks:
        if task.out_dir != ready:
            _prepare_folder(task.out_dir)
            touched.add(task.out_dir)
            ready = task.out_dir
        summary.inputs += 1
        summary.skipped += task.skipped
        if not task.outputs:
            reporter.advance()
            continue
        yield task


def _prepare_folder(out_dir: str) -> None:
    """Create a destination folder and remove temporary files an earlier, killed run left."""
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create folder {out_dir}: {exc.strerror}") from None
    for name in os.listdir(out_dir):
        if name.startswith(TEMP_PREFIX):
            _unlink(os.path.join(out_dir, name))


def _worker_died(task: Task) -> TaskResult:
    return TaskResult(task, error=f"{task.src}: {WORKER_DIED}")


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
