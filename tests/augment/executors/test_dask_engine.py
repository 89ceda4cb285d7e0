"""executors.dask.ClusterEngine under the shared batch runner, against a fake client (no Dask)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import augcli.augment.executors.dask as module
from augcli.augment.executors.batching import BatchRunner
from augcli.augment.executors.job import Job
from augcli.augment.executors.processes import StopFlag
from augcli.augment.run.writer import TaskResult
from augcli.augment.tasks import AugmentOptions, Output, Task
from augcli.core.errors import UsageError


class FakeFuture:
    """A Dask future that is already done: the batch's results, or an exception."""

    def __init__(self, outcome) -> None:
        self.outcome = outcome

    def done(self) -> bool:
        return True

    def cancel(self) -> None:
        pass

    def result(self):
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


class KilledWorker(Exception):
    pass


class FakeClient:
    """Runs each batch at once in this process; records batch sizes and tasks in flight.

    ``threads`` is what ``scheduler_info`` reports (a list: the value at each call, the last
    one repeated). A batch holding a task named in ``kills`` dies, and so, once each, does a
    one-input batch of a task named in ``bystanders`` (it was queued on a dying worker).
    """

    def __init__(self, runner_ref: list, threads: list[int], kills=(), bystanders=()) -> None:
        self.runner_ref, self.threads = runner_ref, list(threads)
        self.kills, self.bystanders = set(kills), set(bystanders)
        self.sizes: list[int] = []
        self.inflight_at_submit: list[int] = []

    def scheduler_info(self) -> dict:
        n = self.threads.pop(0) if len(self.threads) > 1 else self.threads[0]
        return {"workers": {f"w{i}": {"nthreads": 1} for i in range(n)}}

    def submit(self, fn, payload, **kwargs) -> FakeFuture:
        self.inflight_at_submit.append(len(self.runner_ref[0].inflight) + 1)
        names = {Path(t.src).name for t in payload.tasks}
        self.sizes.append(len(payload.tasks))
        if names & self.kills:
            return FakeFuture(KilledWorker())
        if len(names) == 1 and names & self.bystanders:
            self.bystanders -= names
            return FakeFuture(KilledWorker())
        results, _ = fn(payload)
        return FakeFuture((results, 0.1 * len(payload.tasks)))  # 0.1 s per input


def fake_tasks(n: int) -> list[Task]:
    return [Task(f"/src/{i:03d}.png", f"{i:03d}.png", "", "/dst", (Output(0, "x.png"),))
            for i in range(n)]  # fmt: skip


JOB = Job(
    spec=None,  # type: ignore[arg-type]
    options=AugmentOptions(),
    init=lambda *args: None,
    process=lambda task: TaskResult(task),
    died=lambda task: TaskResult(task, error="died"),
)


def drive(monkeypatch, n: int, threads: list[int], kills=(), bystanders=()):
    """Run the batch runner on a ClusterEngine over ``n`` fake tasks; (client, results)."""
    monkeypatch.setattr(module, "SIZE_REFRESH_S", 0.0)  # re-read the cluster's size every time
    ref: list = []
    client = FakeClient(ref, threads, kills, bystanders)
    engine = module.ClusterEngine(client, KilledWorker, JOB, no_workers_timeout=600.0)
    handled: list = []
    runner = BatchRunner(engine, fake_tasks(n), n, handled.append, StopFlag(), JOB.died, 2.0)
    ref.append(runner)
    runner.run()
    return client, handled


def test_dask_batches_grow_to_the_target_time_shrink_at_the_tail_and_cover_every_task_once(
    monkeypatch,
):
    client, handled = drive(monkeypatch, 400, threads=[2])
    assert sorted(r.task.key for r in handled) == [f"{i:03d}.png" for i in range(400)]
    assert all(r.error is None for r in handled)
    assert client.sizes[:4] == [1, 1, 1, 1]  # nothing measured yet
    assert max(client.sizes) == 20  # 2 s at the measured 0.1 s per input
    assert client.sizes[-1] == 1  # the last batches are small, so they finish together
    assert client.sizes[4:] == sorted(client.sizes[4:], reverse=True)


def test_dask_keeps_twice_the_clusters_threads_in_flight_as_workers_join(monkeypatch):
    client, handled = drive(monkeypatch, 300, threads=[1] * 6 + [4])
    assert len(handled) == 300
    assert max(client.inflight_at_submit[:2]) == 2  # one thread: 2 in flight
    assert max(client.inflight_at_submit) == 8  # four threads: 8 in flight


def test_dask_a_killed_batch_costs_only_the_input_that_kills_alone(monkeypatch):
    client, handled = drive(
        monkeypatch, 200, threads=[2], kills={"150.png"}, bystanders={"151.png"}
    )
    failed = [r.task.key for r in handled if r.error]
    assert failed == ["150.png"]
    assert client.bystanders == set()  # 151.png's one-input task died once and was run again
    assert sorted(r.task.key for r in handled) == [f"{i:03d}.png" for i in range(200)]


def test_dask_stops_when_the_cluster_has_no_worker_for_too_long(monkeypatch):
    monkeypatch.setattr(module, "SIZE_REFRESH_S", 0.0)

    class Pending:  # a future that never completes (no worker will run it)
        def done(self) -> bool:
            return False

        def cancel(self) -> None:
            pass

    pending = Pending()
    client = SimpleNamespace(
        scheduler_info=lambda: {"workers": {}}, submit=lambda *args, **kwargs: pending
    )
    engine = module.ClusterEngine(client, KilledWorker, JOB, no_workers_timeout=0.3)
    task = Task("/src/a.png", "a.png", "", "/dst", (Output(0, "a.png"),))
    runner = BatchRunner(engine, [task], 1, lambda r: None, StopFlag(), JOB.died, 2.0)
    with pytest.raises(module.ClusterLost, match="no worker for 0 s"):
        runner.run()
    assert module.ClusterLost.exit_code == 1


def test_a_task_the_cluster_lost_fails_each_of_its_inputs_unmeasured():
    engine = module.ClusterEngine(None, KilledWorker, JOB, no_workers_timeout=600.0)
    batch = tuple(fake_tasks(2))
    results, seconds = engine.outcome(FakeFuture(OSError("gone")), batch)
    assert seconds is None
    assert [r.error for r in results] == [
        "/src/000.png: the Dask task failed (OSError: gone)",
        "/src/001.png: the Dask task failed (OSError: gone)",
    ]


def test_killed_worker_is_a_lost_worker_and_another_version_a_usage_error():
    from augcli.augment.executors.batching import WorkerLost

    engine = module.ClusterEngine(None, KilledWorker, JOB, no_workers_timeout=600.0)
    batch = tuple(fake_tasks(1))
    with pytest.raises(WorkerLost):
        engine.outcome(FakeFuture(KilledWorker()), batch)
    with pytest.raises(UsageError, match="worker has augcli 9: install the same version"):
        engine.outcome(FakeFuture(module.VersionMismatch("worker has augcli 9")), batch)
