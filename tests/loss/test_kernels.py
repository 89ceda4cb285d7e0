"""Loss kernels against scikit-learn and the reference spec's worked examples (Part B)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    hinge_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    zero_one_loss,
)

from augcli.errors import UsageError
from augcli.loss.kernels import (
    BINARY,
    LOSS_NAMES,
    MULTICLASS,
    PROBABILITY,
    REGRESSION,
    SCORE,
    LossOptions,
    binary_log_loss,
    huber_loss,
    multiclass_hinge_loss,
    multiclass_log_loss,
    not_applicable_reason,
    per_row_losses,
    resolve_loss_names,
)

# Spec B5-B7 margin table: y = [1,-1,1,-1], f = [2.0,-0.5,0.3,0.4].
Y_PM = np.array([1.0, -1.0, 1.0, -1.0])
F = np.array([2.0, -0.5, 0.3, 0.4])


def col(a):
    return np.asarray(a, dtype=np.float64).reshape(-1, 1)


@pytest.mark.parametrize("labels", [Y_PM, (Y_PM + 1) / 2])
def test_margin_table_from_spec(labels):
    out = per_row_losses(BINARY, SCORE, labels, col(F), LOSS_NAMES)
    assert out["hinge"] == pytest.approx([0, 0.5, 0.7, 1.4])
    assert out["perceptron"] == pytest.approx([0, 0, 0, 0.4])
    assert out["exponential"] == pytest.approx([0.135335, 0.606531, 0.740818, 1.491825], abs=1e-6)
    assert out["exponential"].mean() == pytest.approx(0.7436272, abs=1e-7)
    assert out["zero_one"].tolist() == [0, 0, 0, 1]
    assert out["hinge"].mean() == pytest.approx(hinge_loss(labels, F))


def test_binary_log_loss_spec_and_sklearn():
    y, p = np.array([1.0, 0, 1, 0]), np.array([0.9, 0.2, 0.6, 0.55])
    rows = per_row_losses(BINARY, PROBABILITY, y, col(p), ["log"])["log"]
    assert rows == pytest.approx([0.1054, 0.2231, 0.5108, 0.7985], abs=1e-4)
    assert rows.mean() == pytest.approx(0.4094593, abs=1e-7)
    assert rows.sum() == pytest.approx(1.6378, abs=1e-4)
    assert rows.mean() == pytest.approx(log_loss(y, p), rel=1e-12)


def test_log_clipping_examples_from_spec():
    assert binary_log_loss(np.array([1.0]), np.array([0.0]))[0] == pytest.approx(36.0436534)
    assert binary_log_loss(np.array([1.0]), np.array([0.0]), eps=1e-15)[0] == pytest.approx(
        34.5387764
    )
    assert binary_log_loss(np.array([1.0, 0]), np.array([0.0, 0])).mean() == pytest.approx(
        18.0218267
    )
    assert binary_log_loss(np.array([1.0, 0]), np.array([0.0, 1])).mean() == pytest.approx(
        log_loss([1, 0], [0.0, 1.0])
    )


def test_multiclass_log_loss_spec_and_sklearn():
    y = np.array([0, 2, 1])
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]])
    rows = multiclass_log_loss(y, proba)
    assert rows == pytest.approx([0.3567, 0.5108, 0.6931], abs=1e-4)
    assert rows.mean() == pytest.approx(0.5202159, abs=1e-7)
    assert rows.mean() == pytest.approx(log_loss(y, proba))


def test_multiclass_non_normalised_rows_not_renormalised():
    y, proba = np.array([0, 1]), np.array([[0.5, 0.6], [0.2, 0.3]])
    rows = per_row_losses(MULTICLASS, PROBABILITY, y.astype(float), proba, ["log"])["log"]
    assert rows.mean() == pytest.approx(0.9486, abs=1e-4)


def test_multiclass_hinge_spec_and_sklearn():
    y = np.array([0, 2, 1])
    scores = np.array([[2, 1, 0.5], [0.1, 0.2, 0.25], [0, 1.5, 1]])
    assert multiclass_hinge_loss(y, scores).mean() == pytest.approx(0.4833, abs=1e-4)
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, 200)
    scores = rng.normal(size=(200, 4))
    assert multiclass_hinge_loss(y, scores).mean() == pytest.approx(
        hinge_loss(y, scores, labels=np.arange(4))
    )


def test_multiclass_scores_use_softmax_and_argmax():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 100).astype(float)
    scores = rng.normal(scale=3, size=(100, 3))
    out = per_row_losses(MULTICLASS, SCORE, y, scores, LOSS_NAMES)
    e = np.exp(scores)
    assert out["log"].mean() == pytest.approx(log_loss(y, e / e.sum(1, keepdims=True)))
    assert out["zero_one"].mean() == pytest.approx(zero_one_loss(y, scores.argmax(1)))
    assert set(out) == {"log", "zero_one", "hinge"}


def test_binary_random_against_sklearn():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 500).astype(float)
    p = rng.random(500)
    out = per_row_losses(BINARY, PROBABILITY, y, col(p), LOSS_NAMES)
    assert out["log"].mean() == pytest.approx(log_loss(y, p))
    assert out["zero_one"].mean() == pytest.approx(zero_one_loss(y, p >= 0.5))
    assert out["hinge"].mean() == pytest.approx(hinge_loss(y, 2 * p - 1))
    s = rng.normal(scale=4, size=500)
    out = per_row_losses(BINARY, SCORE, y, col(s), ["log", "zero_one", "hinge"])
    assert out["log"].mean() == pytest.approx(log_loss(y, 1 / (1 + np.exp(-s))))
    assert out["zero_one"].mean() == pytest.approx(zero_one_loss(y, s >= 0))
    assert out["hinge"].mean() == pytest.approx(hinge_loss(y, s))


def test_zero_score_predicts_positive_and_threshold():
    y = np.array([1.0, 0.0])
    zero = per_row_losses(BINARY, SCORE, y, col([0.0, 0.0]), ["zero_one"])["zero_one"]
    assert zero.tolist() == [0.0, 1.0]  # f >= 0 predicts 1: right for y=1, wrong for y=0
    half = per_row_losses(BINARY, PROBABILITY, y, col([0.5, 0.5]), ["zero_one"])["zero_one"]
    assert half.tolist() == [0.0, 1.0]
    opts = LossOptions(threshold=0.7)
    moved = per_row_losses(BINARY, PROBABILITY, y, col([0.6, 0.6]), ["zero_one"], opts)
    assert moved["zero_one"].tolist() == [1.0, 0.0]


def test_exponential_overflows_to_inf():
    out = per_row_losses(BINARY, SCORE, np.array([1.0]), col([-800.0]), ["exponential"])
    assert out["exponential"][0] == np.inf


def test_regression_spec_and_sklearn():
    y, f = np.array([3, -0.5, 2, 7]), np.array([2.5, 0.0, 2, 8])
    out = per_row_losses(REGRESSION, None, y, col(f), LOSS_NAMES)
    assert out["absolute"].tolist() == [0.5, 0.5, 0, 1]
    assert out["squared"].tolist() == [0.25, 0.25, 0, 1]
    assert out["mae"].mean() == mean_absolute_error(y, f) == 0.5
    assert out["mse"].mean() == mean_squared_error(y, f) == 0.375
    assert out["absolute"].sum() == 2.0 and out["squared"].sum() == 1.5
    assert out["zero_one"].tolist() == [1, 1, 0, 1]  # exact equality
    assert set(out) == {"zero_one", "absolute", "squared", "mae", "mse", "huber"}


def test_huber_by_hand():
    y, f = np.array([0.0, 0.0, 0.0, 0.0]), np.array([0.5, -1.0, 3.0, -2.0])
    # |r| <= 1: r^2/2 -> 0.125, 0.5 ; |r| > 1: |r| - 0.5 -> 2.5, 1.5
    assert huber_loss(y, f).tolist() == [0.125, 0.5, 2.5, 1.5]
    # delta 2: 0.125, 0.5, 2*(3-1) = 4, 2^2/2 = 2
    assert huber_loss(y, f, delta=2.0).tolist() == [0.125, 0.5, 4.0, 2.0]


def test_regression_tolerance_strict():
    y, f = np.array([1.0, 2, 3, 4]), np.array([1.1, 2.5, 2.95, 5.0])
    opts = LossOptions(tolerance=0.2)
    rows = per_row_losses(REGRESSION, None, y, col(f), ["zero_one"], opts)["zero_one"]
    assert rows.tolist() == [0, 1, 0, 1]
    edge = per_row_losses(
        REGRESSION, None, np.array([1.0]), col([1.5]), ["zero_one"], LossOptions(tolerance=0.5)
    )
    assert edge["zero_one"].tolist() == [1.0]


def test_inputs_not_modified():
    y, p = np.array([1.0, 0.0]), col([0.0, 1.0])
    y0, p0 = y.copy(), p.copy()
    per_row_losses(BINARY, PROBABILITY, y, p, LOSS_NAMES)
    per_row_losses(MULTICLASS, SCORE, np.array([0.0, 1.0]), np.hstack([p, 1 - p]), LOSS_NAMES)
    assert (y == y0).all() and (p == p0).all()


def test_applicability_matrix():
    for name in LOSS_NAMES:
        for task in (BINARY, MULTICLASS, REGRESSION):
            reason = not_applicable_reason(name, task)
            expected = {
                BINARY: {"zero_one", "log", "exponential", "hinge", "perceptron"},
                MULTICLASS: {"zero_one", "log", "hinge"},
                REGRESSION: {"zero_one", "absolute", "squared", "mae", "mse", "huber"},
            }[task]
            assert (reason is None) == (name in expected), (name, task)
    assert "multiclass" in not_applicable_reason("exponential", MULTICLASS)


def test_resolve_names():
    assert resolve_loss_names([]) == LOSS_NAMES
    assert resolve_loss_names(["all"]) == LOSS_NAMES
    assert resolve_loss_names(["mse,log", "l1", "log"]) == ("log", "mae", "mse")
    with pytest.raises(UsageError, match=r"did you mean 'hinge'.*valid names: zero_one"):
        resolve_loss_names(["hindge"])
