"""Reading ahead in a thread: same items in the same order, errors in place, clean stops."""

from __future__ import annotations

import threading

import pytest

from augcli.loss.ahead import read_ahead


def counting(n: int, log: list[str], fail_at: int | None = None):
    try:
        for i in range(n):
            if i == fail_at:
                raise ValueError(f"bad item {i}")
            yield i
    finally:
        log.append(threading.current_thread().name)


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_items_come_in_order(depth):
    log: list[str] = []
    assert list(read_ahead(counting(100, log), depth)) == list(range(100))
    assert log == ["augcli-read-ahead"]  # the generator ran, and was closed, in the worker


def test_error_comes_after_the_items_before_it():
    got: list[int] = []
    with pytest.raises(ValueError, match="bad item 7"):
        for item in read_ahead(counting(100, [], fail_at=7)):
            got.append(item)
    assert got == list(range(7))


def test_nothing_runs_before_the_first_item_is_asked():
    log: list[str] = []
    items = read_ahead(counting(3, log))
    assert log == []
    assert "augcli-read-ahead" not in {t.name for t in threading.enumerate()}
    assert next(items) == 0
    items.close()


def test_stopping_early_closes_the_generator_and_joins_the_worker():
    log: list[str] = []
    before = {t.name for t in threading.enumerate()}
    items = read_ahead(counting(10_000, log), depth=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert log == ["augcli-read-ahead"]
    assert {t.name for t in threading.enumerate()} == before
