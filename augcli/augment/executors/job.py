"""What every executor shares: the :class:`Job` it runs and the :class:`Executor` protocol.

An executor receives a :class:`Job` (the pipeline spec, the options and the worker-side
functions of :mod:`augcli.augment.run.runner`) and the tasks to run, and hands every
:class:`~augcli.augment.run.writer.TaskResult` to ``handle`` in the main process, the one writer.
It is a context manager: entering it acquires what it needs (a cluster connection), before the
run writes anything, so that a refusal there costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from augcli.augment.config import PipelineSpec
    from augcli.augment.executors.processes import StopFlag
    from augcli.augment.run.writer import TaskResult
    from augcli.augment.tasks import AugmentOptions, Task


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
