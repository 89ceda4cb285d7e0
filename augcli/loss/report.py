"""Render a :class:`~augcli.loss.evaluate.LossReport` as a table, a JSON document or CSV.

Infinite values are written ``inf`` (table, CSV) and as the string ``"inf"`` in JSON so the
document stays strictly valid; losses that do not apply are ``n/a`` (table), ``null`` with a
reason in ``not_applicable`` (JSON) or omitted (CSV).
"""

from __future__ import annotations

import numpy as np

from augcli.loss.evaluate import LossReport
from augcli.loss.registry import REGISTRY


def _number(value: float) -> str:
    return "inf" if value == np.inf else f"{value:.10g}"


def summary_line(report: LossReport) -> str:
    """One line with the task, rows and the conventions used (and whether detected).

    Parameters
    ----------
    report : LossReport
        An evaluation.

    Returns
    -------
    str
        E.g. ``task: binary (detected, labels {0,1}); rows: 4; predictions: probability ...``.
    """
    how = "detected" if report.task_detected else "given"
    parts = [f"task: {report.task} ({how}, labels {report.labels})", f"rows: {report.rows}"]
    if report.dropped:
        parts.append(f"dropped: {report.dropped} row(s) with empty/NaN/inf cells")
    if report.pred_kind is not None:
        kind_how = "detected" if report.kind_detected else "given"
        parts.append(f"predictions: {report.pred_kind} ({kind_how})")
    parts.append(f"reduction: {report.reduction}")
    return "; ".join(parts)


def format_table(report: LossReport) -> str:
    """An aligned ``loss value note`` table, the summary line and the top rows.

    Parameters
    ----------
    report : LossReport
        An evaluation.

    Returns
    -------
    str
        Text ending with a newline.
    """
    rows = [("loss", "value", "note")]
    for name in REGISTRY:
        if name in report.values:
            rows.append((name, _number(report.values[name]), report.notes[name]))
        elif name in report.not_applicable:
            rows.append((name, "n/a", "not applicable: " + report.not_applicable[name]))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [f"{a:<{w0}}  {b:<{w1}}  {c}".rstrip() for a, b, c in rows]
    lines.append(summary_line(report))
    if report.top:
        lines.append(f"top {len(report.top)} row(s) by {report.top_by} loss:")
        lines.extend(f"  line {line}: {_number(v)}" for line, v in report.top)
    return "\n".join(lines) + "\n"


def to_dict(report: LossReport) -> dict:
    """The JSON document: losses as numbers, ``inf`` as the string ``"inf"``, n/a as null.

    Parameters
    ----------
    report : LossReport
        An evaluation.

    Returns
    -------
    dict
        JSON-serialisable, strictly valid JSON (no NaN/Infinity tokens).
    """
    losses: dict[str, float | str | None] = {}
    for name in REGISTRY:
        if name in report.values:
            v = report.values[name]
            losses[name] = "inf" if v == np.inf else v
        elif name in report.not_applicable:
            losses[name] = None
    doc: dict = {
        "task": report.task,
        "rows": report.rows,
        "pred_kind": report.pred_kind,
        "labels": report.labels,
        "detected": {"task": report.task_detected, "pred_kind": report.kind_detected},
        "reduction": report.reduction,
        "dropped_rows": report.dropped,
        "losses": losses,
        "not_applicable": dict(report.not_applicable),
        "notes": dict(report.notes),
    }
    if report.top:
        doc["top"] = {
            "by": report.top_by,
            "rows": [{"line": ln, "value": "inf" if v == np.inf else v} for ln, v in report.top],
        }
    return doc


def format_csv(report: LossReport) -> str:
    """``loss,value`` rows for the computed losses (``inf`` written as ``inf``).

    Parameters
    ----------
    report : LossReport
        An evaluation.

    Returns
    -------
    str
        CSV text with a header row.
    """
    lines = ["loss,value"]
    lines.extend(f"{n},{'inf' if v == np.inf else repr(v)}" for n, v in report.values.items())
    return "\n".join(lines) + "\n"
