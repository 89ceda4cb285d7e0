"""Running an augment plan: its tasks -> an executor (local pool, in-process, Dask) -> one writer.

The plan (:mod:`augcli.augment.run.plan`) lists every task; this module only executes them, through
an executor (:mod:`augcli.augment.executors`). A worker reads the input, runs the pipeline for
every copy and writes each result to a temporary file (``TEMP_PREFIX`` + the run's shard tag +
name, see :mod:`..record.shards`) in its destination folder; the main process hands each
result to one writer, which appends the output's manifest line and renames the file into place,
so an output exists whole or not at all and always has its manifest line. The worker also hashes
each file it wrote (size and SHA-256 for the line), so the main process never reads images.
Tasks are submitted a few at a time, so the images in memory stay bounded whatever the dataset
size. Before the work, ``--resume`` checks that DST holds the same run and ``--overwrite``
removes the earlier run's provable leftovers (:mod:`augcli.augment.record.resume`); when the run
ends, however it ends, the manifest is rewritten in task order: the same bytes for any
``--workers``.

Faults: an unreadable input is a failed task (the run goes on; exit status 1). A worker that
dies takes only its own task down: the tasks that were in flight are re-run one at a time in a
new pool, and the one that kills a worker on its own is reported failed. Ctrl-C (or SIGTERM)
stops submitting, lets running tasks finish and removes temporary files. A run that stops
part-way raises :class:`RunAborted` with the partial summary and the exit code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from augcli.augment.config import PipelineSpec
from augcli.augment.executors.job import Executor, Job
from augcli.augment.executors.local import LocalExecutor
from augcli.augment.executors.processes import deferred_interrupts
from augcli.augment.labels.coco import write_coco
from augcli.augment.labels.companions import copy_companions
from augcli.augment.pipeline import check_resampler
from augcli.augment.record.identity import run_identity
from augcli.augment.record.manifest import (
    ManifestWriter,
    read_entries,
    repair,
    rewrite_sorted,
)
from augcli.augment.record.resume import check_same_run, remove_stale
from augcli.augment.record.shards import run_manifest_name, temp_scope
from augcli.augment.run.plan import Plan, make_plan
from augcli.augment.run.worker import init_worker, process, worker_died
from augcli.augment.run.writer import Summary, Writer
from augcli.augment.tasks import AugmentOptions, Task
from augcli.core.atomic import remove_quietly
from augcli.core.errors import EXIT_INTERRUPTED, EXIT_SOME_FAILED, AugcliError, OutputError
from augcli.core.lock import run_lock
from augcli.core.progress import Reporter, SilentReporter

MAX_REPORTED_KEPT = 20


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
        for entry in read_entries(dst / run_manifest_name(None)):
            if isinstance(entry.get("seed"), int):
                return entry["seed"], "manifest"
    return None, "none"


def augment_tree(
    spec: PipelineSpec,
    src: str | Path,
    dst: str | Path,
    options: AugmentOptions,
    reporter: Reporter | None = None,
    executor: Executor | None = None,
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
    executor : Executor, optional
        What runs the tasks; default: the local pool of ``options.workers`` processes.

    Returns
    -------
    Summary

    Raises
    ------
    UsageError
        Before any work, for anything :func:`augcli.augment.run.plan.make_plan` refuses.
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
    identity = run_identity(spec, options)
    manifest_name = run_manifest_name(options.shard)
    if options.existing == "resume":
        check_same_run(dst, identity, options.seed, manifest_name)
    executor = executor or LocalExecutor(options.workers)
    with executor:  # a cluster connection, before anything is written
        try:
            dst.mkdir(parents=True)
            created = True
        except FileExistsError:
            created = False
        except OSError as exc:
            raise OutputError(f"cannot create DST {dst}: {exc.strerror}") from None
        shard = options.shard
        with run_lock(dst, f"{shard.k}-of-{shard.n}" if shard else None):
            if not created:  # another run may have changed DST between the plan and the lock
                plan = make_plan(Path(src), Path(dst), options)
                if options.existing == "resume":
                    check_same_run(dst, identity, options.seed, manifest_name)
            copy_companions(options.labels, options.existing == "overwrite")
            return _execute(spec, plan, identity, reporter, executor)


def _execute(
    spec: PipelineSpec,
    plan: Plan,
    identity: dict[str, Any],
    reporter: Reporter,
    executor: Executor,
) -> Summary:
    dst, options = plan.dst, plan.options
    manifest_name = run_manifest_name(options.shard)
    summary = Summary(
        seed=options.seed,
        not_images=plan.not_images,
        ignored=plan.ignored_by_extension(),
        converted=plan.converted,
    )
    for item in plan.converted:
        reporter.message(
            f"note: {item['count']} input(s) written as {item['written_as']}: {item['reason']}"
        )
    start = time.perf_counter()
    try:
        dst.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create DST {dst}: {exc.strerror}") from None
    if options.existing == "overwrite":
        _replace_earlier_run(plan, summary, reporter)
    manifest_path = dst / manifest_name if options.manifest else None
    kept_entries: list[dict[str, Any]] = []
    if manifest_path is not None and options.existing == "resume":
        kept_entries = repair(manifest_path, dst)
    manifest = ManifestWriter(manifest_path, truncate=options.existing != "resume")
    writer = Writer(options, summary, manifest, reporter, identity)
    _report_labels(plan, summary, reporter)
    if plan.coco is not None:
        if plan.unlisted:
            summary.labels["coco_unlisted_images"] = plan.unlisted
        writer.coco.update(coco_entries(kept_entries))
    touched: set[str] = set()
    scope = temp_scope(options.shard)
    job = Job(spec, options, init_worker, process, worker_died)
    reporter.start(plan.inputs)
    ended = False
    try:
        with deferred_interrupts() as stop:
            todo = _to_run(plan.tasks(), summary, touched, reporter, scope, writer.expect)
            executor.run(job, todo, plan.inputs, writer.handle, stop)
            writer.flush()
    except (KeyboardInterrupt, AugcliError) as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        summary.interrupted = interrupted
        _flush(writer, summary)
        _clean_temps(touched, scope)
        summary.elapsed = time.perf_counter() - start
        raise RunAborted.of(exc, summary) from exc
    except BaseException:
        _flush(writer, summary)
        _clean_temps(touched, scope)
        raise
    else:
        _clean_temps(touched, scope)  # a worker killed mid-write leaves its temporary file
        if plan.coco is not None and options.labels.coco is not None and not options.shard:
            write_coco(plan.coco.meta, writer.coco, options.labels.coco[1])
        ended = True
    finally:
        manifest.close()
        reporter.close()
        _sort_manifest(manifest_path, plan, summary, strict=ended)
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


def coco_entries(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Output path -> COCO entry, from manifest lines (well-formed entries only)."""
    found = {}
    for entry in entries:
        labels = entry.get("labels")
        coco = labels.get("coco") if isinstance(labels, dict) else None
        if (
            isinstance(coco, dict)
            and all(isinstance(coco.get(k), int) for k in ("width", "height"))
            and isinstance(coco.get("annotations"), list)
            and all(isinstance(a, dict) for a in coco["annotations"])
        ):
            found[entry["output"]] = coco
    return found


