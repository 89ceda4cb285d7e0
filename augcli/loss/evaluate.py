"""Evaluate losses over a streamed CSV in one pass: detection, aggregation, top-K, per-row file.

Detection in one pass: the task (binary or regression for one prediction column) and the
prediction kind (probability or score) depend on the whole file, so every convention still
possible is evaluated on every chunk (per-loss sums and a bounded top-K heap each). A chunk
that rules a convention out (a label outside {-1,0,1}, a mix of 0 and -1, a prediction
outside [0,1]) drops it; at the end the first survivor of binary > regression and
probability > score wins. An option given explicitly pins the convention, and data that
contradict it are an error naming the line. ``--per-row`` needs the convention before the
first row is written, so with auto-detection it costs a first detection pass (standard
input is spooled to a temporary file for that).
"""

from __future__ import annotations

import contextlib
import heapq
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import IO

import numpy as np

from augcli.atomic import atomic_write
from augcli.errors import InputError, UsageError
from augcli.loss.kernels import (
    BINARY,
    MULTICLASS,
    PROBABILITY,
    REGISTRY,
    REGRESSION,
    SCORE,
    LossOptions,
    not_applicable_reason,
    per_row_losses,
)
from augcli.loss.reader import TableReader, spool_stdin


@dataclass
class _Candidate:
    task: str
    pred_kind: str | None
    rank_by: str | None
    sums: dict[str, float] = field(default_factory=dict)
    heap: list[tuple[float, int]] = field(default_factory=list)


