"""executors.processes: the process pool that survives worker deaths, independent of images."""

from __future__ import annotations

import os
import signal

from augcli.augment.executors.processes import (
    deferred_interrupts,
    prepare_worker_process,
    run_in_process,
    run_pool,
)


def _dispositions(_: object) -> tuple[bool, bool]:
    return (
        signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
        signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
    )


def _times_ten_or_die(n: int) -> int:
    if n == 3:
        os._exit(1)  # the worker dies, as under kill -9 or the OOM killer
    return n * 10


def _run(tasks, work, died=lambda task: ("died", task)) -> list:
    results: list = []
    with deferred_interrupts() as stop:
        run_pool(tasks, work, results.append, stop, 2, prepare_worker_process, (), died=died)
    return results


def test_workers_can_be_terminated_and_leave_ctrl_c_to_the_main_process():
    # Forked workers must not keep the main process's deferred SIGTERM handler: the pool
    # terminates stuck workers with SIGTERM after another one died (a hang, before the fix).
    assert _run([1, 2], _dispositions) == [(True, True), (True, True)]


def test_a_task_that_kills_its_worker_is_reported_and_every_other_task_completes():
    results = _run(range(8), _times_ten_or_die)
    expected = [n * 10 for n in range(8) if n != 3] + [("died", 3)]
    assert sorted(results, key=str) == sorted(expected, key=str)


def test_in_process_runs_in_order():
    results: list = []
    with deferred_interrupts() as stop:
        run_in_process([1, 2, 3], lambda n: n + 1, results.append, stop)
    assert results == [2, 3, 4]
