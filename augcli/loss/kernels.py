"""Classic loss functions as pure per-row numpy functions, and the loss registry.

Definitions follow ``reference/reference-spec.md`` Part B. Every function returns the
per-row losses (float64, one value per row) and never modifies its inputs; reductions
(mean, sum) are applied by the caller (:mod:`augcli.loss.evaluate`). Arithmetic is float64.

Conventions (also in ``augcli loss --help``):

* Binary labels are ``{0,1}`` or ``{-1,+1}``; ``1`` is the positive class. Margin losses use
  ``y = ±1``; log loss uses ``y = 0/1``.
* Probabilities feed the margin losses through ``f = 2p - 1``; scores feed log loss through
  the sigmoid. Log loss clips probabilities to ``[eps, 1 - eps]`` (no renormalisation).
* ``zero_one`` on binary data predicts the positive class iff ``p >= threshold`` (default
  0.5) or ``f >= threshold`` (default 0): a score of exactly 0 predicts positive. This is
  the issue's rule; it differs from the reference spec's sign form ``1[y f <= 0]`` only for
  ``y = +1, f = 0`` (correct here, an error there).
* Multi-class labels are integer indices ``0..K-1`` into the prediction columns; scores are
  turned into probabilities for log loss by the softmax; ``zero_one`` uses the argmax (first
  on ties); ``hinge`` is Crammer-Singer on the columns as given (as scikit-learn).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from augcli.errors import UsageError
from augcli.suggest import did_you_mean

BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"
PROBABILITY, SCORE = "probability", "score"
EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class LossInfo:
    """A registry entry.

    Attributes
    ----------
    name : str
        Canonical name (a JSON key).
    summary : str
        One-line definition shown in ``--help``.
    tasks : frozenset of str
        Tasks the loss applies to.
    always_mean : bool
        True for ``mae``/``mse``, which ignore ``--reduction sum``.
    """

    name: str
    summary: str
    tasks: frozenset[str]
    always_mean: bool = False


_ALL = frozenset({BINARY, MULTICLASS, REGRESSION})
_BIN = frozenset({BINARY})
_CLS = frozenset({BINARY, MULTICLASS})
_REG = frozenset({REGRESSION})

REGISTRY: dict[str, LossInfo] = {
    info.name: info
    for info in (
        LossInfo("zero_one", "1[prediction wrong] (binary threshold, argmax, |y-f| < T)", _ALL),
        LossInfo("absolute", "|y - f|", _REG),
        LossInfo("log", "-ln p(true class), p clipped to [eps, 1-eps]", _CLS),
        LossInfo("squared", "(y - f)^2", _REG),
        LossInfo("exponential", "exp(-y f), y in {-1,+1}", _BIN),
        LossInfo("hinge", "max(0, 1 - y f); multiclass Crammer-Singer", _CLS),
        LossInfo("perceptron", "max(0, -y f), y in {-1,+1}", _BIN),
        LossInfo("mae", "mean |y - f| (always a mean)", _REG, always_mean=True),
        LossInfo("mse", "mean (y - f)^2 (always a mean)", _REG, always_mean=True),
        LossInfo("huber", "r^2/2 if |r| <= delta else delta(|r| - delta/2), r = y - f", _REG),
    )
}
LOSS_NAMES: tuple[str, ...] = tuple(REGISTRY)
ALIASES = {"l1": "mae", "l2": "mse", "log_loss": "log", "cross_entropy": "log"}


def resolve_loss_names(requested: Iterable[str]) -> tuple[str, ...]:
    """Turn user-given names (``all``, comma-separated lists, aliases) into canonical names.

    Parameters
    ----------
    requested : iterable of str
        Names as typed; empty means ``all``.

    Returns
    -------
    tuple of str
        Canonical names in registry order, without duplicates.

    Raises
    ------
    UsageError
        For an unknown name, with close matches and the list of valid names.

    Examples
    --------
    >>> resolve_loss_names(["mse,log", "l1"])
    ('log', 'mae', 'mse')
    """
    wanted: set[str] = set()
    for item in requested:
        for raw in item.split(","):
            name = raw.strip().lower()
            if not name:
                continue
            if name == "all":
                wanted.update(LOSS_NAMES)
                continue
            name = ALIASES.get(name, name)
            if name not in REGISTRY:
                hint = did_you_mean(name, [*LOSS_NAMES, *ALIASES, "all"])
                raise UsageError(
                    f"unknown loss {raw.strip()!r}{hint}; valid names: "
                    + ", ".join(LOSS_NAMES)
                    + ", all"
                )
            wanted.add(name)
    if not wanted:
        wanted.update(LOSS_NAMES)
    return tuple(n for n in LOSS_NAMES if n in wanted)


def not_applicable_reason(name: str, task: str) -> str | None:
    """Say why a loss does not apply to a task, or return None if it does.

    Parameters
    ----------
    name : str
        Canonical loss name.
    task : str
        ``'binary'``, ``'multiclass'`` or ``'regression'``.

    Returns
    -------
    str or None
        The reason, for the report.
    """
    if task in REGISTRY[name].tasks:
        return None
    if task == REGRESSION:
        return "classification loss; the labels are real values (regression)"
    if REGISTRY[name].tasks == _REG:
        return f"regression loss; this data is {task} (--task regression forces it)"
    return "defined for two classes with y in {-1,+1}; this data is multiclass"


# -- kernels ------------------------------------------------------------------------------
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


def binary_log_loss(y01: np.ndarray, p: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Binary cross-entropy ``-[y ln p + (1-y) ln(1-p)]`` with ``p`` clipped to ``[eps, 1-eps]``.

    Parameters
    ----------
    y01 : ndarray
        Labels in {0, 1}.
    p : ndarray
        Probabilities of class 1, in ``[0, 1]``.
    eps : float
        Clipping bound (default float64 machine epsilon, as scikit-learn >= 1.5).

    Returns
    -------
    ndarray
        Per-row losses.

    Examples
    --------
    >>> round(float(binary_log_loss(np.array([1.0]), np.array([0.0]))[0]), 7)
    36.0436534
    """
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
        Clipping bound.

    Returns
    -------
    ndarray
        Per-row losses.
    """
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
    """
    r = np.abs(y - f)
    return np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))