@dataclass(frozen=True)
class LossReport:
    """The result of :func:`evaluate_losses`.

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
    reduction : str
        ``'mean'`` or ``'sum'``.
    values : dict of str to float
        Aggregated value per computed loss (may be ``inf``).
    not_applicable : dict of str to str
        Reason per requested loss that does not apply.
    notes : dict of str to str
        Convention used per computed loss.
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


def _candidates(task: str, pred_kind: str, k: int, top_by: str | None) -> list[_Candidate]:
    """The conventions still possible before any row is read, in order of preference."""
    if task == "auto":
        tasks = [MULTICLASS] if k > 1 else [BINARY, REGRESSION]
    else:
        tasks = [task]
        if task == MULTICLASS and k < 2:
            raise UsageError(
                "--task multiclass needs one prediction column per class "
                "(repeat --pred or use a glob such as --pred 'p_*')"
            )
        if task != MULTICLASS and k > 1:
            raise UsageError(f"--task {task} needs exactly one prediction column; got {k}")
    kinds = [PROBABILITY, SCORE] if pred_kind == "auto" else [pred_kind]
    return [
        _Candidate(t, None if t == REGRESSION else kd, top_by or _default_rank(t))
        for t in tasks
        for kd in ([None] if t == REGRESSION else kinds)
    ]


def _default_rank(task: str) -> str:
    return "squared" if task == REGRESSION else "log"


def _first(mask: np.ndarray, lines: np.ndarray, values: np.ndarray) -> tuple[int, float]:
    i = int(np.argmax(mask))
    return int(lines[i]), float(values[i])


def evaluate_losses(
    reader: TableReader,
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
    """Stream a table and aggregate the requested losses under the detected convention.

    Parameters
    ----------
    reader : TableReader
        Source of chunks (consumed).
    names : sequence of str
        Canonical loss names (see :func:`augcli.loss.kernels.resolve_loss_names`).
    task : {'auto', 'binary', 'multiclass', 'regression'}
        Task; auto = multiclass for several prediction columns, else binary when labels are
        {0,1} or {-1,+1}, else regression.
    pred_kind : {'auto', 'probability', 'score'}
        Auto = probability when every prediction is in [0,1].
    options : LossOptions
        Threshold, tolerance, eps, delta.
    reduction : {'mean', 'sum'}
        Aggregation of per-row losses (mae and mse are always means).
    top : int
        Keep the ``top`` rows with the largest ``top_by`` loss (bounded heap).
    top_by : str or None
        Ranking loss; None = log for classification, squared for regression.
    per_row : str or None
        Path of a CSV to receive each row's losses; requires a pinned convention.

    Returns
    -------
    LossReport
        Values, conventions and notes.

    Raises
    ------
    InputError
        Data contradicting an explicit convention, bad labels for multiclass, bad cells.
    UsageError
        Options that cannot work together.
    """
    k = len(reader.columns.pred)
    candidates = _candidates(task, pred_kind, k, top_by)
    tasks = sorted({c.task for c in candidates})
    if top_by is not None:
        bad = [t for t in tasks if not_applicable_reason(top_by, t)]
        if len(bad) == len(tasks):
            raise UsageError(f"--top-by {top_by} does not apply to {' or '.join(tasks)} data")
    if per_row is not None and len(candidates) > 1:
        raise UsageError("--per-row needs a fixed convention; pass --task and --pred-kind")
    seen = {-1.0: 0, 0.0: 0}  # first line of each negative label, 0 = not seen
    with contextlib.ExitStack() as stack:  # --per-row: written whole, or not at all
        writer = None
        if per_row is not None:
            only = candidates[0]
            computed = [n for n in names if not_applicable_reason(n, only.task) is None]
            handle = stack.enter_context(atomic_write(per_row, "w", encoding="utf-8", newline=""))
            writer = _CsvRows(handle, ["line", *computed])
        for chunk in reader:
            y, pred, lines = chunk.y, chunk.pred, chunk.lines
            for label in (-1.0, 0.0):
                if not seen[label] and (hit := y == label).any():
                    seen[label] = _first(hit, lines, y)[0]
            not_binary = ~((y == 1) | (y == 0) | (y == -1))
            if BINARY in {c.task for c in candidates}:
                why = None
                if not_binary.any():
                    line, value = _first(not_binary, lines, y)
                    why = f"line {line}: label {value:g} is not in {{0,1}} or {{-1,+1}}"
                elif seen[-1.0] and seen[0.0]:
                    why = (
                        f"labels mix 0 (line {seen[0.0]}) and -1 (line {seen[-1.0]}); "
                        "binary labels are {0,1} or {-1,+1}"
                    )
                if why is not None:
                    if task == BINARY:
                        raise InputError(f"{reader.name}: {why}")
                    candidates = [c for c in candidates if c.task != BINARY]
            if MULTICLASS in tasks:
                bad = (y != np.floor(y)) | (y < 0) | (y >= k)
                if bad.any():
                    line, value = _first(bad, lines, y)
                    raise InputError(
                        f"{reader.name}: line {line}: label {value:g} is not a class index; "
                        f"multiclass labels are integers 0..{k - 1} indexing the prediction "
                        f"columns {', '.join(reader.columns.pred_names)}"
                    )
            if PROBABILITY in {c.pred_kind for c in candidates}:
                outside = ((pred < 0) | (pred > 1)).any(axis=1)
                if outside.any():
                    i = int(np.argmax(outside))
                    j = int(np.argmax((pred[i] < 0) | (pred[i] > 1)))
                    if pred_kind == PROBABILITY:
                        raise InputError(
                            f"{reader.name}: line {int(lines[i])}, column "
                            f"{reader.columns.pred_names[j]!r}: probability {pred[i, j]:g} is "
                            "outside [0,1] (use --pred-kind score for unbounded scores)"
                        )
                    candidates = [c for c in candidates if c.pred_kind != PROBABILITY]
            for cand in candidates:
                wanted = list(names)
                if top and cand.rank_by not in wanted:
                    wanted.append(cand.rank_by)
                with np.errstate(over="ignore", invalid="ignore"):  # inf is a result, reported
                    rows = per_row_losses(cand.task, cand.pred_kind, y, pred, wanted, options)
                for name, values in rows.items():
                    cand.sums[name] = cand.sums.get(name, 0.0) + float(np.sum(values))
                if top and cand.rank_by in rows:
                    _push_top(cand.heap, top, rows[cand.rank_by], lines)
                if writer is not None:
                    writer.write(lines, [rows[n] for n in names if n in rows])
    chosen = candidates[0]
    if top_by is not None and not_applicable_reason(top_by, chosen.task):
        raise UsageError(f"--top-by {top_by} does not apply to {chosen.task} data")
    return _build_report(reader, chosen, names, task, pred_kind, options, reduction, seen)


def _build_report(reader, cand, names, task, pred_kind, options, reduction, seen) -> LossReport:
    n = reader.rows
    values: dict[str, float] = {}
    notes: dict[str, str] = {}
    not_applicable: dict[str, str] = {}
    for name in names:
        reason = not_applicable_reason(name, cand.task)
        if reason is not None:
            not_applicable[name] = reason
            continue
        total = cand.sums.get(name, 0.0)
        mean = reduction == "mean" or REGISTRY[name].always_mean
        values[name] = total / n if mean else total
        notes[name] = _note(name, cand, options, reduction)
    if cand.task == BINARY:
        labels = "{-1,+1}" if seen[-1.0] else "{0,1}"
    elif cand.task == MULTICLASS:
        labels = "0.." + str(len(reader.columns.pred) - 1)
    else:
        labels = "real"
    top = sorted(((-line, v) for v, line in cand.heap), key=lambda t: (-t[1], t[0]))
    return LossReport(
        task=cand.task,
        pred_kind=cand.pred_kind,
        task_detected=task == "auto",
        kind_detected=pred_kind == "auto" and cand.task != REGRESSION,
        labels=labels,
        rows=n,
        dropped=reader.dropped,
        reduction=reduction,
        values=values,
        not_applicable=not_applicable,
        notes=notes,
        top_by=cand.rank_by if cand.heap else None,
        top=top,
    )


def _note(name: str, cand: _Candidate, options: LossOptions, reduction: str) -> str:
    prob = cand.pred_kind == PROBABILITY
    if REGISTRY[name].always_mean and reduction == "sum":
        suffix = " (always a mean)"
    elif reduction == "sum":
        suffix = " (sum)"
    else:
        suffix = ""
    if name == "zero_one":
        if cand.task == REGRESSION:
            tol = options.tolerance
            base = "exact equality" if tol is None else f"correct iff |y - f| < {tol:g}"
        elif cand.task == MULTICLASS:
            base = "argmax (first on ties)"
        else:
            thr = options.threshold if options.threshold is not None else (0.5 if prob else 0)
            base = f"predict 1 iff {'p' if prob else 'f'} >= {thr:g}"
    elif name == "log":
        how = "p" if prob else ("softmax(f)" if cand.task == MULTICLASS else "sigmoid(f)")
        base = f"{how} clipped to [eps, 1-eps], eps={options.eps:.3g}"
    elif name in ("exponential", "hinge", "perceptron"):
        if cand.task == MULTICLASS:
            base = "Crammer-Singer" + (" on probabilities" if prob else "")
        else:
            base = "f = 2p - 1" if prob else "f = score"
    elif name == "huber":
        base = f"delta={options.delta:g}"
    else:
        base = ""
    return (base + suffix).strip()


def run_loss(source: str, names: Sequence[str], *, dropna: bool = False, **kwargs) -> LossReport:
    """Open ``source`` and evaluate; run a detection pass first when ``per_row`` needs it.

    Parameters
    ----------
    source : str
        Path or ``'-'``.
    names : sequence of str
        Canonical loss names.
    dropna : bool
        Skip rows with empty/NaN/infinite cells.
    **kwargs
        ``true``, ``pred``, ``chunk_bytes`` for the reader; the rest for
        :func:`evaluate_losses`.

    Returns
    -------
    LossReport
        The evaluation.
    """
    reader_keys = {"true", "pred", "chunk_bytes"}
    rk = {k: v for k, v in kwargs.items() if k in reader_keys}
    ek = {k: v for k, v in kwargs.items() if k not in reader_keys}
    if ek.get("per_row") is None:
        return evaluate_losses(TableReader(source, dropna=dropna, **rk), names, **ek)
    spooled = spool_stdin() if source == "-" else None
    path = spooled or source
    try:
        reader = TableReader(path, dropna=dropna, **rk)
        task, kind = ek.get("task", "auto"), ek.get("pred_kind", "auto")
        if len(_candidates(task, kind, len(reader.columns.pred), None)) == 1:
            return evaluate_losses(reader, names, **ek)
        reader.close()
        probe = {k: v for k, v in ek.items() if k not in ("per_row", "top", "top_by")}
        found = evaluate_losses(TableReader(path, dropna=dropna, **rk), (), **probe)
        ek.update(task=found.task, pred_kind=found.pred_kind or "auto")
        report = evaluate_losses(TableReader(path, dropna=dropna, **rk), names, **ek)
        return replace(report, task_detected=found.task_detected, kind_detected=found.kind_detected)
    finally:
        if spooled:
            os.remove(spooled)
