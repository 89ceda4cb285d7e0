"""Classic loss functions as pure per-row numpy kernels (reference-spec Part B).

Every kernel returns the per-row losses (float64, one value per row) and never modifies its
inputs; reductions (mean, sum) are applied by the caller. Arithmetic is float64. A bad
parameter raises :class:`ValueError` naming it; the CLI validates its flags before any kernel
runs, so these messages are for Python callers.

Label encodings: margin losses take ``y`` in {-1, +1} (``ypm``), binary log loss takes ``y`` in
{0, 1} (``y01``), multi-class kernels take integer class indices (``labels``) into the columns
of a 2-D prediction. Which kernel serves which task and prediction kind is decided by the
registry (:mod:`augcli.loss.registry`).
"""

from __future__ import annotations

import numpy as np

EPS = float(np.finfo(np.float64).eps)


def _check_eps(eps: float) -> None:
    if eps <= 0.0 or eps >= 0.5:  # the comparisons of the CLI's FloatRange (NaN passes)
        raise ValueError(f"eps must be in (0, 0.5); got {eps!r}")


def sigmoid(f: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function ``1 / (1 + exp(-f))``.

    Parameters
    ----------
    f : ndarray
        Scores.

    Returns
    -------
    ndarray
        Probabilities in ``[0, 1]``.
    """
    return np.exp(-np.logaddexp(0.0, -np.asarray(f, dtype=np.float64)))


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax with max subtraction.

    Parameters
    ----------
    scores : ndarray, shape (n, k)
        Scores.

    Returns
    -------
    ndarray, shape (n, k)
        Rows summing to 1.
    """
    shifted = np.asarray(scores, dtype=np.float64)
    shifted = shifted - shifted.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def absolute_loss(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``|y - f|``.

    Parameters
    ----------
    y, f : ndarray
        Targets and predictions.

    Returns
    -------
    ndarray
        Per-row losses.

    Examples
    --------
    >>> absolute_loss(np.array([3.0, -0.5]), np.array([2.5, 0.0])).tolist()
    [0.5, 0.5]
    """
    return np.abs(y - f)


def squared_loss(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``(y - f)^2`` (no 1/2 factor).

    Parameters
    ----------
    y, f : ndarray
        Targets and predictions.

    Returns
    -------
    ndarray
        Per-row losses.
    """
    residual = y - f
    return residual * residual


def huber_loss(y: np.ndarray, f: np.ndarray, delta: float = 1.0) -> np.ndarray:
    """Huber loss: ``r^2/2`` for ``|r| <= delta``, else ``delta (|r| - delta/2)``, ``r = y - f``.

    Parameters
    ----------
    y, f : ndarray
        Targets and predictions.
    delta : float
        Where the quadratic part turns linear (> 0).

    Returns
    -------
    ndarray
        Per-row losses.

    Raises
    ------
    ValueError
        If ``delta`` is not positive.
    """
    if delta <= 0:
        raise ValueError(f"delta must be > 0; got {delta!r}")
    r = np.abs(y - f)
    return np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))


def regression_zero_one(y: np.ndarray, f: np.ndarray, tolerance: float | None) -> np.ndarray:
    """Exact-equality 0-1 loss, or ``1[|y - f| >= T]`` with a tolerance (strict ``<`` is correct).

    Parameters
    ----------
    y, f : ndarray
        Targets and predictions.
    tolerance : float or None
        ``T`` (> 0); None means exact equality.

    Returns
    -------
    ndarray
        Per-row losses (0.0 or 1.0).

    Raises
    ------
    ValueError
        If ``tolerance`` is given and not positive.
    """
    if tolerance is not None and tolerance <= 0:
        raise ValueError(f"tolerance must be > 0; got {tolerance!r}")
    wrong = y != f if tolerance is None else np.abs(y - f) >= tolerance
    return wrong.astype(np.float64)


