"""Running tasks in batches on remote slots: batch sizes, retries after worker deaths, stopping.

What any engine that runs batches of tasks elsewhere (a Dask cluster today) needs, written once
and independent of the engine: :class:`BatchRunner` drives an engine (:class:`BatchEngine`:
how many slots it has, submit a batch, the outcome of a finished one).

* Size: a batch is sized to take about ``target_seconds`` (measured as results come back; the
  first ones hold one input) and shrinks towards the end so the last ones finish together
  (:class:`BatchSizer`). At most ``IN_FLIGHT_PER_SLOT`` batches per slot are in flight, the
  slots re-read before every round of submissions (workers join or leave).
* Retry: a batch whose worker died (:class:`WorkerLost`) is resubmitted one input per batch; an
  input whose one-input batch still dies (it may only have been queued on a dying worker) runs
  once more with nothing else in flight, and if its worker dies then, it gets ``died(task)``
  as its result (:class:`Retries`).
* Stop: a requested stop (Ctrl-C, SIGTERM) stops submitting, waits for the batches in flight and
  hands their results on, then raises KeyboardInterrupt; any exception cancels what is in flight.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from augcli.augment.executors.processes import StopFlag

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT_PER_SLOT = 2
SMOOTHING = 0.3  # weight of the latest measurement in the seconds per input


class WorkerLost(Exception):
    """Raised by :meth:`BatchEngine.outcome`: the worker running the batch died."""


class BatchEngine(Protocol[T, R]):
    """What runs the batches: an engine's three operations."""

    def slots(self, busy: bool) -> int:
        """How many batches can run at once now (at least 1); ``busy``: some are in flight.

        May raise to end the run (e.g. a cluster without workers for too long).
        """
        ...

    def submit(self, batch: tuple[T, ...]) -> Any:
        """Start ``batch``: a future with ``done()`` and ``cancel()``."""
        ...

    def outcome(self, future: Any, batch: tuple[T, ...]) -> tuple[list[R], float | None]:
        """A done batch's results and the seconds its worker spent (None: not measured).

        Raises
        ------
        WorkerLost
            The worker running it died.
        """
        ...


@dataclass
class BatchSizer:
    """How many inputs the next batch takes.

    Attributes
    ----------
    target_seconds : float
        The time a batch should take.
    left : int
        Inputs not yet submitted (about; the caller counts them down).
    per_task : float or None
        Seconds per input, smoothed over the batches measured (None: nothing measured yet).
    """

    target_seconds: float
    left: int
    per_task: float | None = None

    def size(self, slots: int) -> int:
        """The next batch's size for ``slots`` slots: 1 before any measurement, else what
        takes ``target_seconds``, at most ``left / (IN_FLIGHT_PER_SLOT * slots)``, at least 1."""
        if self.per_task is None:
            return 1
        size = int(self.target_seconds / max(self.per_task, 1e-6))
        tail = self.left // (IN_FLIGHT_PER_SLOT * slots)  # the last batches are small
        return max(1, min(size, tail))

    def measured(self, seconds: float, count: int) -> None:
        """A batch of ``count`` inputs took ``seconds`` on its worker."""
        latest = seconds / count
        if self.per_task is None:
            self.per_task = latest
        else:
            self.per_task = (1 - SMOOTHING) * self.per_task + SMOOTHING * latest


@dataclass
class Retries(Generic[T]):
    """Inputs of batches whose worker died, waiting to run again.

    Attributes
    ----------
    suspects : deque
        From batches of several inputs: each runs again in a batch of its own.
    culprits : deque
        Whose one-input batch died: each runs once more with nothing else in flight.
    """

    suspects: deque[T] = field(default_factory=deque)
    culprits: deque[T] = field(default_factory=deque)

    @property
    def pending(self) -> bool:
        """Inputs are waiting to run again."""
        return bool(self.suspects or self.culprits)

    def lost(self, batch: tuple[T, ...], alone: bool) -> T | None:
        """``batch``'s worker died (``alone``: nothing else was in flight): the input that
        killed it on its own, or None when its inputs are queued to run again."""
        if alone:
            return batch[0]
        if len(batch) == 1:
            self.culprits.append(batch[0])
        else:
            self.suspects.extend(batch)
        return None


