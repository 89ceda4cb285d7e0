"""Evaluate losses over streamed rows in one pass: aggregation, top-K, the per-row file.

Every convention still possible (see :mod:`augcli.loss.detection`) is evaluated on every
chunk (per-loss sums and a bounded top-K heap each); the detector's first survivor is
reported. ``--per-row`` needs the convention before the first row is written, so with
auto-detection it costs a first detection pass (standard input is spooled to a temporary
file for that).
"""

from __future__ import annotations

import contextlib
import heapq
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Protocol

import numpy as np

from augcli.atomic import atomic_write
from augcli.errors import UsageError
from augcli.loss.columns import Columns
from augcli.loss.conventions import REGRESSION, Convention, LossOptions
from augcli.loss.detection import Detector, initial_conventions
from augcli.loss.reader import Chunk, TableReader, spool_stdin
from augcli.loss.registry import REGISTRY, loss_note, not_applicable_reason, per_row_losses


class RowSource(Protocol):
    """Where rows come from: a :class:`~augcli.loss.reader.TableReader` or in-memory arrays.

    ``rows`` and ``dropped`` are final once iteration has ended; ``unit`` is what the row
    numbers in ``Chunk.lines`` count (``'line'`` of a file, ``'row'`` of an array).
    """

    name: str
    unit: str
    columns: Columns
    rows: int
    dropped: int

    def __iter__(self) -> Iterator[Chunk]: ...


@dataclass
class _Candidate:
    conv: Convention
    rank_by: str | None
    sums: dict[str, float] = field(default_factory=dict)
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


def _default_rank(task: str) -> str:
    return "squared" if task == REGRESSION else "log"


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
    detector = Detector(source.name, source.unit, source.columns.pred_names, task, pred_kind)
    tasks = detector.tasks
    if top_by is not None:
        bad = [t for t in tasks if not_applicable_reason(top_by, t)]
        if len(bad) == len(tasks):
            raise UsageError(f"--top-by {top_by} does not apply to {' or '.join(tasks)} data")
    if per_row is not None and len(detector.candidates) > 1:
        raise UsageError("--per-row needs a fixed convention; pass --task and --pred-kind")
    accumulators = {c: _Candidate(c, top_by or _default_rank(c.task)) for c in detector.candidates}
    with contextlib.ExitStack() as stack:  # --per-row: written whole, or not at all
        writer = None
        if per_row is not None:
            only = detector.candidates[0]
            computed = [n for n in names if not_applicable_reason(n, only.task) is None]
            handle = stack.enter_context(atomic_write(per_row, "w", encoding="utf-8", newline=""))
            writer = _CsvRows(handle, ["line", *computed])
        for chunk in source:
            y, pred, lines = chunk.y, chunk.pred, chunk.lines
            detector.check(chunk)
            for conv in detector.candidates:
                cand = accumulators[conv]
                wanted = list(names)
                if top and cand.rank_by not in wanted:
                    wanted.append(cand.rank_by)
                with np.errstate(over="ignore", invalid="ignore"):  # inf is a result, reported
                    rows = per_row_losses(conv.task, conv.pred_kind, y, pred, wanted, options)
                for name, values in rows.items():
                    cand.sums[name] = cand.sums.get(name, 0.0) + float(np.sum(values))
                if top and cand.rank_by in rows:
                    _push_top(cand.heap, top, rows[cand.rank_by], lines)
                if writer is not None:
                    writer.write(lines, [rows[n] for n in names if n in rows])
    chosen = accumulators[detector.candidates[0]]
    if top_by is not None and not_applicable_reason(top_by, chosen.conv.task):
        raise UsageError(f"--top-by {top_by} does not apply to {chosen.conv.task} data")
    n = source.rows
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
        values[name] = total / n if mean else total
        notes[name] = loss_note(name, chosen.conv, options, reduction)
    return LossReport(
        task=chosen.conv.task,
        pred_kind=chosen.conv.pred_kind,
        task_detected=task == "auto",
        kind_detected=pred_kind == "auto" and chosen.conv.task != REGRESSION,
        labels=detector.labels(chosen.conv),
        rows=n,
        dropped=source.dropped,
        reduction=reduction,
        values=values,
        not_applicable=not_applicable,
        notes=notes,
        top_by=chosen.rank_by if chosen.heap else None,
        top=sorted(((-line, v) for v, line in chosen.heap), key=lambda t: (-t[1], t[0])),
    )


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
        :func:`evaluate_table`.

    Returns
    -------
    LossReport
        The evaluation.
    """
    reader_keys = {"true", "pred", "chunk_bytes"}
    rk = {k: v for k, v in kwargs.items() if k in reader_keys} | {"dropna": dropna}
    ek = {k: v for k, v in kwargs.items() if k not in reader_keys}
    if ek.get("per_row") is None:
        return _evaluate_file(source, names, rk, ek)
    spooled = spool_stdin() if source == "-" else None
    path = spooled or source
    try:
        with contextlib.closing(TableReader(path, **rk)) as reader:
            k = len(reader.columns.pred)
        task, kind = ek.get("task", "auto"), ek.get("pred_kind", "auto")
        if len(initial_conventions(task, kind, k)) == 1:
            return _evaluate_file(path, names, rk, ek)
        probe = {k: v for k, v in ek.items() if k not in ("per_row", "top", "top_by")}
        found = _evaluate_file(path, (), rk, probe)
        ek.update(task=found.task, pred_kind=found.pred_kind or "auto")
        report = _evaluate_file(path, names, rk, ek)
        return replace(report, task_detected=found.task_detected, kind_detected=found.kind_detected)
    finally:
        if spooled:
            os.remove(spooled)


def _evaluate_file(
    path: str, names: Sequence[str], reader_args: dict, eval_args: dict
) -> LossReport:
    """Evaluate one pass over ``path``; the file is closed even when evaluation fails early."""
    with contextlib.closing(TableReader(path, **reader_args)) as reader:
        return evaluate_table(reader, names, **eval_args)