def threshold_zero_one(y01: np.ndarray, pred: np.ndarray, threshold: float) -> np.ndarray:
    """Binary 0-1 loss: the prediction is the positive class iff ``pred >= threshold``.

    Parameters
    ----------
    y01 : ndarray
        Labels in {0, 1}.
    pred : ndarray
        Probabilities or scores, on the same scale as ``threshold``.
    threshold : float
        The cut; a prediction exactly on it is positive.

    Returns
    -------
    ndarray
        Per-row losses (0.0 or 1.0).

    Examples
    --------
    >>> threshold_zero_one(np.array([1.0, 0.0]), np.array([0.0, 0.0]), 0.0).tolist()
    [0.0, 1.0]
    """
    return ((pred >= threshold) != (y01 == 1)).astype(np.float64)


def argmax_zero_one(labels: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Multi-class 0-1 loss: the prediction is the argmax column (the first on ties).

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Class indices.
    pred : ndarray, shape (n, k)
        Probabilities or scores.

    Returns
    -------
    ndarray
        Per-row losses (0.0 or 1.0).
    """
    return (np.argmax(pred, axis=1) != labels).astype(np.float64)


def binary_log_loss(y01: np.ndarray, p: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Binary cross-entropy ``-[y ln p + (1-y) ln(1-p)]`` with ``p`` clipped to ``[eps, 1-eps]``.

    Parameters
    ----------
    y01 : ndarray
        Labels in {0, 1}.
    p : ndarray
        Probabilities of class 1, in ``[0, 1]``.
    eps : float
        Clipping bound in (0, 0.5) (default float64 machine epsilon, as scikit-learn >= 1.5).

    Returns
    -------
    ndarray
        Per-row losses.

    Raises
    ------
    ValueError
        If ``eps`` is outside (0, 0.5).

    Examples
    --------
    >>> round(float(binary_log_loss(np.array([1.0]), np.array([0.0]))[0]), 7)
    36.0436534
    """
    _check_eps(eps)
    clipped = np.clip(p, eps, 1.0 - eps)
    return -np.log(np.where(y01 == 1, clipped, 1.0 - clipped))


def multiclass_log_loss(labels: np.ndarray, proba: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Multi-class cross-entropy ``-ln P[true class]``, each P clipped to ``[eps, 1-eps]``.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Class indices into the columns of ``proba``.
    proba : ndarray, shape (n, k)
        Probabilities (rows are not renormalised).
    eps : float
        Clipping bound in (0, 0.5).

    Returns
    -------
    ndarray
        Per-row losses.

    Raises
    ------
    ValueError
        If ``eps`` is outside (0, 0.5).
    """
    _check_eps(eps)
    true = proba[np.arange(len(labels)), labels]
    return -np.log(np.clip(true, eps, 1.0 - eps))


def exponential_loss(ypm: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``exp(-y f)``; overflows to ``inf`` (reported, not clipped) when ``y f < -709.78``.

    Parameters
    ----------
    ypm : ndarray
        Labels in {-1, +1}.
    f : ndarray
        Scores.

    Returns
    -------
    ndarray
        Per-row losses.
    """
    with np.errstate(over="ignore"):
        return np.exp(-ypm * f)


def hinge_loss(ypm: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``max(0, 1 - y f)`` with ``y`` in {-1, +1}.

    Parameters
    ----------
    ypm : ndarray
        Labels in {-1, +1}.
    f : ndarray
        Scores.

    Returns
    -------
    ndarray
        Per-row losses.
    """
    return np.maximum(0.0, 1.0 - ypm * f)


def multiclass_hinge_loss(labels: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Crammer-Singer hinge ``max(0, 1 - (f_true - max_{k != true} f_k))``.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Class indices.
    scores : ndarray, shape (n, k), k >= 2
        Decision values (or probabilities, used as they are).

    Returns
    -------
    ndarray
        Per-row losses; equals scikit-learn's ``hinge_loss`` before averaging.
    """
    rows = np.arange(len(labels))
    true = scores[rows, labels]
    others = scores.astype(np.float64, copy=True)
    others[rows, labels] = -np.inf
    return np.maximum(0.0, 1.0 - (true - others.max(axis=1)))


def perceptron_loss(ypm: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``max(0, -y f)``: zero for a correct sign (and for ``f = 0``).

    Parameters
    ----------
    ypm : ndarray
        Labels in {-1, +1}.
    f : ndarray
        Scores.

    Returns
    -------
    ndarray
        Per-row losses.
    """
    return np.maximum(0.0, -ypm * f)
