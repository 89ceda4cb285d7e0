"""Report rendering: table alignment, inf and n/a in table, JSON and CSV, from a built report."""

from __future__ import annotations

import json

import numpy as np

from augcli.loss.evaluate import LossReport
from augcli.loss.report import format_csv, format_table, summary_line, to_dict

REPORT = LossReport(
    task="binary",
    pred_kind="score",
    task_detected=True,
    kind_detected=False,
    labels="{-1,+1}",
    rows=3,
    dropped=1,
    reduction="mean",
    values={"exponential": np.inf, "hinge": 0.5},
    not_applicable={"mse": "regression loss; this data is binary"},
    notes={"exponential": "f = score", "hinge": "f = score"},
    top_by="hinge",
    top=[(4, np.inf), (2, 0.25)],
)


def test_summary_line_says_what_was_detected_and_dropped():
    assert summary_line(REPORT) == (
        "task: binary (detected, labels {-1,+1}); rows: 3; "
        "dropped: 1 row(s) with empty/NaN/inf cells; predictions: score (given); "
        "reduction: mean"
    )


def test_table_rows_in_registry_order_with_inf_and_na():
    lines = format_table(REPORT).splitlines()
    assert lines[:4] == [
        "loss         value  note",
        "exponential  inf    f = score",
        "hinge        0.5    f = score",
        "mse          n/a    not applicable: regression loss; this data is binary",
    ]
    assert lines[-3:] == ["top 2 row(s) by hinge loss:", "  line 4: inf", "  line 2: 0.25"]


def test_json_is_strict_with_inf_as_a_string_and_na_as_null():
    text = json.dumps(to_dict(REPORT), allow_nan=False)
    doc = json.loads(text)
    assert doc["losses"] == {"exponential": "inf", "hinge": 0.5, "mse": None}
    assert doc["top"] == {
        "by": "hinge",
        "rows": [{"line": 4, "value": "inf"}, {"line": 2, "value": 0.25}],
    }
    assert doc["detected"] == {"task": True, "pred_kind": False} and doc["dropped_rows"] == 1


def test_csv_lists_computed_losses_then_the_top_rows_as_their_own_section():
    assert format_csv(REPORT) == (
        "loss,value\nexponential,inf\nhinge,0.5\n\nline,hinge\n4,inf\n2,0.25\n"
    )


def test_metrics_get_their_own_block_key_and_section():
    from dataclasses import replace

    report = replace(REPORT, metrics={"accuracy": 0.75, "brier": 0.125}, top=[], weight=2.5)
    table = format_table(report)
    assert "\n\nmetric    value  definition\naccuracy  0.75 " in table
    assert "weighted (weights sum to 2.5)" in table
    doc = to_dict(report)
    assert doc["metrics"] == {"accuracy": 0.75, "brier": 0.125} and doc["weight_sum"] == 2.5
    assert format_csv(report).endswith("\n\nmetric,value\naccuracy,0.75\nbrier,0.125\n")
