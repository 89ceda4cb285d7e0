"""Running tasks in worker processes, for whoever has many independent tasks.

A bounded process pool that survives worker deaths, Ctrl-C and SIGTERM deferred to safe points
between results, and the setup every worker process gets. Knows nothing about images.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def prepare_worker_process() -> None:
    """What every pool worker does first: leave Ctrl-C to the main process, die with it, and
    keep freed buffers for reuse."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    # A forked worker inherits the main process's deferred SIGTERM handler, which only sets a
    # flag: the pool could then not terminate a worker stuck after another one died.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    keep_freed_memory()


def _die_with_parent() -> None:
    """End this worker as soon as the main process is gone (even by kill -9).

    On Linux workers are forked by the main process and PR_SET_PDEATHSIG kills them with it.
    With other start methods a worker's parent may be a forkserver, and the worker holds the
    task queue's write end, so it would wait for tasks forever: a daemon thread also watches
    multiprocessing's parent sentinel (a pipe the main process holds open) and exits the
    worker when it closes.
    """
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_gone, args=(parent.sentinel,), daemon=True).start()
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: no orphan outlives a kill -9
    except (OSError, AttributeError):
        pass


def keep_freed_memory() -> None:
    """glibc: serve image-sized buffers from the heap and keep freed memory for reuse.

    Every output allocates a few arrays of 1-2 MB; by default glibc maps each one afresh and
    unmaps it when freed, so the worker pays a page fault per 4 KiB of every buffer (about 250
    per 512x512 output, measured). Keeping them on the heap makes later buffers reuse pages
    that are already mapped (page faults 25x fewer). For worker processes (of the local pool
    and Dask workers), never the main process; a no-op off Linux.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: up to glibc's maximum, 32 MiB
        libc.mallopt(-1, 128 << 20)  # M_TRIM_THRESHOLD: keep up to 128 MiB of freed heap
    except (OSError, AttributeError):
        pass


def _exit_when_gone(sentinel: int) -> None:
    from multiprocessing.connection import wait as wait_ready

    wait_ready([sentinel])
    os._exit(1)


class StopFlag:
    """Set by a deferred SIGINT/SIGTERM; :meth:`check` raises KeyboardInterrupt at a safe point."""

    def __init__(self) -> None:
        self.requested = False

    def check(self) -> None:
        """Raise KeyboardInterrupt if a stop was requested."""
        if self.requested:
            raise KeyboardInterrupt


class deferred_interrupts:  # noqa: N801 - used as a context manager
    """SIGINT/SIGTERM set a flag checked between results (a second one raises at once)."""

    def __enter__(self) -> StopFlag:
        self.flag = StopFlag()
        self.saved: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.saved[sig] = signal.signal(sig, self._handler)
        return self.flag

    def _handler(self, signum: int, frame: Any) -> None:
        if self.flag.requested:
            raise KeyboardInterrupt
        self.flag.requested = True

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)


def run_in_process(
    tasks: Iterable[T], work: Callable[[T], R], handle: Callable[[R], None], stop: StopFlag
) -> None:
    """Run ``work`` on each task in this process, handing each result to ``handle``."""
    for task in tasks:
        stop.check()
        handle(work(task))
    stop.check()


def run_pool(
    tasks: Iterable[T],
    work: Callable[[T], R],
    handle: Callable[[R], None],
    stop: StopFlag,
    workers: int,
    initializer: Callable[..., None],
    initargs: tuple,
    died: Callable[[T], R],
) -> None:
    """Run ``work`` on each task in a pool of ``workers`` processes.

    At most ``2 * workers`` tasks are in flight (memory stays bounded); results go to
    ``handle`` in the main process as they arrive. When a worker dies, the tasks that were in
    flight are re-run one at a time in a new pool, and the one that kills a worker on its own
    gets ``died(task)`` as its result. ``stop.check()`` runs between results.
    """
    import multiprocessing

    # Linux: fork, so workers start with everything imported (the pool is created before any
    # helper thread runs: tqdm's monitor is off, and with "fork" the executor starts all its
    # processes before its own management thread). Elsewhere: spawn, the platform default.
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, context, initializer, initargs)

    pool = new_pool()
    source = iter(tasks)
    suspects: deque[T] = deque()
    inflight: dict[Future, tuple[T, bool]] = {}
    exhausted = False
    limit = 2 * workers
    try:
        while True:
            stop.check()
            if suspects:
                if not inflight:  # after a worker died: one at a time finds the culprit
                    task = suspects.popleft()
                    inflight[pool.submit(work, task)] = (task, True)
            else:
                while not exhausted and len(inflight) < limit:
                    task = next(source, None)
                    if task is None:
                        exhausted = True
                    else:
                        inflight[pool.submit(work, task)] = (task, False)
            if not inflight:
                if exhausted and not suspects:
                    break
                continue
            done, _ = wait(inflight, timeout=0.2, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task, alone = inflight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    if alone:
                        handle(died(task))
                    else:
                        suspects.append(task)
                    continue
                handle(result)
            if broken:
                for future, (task, _alone) in list(inflight.items()):
                    if future.done() and future.exception() is None:
                        handle(future.result())
                    else:
                        suspects.append(task)
                inflight.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = new_pool()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
