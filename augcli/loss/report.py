"""Render a :class:`~augcli.loss.evaluate.LossReport` as a table, a JSON document or CSV.

Infinite values are written ``inf`` (table, CSV) and as the string ``"inf"`` in JSON so the
document stays strictly valid; losses that do not apply are ``n/a`` (table), ``null`` with a
reason in ``not_applicable`` (JSON) or omitted (CSV). Companion metrics are kept apart from
the losses: their own block (table), ``"metrics"`` (JSON), their own section (CSV).
"""

from __future__ import annotations

import numpy as np

from augcli.loss.evaluate import LossReport
from augcli.loss.metrics import METRICS
from augcli.loss.registry import REGISTRY


def _number(value: float) -> str:
    return "inf" if value == np.inf else f"{value:.10g}"


def _json_number(value: float) -> float | str:
    return value if np.isfinite(value) else str(value)  # "inf", "-inf": strict JSON


def _aligned(rows: list[tuple[str, str, str]]) -> list[str]:
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    return [f"{a:<{w0}}  {b:<{w1}}  {c}".rstrip() for a, b, c in rows]


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
    if report.weight is not None:
        parts.append(f"weighted (weights sum to {report.weight:.10g})")
    return "; ".join(parts)


def format_table(report: LossReport) -> str:
    """Aligned ``loss value note`` and ``metric value definition`` blocks, summary, top rows.

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
    lines = _aligned(rows)
    if report.metrics:
        metrics = [("metric", "value", "definition")]
        metrics += [(n, _number(v), METRICS[n].summary) for n, v in report.metrics.items()]
        lines += ["", *_aligned(metrics), ""]
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
            losses[name] = _json_number(report.values[name])
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
        "metrics": {n: _json_number(v) for n, v in report.metrics.items()},
        "weight_sum": None if report.weight is None else _json_number(report.weight),
    }
    if report.top:
        doc["top"] = {
            "by": report.top_by,
            "rows": [{"line": ln, "value": _json_number(v)} for ln, v in report.top],
        }
    return doc


def format_csv(report: LossReport) -> str:
    """CSV sections separated by a blank line: losses, metrics, then the top rows if any.

    ``loss,value`` rows for the computed losses, ``metric,value`` rows, and with ``--top``
    ``line,<loss>`` rows (``inf`` written as ``inf``, numbers with full precision).

    Parameters
    ----------
    report : LossReport
        An evaluation.

    Returns
    -------
    str
        CSV text; each section starts with its header row.
    """

    def cell(v: float) -> str:
        return repr(v) if np.isfinite(v) else str(v)

    sections = [["loss,value", *(f"{n},{cell(v)}" for n, v in report.values.items())]]
    if report.metrics:
        sections.append(["metric,value", *(f"{n},{cell(v)}" for n, v in report.metrics.items())])
    if report.top:
        sections.append([f"line,{report.top_by}", *(f"{ln},{cell(v)}" for ln, v in report.top)])
    return "\n\n".join("\n".join(rows) for rows in sections) + "\n"
