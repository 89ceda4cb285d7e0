"""Companion metrics reported beside the losses: accuracy, RMSE, R², Brier score (one entry each).

A metric is the weighted mean of a per-row term (computed under a convention, like a loss),
turned into the metric by ``finish`` (e.g. a square root). They are always means, whatever
``--reduction`` says, and equal scikit-learn's ``accuracy_score``, ``root_mean_squared_error``,
``r2_score`` and ``brier_score_loss`` (binary: ``(p - y)^2``; multi-class: the sum over the
classes of ``(p_k - 1[y = k])^2``), with or without ``sample_weight``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from augcli.loss import kernels as K
from augcli.loss.conventions import (
    BINARY_PROBABILITY,
    MULTICLASS_PROBABILITY,
    REAL,
    Batch,
    Convention,
)
from augcli.loss.registry import REGISTRY, Kernel


@dataclass
class LabelMoments:
    """Weighted mean and sum of squared deviations of the labels, merged chunk by chunk.

    Chan et al.'s pairwise update keeps the variance exact to rounding on long inputs
    (no ``E[y^2] - E[y]^2`` cancellation).
    """

    weight: float = 0.0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, y: np.ndarray, w: np.ndarray | None) -> None:
        """Merge a chunk of labels with their weights (None = all 1)."""
        wb = float(len(y)) if w is None else float(np.sum(w))
        if wb == 0:
            return
        mb = float(np.mean(y)) if w is None else float(np.dot(w, y) / wb)
        d = y - mb
        m2b = float(np.dot(d, d)) if w is None else float(np.dot(w, d * d))
        total = self.weight + wb
        delta = mb - self.mean
        self.mean += delta * wb / total
        self.m2 += m2b + delta * delta * self.weight * wb / total
        self.weight = total


def _r2(mean_squared: float, labels: LabelMoments) -> float:
    """``1 - SS_res / SS_tot``; as scikit-learn, 1 for a perfect fit and 0 for constant labels."""
    variance = labels.m2 / labels.weight if labels.weight else 0.0
    if variance == 0:
        return 1.0 if mean_squared == 0 else 0.0
    return 1.0 - mean_squared / variance


@dataclass(frozen=True)
class MetricSpec:
    """A companion metric.

    Attributes
    ----------
    name : str
        Its name (a JSON key under ``"metrics"``).
    summary : str
        One-line definition.
    rules : mapping of Convention to kernel
        Per-row term under each convention it applies to.
    finish : callable
        ``(weighted mean of the term, label moments) -> metric``.
    """

    name: str
    summary: str
    rules: Mapping[Convention, Kernel]
    finish: Callable[[float, LabelMoments], float] = lambda mean, labels: mean


def _correct(conv: Convention) -> Kernel:
    wrong = REGISTRY["zero_one"].rules[conv].kernel
    return lambda b: 1.0 - wrong(b)


def _multiclass_brier(b: Batch) -> np.ndarray:
    sq = b.proba * b.proba
    rows = np.arange(len(b.labels))
    true_p = b.proba[rows, b.labels]
    return sq.sum(axis=1) - 2.0 * true_p + 1.0


_SQUARED: Kernel = lambda b: K.squared_loss(b.y, b.raw)  # noqa: E731

METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        MetricSpec(
            "accuracy",
            "fraction predicted right (1 - zero_one)",
            {c: _correct(c) for c in REGISTRY["zero_one"].rules if c != REAL},
        ),
        MetricSpec(
            "brier",
            "mean (p - y)^2; multi-class: sum over classes",
            {
                BINARY_PROBABILITY: lambda b: (b.p - b.y01) ** 2,
                MULTICLASS_PROBABILITY: _multiclass_brier,
            },
        ),
        MetricSpec("rmse", "sqrt(mean (y - f)^2)", {REAL: _SQUARED}, lambda m, _: math.sqrt(m)),
        MetricSpec("r2", "1 - sum (y - f)^2 / sum (y - mean y)^2", {REAL: _SQUARED}, _r2),
    )
}


def metric_terms(batch: Batch) -> dict[str, np.ndarray]:
    """Per-row terms of every metric that applies under ``batch.conv``.

    Parameters
    ----------
    batch : Batch
        Rows of a chunk under one convention.

    Returns
    -------
    dict of str to ndarray
        Metric name -> per-row term, for the applicable metrics only.
    """
    return {
        name: m.rules[batch.conv](batch) for name, m in METRICS.items() if batch.conv in m.rules
    }
