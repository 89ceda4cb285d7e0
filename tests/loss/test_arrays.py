"""evaluate_losses on numpy arrays against scikit-learn and the spec's worked examples."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="needs scikit-learn: pip install '.[test]'")

from sklearn.metrics import (
    hinge_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    zero_one_loss,
)

from augcli.core.errors import InputError, UsageError
from augcli.loss import LOSS_NAMES, LossOptions, evaluate_losses

pytestmark = pytest.mark.filterwarnings("error")


def test_binary_probabilities_detected_and_match_sklearn():
    rng = np.random.default_rng(12)
    y, p = rng.integers(0, 2, 400), rng.random(400)
    report = evaluate_losses(y, p)
    assert (report.task, report.pred_kind, report.labels) == ("binary", "probability", "{0,1}")
    assert report.values["log"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert report.values["zero_one"] == pytest.approx(zero_one_loss(y, p >= 0.5))
    assert report.values["hinge"] == pytest.approx(hinge_loss(y, 2 * p - 1))
    assert set(report.values) | set(report.not_applicable) == set(LOSS_NAMES)


def test_binary_scores_margin_table_from_spec():
    report = evaluate_losses([1, -1, 1, -1], [2.0, -0.5, 0.3, 0.4], "hinge,perceptron,exponential")
    assert (report.task, report.pred_kind, report.labels) == ("binary", "score", "{-1,+1}")
    assert report.values["hinge"] == pytest.approx(0.65)
    assert report.values["perceptron"] == pytest.approx(0.1)
    assert report.values["exponential"] == pytest.approx(0.7436272, abs=1e-7)


def test_multiclass_from_a_2d_prediction():
    y = np.array([0, 2, 1])
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]])
    report = evaluate_losses(y, proba, ["log", "zero_one", "hinge"])
    assert (report.task, report.labels) == ("multiclass", "0..2")
    assert report.values["log"] == pytest.approx(log_loss(y, proba))
    assert report.values["zero_one"] == 0.0
    assert report.values["hinge"] == pytest.approx(hinge_loss(y, proba, labels=[0, 1, 2]))


def test_regression_and_sum_reduction():
    y, f = [3, -0.5, 2, 7], [2.5, 0, 2, 8]
    report = evaluate_losses(y, f, ["mae", "mse", "absolute", "squared"], reduction="sum")
    assert report.task == "regression" and report.pred_kind is None
    assert report.values["mae"] == mean_absolute_error(y, f)  # always a mean
    assert report.values["mse"] == mean_squared_error(y, f)
    assert (report.values["absolute"], report.values["squared"]) == (2.0, 1.5)


def test_options_and_forced_task():
    y, f = [1, 2, 3, 4], [1.1, 2.5, 2.95, 5.0]
    tol = evaluate_losses(y, f, "zero_one", options=LossOptions(tolerance=0.2))
    assert tol.values["zero_one"] == 0.5 and tol.notes["zero_one"] == "correct iff |y - f| < 0.2"
    brier = evaluate_losses([1, 0], [0.9, 0.2], "mse", task="regression")
    assert brier.values["mse"] == pytest.approx((0.01 + 0.04) / 2)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([[1, 0]], [0.5], "y_true must be 1-D"),
        ([1, 0], np.zeros((2, 2, 1)), "y_pred must be 1-D or 2-D"),
        ([1, 0], [0.5], "differ in length: 2 and 1"),
        ([], [], "no rows"),
        ([1, 0], [0.5, np.nan], r"y_pred holds NaN or infinity \(row 1\)"),
    ],
)
def test_bad_arrays_raise_value_error(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        evaluate_losses(y_true, y_pred)


def test_bad_option_raises_value_error_from_the_kernel():
    with pytest.raises(ValueError, match="delta must be > 0"):
        evaluate_losses([1.5, 2.0], [1.0, 2.0], "huber", options=LossOptions(delta=-1.0))


def test_contradicting_data_and_unknown_names():
    with pytest.raises(InputError, match=r"arrays: row 1: label 2 is not in \{0,1\}"):
        evaluate_losses([1, 2], [0.5, 0.5], task="binary")
    with pytest.raises(UsageError, match="did you mean 'hinge'"):
        evaluate_losses([1, 0], [0.5, 0.5], "hindge")
