"""Choosing an executor: refusals that need no cluster (exit 2, nothing written)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.executors import make_executor
from augcli.augment.executors.local import LocalExecutor
from augcli.cli import cli
from augcli.core.errors import UsageError


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(folder / "a.png")
    return folder


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def test_dask_without_the_extra_exits_2_saying_how_to_install(src, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    dst = tmp_path / "dst"
    result = invoke("augment", str(src), str(dst), "--seed", "1", "--executor", "dask")
    assert result.exit_code == 2
    assert 'pip install "augcli[dask]"' in result.output
    assert not dst.exists()


@pytest.mark.parametrize("flag", ["--scheduler", "--scheduler-file"])
def test_a_scheduler_without_executor_dask_exits_2(src, tmp_path, flag):
    dst = tmp_path / "dst"
    result = invoke("augment", str(src), str(dst), "--seed", "1", flag, "x")
    assert result.exit_code == 2 and f"{flag} needs --executor dask" in result.output
    assert not dst.exists()


def test_scheduler_and_scheduler_file_exclude_each_other():
    with pytest.raises(UsageError, match="exclude each other"):
        make_executor("dask", 1, "tcp://127.0.0.1:1", Path("s.json"))


def test_local_is_the_default_executor():
    executor = make_executor("local", 3)
    assert isinstance(executor, LocalExecutor) and executor.workers == 3


def test_an_unreachable_scheduler_exits_2_before_anything_is_written(src, tmp_path):
    pytest.importorskip("distributed", reason='Dask is not installed (pip install "augcli[dask]")')
    from augcli.augment.config import parse_pipeline
    from augcli.augment.executors.dask import DaskExecutor
    from augcli.augment.run.runner import augment_tree
    from augcli.augment.tasks import AugmentOptions

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    executor = DaskExecutor(scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=0.5)
    spec = parse_pipeline("pipeline:\n  - flip: {}\n")
    with pytest.raises(UsageError, match=f"cannot connect to tcp://127.0.0.1:{port}"):
        augment_tree(spec, src, tmp_path / "dst", AugmentOptions(seed=1), executor=executor)
    assert not (tmp_path / "dst").exists()


# -- the Dask submission loop, against a fake client (no cluster needed) ----------------------


class FakeFuture:
    """A Dask future that is already done: the batch's results, or KilledWorker."""

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

    def __init__(self, driver_ref: list, threads: list[int], kills=(), bystanders=()) -> None:
        self.driver_ref, self.threads = driver_ref, list(threads)
        self.kills, self.bystanders = set(kills), set(bystanders)
        self.sizes: list[int] = []
        self.inflight_at_submit: list[int] = []

    def scheduler_info(self) -> dict:
        n = self.threads.pop(0) if len(self.threads) > 1 else self.threads[0]
        return {"workers": {f"w{i}": {"nthreads": 1} for i in range(n)}}

    def submit(self, fn, payload, **kwargs) -> FakeFuture:
        self.inflight_at_submit.append(len(self.driver_ref[0].inflight) + 1)
        names = {Path(t.src).name for t in payload.tasks}
        self.sizes.append(len(payload.tasks))
        if names & self.kills:
            return FakeFuture(KilledWorker())
        if len(names) == 1 and names & self.bystanders:
            self.bystanders -= names
            return FakeFuture(KilledWorker())
        results, _ = fn(payload)
        return FakeFuture((results, 0.1 * len(payload.tasks)))  # 0.1 s per input


def drive(monkeypatch, n: int, threads: list[int], kills=(), bystanders=()):
    """Run the Dask submission loop over ``n`` fake tasks; return (client, handled results)."""
    from types import SimpleNamespace

    import augcli.augment.executors.dask as module
    from augcli.augment.executors import Job
    from augcli.augment.executors.processes import StopFlag
    from augcli.augment.run.writer import TaskResult
    from augcli.augment.tasks import AugmentOptions, Output, Task

    monkeypatch.setattr(module, "SIZE_REFRESH_S", 0.0)  # re-read the cluster's size every time
    tasks = [Task(f"/src/{i:03d}.png", f"{i:03d}.png", "", "/dst", (Output(0, "x.png"),))
             for i in range(n)]  # fmt: skip
    job = Job(
        spec=None,  # type: ignore[arg-type]
        options=AugmentOptions(),
        init=lambda *args: None,
        process=lambda task: TaskResult(task),
        died=lambda task: TaskResult(task, error="died"),
    )
    ref: list = []
    client = FakeClient(ref, threads, kills, bystanders)
    executor = SimpleNamespace(
        client=client, batch_seconds=2.0, distributed=SimpleNamespace(KilledWorker=KilledWorker)
    )
    handled: list = []
    driver = module._Driver(executor, job, iter(tasks), n, handled.append, StopFlag())
    ref.append(driver)
    driver.run()
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
    from types import SimpleNamespace

    import augcli.augment.executors.dask as module
    from augcli.augment.executors.processes import StopFlag
    from augcli.augment.tasks import Output, Task

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
    executor = SimpleNamespace(client=client, batch_seconds=2.0, no_workers_timeout=0.3)
    task = Task("/src/a.png", "a.png", "", "/dst", (Output(0, "a.png"),))
    driver = module._Driver(executor, None, iter([task]), 1, lambda r: None, StopFlag())
    with pytest.raises(module.ClusterLost, match="no worker for 0 s"):
        driver.run()
    assert module.ClusterLost.exit_code == 1
