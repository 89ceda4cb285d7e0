"""The one writer of a run: task results -> manifest lines, renames, counts and messages.

Executors hand every :class:`TaskResult` to :class:`Writer.handle` in the main process; it is
the only code that commits outputs: each output's manifest line is written and flushed, then
its temporary file renamed into place. The counts go to the run's :class:`Summary`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from augcli.augment.record.manifest import ManifestWriter
from augcli.augment.tasks import AugmentOptions, Output, Task
from augcli.core.errors import EXIT_SOME_FAILED, AugcliError, OutputError
from augcli.core.gate import safe_replace
from augcli.core.progress import Reporter

MAX_FAILURES_KEPT = 1000


@dataclass(slots=True)
class Written:
    """One temporary file a worker wrote: its output, drawn ops, size and SHA-256 (hex)."""

    output: Output
    records: list[dict[str, Any]]
    size: int
    sha256: str


@dataclass
class TaskResult:
    """What a worker did: the written temporary files with their records, or why not."""

    task: Task
    written: list[Written] = field(default_factory=list)
    error: str | None = None
    fatal: str | None = None
    n_frames: int = 1
    notes: tuple[str, ...] = ()
    labels: dict[str, tuple[dict[str, Any], list[tuple[str, str]]]] = field(default_factory=dict)
    """Output name -> (its manifest ``labels`` entry, its label files as (temporary, final))."""


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
    stale_removed: int = 0
    stale_kept: list[tuple[str, str]] = field(default_factory=list)
    ignored: dict[str, dict[str, Any]] = field(default_factory=dict)
    converted: list[dict[str, Any]] = field(default_factory=list)
    notes: int = 0
    labels: dict[str, int] = field(default_factory=dict)

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
            "ignored": self.ignored,
            "converted": self.converted,
            "notes": self.notes,
            "elapsed_s": round(self.elapsed, 3),
            "images_per_s": round(self.images_per_second, 2),
            "seed": self.seed,
            "interrupted": self.interrupted,
            "failures": [{"path": p, "reason": r} for p, r in self.failures],
            "earlier_removed": self.stale_removed,
            "earlier_kept": [{"path": p, "reason": r} for p, r in self.stale_kept],
            **({"labels": self.labels} if self.labels else {}),
        }

    def to_line(self) -> str:
        """One human line."""
        return (
            f"{self.inputs} inputs: {self.written} outputs written, {self.skipped} skipped, "
            f"{self.failed} failed, {self.not_images} not images; "
            f"{self.elapsed:.1f} s, {self.images_per_second:.1f} images/s (seed {self.seed})"
            + (
                f"; earlier run: {self.stale_removed} output(s) removed, "
                f"{len(self.stale_kept)} kept"
                if self.stale_removed or self.stale_kept
                else ""
            )
            + (f"; labels: {self._labels_text()}" if self.labels else "")
        )

    def _labels_text(self) -> str:
        return ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in self.labels.items())


class Writer:
    """The one writer: turns task results into manifest lines, renames, counts and messages."""

    def __init__(
        self,
        options: AugmentOptions,
        summary: Summary,
        manifest: ManifestWriter,
        reporter: Reporter,
        run: dict[str, Any] | None = None,
    ) -> None:
        self.options = options
        self.run = run or {}
        self.summary = summary
        self.manifest = manifest
        self.reporter = reporter
        self.coco: dict[str, dict[str, Any]] = {}
        """Output path -> its COCO entry (the manifest ``labels["coco"]``), for the JSON."""
        self._order: deque[str] = deque()
        self._expected: set[str] = set()
        self._pending: dict[str, TaskResult] = {}

    def expect(self, task: Task) -> None:
        """Note that ``task`` was handed to the executor: results are committed in this order."""
        self._order.append(task.key)
        self._expected.add(task.key)

    def handle(self, result: TaskResult) -> None:
        """Take one task's result; commit it, and any held after it, once all before it are in.

        Results arrive in completion order; committing them in task order keeps the manifest
        sorted as it is written (same bytes for any workers, with no sort of every line at the
        end). Held results are a few (those finished while an earlier task still runs): their
        files wait under temporary names.
        """
        if result.fatal:
            raise OutputError(result.fatal)
        if result.task.key not in self._expected:
            self.commit(result)  # a task the writer was not told about: commit it as it comes
            return
        self._pending[result.task.key] = result
        while self._order and self._order[0] in self._pending:
            self._commit_next()

    def flush(self) -> None:
        """Commit every held result in task order (the run ends: no earlier result will come)."""
        while self._order:
            if self._order[0] in self._pending:
                self._commit_next()
            else:
                self._expected.discard(self._order.popleft())

    def _commit_next(self) -> None:
        key = self._order.popleft()
        self._expected.discard(key)
        self.commit(self._pending.pop(key))

    def commit(self, result: TaskResult) -> None:
        """Commit one task's outputs (manifest line first, then the rename), or count it failed.

        Raises
        ------
        OutputError
            An output cannot be written or renamed into place (the run stops).
        AugcliError
            ``fail_fast`` and the task failed.
        """
        summary, task = self.summary, result.task
        if result.fatal:
            raise OutputError(result.fatal)
        for note in result.notes:
            summary.notes += 1
            self.reporter.message(f"note: {task.src}: {note}")
        if result.error:
            summary.failed += 1
            if len(summary.failures) < MAX_FAILURES_KEPT:
                summary.failures.append((task.src, result.error))
            self.reporter.message(f"failed: {result.error}")
            self.reporter.advance()
            if self.options.fail_fast:
                raise FailFast(result.error)
            return
        if result.n_frames > 1:
            summary.animated += 1
            if summary.animated == 1:
                self.reporter.message(
                    f"note: {task.src} has {result.n_frames} frames; animated images are "
                    "augmented from their first frame only (said once per run)"
                )
        for item in result.written:
            output = item.output
            labels, label_files = result.labels.get(output.name, ({}, []))
            self.manifest.write(
                {
                    "source": task.key,
                    "output": task.manifest_path(output),
                    "copy": output.copy,
                    "seed": self.options.seed,
                    "ops": item.records,
                    "size": item.size,
                    "sha256": item.sha256,
                    "run": self.run,
                    **({"original": True} if output.copy is None else {}),
                    **({"labels": labels} if labels else {}),
                }
            )
            self.place(task, output, label_files)
            self.count_labels(task.manifest_path(output), labels)
            summary.written += 1
        self.reporter.advance()

    def place(self, task: Task, output: Output, label_files: list[tuple[str, str]]) -> None:
        """Rename an output's label files, then its image, into place (its line is written).

        Labels first: an image that exists always has its labels. A store run's writer
        (:mod:`augcli.augment.stores.run`) has nothing to rename: its workers put each object
        under its final key before sending the result.
        """
        for temp, final in [*label_files, (task.temp_path(output), task.final_path(output))]:
            try:
                safe_replace(temp, final)
            except OutputError:
                self.manifest.retract_last()
                raise

    def count_labels(self, output: str, labels: dict[str, Any]) -> None:
        """Add an output's label counts to the summary; keep its COCO entry for the JSON."""
        for kind, entry in labels.items():
            if not isinstance(entry, dict):
                continue
            for what in ("kept", "dropped"):
                if isinstance(entry.get(what), int):
                    key = f"{kind}_{what}"
                    self.summary.labels[key] = self.summary.labels.get(key, 0) + entry[what]
            if kind == "coco":
                self.coco[output] = entry


class FailFast(AugcliError):
    """--fail-fast stopped the run at the first failed input."""

    exit_code = EXIT_SOME_FAILED
