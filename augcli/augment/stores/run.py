"""Running a plan into an object store: workers put objects, the client writes manifest parts.

The executor runs :func:`.worker.process_store`; the run's manifest is merged from the parts
once at the end.

What a reader of DST may see while a run goes on (and after it is killed):

- every object whole or not at all (each is one PUT or a completed multipart upload);
- an output's label objects before its image (a mask or YOLO object may briefly have no image);
- images not yet in any manifest line: the client lists an output only after its worker has
  put it, and lines reach the store in parts (every few seconds), so the newest outputs are
  not listed yet; ``augcli manifest verify`` reports them as unlisted;
- ``augcli-manifest.parts/``: the lines so far, in parts; the run's manifest object itself is
  put only when the run ends (a resumed run keeps the earlier one until then).

Only an output with a manifest line whose SHA-256 matches its bytes counts as done
(``--resume``, ``manifest merge``, ``manifest verify``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from augcli.augment.config import PipelineSpec
from augcli.augment.executors.job import Executor, Job
from augcli.augment.executors.local import LocalExecutor
from augcli.augment.executors.processes import deferred_interrupts
from augcli.augment.labels.coco import write_coco
from augcli.augment.pipeline import check_resampler
from augcli.augment.record.identity import identity_differences, run_identity
from augcli.augment.record.shards import run_manifest_name
from augcli.augment.run.runner import RunAborted, coco_entries
from augcli.augment.run.worker import init_worker
from augcli.augment.run.writer import Summary, Writer
from augcli.augment.stores.parts import (
    PartWriter,
    finish_manifest,
    part_keys,
    recorded_entries,
)
from augcli.augment.stores.plan import StorePlan, make_store_plan
from augcli.augment.stores.worker import died_store, process_store
from augcli.augment.tasks import AugmentOptions, Output, Task
from augcli.core.errors import AugcliError, UsageError
from augcli.core.progress import Reporter, SilentReporter
from augcli.core.stores import is_url


class StoreWriter(Writer):
    """The one writer of a store run: its workers already put every object, so committing an
    output is its manifest line alone."""

    def place(self, task: Task, output: Output, label_files: list[tuple[str, str]]) -> None:
        """Nothing to rename: the objects are in place before the result arrives."""


def augment_store(
    spec: PipelineSpec,
    src: str,
    dst: str,
    options: AugmentOptions,
    reporter: Reporter | None = None,
    executor: Executor | None = None,
) -> Summary:
    """Augment every image under ``src`` into the store prefix ``dst``.

    Parameters and errors as :func:`augcli.augment.run.runner.augment_tree`; ``dst`` is a URL
    and ``src`` a URL or a local path.
    """
    reporter = reporter or SilentReporter()
    check_resampler(spec.resampler)
    plan = make_store_plan(src, dst, options)
    identity = run_identity(spec, options)
    if options.existing == "resume":
        check_same_store_run(plan, identity)
    with executor or LocalExecutor(options.workers) as running:
        return _execute(spec, plan, identity, reporter, running)


def check_same_store_run(plan: StorePlan, identity: dict[str, Any]) -> None:
    """Refuse ``--resume`` over lines (manifest or parts) another run wrote."""
    seed = plan.options.seed
    for number, entry in enumerate(plan.recorded, 1):
        differences = identity_differences(entry.get("run"), identity)
        if entry.get("seed") != seed:
            differences.insert(0, f"seed: {entry.get('seed')!r} vs {seed!r}")
        if differences:
            raise UsageError(
                f"--resume: DST {plan.dst} (line {number} of its manifest and parts) records "
                f"another run than this one (earlier vs now): {'; '.join(differences)}; run "
                "with the earlier settings, or use --overwrite to replace that run"
            )


def _execute(
    spec: PipelineSpec,
    plan: StorePlan,
    identity: dict[str, Any],
    reporter: Reporter,
    executor: Executor,
) -> Summary:
    options, dst = plan.options, plan.dst_store
    assert dst is not None
    summary = Summary(
        seed=options.seed,
        not_images=plan.not_images,
        ignored=plan.ignored_by_extension(),
        converted=plan.converted,
    )
    start = time.perf_counter()
    if options.existing == "overwrite":
        _replace_earlier_run(plan, summary)
    parts = PartWriter(dst if options.manifest else None, options.shard)
    writer = StoreWriter(options, summary, parts, reporter, identity)  # type: ignore[arg-type]
    if plan.coco is not None:
        writer.coco.update(coco_entries(plan.recorded))
    job = Job(spec, options, init_worker, process_store, died_store)
    reporter.start(plan.inputs)
    try:
        with deferred_interrupts() as stop:
            executor.run(
                job, _to_run(plan, summary, reporter), len(plan.task_list), writer.handle, stop
            )
    except (KeyboardInterrupt, AugcliError) as exc:
        summary.interrupted = isinstance(exc, KeyboardInterrupt)
        _close(parts, reporter)
        summary.elapsed = time.perf_counter() - start
        raise RunAborted.of(exc, summary) from exc
    except BaseException:
        _close(parts, reporter)
        raise
    _close(parts, reporter)
    if options.manifest:
        entries = finish_manifest(dst, options.shard)
        if plan.coco is not None and options.labels.coco is not None and not options.shard:
            write_coco(plan.coco.meta, coco_entries(entries), options.labels.coco[1])
    summary.elapsed = time.perf_counter() - start
    return summary


def _close(parts: PartWriter, reporter: Reporter) -> None:
    reporter.close()
    parts.close()


def _to_run(plan: StorePlan, summary: Summary, reporter: Reporter) -> Iterator[Task]:
    for task in plan.task_list:
        summary.inputs += 1
        summary.skipped += task.skipped
        if not task.outputs:
            reporter.advance()
            continue
        yield task


def _replace_earlier_run(plan: StorePlan, summary: Summary) -> None:
    """``--overwrite``: remove the earlier run's outputs this run does not write, where the
    object's bytes are the ones its line records; then its manifest and parts."""
    dst = plan.dst_store
    assert dst is not None
    writes = {t.manifest_path(o) for t in plan.task_list for o in t.outputs}
    seen: set[str] = set()
    for entry in recorded_entries(dst, plan.options.shard):
        output = entry["output"]
        if output in writes or output in seen or output not in plan.listing:
            continue
        seen.add(output)
        if dst.digest(output) == (entry.get("size"), entry.get("sha256")):
            dst.delete(output)
            summary.stale_removed += 1
        else:
            summary.stale_kept.append((output, "was changed since (its SHA-256 differs)"))
    for key in part_keys(dst, plan.options.shard):
        dst.delete(key)
    dst.delete(run_manifest_name(plan.options.shard))


def is_store_run(src: object, dst: object) -> bool:
    """Whether a run goes through this module (DST or SRC is a URL)."""
    return is_url(src) or is_url(dst)
