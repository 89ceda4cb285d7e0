"""Evaluating a file or standard input: reader options, and the detection pass ``--per-row`` needs.

``--per-row`` needs the convention before the first row is written, so with auto-detection
it costs a first detection pass (standard input is spooled to a temporary file for that).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import replace

from augcli.loss.detection import initial_conventions
from augcli.loss.evaluate import LossReport, evaluate_table
from augcli.loss.reader import TableReader
from augcli.loss.source import default_sep, display_name, spool_stdin

#: Keyword arguments of :func:`run_loss` that go to the reader.
READER_KEYS = frozenset(
    {"true", "pred", "weight", "sep", "header", "pred_prefix", "classes", "pos_label"}
    | {"chunk_bytes", "dropna"}
)


def run_loss(source: str, names: Sequence[str], **kwargs) -> LossReport:
    """Open ``source`` and evaluate; run a detection pass first when ``per_row`` needs it.

    Parameters
    ----------
    source : str
        Path (``.gz``, ``.bz2``, ``.xz`` decompressed; ``.tsv`` tab-separated) or ``'-'``.
    names : sequence of str
        Canonical loss names.
    **kwargs
        ``true``, ``pred``, ``weight``, ``sep``, ``header``, ``pred_prefix``, ``classes``,
        ``pos_label``, ``dropna``, ``chunk_bytes`` for :class:`~augcli.loss.reader.TableReader`;
        the rest for :func:`~augcli.loss.evaluate.evaluate_table`.

    Returns
    -------
    LossReport
        The evaluation.
    """
    rk = {k: v for k, v in kwargs.items() if k in READER_KEYS}
    rk["sep"] = rk.get("sep") or default_sep(source)  # before a spool hides the name
    ek = {k: v for k, v in kwargs.items() if k not in READER_KEYS}
    rk["numeric_labels"] = ek.get("task") == "regression"
    if ek.get("per_row") is None:
        return _evaluate_file(source, names, rk, ek)
    spooled = spool_stdin() if source == "-" else None
    path = spooled or source
    rk["name"] = display_name(source)  # not the spool's temporary name
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
