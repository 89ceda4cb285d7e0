"""The one writer of a run: task results -> manifest lines, renames, counts and messages.

Executors hand every :class:`TaskResult` to :class:`Writer.handle` in the main process; it is
the only code that commits outputs: each output's manifest line is written and flushed, then
its temporary file renamed into place. The counts go to the run's :class:`Summary`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from augcli.augment.manifest import ManifestWriter
from augcli.augment.plan import AugmentOptions, Output, Task
from augcli.errors import EXIT_SOME_FAILED, AugcliError, OutputError
from augcli.progress import Reporter

MAX_FAILURES_KEPT = 1000


@dataclass
class TaskResult:
    """What a worker did: the written temporary files with their records, or why not."""

    task: Task
    written: list[tuple[Output, list[dict[str, Any]]]] = field(default_factory=list)
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


class Writer:
    """The one writer: turns task results into manifest lines, renames, counts and messages."""

    def __init__(
        self,
        options: AugmentOptions,
        summary: Summary,
        manifest: ManifestWriter,
        reporter: Reporter,
        resampler: str = "pillow",
    ) -> None:
        self.resampler = resampler
        self.options = options
        self.summary = summary
        self.manifest = manifest
        self.reporter = reporter

    def handle(self, result: TaskResult) -> None:
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
        for output, records in result.written:
            self.manifest.write(
                {
                    "source": task.key,
                    "output": task.manifest_path(output),
                    "copy": output.copy,
                    "seed": self.options.seed,
                    "resampler": self.resampler,
                    "ops": records,
                    **({"original": True} if output.copy is None else {}),
                }
            )
            final = task.final_path(output)
            try:
                os.replace(task.temp_path(output), final)
            except OSError as exc:
                self.manifest.retract_last()
                raise OutputError(f"cannot write {final}: {exc.strerror}") from None
            summary.written += 1
        self.reporter.advance()


class FailFast(AugcliError):
    """--fail-fast stopped the run at the first failed input."""

    exit_code = EXIT_SOME_FAILED