def _report_labels(plan: Plan, summary: Summary, reporter: Reporter) -> None:
    """One note line (counted in the summary's ``notes``) for each kind of label that will not
    travel: images without a label, labels without an image, images left out."""
    notes = []
    yolo = plan.labels.get("yolo")
    flag = plan.options.labels.yolo
    if isinstance(yolo, dict) and flag is not None:
        if yolo["images_without_labels"]:
            notes.append(
                f"{yolo['images_without_labels']} image(s) under SRC have no label file in "
                f"{flag[0]}; they are augmented with no objects (--skip-unlabelled leaves them "
                "out)"
            )
            summary.labels["yolo_unlabelled_images"] = yolo["images_without_labels"]
        orphans = plan.yolo_orphans
        if orphans:
            listed = ", ".join(orphans[:5]) + (" ..." if len(orphans) > 5 else "")
            notes.append(
                f"{len(orphans)} label file(s) in {flag[0]} have no image under SRC (same "
                f"relative path and stem), so nothing uses them: {listed}"
            )
            summary.labels["yolo_files_without_image"] = len(orphans)
    if plan.coco is not None:
        if plan.unlisted:
            notes.append(
                f"{plan.unlisted} image(s) under SRC have no entry in {plan.coco.path}; "
                "they are augmented with no annotations (--skip-unlabelled leaves them out)"
            )
        missing = plan.coco.unmatched()
        if missing:
            listed = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            notes.append(
                f"{len(missing)} image entr(ies) of {plan.coco.path} have no file under SRC "
                f"(file_name relative to SRC): {listed}"
            )
    skipped = plan.labels.get("skipped_unlabelled")
    if isinstance(skipped, int) and skipped:
        notes.append(f"{skipped} image(s) without labels left out (--skip-unlabelled)")
        summary.labels["unlabelled_skipped"] = skipped
    for note in notes:
        summary.notes += 1
        reporter.message(f"note: {note}")


