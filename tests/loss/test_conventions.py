"""Conventions: the prepared views of a batch (f = 2p - 1, sigmoid, softmax) and thresholds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from scipy.special import softmax as sp_softmax

from augcli.loss.conventions import (
    BINARY,
    BINARY_PROBABILITY,
    BINARY_SCORE,
    CONVENTIONS,
    MULTICLASS,
    MULTICLASS_PROBABILITY,
    MULTICLASS_SCORE,
    PROBABILITY,
    REAL,
    REGRESSION,
    SCORE,
    Batch,
    convention,
)
from augcli.loss.registry import LossOptions


def test_convention_lookup_ignores_the_kind_for_regression():
    assert convention(REGRESSION, PROBABILITY) == REAL
    assert convention(BINARY, PROBABILITY) == BINARY_PROBABILITY
    assert convention(BINARY, SCORE) == BINARY_SCORE
    assert convention(MULTICLASS, SCORE) == MULTICLASS_SCORE
    assert len(set(CONVENTIONS)) == 5


def test_default_threshold_is_half_for_probabilities_zero_for_scores():
    assert LossOptions().threshold_for(BINARY_PROBABILITY) == 0.5
    assert LossOptions().threshold_for(BINARY_SCORE) == 0.0
    assert LossOptions(threshold=0.7).threshold_for(BINARY_SCORE) == 0.7


def test_binary_views_for_both_label_encodings():
    p = np.array([[0.9], [0.2], [0.5]])
    for y in (np.array([1.0, 0.0, 1.0]), np.array([1.0, -1.0, 1.0])):
        prob = Batch(BINARY_PROBABILITY, y, p, LossOptions())
        assert prob.y01.tolist() == [1, 0, 1] and prob.ypm.tolist() == [1, -1, 1]
        assert prob.f == pytest.approx([0.8, -0.6, 0.0])  # f = 2p - 1
        assert prob.p.tolist() == [0.9, 0.2, 0.5]
    scores = np.array([[2.0], [-0.5], [0.0]])
    score = Batch(BINARY_SCORE, np.array([1.0, 0.0, 1.0]), scores, LossOptions())
    assert score.f.tolist() == [2.0, -0.5, 0.0]
    assert score.p == pytest.approx(expit(scores[:, 0]), rel=1e-15)


def test_multiclass_views():
    scores = np.array([[2.0, 1.0, 0.5], [0.0, 1.5, 1.0]])
    batch = Batch(MULTICLASS_SCORE, np.array([0.0, 2.0]), scores, LossOptions())
    assert batch.labels.tolist() == [0, 2] and batch.labels.dtype == np.int64
    assert batch.proba == pytest.approx(sp_softmax(scores, axis=1), rel=1e-14)
    as_given = Batch(MULTICLASS_PROBABILITY, np.array([0.0, 2.0]), scores, LossOptions())
    assert as_given.proba is scores
