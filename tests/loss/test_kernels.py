"""Pure loss kernels against scikit-learn, scipy and the reference spec's worked examples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from scipy.special import softmax as sp_softmax

pytest.importorskip("sklearn", reason="needs scikit-learn: pip install '.[test]'")

from sklearn.metrics import hinge_loss as sk_hinge_loss
from sklearn.metrics import log_loss, zero_one_loss

from augcli.loss import kernels as K

pytestmark = pytest.mark.filterwarnings("error")


def test_sigmoid_matches_scipy_and_saturates_without_warnings():
    f = np.array([-800.0, -30.0, -1.0, 0.0, 2.5, 800.0])
    assert K.sigmoid(f) == pytest.approx(expit(f), rel=1e-14, abs=0)


def test_softmax_matches_scipy_for_large_scores():
    scores = np.array([[1000.0, 999.0, 0.0], [-3.0, 0.5, 2.0]])
    assert K.softmax(scores) == pytest.approx(sp_softmax(scores, axis=1), rel=1e-14)


def test_binary_log_loss_clipping_examples_from_spec():
    assert K.binary_log_loss(np.array([1.0]), np.array([0.0]))[0] == pytest.approx(36.0436534)
    one_e15 = K.binary_log_loss(np.array([1.0]), np.array([0.0]), eps=1e-15)[0]
    assert one_e15 == pytest.approx(34.5387764)
    both = K.binary_log_loss(np.array([1.0, 0]), np.array([0.0, 0]))
    assert both.mean() == pytest.approx(18.0218267)
    assert K.binary_log_loss(np.array([1.0, 0]), np.array([0.0, 1])).mean() == pytest.approx(
        log_loss([1, 0], [0.0, 1.0])
    )


def test_binary_log_loss_random_against_sklearn():
    rng = np.random.default_rng(5)
    y, p = rng.integers(0, 2, 500).astype(float), rng.random(500)
    assert K.binary_log_loss(y, p).mean() == pytest.approx(log_loss(y, p), rel=1e-12)


def test_multiclass_log_loss_spec_and_sklearn():
    y = np.array([0, 2, 1])
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]])
    rows = K.multiclass_log_loss(y, proba)
    assert rows == pytest.approx([0.3567, 0.5108, 0.6931], abs=1e-4)
    assert rows.mean() == pytest.approx(0.5202159, abs=1e-7)
    assert rows.mean() == pytest.approx(log_loss(y, proba))


def test_multiclass_hinge_random_against_sklearn():
    rng = np.random.default_rng(3)
    y, scores = rng.integers(0, 4, 200), rng.normal(size=(200, 4))
    assert K.multiclass_hinge_loss(y, scores).mean() == pytest.approx(
        sk_hinge_loss(y, scores, labels=np.arange(4))
    )


def test_binary_hinge_random_against_sklearn():
    rng = np.random.default_rng(6)
    y, f = rng.integers(0, 2, 300), rng.normal(scale=2, size=300)
    assert K.hinge_loss(2.0 * y - 1, f).mean() == pytest.approx(sk_hinge_loss(y, f))


def test_exponential_overflows_to_inf_without_warning():
    assert K.exponential_loss(np.array([1.0]), np.array([-800.0]))[0] == np.inf


def test_zero_one_kernels_against_sklearn():
    rng = np.random.default_rng(8)
    y, p = rng.integers(0, 2, 200).astype(float), rng.random(200)
    assert K.threshold_zero_one(y, p, 0.5).mean() == pytest.approx(zero_one_loss(y, p >= 0.5))
    labels, scores = rng.integers(0, 3, 200), rng.normal(size=(200, 3))
    assert K.argmax_zero_one(labels, scores).mean() == pytest.approx(
        zero_one_loss(labels, scores.argmax(1))
    )


def test_argmax_zero_one_takes_the_first_column_on_ties():
    assert K.argmax_zero_one(np.array([0, 1]), np.array([[0.5, 0.5], [0.5, 0.5]])).tolist() == [
        0.0,
        1.0,
    ]


def test_regression_zero_one_strict_tolerance_boundary():
    # |1.0 - 1.5| = 0.5 is exactly representable: with T = 0.5 it is an error (strict <).
    assert K.regression_zero_one(np.array([1.0]), np.array([1.5]), 0.5).tolist() == [1.0]
    assert K.regression_zero_one(np.array([1.0, 2.0]), np.array([1.0, 2.5]), None).tolist() == [
        0.0,
        1.0,
    ]


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: K.huber_loss(np.zeros(1), np.zeros(1), delta=0.0), "delta"),
        (lambda: K.regression_zero_one(np.zeros(1), np.zeros(1), -1.0), "tolerance"),
        (lambda: K.binary_log_loss(np.zeros(1), np.zeros(1), eps=0.5), "eps"),
        (lambda: K.multiclass_log_loss(np.zeros(1, int), np.ones((1, 2)), eps=0.0), "eps"),
    ],
)
def test_bad_parameter_raises_value_error_naming_it(call, parameter):
    with pytest.raises(ValueError, match=rf"^{parameter} must be"):
        call()


KERNEL_CALLS = {
    "absolute_loss": lambda y, f: K.absolute_loss(y, f),
    "squared_loss": lambda y, f: K.squared_loss(y, f),
    "huber_loss": lambda y, f: K.huber_loss(y, f, 0.5),
    "regression_zero_one": lambda y, f: K.regression_zero_one(y, f, 0.1),
    "threshold_zero_one": lambda y, f: K.threshold_zero_one(y, f, 0.5),
    "binary_log_loss": lambda y, f: K.binary_log_loss(y, f),
    "exponential_loss": lambda y, f: K.exponential_loss(2 * y - 1, f),
    "hinge_loss": lambda y, f: K.hinge_loss(2 * y - 1, f),
    "perceptron_loss": lambda y, f: K.perceptron_loss(2 * y - 1, f),
}


@pytest.mark.parametrize("name", sorted(KERNEL_CALLS))
def test_kernel_keeps_inputs_and_returns_one_float64_per_row(name):
    y, f = np.array([1.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.25])
    y0, f0 = y.copy(), f.copy()
    out = KERNEL_CALLS[name](y, f)
    assert out.dtype == np.float64 and out.shape == (3,)
    assert (y == y0).all() and (f == f0).all()


def test_multiclass_kernels_keep_inputs():
    labels, scores = np.array([0, 1]), np.array([[0.2, 0.8], [0.6, 0.4]])
    s0 = scores.copy()
    for kernel in (K.multiclass_hinge_loss, K.multiclass_log_loss, K.argmax_zero_one):
        assert kernel(labels, scores).shape == (2,)
    assert (scores == s0).all()