def _replace_earlier_run(plan: Plan, summary: Summary, reporter: Reporter) -> None:
    """``--overwrite``: remove the earlier run's outputs this run does not write (if provable)."""
    writes = (t.manifest_path(o) for t in plan.tasks() for o in t.outputs)
    manifest_name = run_manifest_name(plan.options.shard)
    labels = plan.options.labels
    label_dsts = {
        fmt.key: Path(pair[1]) for fmt, pair in labels.given() if fmt.extension is not None
    }
    cleanup = remove_stale(plan.dst, writes, manifest_name, plan.guard, label_dsts)
    summary.stale_removed = cleanup.removed
    if cleanup.labels_removed:
        summary.labels["earlier_label_files_removed"] = cleanup.labels_removed
    summary.stale_kept = cleanup.kept
    for output, reason in cleanup.kept[:MAX_REPORTED_KEPT]:
        reporter.message(f"kept {plan.dst / output} from the earlier run: it {reason}")
    if len(cleanup.kept) > MAX_REPORTED_KEPT:
        reporter.message(f"... and {len(cleanup.kept) - MAX_REPORTED_KEPT} more kept")
    if not plan.options.manifest:  # the earlier run's record would describe files now gone
        remove_quietly(str(plan.dst / manifest_name))


def _flush(writer: Writer, summary: Summary) -> None:
    """Commit the results held for task order; a run already stopping keeps what it can."""
    try:
        writer.flush()
    except AugcliError:
        pass  # the run is ending with its own error; the held outputs stay temporary


def _sort_manifest(path: Path | None, plan: Plan, summary: Summary, strict: bool) -> None:
    """Rewrite the manifest in task order (same bytes for any workers).

    A run that is already stopping keeps its manifest in completion order if this fails too
    (every line is still valid); a run that ended stops here with its summary.
    """
    if path is None:
        return
    try:
        rewrite_sorted(path)
    except OutputError as exc:
        if strict:
            raise RunAborted.of(exc, summary) from None


def _to_run(
    tasks: Iterable[Task],
    summary: Summary,
    touched: set[str],
    reporter: Reporter,
    scope: str,
    expect: Callable[[Task], None],
) -> Iterator[Task]:
    """The plan's tasks with something to write, each folder made ready when first reached.

    Counts every input and every output ``--resume`` keeps; a task with nothing left to write
    only advances the progress bar.
    """
    ready = None
    for task in tasks:
        if task.refusal:  # fails in the worker without being opened
            summary.inputs += 1
            expect(task)
            yield task
            continue
        if task.out_dir != ready:
            for folder in [task.out_dir, *(task.labels.folders() if task.labels else [])]:
                _prepare_folder(folder, scope)
                touched.add(folder)
            ready = task.out_dir
        summary.inputs += 1
        summary.skipped += task.skipped
        if not task.outputs:
            reporter.advance()
            continue
        expect(task)
        yield task


def _prepare_folder(out_dir: str, scope: str) -> None:
    """Create a destination folder and remove the temporary files an earlier, killed run of
    the same shard left (names starting with ``scope``; other shards' are left alone)."""
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create folder {out_dir}: {exc.strerror}") from None
    _clean_temps({out_dir}, scope)


def _clean_temps(touched: set[str], scope: str) -> None:
    """Remove this run's (this shard's) temporary files from every destination folder it used."""
    for folder in touched:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.startswith(scope):
                remove_quietly(os.path.join(folder, name))