def regression_zero_one(y: np.ndarray, f: np.ndarray, tolerance: float | None) -> np.ndarray:
    """Exact-equality 0-1 loss, or ``1[|y - f| >= T]`` with a tolerance (strict ``<`` is correct).

    Parameters
    ----------
    y, f : ndarray
        Targets and predictions.
    tolerance : float or None
        ``T``; None means exact equality.

    Returns
    -------
    ndarray
        Per-row losses (0.0 or 1.0).
    """
    wrong = y != f if tolerance is None else np.abs(y - f) >= tolerance
    return wrong.astype(np.float64)


# -- per-convention evaluation --------------------------------------------------------------
@dataclass(frozen=True)
class LossOptions:
    """Knobs of the losses.

    Attributes
    ----------
    threshold : float or None
        Binary decision threshold on the prediction's own scale; None = 0.5 for
        probabilities, 0 for scores.
    tolerance : float or None
        Regression 0-1 tolerance; None = exact equality.
    eps : float
        Log-loss clipping bound.
    delta : float
        Huber delta.
    """

    threshold: float | None = None
    tolerance: float | None = None
    eps: float = EPS
    delta: float = 1.0


def per_row_losses(
    task: str,
    pred_kind: str | None,
    y: np.ndarray,
    pred: np.ndarray,
    names: Iterable[str],
    options: LossOptions = LossOptions(),  # noqa: B008 - frozen, immutable default
) -> dict[str, np.ndarray]:
    """Per-row values of the applicable losses under one convention.

    Parameters
    ----------
    task : str
        ``'binary'`` (labels in {0,1} or {-1,+1}), ``'multiclass'`` (integer labels
        ``0..K-1``) or ``'regression'``; the caller has validated the labels.
    pred_kind : str or None
        ``'probability'`` (values in [0,1], validated by the caller) or ``'score'``;
        ignored for regression.
    y : ndarray, shape (n,)
        Labels.
    pred : ndarray, shape (n, k)
        Predictions (k = 1 except for multiclass).
    names : iterable of str
        Canonical loss names; those not applicable to ``task`` are skipped.
    options : LossOptions
        Threshold, tolerance, eps, delta.

    Returns
    -------
    dict of str to ndarray
        Name -> per-row losses, for the applicable names only.

    Examples
    --------
    >>> out = per_row_losses("regression", None, np.array([3.0, -0.5]),
    ...                      np.array([[2.5], [0.0]]), ["absolute", "squared"])
    >>> out["absolute"].tolist(), out["squared"].tolist()
    ([0.5, 0.5], [0.25, 0.25])
    """
    names = [n for n in names if not_applicable_reason(n, task) is None]
    out: dict[str, np.ndarray] = {}
    if not names:
        return out
    if task == REGRESSION:
        f = pred[:, 0]
        residual = y - f
        for name in names:
            if name in ("absolute", "mae"):
                out[name] = np.abs(residual)
            elif name in ("squared", "mse"):
                out[name] = residual * residual
            elif name == "huber":
                out[name] = huber_loss(y, f, options.delta)
            elif name == "zero_one":
                out[name] = regression_zero_one(y, f, options.tolerance)
        return out
    if task == MULTICLASS:
        labels = y.astype(np.int64)
        for name in names:
            if name == "log":
                proba = pred if pred_kind == PROBABILITY else softmax(pred)
                out[name] = multiclass_log_loss(labels, proba, options.eps)
            elif name == "zero_one":
                out[name] = (np.argmax(pred, axis=1) != labels).astype(np.float64)
            elif name == "hinge":
                out[name] = multiclass_hinge_loss(labels, pred)
        return out
    positive = y == 1
    y01 = positive.astype(np.float64)
    ypm = 2.0 * y01 - 1.0
    raw = pred[:, 0]
    if pred_kind == PROBABILITY:
        p, f = raw, 2.0 * raw - 1.0
        threshold = 0.5 if options.threshold is None else options.threshold
    else:
        p, f = None, raw
        threshold = 0.0 if options.threshold is None else options.threshold
    for name in names:
        if name == "log":
            out[name] = binary_log_loss(y01, sigmoid(f) if p is None else p, options.eps)
        elif name == "zero_one":
            out[name] = ((raw >= threshold) != positive).astype(np.float64)
        elif name == "exponential":
            out[name] = exponential_loss(ypm, f)
        elif name == "hinge":
            out[name] = hinge_loss(ypm, f)
        elif name == "perceptron":
            out[name] = perceptron_loss(ypm, f)
    return out
