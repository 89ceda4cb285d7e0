"""The conventions a loss is evaluated under: task, prediction kind, prepared rows.

A *convention* is a task (binary, multiclass, regression) and, for classification, the kind
of prediction (probability or score). Every registry entry gives one kernel per convention it
supports. The shared encodings live here, written once for every loss:

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

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from augcli.loss.kernels import sigmoid, softmax

if TYPE_CHECKING:
    from augcli.loss.registry import LossOptions

BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"
TASKS: tuple[str, ...] = (BINARY, MULTICLASS, REGRESSION)
PROBABILITY, SCORE = "probability", "score"


@dataclass(frozen=True)
class Convention:
    """A task and, for classification, the kind of prediction.

    Attributes
    ----------
    task : str
        ``'binary'``, ``'multiclass'`` or ``'regression'``.
    pred_kind : str or None
        ``'probability'`` or ``'score'``; None for regression.
    """

    task: str
    pred_kind: str | None

    @property
    def probability(self) -> bool:
        """True when predictions are probabilities."""
        return self.pred_kind == PROBABILITY


BINARY_PROBABILITY = Convention(BINARY, PROBABILITY)
BINARY_SCORE = Convention(BINARY, SCORE)
MULTICLASS_PROBABILITY = Convention(MULTICLASS, PROBABILITY)
MULTICLASS_SCORE = Convention(MULTICLASS, SCORE)
REAL = Convention(REGRESSION, None)
CONVENTIONS: tuple[Convention, ...] = (
    BINARY_PROBABILITY,
    BINARY_SCORE,
    MULTICLASS_PROBABILITY,
    MULTICLASS_SCORE,
    REAL,
)


def convention(task: str, pred_kind: str | None) -> Convention:
    """The convention for a task and prediction kind (the kind is ignored for regression).

    Parameters
    ----------
    task : str
        ``'binary'``, ``'multiclass'`` or ``'regression'``.
    pred_kind : str or None
        ``'probability'``; anything else means scores.

    Returns
    -------
    Convention
        One of :data:`CONVENTIONS`.
    """
    if task == REGRESSION:
        return REAL
    return Convention(task, PROBABILITY if pred_kind == PROBABILITY else SCORE)


@dataclass(frozen=True)
class Batch:
    """Rows of one chunk under one convention, with the views the kernels take (computed once).

    Attributes
    ----------
    conv : Convention
        How to read ``y`` and ``pred``.
    y : ndarray, shape (n,)
        Labels (validated for the task by the caller).
    pred : ndarray, shape (n, k)
        Predictions (k = 1 except for multiclass).
    options : LossOptions
        The loss parameters (threshold, tolerance, eps, delta: see the registry).
    """

    conv: Convention
    y: np.ndarray
    pred: np.ndarray
    options: LossOptions

    @cached_property
    def raw(self) -> np.ndarray:
        """The single prediction column, as given."""
        return self.pred[:, 0]

    @cached_property
    def y01(self) -> np.ndarray:
        """Binary labels as 0/1 (1 is the positive class)."""
        return (self.y == 1).astype(np.float64)

    @cached_property
    def ypm(self) -> np.ndarray:
        """Binary labels as -1/+1."""
        return 2.0 * self.y01 - 1.0

    @cached_property
    def f(self) -> np.ndarray:
        """Binary margin score: ``2p - 1`` for probabilities, the score itself otherwise."""
        return 2.0 * self.raw - 1.0 if self.conv.probability else self.raw

    @cached_property
    def p(self) -> np.ndarray:
        """Binary probability of class 1: as given, or ``sigmoid(score)``."""
        return self.raw if self.conv.probability else sigmoid(self.raw)

    @cached_property
    def labels(self) -> np.ndarray:
        """Multi-class labels as integer column indices."""
        return self.y.astype(np.int64)

    @cached_property
    def proba(self) -> np.ndarray:
        """Multi-class probabilities: as given, or the softmax of the scores."""
        return self.pred if self.conv.probability else softmax(self.pred)
