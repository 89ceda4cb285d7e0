"""executors.batching: batch sizes, retries after worker deaths and stopping, engine-free."""

from __future__ import annotations

from collections import deque

import pytest

from augcli.augment.executors.batching import (
    BatchRunner,
    BatchSizer,
    Retries,
    WorkerLost,
)
from augcli.augment.executors.processes import StopFlag

pytestmark = pytest.mark.filterwarnings("error")


# -- BatchSizer --------------------------------------------------------------------------------


def test_the_first_batches_hold_one_input_before_anything_is_measured():
    assert BatchSizer(target_seconds=2.0, left=1000).size(slots=4) == 1


def test_a_batch_takes_the_target_time_at_the_measured_rate():
    sizer = BatchSizer(target_seconds=2.0, left=1000, per_task=0.3)
    assert sizer.size(slots=2) == 6  # int(2.0 / 0.3) = int(6.67)


def test_batches_shrink_towards_the_end_to_a_share_of_what_is_left():
    sizer = BatchSizer(target_seconds=2.0, left=30, per_task=0.1)
    assert sizer.size(slots=2) == 7  # 30 // (2 per slot * 2 slots), under the 20 of 2 s
    sizer.left = 3
    assert sizer.size(slots=2) == 1  # 3 // 4 = 0, at least 1


def test_an_unmeasurably_fast_input_does_not_divide_by_zero():
    sizer = BatchSizer(target_seconds=2.0, left=10**9, per_task=0.0)
    assert sizer.size(slots=1) == 2_000_000  # 2.0 / 1e-6


def test_the_rate_is_the_first_measurement_then_a_smoothed_average():
    sizer = BatchSizer(target_seconds=2.0, left=100)
    sizer.measured(seconds=0.5, count=5)
    assert sizer.per_task == pytest.approx(0.1)
    sizer.measured(seconds=0.4, count=2)
    assert sizer.per_task == pytest.approx(0.7 * 0.1 + 0.3 * 0.2)  # 0.13


# -- Retries -----------------------------------------------------------------------------------


def test_a_lost_batch_of_several_inputs_queues_each_to_run_alone():
    retries: Retries[str] = Retries()
    assert retries.lost(("a", "b", "c"), alone=False) is None
    assert retries.suspects == deque(["a", "b", "c"]) and not retries.culprits
    assert retries.pending


def test_a_lost_one_input_batch_queues_it_to_run_with_nothing_else_in_flight():
    retries: Retries[str] = Retries()
    assert retries.lost(("a",), alone=False) is None
    assert retries.culprits == deque(["a"]) and not retries.suspects


def test_an_input_lost_alone_is_the_culprit():
    retries: Retries[str] = Retries()
    assert retries.lost(("a",), alone=True) == "a"
    assert not retries.pending


# -- BatchRunner against a fake engine ---------------------------------------------------------


class Done:
    """A finished batch: its outcome is computed by the engine when collected."""

    def __init__(self, batch: tuple[int, ...], finished: bool = True) -> None:
        self.batch, self.finished, self.cancelled = batch, finished, False

    def done(self) -> bool:
        return self.finished

    def cancel(self) -> None:
        self.cancelled = True


class Engine:
    """Batches finish at once, 0.3 s per input; ``kills`` die in any batch, ``bystanders``
    once when alone. Records each batch and what was in flight when it was submitted."""

    def __init__(self, slots=(1,), kills=(), bystanders=(), never=(), fails=()) -> None:
        self.slot_counts = list(slots)
        self.kills, self.bystanders = set(kills), set(bystanders)
        self.never, self.fails = set(never), set(fails)
        self.batches: list[tuple[int, ...]] = []
        self.inflight_before: list[int] = []
        self.futures: list[Done] = []
        self.runner: BatchRunner | None = None

    def slots(self, busy: bool) -> int:
        return self.slot_counts.pop(0) if len(self.slot_counts) > 1 else self.slot_counts[0]

    def submit(self, batch: tuple[int, ...]) -> Done:
        self.batches.append(batch)
        self.inflight_before.append(len(self.runner.inflight))
        future = Done(batch, finished=not set(batch) & self.never)
        self.futures.append(future)
        return future

    def outcome(self, future: Done, batch: tuple[int, ...]):
        if set(batch) & self.fails:
            raise RuntimeError("engine broke")
        if set(batch) & self.kills:
            raise WorkerLost
        if len(batch) == 1 and set(batch) & self.bystanders:
            self.bystanders -= set(batch)
            raise WorkerLost
        return [("ok", t) for t in batch], 0.3 * len(batch)


def run(engine: Engine, n: int, stop: StopFlag | None = None, handle=None) -> list:
    handled: list = []
    runner = BatchRunner(
        engine,
        range(n),
        n,
        handle or handled.append,
        stop or StopFlag(),
        died=lambda t: ("died", t),
        target_seconds=2.0,
    )
    engine.runner = runner
    runner.run()
    return handled


def test_batch_sizes_over_a_run_are_the_hand_computed_ones():
    engine = Engine(slots=(1,))
    handled = run(engine, 30)
    # two in flight per slot; 1, 1 unmeasured; then min(6 = 2 s / 0.3 s, left // 2):
    # left 28 -> 6, 22 -> 6, 16 -> 6, 10 -> 5, 5 -> 2, 3 -> 1, 2 -> 1, 1 -> max(1, 0)
    assert [len(b) for b in engine.batches] == [1, 1, 6, 6, 6, 5, 2, 1, 1, 1]
    assert sorted(t for _, t in handled) == list(range(30))
    assert {kind for kind, _ in handled} == {"ok"}


def test_in_flight_is_twice_the_slots_as_they_are_re_read():
    engine = Engine(slots=(1, 3))
    run(engine, 60)
    assert engine.inflight_before[:2] == [0, 1]  # one slot: 2 in flight
    assert max(engine.inflight_before) == 5  # three slots: the 6th goes in beside 5


def test_a_killed_batch_reruns_its_inputs_alone_and_only_the_killer_dies():
    engine = Engine(slots=(1,), kills={4}, bystanders={5})
    handled = run(engine, 12)
    assert sorted(t for _, t in handled) == list(range(12))
    assert [t for kind, t in handled if kind == "died"] == [4]
    assert engine.bystanders == set()  # 5 died once alone as a bystander, then ran
    last_four = len(engine.batches) - 1 - engine.batches[::-1].index((4,))
    assert engine.inflight_before[last_four] == 0  # its last run: nothing else in flight


def test_a_stop_hands_on_what_is_in_flight_then_raises_keyboard_interrupt():
    engine = Engine(slots=(1,))
    stop = StopFlag()
    handled: list = []

    def handle(result) -> None:
        handled.append(result)
        stop.requested = True  # Ctrl-C after the first result

    with pytest.raises(KeyboardInterrupt):
        run(engine, 30, stop, handle)
    assert engine.batches == [(0,), (1,)]  # nothing submitted after the stop
    assert handled == [("ok", 0), ("ok", 1)]  # the batch in flight was handed on


def test_an_engine_error_cancels_the_batches_in_flight():
    engine = Engine(slots=(1,), never={1}, fails={0})
    with pytest.raises(RuntimeError, match="engine broke"):
        run(engine, 5)
    assert [f.cancelled for f in engine.futures] == [False, True]
