"""The local executor: this machine's process pool (:mod:`.processes`), or in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from augcli.augment.executors.job import Job
from augcli.augment.executors.processes import StopFlag, run_in_process, run_pool
from augcli.augment.executors.spec import ExecutorSpec

if TYPE_CHECKING:
    from augcli.augment.run.writer import TaskResult
    from augcli.augment.tasks import Task


class LocalExecutor:
    """Run tasks in ``workers`` local processes (1: in this process)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def run(
        self,
        job: Job,
        tasks: Iterable[Task],
        total: int,
        handle: Callable[[TaskResult], None],
        stop: StopFlag,
    ) -> None:
        """See :class:`augcli.augment.executors.job.Executor`."""
        if self.workers <= 1:
            job.init(job.spec, job.options, True)
            run_in_process(tasks, job.process, handle, stop)
        else:
            run_pool(
                tasks, job.process, handle, stop, self.workers,
                job.init, (job.spec, job.options, False), died=job.died,
            )  # fmt: skip


SPEC = ExecutorSpec(name="local", help="local processes", factory=LocalExecutor)
