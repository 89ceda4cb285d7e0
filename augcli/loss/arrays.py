"""Evaluating losses on in-memory numpy arrays: the Python entry point of ``augcli loss``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from augcli.loss.chunk import Chunk
from augcli.loss.columns import Columns
from augcli.loss.evaluate import LossReport, evaluate_table
from augcli.loss.registry import LossOptions, resolve_loss_names


class _ArrayRows:
    """One chunk of all the rows, numbered 0..n-1 (a :class:`~augcli.loss.evaluate.RowSource`)."""

    name = "arrays"
    unit = "row"
    dropped = 0
    coder = None

    def __init__(self, y: np.ndarray, pred: np.ndarray, weight: np.ndarray | None) -> None:
        k = pred.shape[1]
        header = ("y_true", *(("y_pred",) if k == 1 else (f"y_pred[:, {j}]" for j in range(k))))
        weight_col = None if weight is None else k + 1
        header += () if weight is None else ("sample_weight",)
        self.columns = Columns(header, 0, tuple(range(1, k + 1)), weight_col)
        self.rows = len(y)
        self._chunk = Chunk(np.arange(len(y), dtype=np.int64), y, pred, weight)

    def __iter__(self) -> Iterator[Chunk]:
        yield self._chunk


def _as_float(name: str, value: object, ndims: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim not in ndims:
        allowed = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {allowed}; got shape {array.shape}")
    if not np.isfinite(array).all():
        row = int(np.argmax(~np.isfinite(array.reshape(len(array), -1)).all(axis=1)))
        raise ValueError(f"{name} holds NaN or infinity (row {row})")
    return array


def evaluate_losses(
    y_true: object,
    y_pred: object,
    names: str | Iterable[str] | None = None,
    *,
    task: str = "auto",
    pred_kind: str = "auto",
    reduction: str = "mean",
    options: LossOptions | None = None,
    sample_weight: object = None,
) -> LossReport:
    """Evaluate losses on arrays, with the same conventions and detection as ``augcli loss``.

    Parameters
    ----------
    y_true : array_like, shape (n,)
        Labels: {0,1} or {-1,+1} (binary), class indices ``0..K-1`` (multiclass) or reals.
    y_pred : array_like, shape (n,) or (n, K)
        Predictions: probabilities or scores; one column per class for multiclass.
    names : str or iterable of str, optional
        Loss names or aliases (``'l1'``, ``'log_loss'``), comma-separated or as a list;
        None or ``'all'`` means every loss. See :data:`augcli.loss.registry.LOSS_NAMES`.
    task : {'auto', 'binary', 'multiclass', 'regression'}
        Auto = multiclass for a 2-D ``y_pred`` with several columns, else binary when the
        labels are {0,1} or {-1,+1}, else regression.
    pred_kind : {'auto', 'probability', 'score'}
        Auto = probability when every prediction is in [0,1].
    reduction : {'mean', 'sum'}
        Aggregation of the per-row losses (mae and mse are always means).
    options : LossOptions, optional
        Threshold, tolerance, eps, delta (defaults as the CLI's).
    sample_weight : array_like, shape (n,), optional
        Non-negative finite weights, as scikit-learn's ``sample_weight``.

    Returns
    -------
    LossReport
        ``values`` maps each applicable loss to its value; ``not_applicable`` gives the
        reason for the others; ``task``, ``pred_kind`` and ``notes`` say which convention
        was used.

    Raises
    ------
    ValueError
        If the arrays have the wrong shape, different lengths, no rows, NaN or infinity, or
        an option a requested loss uses is out of range (raised by the kernel, naming it).
    augcli.core.errors.AugcliError
        ``UsageError`` for an unknown loss name or a task that does not fit the columns,
        ``InputError`` for labels or predictions that contradict the given task or kind
        (the message names the row, counted from 0).

    Examples
    --------
    >>> report = evaluate_losses([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.55], ["log", "mse"])
    >>> report.task, report.pred_kind, round(report.values["log"], 7)
    ('binary', 'probability', 0.4094593)
    >>> report.not_applicable["mse"]
    'regression loss; this data is binary (--task regression forces it)'
    """
    y = _as_float("y_true", y_true, (1,))
    pred = _as_float("y_pred", y_pred, (1, 2))
    if pred.ndim == 1:
        pred = pred.reshape(-1, 1)
    if len(pred) != len(y):
        raise ValueError(f"y_true and y_pred differ in length: {len(y)} and {len(pred)}")
    if len(y) == 0:
        raise ValueError("y_true and y_pred hold no rows")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum'; got {reduction!r}")
    weight = None
    if sample_weight is not None:
        weight = _as_float("sample_weight", sample_weight, (1,))
        if len(weight) != len(y) or (weight < 0).any():
            raise ValueError(f"sample_weight must be {len(y)} values >= 0")
    wanted = resolve_loss_names([names] if isinstance(names, str) else names or ())
    return evaluate_table(
        _ArrayRows(y, pred, weight),
        wanted,
        task=task,
        pred_kind=pred_kind,
        options=options or LossOptions(),
        reduction=reduction,
    )
