"""The Dask executor: a plan's tasks run in batches on a Dask cluster, results come home.

Workers decode, augment and encode (``Job.process`` per task, inside :func:`run_batch`); they
read SRC and write DST on a shared filesystem, each attempt under temporary names unique to it,
which the result carries: the client, the only manifest writer, renames only what it received.
The job (pipeline spec and options) travels by value with every batch, as scattered data dies
with its worker; each worker process keeps the Pipeline it built for a run.
Batch sizes, retries after a worker died and stopping on Ctrl-C or SIGTERM are
:mod:`.batching`'s: here a slot is one of the cluster's threads (re-read as workers join or
leave) and a worker death is ``KilledWorker``.
"""

from __future__ import annotations

import json
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from augcli import __version__
from augcli.augment.executors.batching import BatchRunner, WorkerLost
from augcli.augment.executors.job import Job
from augcli.augment.executors.processes import StopFlag, keep_freed_memory
from augcli.augment.executors.spec import ExecutorOption, ExecutorSpec, Requirement
from augcli.augment.run.writer import TaskResult
from augcli.core.errors import EXIT_SOME_FAILED, AugcliError, InputError, UsageError
from augcli.core.gate import read_text

if TYPE_CHECKING:
    from augcli.augment.tasks import Task

REQUIREMENT = Requirement(
    "distributed", "Dask's distributed scheduler", 'pip install "augcli[dask]"'
)
CONNECT_TIMEOUT_S = 30
SIZE_REFRESH_S = 1.0
NO_WORKERS_TIMEOUT_S = 600.0
WORKER_PROFILER = "distributed.worker.profile.enabled"


# -- the worker side -------------------------------------------------------------------------

_RUN: dict[str, Any] = {"id": None}


@dataclass(frozen=True)
class Batch:
    """What one Dask task carries: the run's id and version, the job, and its inputs."""

    run_id: str
    version: str
    job: Job
    tasks: tuple[Task, ...]


class VersionMismatch(Exception):
    """A worker's augcli is not the client's."""


class ClusterLost(AugcliError):
    """The cluster had no worker for too long while tasks were waiting (the run stops)."""

    exit_code = EXIT_SOME_FAILED


def run_batch(batch: Batch) -> tuple[list[TaskResult], float]:
    """Run ``batch`` on a worker: ``(results, seconds spent)``.

    Every task of this attempt writes temporary names carrying a token unique to the attempt
    (Dask may run a task twice); the results name them.
    """
    if batch.version != __version__:
        raise VersionMismatch(f"worker has augcli {__version__}, client {batch.version}")
    job = batch.job
    if _RUN["id"] != batch.run_id:  # one Pipeline per worker process and run
        job.init(job.spec, job.options, True)
        keep_freed_memory()  # as in local pool workers: page faults 25x fewer
        _RUN["id"] = batch.run_id
    start = time.perf_counter()
    token = secrets.token_hex(4)
    results = [job.process(replace(t, temp_tag=f"{t.temp_tag}{token}-")) for t in batch.tasks]
    return results, time.perf_counter() - start


def worker_version() -> str:
    """The augcli version of the process it runs in (run on every worker by the client)."""
    return __version__


# -- the client side -------------------------------------------------------------------------


def import_distributed() -> Any:
    """``distributed``, or UsageError saying how to install it."""
    return SPEC.require()


MAX_SCHEDULER_FILE_BYTES = 1 << 20
"""A Dask scheduler file is a few hundred bytes of JSON."""


def scheduler_address(path: Path) -> str:
    """The ``"address"`` of a Dask scheduler file, read through the gate.

    Raises
    ------
    InputError
        Not a regular file of at most ``MAX_SCHEDULER_FILE_BYTES``, not JSON, or not an
        object with a string ``"address"`` (e.g. ``tcp://host:8786``).
    """
    label = f"--scheduler-file {str(path)!r}"
    text = read_text(path, "--scheduler-file", cap=MAX_SCHEDULER_FILE_BYTES)
    try:
        data = json.loads(text)
    except ValueError as exc:
        reason = getattr(exc, "msg", None) or str(exc).splitlines()[0]
        where = f", line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputError(f"{label}{where}: not valid JSON ({reason})") from None
    address = data.get("address") if isinstance(data, dict) else None
    if not isinstance(address, str) or not address:
        if not isinstance(data, dict):
            got = f"a JSON {type(data).__name__}"
        elif "address" in data:
            got = f'"address": {json.dumps(address)[:60]}'
        else:
            got = 'no "address"'
        raise InputError(
            f'{label}: got {got}; expected a JSON object with an "address" such as '
            "tcp://host:8786 (what dask scheduler --scheduler-file writes)"
        )
    return address


