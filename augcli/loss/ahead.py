"""Running an iterator a few items ahead in a background thread (reading overlaps evaluation)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()


def read_ahead(items: Generator[T, None, None], depth: int = 2) -> Iterator[T]:
    """Yield the items of ``items`` in order, producing up to ``depth`` of them in advance.

    Parameters
    ----------
    items : generator
        Consumed in a worker thread started on the first ``next()``; it may raise, and the
        exception is raised here, after every item produced before it.
    depth : int
        Items produced but not yet taken (bounds memory).

    Yields
    ------
    object
        The items, in order.

    Notes
    -----
    numpy releases the interpreter lock inside its array loops, so the worker's parsing runs
    beside the consumer's arithmetic on another core. When the consumer stops early (an
    error, Ctrl-C), the worker is told to stop, ``items`` is closed in the worker (its
    ``finally`` clauses run there) and joined before this generator finishes.
    """
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                slots.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    break
            else:
                put((_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put((_END, exc))
        finally:
            items.close()

    worker = threading.Thread(target=work, name="augcli-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = slots.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
