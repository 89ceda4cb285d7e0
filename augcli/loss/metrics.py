"""Companion metrics reported beside the losses: accuracy, RMSE, R², Brier score (one entry each).

A metric is the weighted mean of a per-row term (a loss already computed, e.g. ``squared``
for RMSE, or its own kernel under a convention), turned into the metric by ``finish`` (e.g.
a square root). They are always means, whatever
``--reduction`` says, and equal scikit-learn's ``accuracy_score``, ``root_mean_squared_error``,
``r2_score`` and ``brier_score_loss`` (binary: ``(p - y)^2``; multi-class: the sum over the
classes of ``(p_k - 1[y = k])^2``), with or without ``sample_weight``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

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
        with np.errstate(over="ignore", invalid="ignore"):  # huge values: r2 is then nan
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
        Per-row term under each convention it applies to, or for a metric derived from a loss
        (``loss`` set), the conventions it applies to (kernel None).
    finish : callable
        ``(weighted mean of the term, label moments) -> metric``.
    loss : str or None
        The loss whose per-row values are the term (computed once, for both).
    """

    name: str
    summary: str
    rules: Mapping[Convention, Kernel | None]
    finish: Callable[[float, LabelMoments], float] = lambda mean, labels: mean
    loss: str | None = None


def _multiclass_brier(b: Batch) -> np.ndarray:
    sq = b.proba * b.proba
    rows = np.arange(len(b.labels))
    true_p = b.proba[rows, b.labels]
    return sq.sum(axis=1) - 2.0 * true_p + 1.0


_CLASSIFICATION = {c: None for c in REGISTRY["zero_one"].rules if c != REAL}

METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        MetricSpec(
            "accuracy",
            "fraction predicted right (1 - zero_one)",
            _CLASSIFICATION,
            lambda m, _: 1.0 - m,
            loss="zero_one",
        ),
        MetricSpec(
            "brier",
            "mean (p - y)^2; multi-class: sum over classes",
            {
                BINARY_PROBABILITY: lambda b: (b.p - b.y01) ** 2,
                MULTICLASS_PROBABILITY: _multiclass_brier,
            },
        ),
        MetricSpec(
            "rmse", "sqrt(mean (y - f)^2)", {REAL: None}, lambda m, _: math.sqrt(m), "squared"
        ),
        MetricSpec("r2", "1 - sum (y - f)^2 / sum (y - mean y)^2", {REAL: None}, _r2, "squared"),
    )
}


def metric_losses(conv: Convention) -> list[str]:
    """The losses that metrics under ``conv`` are derived from (to compute even if not asked)."""
    return [m.loss for m in METRICS.values() if m.loss is not None and conv in m.rules]


def metric_terms(batch: Batch) -> dict[str, np.ndarray]:
    """Per-row terms of the metrics with their own kernel that apply under ``batch.conv``.

    Parameters
    ----------
    batch : Batch
        Rows of a chunk under one convention.

    Returns
    -------
    dict of str to ndarray
        Metric name -> per-row term (metrics derived from a loss are not included).
    """
    return {
        name: kernel(batch)
        for name, m in METRICS.items()
        if (kernel := m.rules.get(batch.conv)) is not None
    }


def finish_metrics(
    conv: Convention,
    loss_sums: dict[str, float],
    metric_sums: dict[str, float],
    total_weight: float,
    labels: LabelMoments,
) -> dict[str, float]:
    """Every metric that applies under ``conv``, from the weighted sums of its terms.

    Parameters
    ----------
    conv : Convention
        The convention reported.
    loss_sums, metric_sums : dict of str to float
        Weighted sums of the per-row losses and of the metrics' own terms.
    total_weight : float
        Sum of the weights (the row count when unweighted).
    labels : LabelMoments
        Weighted label mean and spread (for r2).

    Returns
    -------
    dict of str to float
        Metric name -> value, in registry order.
    """
    out = {}
    for name, m in METRICS.items():
        if conv in m.rules:
            total = loss_sums[m.loss] if m.loss is not None else metric_sums[name]
            out[name] = m.finish(total / total_weight, labels)
    return out
