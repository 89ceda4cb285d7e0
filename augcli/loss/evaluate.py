"""Evaluate losses and metrics over streamed rows in one pass: weighted sums, top-K, per-row file.

Every convention still possible (see :mod:`augcli.loss.detection`) is evaluated on every
chunk (per-loss and per-metric weighted sums and a bounded top-K heap each); the detector's
first survivor is reported. Sample weights enter in one place, :func:`weighted_sum`: a mean
is ``sum(w * loss) / sum(w)`` and a sum is ``sum(w * loss)``, for every loss and metric
(no weights = every weight 1).
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Protocol

import numpy as np

from augcli.core.atomic import atomic_write
from augcli.core.errors import InputError, UsageError
from augcli.loss.chunk import Chunk
from augcli.loss.columns import Columns
from augcli.loss.conventions import REGRESSION, Batch, Convention
from augcli.loss.detection import Detector
from augcli.loss.labels import LabelCoder
from augcli.loss.metrics import LabelMoments, finish_metrics, metric_losses, metric_terms
from augcli.loss.registry import REGISTRY, LossOptions, loss_note, not_applicable_reason


class RowSource(Protocol):
    """Where rows come from: a :class:`~augcli.loss.reader.TableReader` or in-memory arrays.

    ``rows`` and ``dropped`` are final once iteration has ended; ``unit`` is what the row
    numbers in ``Chunk.lines`` count (``'line'`` of a file, ``'row'`` of an array);
    ``coder`` is set when labels were read as text (class names, ``--pos-label``).
    """

    name: str
    unit: str
    columns: Columns
    rows: int
    dropped: int
    coder: LabelCoder | None

    def __iter__(self) -> Iterator[Chunk]: ...


@dataclass
class _Candidate:
    conv: Convention
    rank_by: str | None
    sums: dict[str, float] = field(default_factory=dict)
    metric_sums: dict[str, float] = field(default_factory=dict)
    heap: list[tuple[float, int]] = field(default_factory=list)


@dataclass(frozen=True)
class LossReport:
    """The result of :func:`evaluate_table`.

    Attributes
    ----------
    task, pred_kind : str, str or None
        The convention used (pred_kind None for regression).
    task_detected, kind_detected : bool
        Whether each was auto-detected.
    labels : str
        The label set, e.g. ``'{0,1}'`` (classification) or ``'real'``.
    rows, dropped : int
        Rows evaluated; rows skipped by ``dropna``.
    weight : float or None
        Sum of the sample weights (None when unweighted).
    reduction : str
        ``'mean'`` or ``'sum'``.
    values : dict of str to float
        Aggregated value per computed loss (may be ``inf``).
    not_applicable : dict of str to str
        Reason per requested loss that does not apply.
    notes : dict of str to str
        Convention used per computed loss.
    metrics : dict of str to float
        Companion metrics that apply (accuracy, brier, rmse, r2), always weighted means.
    top_by : str or None
        Loss ranking ``top``.
    top : list of (int, float)
        (line, value), largest first, ties by line.
    """

    task: str
    pred_kind: str | None
    task_detected: bool
    kind_detected: bool
    labels: str
    rows: int
    dropped: int
    reduction: str
    values: dict[str, float]
    not_applicable: dict[str, str]
    notes: dict[str, str]
    metrics: dict[str, float] = field(default_factory=dict)
    weight: float | None = None
    top_by: str | None = None
    top: list[tuple[int, float]] = field(default_factory=list)


def _push_top(heap: list[tuple[float, int]], k: int, values: np.ndarray, lines: np.ndarray):
    """Keep the k largest (value, earliest line) in a min-heap of (value, -line)."""
    if len(values) > k:
        kth = np.partition(values, len(values) - k)[len(values) - k]
        above = np.flatnonzero(values > kth)
        ties = np.flatnonzero(values == kth)[: k - len(above)]
        idx = np.concatenate([above, ties])
    else:
        idx = np.arange(len(values))
    for i in idx:
        item = (float(values[i]), -int(lines[i]))
        if len(heap) < k:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)


class _CsvRows:
    """``--per-row`` rows: ``line,<loss>,...`` with 17 significant digits."""

    def __init__(self, handle: IO[str], header: Sequence[str]) -> None:
        self.handle = handle
        handle.write(",".join(header) + "\n")

    def write(self, lines: np.ndarray, columns: list[np.ndarray]) -> None:
        table = np.column_stack([lines.astype(np.float64), *columns])
        np.savetxt(self.handle, table, fmt=["%d"] + ["%.17g"] * len(columns), delimiter=",")


def _default_rank(task: str) -> str:
    return "squared" if task == REGRESSION else "log"


def weighted_sum(values: np.ndarray, weight: np.ndarray | None) -> float:
    """``sum(weight * values)``; a row of weight 0 adds 0 even when its value is inf.

    Parameters
    ----------
    values : ndarray, shape (n,)
        Per-row losses or metric terms.
    weight : ndarray, shape (n,), or None
        Sample weights (None = all 1).

    Returns
    -------
    float
        The weighted sum.

    Examples
    --------
    >>> weighted_sum(np.array([1.0, np.inf, 3.0]), np.array([2.0, 0.0, 1.0]))
    5.0
    """
    if weight is None:
        with np.errstate(over="ignore"):  # huge values: the sum is inf, and reported so
            return float(np.sum(values))
    with np.errstate(invalid="ignore", over="ignore"):
        total = float(np.dot(values, weight))
    if np.isnan(total):  # inf * 0 somewhere: weight-0 rows must add nothing
        with np.errstate(invalid="ignore", over="ignore"):
            total = float(np.sum(np.where(weight > 0, values * weight, 0.0)))
    return total


def _wanted(names: Sequence[str], conv: Convention, rank_by: str | None) -> list[str]:
    """The losses to compute under ``conv``: those asked, those metrics need, the ranking one."""
    wanted = list(dict.fromkeys([*names, *metric_losses(conv)]))
    if rank_by is not None and rank_by not in wanted:
        wanted.append(rank_by)
    return wanted


def _kernels(
    conv: Convention,
    wanted: list[str],
    y: np.ndarray,
    pred: np.ndarray,
    w: np.ndarray | None,
    options: LossOptions,
    keep: bool,
) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, float]]:
    """Per-row losses of one chunk under ``conv`` (if ``keep``), weighted sums of losses and terms.

    Pure (reads its arguments only), so candidates can be computed in parallel threads; the
    caller adds the sums up in chunk order, which keeps every result bit for bit the same.
    Without ``keep`` each loss's rows are dropped once summed (memory stays one chunk's).
    """
    batch = Batch(conv, y, pred, options)
    rows, sums = {}, {}
    for name in wanted:
        if conv in REGISTRY[name].rules:
            with np.errstate(over="ignore", invalid="ignore"):  # inf is a result, reported
                values = REGISTRY[name].rules[conv].kernel(batch)
            sums[name] = weighted_sum(values, w)
            if keep:
                rows[name] = values
    with np.errstate(over="ignore", invalid="ignore"):
        terms = metric_terms(batch)
    return rows, sums, {name: weighted_sum(values, w) for name, values in terms.items()}


def _start(source: RowSource, detector: Detector, task: str, top_by: str | None, per_row):
    if source.coder is not None and task == REGRESSION:
        raise UsageError(
            f"{source.name}: --task regression needs numeric labels; these are read as text "
            "(class names, --pos-label or --classes)"
        )
    tasks = detector.tasks
    if top_by is not None:
        bad = [t for t in tasks if not_applicable_reason(top_by, t)]
        if len(bad) == len(tasks):
            raise UsageError(f"--top-by {top_by} does not apply to {' or '.join(tasks)} data")
    if per_row is not None and len(detector.candidates) > 1:
        raise UsageError("--per-row needs a fixed convention; pass --task and --pred-kind")


def _check_end(source: RowSource, detector: Detector, chosen: Convention, task: str) -> None:
    """Refuse what only the end of the input can show (two-valued labels read as numbers)."""
    two = detector.two_values()
    if task == "auto" and chosen.task == REGRESSION and source.coder is None and two:
        a, b = two
        raise InputError(
            f"{source.name}: the labels take two values, {a:g} and {b:g}: that is "
            f"classification; say which is positive with --pos-label {b:g} "
            "(or pass --task regression to treat them as numbers)"
        )


def evaluate_table(
    source: RowSource,
    names: Sequence[str],
    *,
    task: str = "auto",
    pred_kind: str = "auto",
    options: LossOptions = LossOptions(),  # noqa: B008 - frozen
    reduction: str = "mean",
    top: int = 0,
    top_by: str | None = None,
    per_row: str | None = None,
) -> LossReport:
    """Stream rows and aggregate the requested losses under the detected convention.

    Parameters
    ----------
    source : RowSource
        Source of chunks (consumed), e.g. a :class:`~augcli.loss.reader.TableReader`.
    names : sequence of str
        Canonical loss names (see :func:`augcli.loss.registry.resolve_loss_names`).
    task : {'auto', 'binary', 'multiclass', 'regression'}
        Task; auto = multiclass for several prediction columns, else binary when labels are
        {0,1} or {-1,+1} (or text), else regression (two integer values are refused).
    pred_kind : {'auto', 'probability', 'score'}
        Auto = probability when every prediction is in [0,1].
    options : LossOptions
        Threshold, tolerance, eps, delta.
    reduction : {'mean', 'sum'}
        Aggregation of per-row losses (mae and mse are always means); weighted when the
        chunks carry weights.
    top : int
        Keep the ``top`` rows with the largest ``top_by`` loss (bounded heap; unweighted).
    top_by : str or None
        Ranking loss; None = log for classification, squared for regression.
    per_row : str or None
        Path of a CSV to receive each row's losses (written atomically), or ``'-'`` for
        standard output (streamed); requires a pinned convention.

    Returns
    -------
    LossReport
        Values, metrics, conventions and notes.

    Raises
    ------
    InputError
        Data contradicting an explicit convention, bad labels, bad cells, weights summing
        to 0.
    UsageError
        Options that cannot work together.
    """
    detector = Detector(source.name, source.unit, source.columns.pred_names, task, pred_kind)
    _start(source, detector, task, top_by, per_row)
    accumulators = {c: _Candidate(c, top_by or _default_rank(c.task)) for c in detector.candidates}
    labels = LabelMoments()
    weighted = source.columns.weight is not None
    total_weight = 0.0
    with contextlib.ExitStack() as stack:  # --per-row: written whole, or not at all
        writer = None
        if per_row is not None:
            only = detector.candidates[0]
            computed = [n for n in names if not_applicable_reason(n, only.task) is None]
            if per_row == "-":  # streamed as computed: on an error the exit status says so
                handle = sys.stdout
            else:
                handle = stack.enter_context(
                    atomic_write(per_row, "w", encoding="utf-8", newline="")
                )
            writer = _CsvRows(handle, ["line", *computed])
        pool = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="augcli-loss"))
        for chunk in source:
            y, pred, lines, w = chunk.y, chunk.pred, chunk.lines, chunk.weight
            detector.check(chunk)
            with np.errstate(over="ignore"):  # huge weights: inf, then nan values
                total_weight += len(y) if w is None else float(np.sum(w))
            wanted = {
                conv: _wanted(names, conv, accumulators[conv].rank_by if top else None)
                for conv in detector.candidates
            }
            keep = bool(top) or writer is not None
            args = [(c, wanted[c], y, pred, w, options, keep) for c in detector.candidates]
            # numpy's error state is per context: the other thread runs in a copy of this one's.
            later = [pool.submit(contextvars.copy_context().run, _kernels, *a) for a in args[1:]]
            results = [_kernels(*args[0])]  # beside the others, in another thread
            if any(c.task == REGRESSION for c in detector.candidates):
                labels.add(y, w)  # for r2 only
            results += [future.result() for future in later]
            for conv, (rows, sums, metric_sums) in zip(detector.candidates, results, strict=True):
                cand = accumulators[conv]
                for name, value in sums.items():
                    cand.sums[name] = cand.sums.get(name, 0.0) + value
                for name, value in metric_sums.items():
                    cand.metric_sums[name] = cand.metric_sums.get(name, 0.0) + value
                if top and cand.rank_by in rows:
                    _push_top(cand.heap, top, rows[cand.rank_by], lines)
                if writer is not None:
                    writer.write(lines, [rows[n] for n in names if n in rows])
        chosen = accumulators[detector.candidates[0]]
        _check_end(source, detector, chosen.conv, task)
        if total_weight == 0 or not np.isfinite(total_weight):
            why = "0; no row counts" if total_weight == 0 else "more than the largest float"
            raise InputError(f"{source.name}: the sample weights sum to {why}")
        if top_by is not None and not_applicable_reason(top_by, chosen.conv.task):
            raise UsageError(f"--top-by {top_by} does not apply to {chosen.conv.task} data")
    values: dict[str, float] = {}
    notes: dict[str, str] = {}
    not_applicable: dict[str, str] = {}
    for name in names:
        reason = not_applicable_reason(name, chosen.conv.task)
        if reason is not None:
            not_applicable[name] = reason
            continue
        total = chosen.sums.get(name, 0.0)
        mean = reduction == "mean" or REGISTRY[name].always_mean
        values[name] = total / total_weight if mean else total
        notes[name] = loss_note(name, chosen.conv, options, reduction)
    metrics = finish_metrics(chosen.conv, chosen.sums, chosen.metric_sums, total_weight, labels)
    return LossReport(
        task=chosen.conv.task,
        pred_kind=chosen.conv.pred_kind,
        task_detected=task == "auto",
        kind_detected=pred_kind == "auto" and chosen.conv.task != REGRESSION,
        labels=source.coder.describe() if source.coder else detector.labels(chosen.conv),
        rows=source.rows,
        dropped=source.dropped,
        reduction=reduction,
        values=values,
        not_applicable=not_applicable,
        notes=notes,
        metrics=metrics,
        weight=total_weight if weighted else None,
        top_by=chosen.rank_by if chosen.heap else None,
        top=sorted(((-line, v) for v, line in chosen.heap), key=lambda t: (-t[1], t[0])),
    )