class DaskExecutor:
    """Run tasks on a Dask cluster: ``scheduler`` (an address), ``scheduler_file``, or else a
    LocalCluster of ``workers`` single-threaded processes on 127.0.0.1 without a dashboard.

    Raises
    ------
    UsageError
        ``distributed`` is not installed (at construction), the scheduler cannot be reached,
        or a worker's augcli version is not the client's (on entering).
    """

    def __init__(
        self,
        workers: int = 1,
        scheduler: str | None = None,
        scheduler_file: Path | None = None,
        batch_seconds: float = 2.0,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        no_workers_timeout: float = NO_WORKERS_TIMEOUT_S,
    ) -> None:
        self.distributed = import_distributed()
        self.workers = workers
        self.scheduler = scheduler
        self.scheduler_file = scheduler_file
        if scheduler_file is not None:  # read now: a bad file is refused before any work
            self.scheduler = scheduler_address(scheduler_file)
        self.batch_seconds = batch_seconds
        self.connect_timeout = connect_timeout
        self.no_workers_timeout = no_workers_timeout
        self.client: Any = None
        self.cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        distributed = self.distributed
        where = self.scheduler or self.scheduler_file
        try:
            if self.scheduler is not None:
                self.client = distributed.Client(self.scheduler, timeout=self.connect_timeout)
            else:
                where = "a local cluster"
                self.cluster = _local_cluster(distributed, self.workers)
                self.client = distributed.Client(self.cluster)
        except (OSError, ValueError) as exc:  # TimeoutError is an OSError
            self.__exit__()
            raise UsageError(f"--executor dask: cannot connect to {where}: {exc}") from None
        try:
            self._check_versions()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def _check_versions(self) -> None:
        versions = self.client.run(worker_version)
        other = {addr: v for addr, v in versions.items() if v != __version__}
        if other:
            addr, version = next(iter(sorted(other.items())))
            raise UsageError(
                f"--executor dask: {len(other)} worker(s) run another augcli (e.g. {addr}: "
                f"{version}); this client is {__version__}: install the same version everywhere"
            )

    def run(
        self,
        job: Job,
        tasks: Iterable[Task],
        total: int,
        handle: Callable[[TaskResult], None],
        stop: StopFlag,
    ) -> None:
        """See :class:`augcli.augment.executors.job.Executor`."""
        engine = ClusterEngine(
            self.client, self.distributed.KilledWorker, job, self.no_workers_timeout
        )
        BatchRunner(engine, tasks, total, handle, stop, job.died, self.batch_seconds).run()


def _local_cluster(distributed: Any, workers: int) -> Any:
    """A LocalCluster of single-threaded worker processes on loopback, without dashboard.

    Its processes start with SIGINT ignored (inherited), so a Ctrl-C at the terminal, sent to
    the whole process group, reaches only the client, which decides what to finish. Its
    workers do not run Dask's statistical profiler (a stack sample every 10 ms per worker:
    measured 10-20% of the CPU time of an augment run).
    """
    import dask

    main = threading.current_thread() is threading.main_thread()
    saved = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        with dask.config.set({WORKER_PROFILER: False}):
            return distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",  # its HTTP server on a free port (None: 8787)
                scheduler_kwargs={"dashboard": False},
            )
    finally:
        if main:
            signal.signal(signal.SIGINT, saved)


class ClusterEngine:
    """A Dask cluster as a :class:`~augcli.augment.executors.batching.BatchEngine` for one run.

    A slot is one of the cluster's threads (re-read at most every ``SIZE_REFRESH_S``); a batch
    is one Dask task running :func:`run_batch`; ``killed`` (``distributed.KilledWorker``) means
    its worker died.
    """

    def __init__(
        self, client: Any, killed: type[BaseException], job: Job, no_workers_timeout: float
    ) -> None:
        self.client = client
        self.killed = killed
        self.job = job
        self.no_workers_timeout = no_workers_timeout
        self.run_id = secrets.token_hex(8)
        self.threads = 1
        self.threads_read = 0.0
        self.workers_seen = time.monotonic()  # when the cluster last had a worker

    def slots(self, busy: bool) -> int:
        """The cluster's threads; ClusterLost after ``no_workers_timeout`` without a worker
        while batches wait."""
        now = time.monotonic()
        if now - self.threads_read > SIZE_REFRESH_S:
            workers = self.client.scheduler_info().get("workers", {})
            self.threads = max(1, sum(w.get("nthreads", 1) for w in workers.values()))
            self.threads_read = now
            if workers:
                self.workers_seen = now
            elif busy and now - self.workers_seen > self.no_workers_timeout:
                raise ClusterLost(
                    f"--executor dask: the cluster has had no worker for "
                    f"{self.no_workers_timeout:.0f} s; stopping (finish with --resume)"
                )
        return self.threads

    def submit(self, batch: tuple[Task, ...]) -> Any:
        """One Dask task running ``batch`` (never retried by Dask itself)."""
        payload = Batch(self.run_id, __version__, self.job, batch)
        return self.client.submit(run_batch, payload, pure=False, retries=0)

    def outcome(
        self, future: Any, batch: tuple[Task, ...]
    ) -> tuple[list[TaskResult], float | None]:
        """The batch's results; a task the cluster lost otherwise fails each of its inputs.

        Raises
        ------
        WorkerLost
            ``KilledWorker``.
        UsageError
            A worker runs another augcli version.
        """
        try:
            results, seconds = future.result()
        except self.killed:
            raise WorkerLost from None
        except VersionMismatch as exc:
            raise UsageError(
                f"--executor dask: {exc}: install the same version everywhere"
            ) from None
        except Exception as exc:  # lost by the cluster: its inputs fail, the run goes on
            reason = f"the Dask task failed ({type(exc).__name__}: {exc})"
            return [TaskResult(task, error=f"{task.src}: {reason}") for task in batch], None
        return results, seconds


SPEC = ExecutorSpec(
    name="dask",
    help="a Dask cluster",
    factory=DaskExecutor,
    options=(
        ExecutorOption(
            "--scheduler",
            "Dask scheduler to use, e.g. tcp://host:8786 (default: a local cluster).",
            metavar="ADDRESS",
        ),
        ExecutorOption(
            "--scheduler-file",
            "Dask scheduler file (dask scheduler --scheduler-file, dask-jobqueue).",
            kind="file",
        ),
    ),
    exclusive=("--scheduler", "--scheduler-file"),
    requires=REQUIREMENT,
)
