"""Convention detection: initial candidates, narrowing chunk by chunk, errors when pinned."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.core.errors import InputError, UsageError
from augcli.loss.chunk import Chunk
from augcli.loss.conventions import (
    BINARY_PROBABILITY,
    BINARY_SCORE,
    MULTICLASS_PROBABILITY,
    MULTICLASS_SCORE,
    REAL,
)
from augcli.loss.detection import Detector, initial_conventions


def chunk(y, pred, first_line=2):
    pred = np.asarray(pred, dtype=np.float64)
    pred = pred.reshape(len(pred), -1)
    lines = np.arange(first_line, first_line + len(pred), dtype=np.int64)
    return Chunk(lines, np.asarray(y, dtype=np.float64), pred)


def detector(task="auto", kind="auto", k=1):
    names = ("y_pred",) if k == 1 else tuple(f"p_{j}" for j in range(k))
    return Detector("t.csv", "line", names, task, kind)


def test_initial_candidates_in_order_of_preference():
    assert initial_conventions("auto", "auto", 1) == [BINARY_PROBABILITY, BINARY_SCORE, REAL]
    assert initial_conventions("auto", "auto", 3) == [MULTICLASS_PROBABILITY, MULTICLASS_SCORE]
    assert initial_conventions("binary", "score", 1) == [BINARY_SCORE]
    assert initial_conventions("regression", "probability", 1) == [REAL]


@pytest.mark.parametrize(
    ("task", "k", "message"),
    [("multiclass", 1, "one prediction column per class"), ("binary", 2, "got 2")],
)
def test_task_that_does_not_fit_the_columns(task, k, message):
    with pytest.raises(UsageError, match=message):
        initial_conventions(task, "auto", k)


def test_a_label_outside_binary_leaves_regression():
    det = detector()
    det.check(chunk([0, 1], [0.2, 0.7]))
    assert det.candidates == [BINARY_PROBABILITY, BINARY_SCORE, REAL]
    det.check(chunk([2], [0.5], first_line=4))
    assert det.candidates == [REAL] and det.labels(REAL) == "real"


def test_a_prediction_outside_unit_interval_leaves_scores():
    det = detector()
    det.check(chunk([1, -1], [0.5, 1.5]))
    assert det.candidates == [BINARY_SCORE, REAL]
    assert det.labels(BINARY_SCORE) == "{-1,+1}"


def test_labels_mixing_zero_and_minus_one_across_chunks():
    det = detector(task="binary")
    det.check(chunk([1, 0], [0.5, 0.5]))
    with pytest.raises(InputError, match=r"t.csv: labels mix 0 \(line 3\) and -1 \(line 7\)"):
        det.check(chunk([1, -1], [0.5, 0.5], first_line=6))


def test_pinned_probability_rejects_a_value_outside_the_unit_interval():
    det = detector(kind="probability")
    with pytest.raises(InputError, match=r"line 3, column 'y_pred': probability 1.5 is outside"):
        det.check(chunk([1, 0], [0.5, 1.5]))


def test_multiclass_label_must_index_a_column():
    det = detector(k=3)
    with pytest.raises(InputError, match=r"line 2: label 1.5 is not a class index.*0..2"):
        det.check(chunk([1.5], [[0.2, 0.3, 0.5]]))