class BatchRunner(Generic[T, R]):
    """One run's submission loop over an engine (state that lives as long as the run).

    Parameters
    ----------
    engine : BatchEngine
        What runs the batches.
    tasks : iterable
        The inputs, read lazily.
    total : int
        About how many there are (sizes the last batches).
    handle : callable
        Receives every result, in this process.
    stop : StopFlag
        Checked between results.
    died : callable
        ``died(task)``: the result of an input that killed its worker on its own.
    target_seconds : float
        The time a batch should take.
    """

    def __init__(
        self,
        engine: BatchEngine[T, R],
        tasks: Iterable[T],
        total: int,
        handle: Callable[[R], None],
        stop: StopFlag,
        died: Callable[[T], R],
        target_seconds: float,
    ) -> None:
        self.engine = engine
        self.source = iter(tasks)
        self.handle = handle
        self.stop = stop
        self.died = died
        self.sizer = BatchSizer(target_seconds, total)
        self.retries: Retries[T] = Retries()
        self.inflight: dict[Any, tuple[tuple[T, ...], bool]] = {}
        self.exhausted = False

    def run(self) -> None:
        """Run every input; raise KeyboardInterrupt after a requested stop."""
        try:
            while True:
                if self.stop.requested:
                    self._drain()
                    raise KeyboardInterrupt
                self._submit()
                if not self.inflight:
                    if self.exhausted and not self.retries.pending:
                        return
                    continue
                for future in self._wait():
                    self._collect(future)
        except BaseException:
            for future in self.inflight:
                future.cancel()
            raise

    def _submit(self) -> None:
        slots = self.engine.slots(bool(self.inflight))
        retries = self.retries
        if retries.culprits:  # nothing else in flight: a death now is this input's
            if not self.inflight:
                self._send((retries.culprits.popleft(),), alone=True)
            return
        while len(self.inflight) < IN_FLIGHT_PER_SLOT * slots:
            if retries.suspects:  # one input at a time finds the one that kills its worker
                batch: tuple[T, ...] = (retries.suspects.popleft(),)
            elif self.exhausted:
                return
            else:
                size = self.sizer.size(slots)
                batch = tuple(t for _, t in zip(range(size), self.source, strict=False))
                if len(batch) < size:
                    self.exhausted = True
                if not batch:
                    return
                self.sizer.left -= len(batch)
            self._send(batch)

    def _send(self, batch: tuple[T, ...], alone: bool = False) -> None:
        self.inflight[self.engine.submit(batch)] = (batch, alone)

    def _wait(self, timeout: float = 0.2, interval: float = 0.005) -> list[Any]:
        """The futures in flight that are done, waiting up to ``timeout`` for one.

        Polls ``done()``, which every engine's futures have (``distributed.wait``, for one,
        runs on the process's default client, which may be another client on another loop).
        """
        deadline = time.monotonic() + timeout
        while True:
            done = [future for future in self.inflight if future.done()]
            if done or time.monotonic() > deadline:
                return done
            time.sleep(interval)

    def _collect(self, future: Any) -> None:
        batch, alone = self.inflight.pop(future)
        try:
            results, seconds = self.engine.outcome(future, batch)
        except WorkerLost:
            culprit = self.retries.lost(batch, alone)
            if culprit is not None:
                self.handle(self.died(culprit))
            return
        if seconds is not None:
            self.sizer.measured(seconds, len(batch))
        for result in results:
            self.handle(result)

    def _drain(self) -> None:
        """Hand the results of every batch in flight on (stop requested)."""
        while self.inflight:
            for future in self._wait():
                self._collect(future)
