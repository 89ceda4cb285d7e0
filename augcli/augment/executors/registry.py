"""The executors by ``--executor`` name: each module's ``SPEC``, and the one way to make one.

A new executor is one module declaring an :class:`~.spec.ExecutorSpec` (its name, help, options,
requirement and factory) plus its line in :data:`EXECUTORS`; ``augcli augment`` builds
``--executor`` and the executor's options from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from augcli.augment.executors import dask, local
from augcli.augment.executors.job import Executor
from augcli.augment.executors.spec import ExecutorOption, ExecutorSpec
from augcli.core.errors import UsageError

EXECUTORS: dict[str, ExecutorSpec] = {spec.name: spec for spec in (local.SPEC, dask.SPEC)}
DEFAULT_EXECUTOR = "local"


def get_executor(name: str) -> ExecutorSpec:
    """The registered executor called ``name``.

    Raises
    ------
    UsageError
        No executor has that name; the message lists those that exist.
    """
    try:
        return EXECUTORS[name]
    except KeyError:
        raise UsageError(f"--executor {name}: allowed: {', '.join(EXECUTORS)}") from None


def executor_options() -> list[tuple[ExecutorSpec, ExecutorOption]]:
    """Every executor's own options with their executor, in registry order."""
    return [(spec, option) for spec in EXECUTORS.values() for option in spec.options]


def make_executor(name: str, workers: int, options: Mapping[str, Any] | None = None) -> Executor:
    """The executor ``--executor name`` asks for.

    Parameters
    ----------
    name : str
        A registered executor (:data:`EXECUTORS`).
    workers : int
        Local processes (``local``), or the LocalCluster's workers (``dask`` without a
        scheduler).
    options : mapping, optional
        Executor options by :attr:`~.spec.ExecutorOption.dest` (e.g. ``scheduler``); None
        means not given.

    Raises
    ------
    UsageError
        An unknown name, options that exclude each other, an option of another executor, or
        an executor whose extra is not installed.
    """
    spec = get_executor(name)
    given = {dest: value for dest, value in (options or {}).items() if value is not None}
    known = {option.dest for _, option in executor_options()}
    if set(given) - known:
        raise TypeError(f"not an executor option: {', '.join(sorted(set(given) - known))}")
    for each in EXECUTORS.values():
        flags = [o.flag for o in each.options if o.flag in each.exclusive and o.dest in given]
        if len(flags) > 1:
            raise UsageError(f"{' and '.join(flags)} exclude each other")
    for owner, option in executor_options():
        if owner is not spec and option.dest in given:
            raise UsageError(f"{option.flag} needs --executor {owner.name}")
    spec.require()
    return spec.factory(workers, **{o.dest: given[o.dest] for o in spec.options if o.dest in given})
