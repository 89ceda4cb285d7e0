"""Executors: what runs a plan's tasks (the local process pool, or a Dask cluster).

An executor receives a :class:`Job` (the pipeline spec, the options and the worker-side
functions of :mod:`augcli.augment.run.runner`) and the tasks to run, and hands every
:class:`~augcli.augment.run.writer.TaskResult` to ``handle`` in the main process, the one writer.
It is a context manager: entering it acquires what it needs (a cluster connection), before the
run writes anything, so that a refusal there costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from augcli.core.errors import UsageError

if TYPE_CHECKING:
    from augcli.augment.config import PipelineSpec
    from augcli.augment.executors.processes import StopFlag
    from augcli.augment.run.writer import TaskResult
    from augcli.augment.tasks import AugmentOptions, Task

EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class Job:
    """Everything a worker needs, by value: spec, options and the worker-side functions.

    Attributes
    ----------
    spec : PipelineSpec
        The validated pipeline.
    options : AugmentOptions
        The run's options.
    init : callable
        ``init(spec, options, in_process)``: sets up a worker's state (its Pipeline).
    process : callable
        ``process(task) -> TaskResult``: the unit of work.
    died : callable
        ``died(task) -> TaskResult``: the result of a task that killed its worker on its own.
    """

    spec: PipelineSpec
    options: AugmentOptions
    init: Callable[..., None]
    process: Callable[[Task], TaskResult]
    died: Callable[[Task], TaskResult]


class Executor(Protocol):
    """Runs tasks and hands each result to the one writer."""

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: Any) -> None: ...

    def run(
        self,
        job: Job,
        tasks: Iterable[Task],
        total: int,
        handle: Callable[[TaskResult], None],
        stop: StopFlag,
    ) -> None:
        """Run ``tasks`` (about ``total`` of them), ``handle`` each result, honour ``stop``."""
        ...


def make_executor(
    name: str,
    workers: int,
    scheduler: str | None = None,
    scheduler_file: Path | None = None,
) -> Executor:
    """The executor ``--executor name`` asks for.

    Parameters
    ----------
    name : {"local", "dask"}
        Which executor.
    workers : int
        Local processes (``local``), or the LocalCluster's workers (``dask`` without a
        scheduler).
    scheduler, scheduler_file : optional
        An existing Dask cluster's address or scheduler file (``dask`` only).

    Raises
    ------
    UsageError
        An unknown name, a scheduler without ``dask``, or ``dask`` without its extra.
    """
    if name not in EXECUTORS:
        raise UsageError(f"--executor {name}: allowed: {', '.join(EXECUTORS)}")
    if scheduler is not None and scheduler_file is not None:
        raise UsageError("--scheduler and --scheduler-file exclude each other")
    if name == "local":
        if scheduler is not None or scheduler_file is not None:
            flag = "--scheduler" if scheduler is not None else "--scheduler-file"
            raise UsageError(f"{flag} needs --executor dask")
        from augcli.augment.executors.local import LocalExecutor

        return LocalExecutor(workers)
    from augcli.augment.executors.dask import DaskExecutor

    return DaskExecutor(workers, scheduler, scheduler_file)
