"""`augcli loss` end to end with CliRunner: conventions, formats, reductions, bad input."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("sklearn", reason="needs scikit-learn: pip install '.[test]'")

from sklearn.metrics import (
    hinge_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    zero_one_loss,
)

from augcli.cli import cli

BINARY_PROB = "y_true,y_pred\n1,0.9\n0,0.2\n1,0.6\n0,0.55\n"
BINARY_SCORE = "y_true,y_pred\n1,2.0\n-1,-0.5\n1,0.3\n-1,0.4\n"
REGRESSION = "y_true,y_pred\n3,2.5\n-0.5,0\n2,2\n7,8\n"
MULTI = "y,p_0,p_1,p_2\n0,0.7,0.2,0.1\n2,0.1,0.3,0.6\n1,0.25,0.5,0.25\n"


def write(tmp_path, text, name="p.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def run(*args, input=None):
    result = CliRunner().invoke(cli, ["loss", *args], input=input)
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result


def as_json(*args, input=None):
    result = run(*args, "--format", "json", input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_binary_probability_detected(tmp_path):
    doc = as_json(write(tmp_path, BINARY_PROB))
    assert (doc["task"], doc["pred_kind"], doc["rows"]) == ("binary", "probability", 4)
    assert doc["detected"] == {"task": True, "pred_kind": True}
    y, p = [1, 0, 1, 0], np.array([0.9, 0.2, 0.6, 0.55])
    assert doc["losses"]["log"] == pytest.approx(log_loss(y, p))
    assert doc["losses"]["hinge"] == pytest.approx(hinge_loss(y, 2 * p - 1))
    assert doc["losses"]["zero_one"] == pytest.approx(zero_one_loss(y, p >= 0.5))
    assert doc["losses"]["mse"] is None and "regression loss" in doc["not_applicable"]["mse"]


def test_binary_score_detected_margin_table(tmp_path):
    doc = as_json(write(tmp_path, BINARY_SCORE))
    assert (doc["task"], doc["pred_kind"], doc["labels"]) == ("binary", "score", "{-1,+1}")
    assert doc["losses"]["hinge"] == pytest.approx(0.65)
    assert doc["losses"]["perceptron"] == pytest.approx(0.1)
    assert doc["losses"]["exponential"] == pytest.approx(0.7436272, abs=1e-7)
    assert doc["losses"]["zero_one"] == 0.25
    s = np.array([2.0, -0.5, 0.3, 0.4])
    assert doc["losses"]["log"] == pytest.approx(log_loss([1, 0, 1, 0], 1 / (1 + np.exp(-s))))


def test_regression_and_reductions(tmp_path):
    path = write(tmp_path, REGRESSION)
    doc = as_json(path)
    y, f = [3, -0.5, 2, 7], [2.5, 0, 2, 8]
    assert doc["task"] == "regression" and doc["pred_kind"] is None
    assert doc["losses"]["mae"] == mean_absolute_error(y, f)
    assert doc["losses"]["mse"] == mean_squared_error(y, f)
    assert doc["losses"]["absolute"] == 0.5 and doc["losses"]["squared"] == 0.375
    assert doc["losses"]["huber"] == pytest.approx((0.125 + 0.125 + 0 + 0.5) / 4)
    assert doc["losses"]["log"] is None
    summed = as_json(path, "--reduction", "sum")
    assert summed["losses"]["absolute"] == 2.0 and summed["losses"]["squared"] == 1.5
    assert summed["losses"]["zero_one"] == 3.0
    assert summed["losses"]["mae"] == 0.5 and summed["losses"]["mse"] == 0.375  # always means


def test_regression_tolerance(tmp_path):
    path = write(tmp_path, "y_true,y_pred\n1,1.1\n2,2.5\n3,2.95\n4,5.0\n")
    assert as_json(path, "--tolerance", "0.2", "-l", "zero_one")["losses"]["zero_one"] == 0.5


def test_multiclass_glob(tmp_path):
    doc = as_json(write(tmp_path, MULTI), "--true", "y", "--pred", "p_*")
    assert (doc["task"], doc["pred_kind"]) == ("multiclass", "probability")
    assert doc["losses"]["log"] == pytest.approx(0.5202159, abs=1e-7)
    assert doc["losses"]["zero_one"] == 0.0
    assert doc["losses"]["exponential"] is None
    assert "multiclass" in doc["not_applicable"]["exponential"]


def test_multiclass_scores_hinge(tmp_path):
    text = "y,a,b,c\n0,2,1,0.5\n2,0.1,0.2,0.25\n1,0,1.5,1\n"
    doc = as_json(write(tmp_path, text), "--true", "y", "--pred", "a", "--pred", "b", "--pred", "c")
    assert doc["pred_kind"] == "score"
    scores = np.array([[2, 1, 0.5], [0.1, 0.2, 0.25], [0, 1.5, 1]])
    assert doc["losses"]["hinge"] == pytest.approx(hinge_loss([0, 2, 1], scores))


def test_forced_regression_on_binary_is_brier(tmp_path):
    doc = as_json(write(tmp_path, BINARY_PROB), "--task", "regression", "-l", "mse")
    assert doc["losses"]["mse"] == pytest.approx(
        np.mean((np.array([1, 0, 1, 0]) - [0.9, 0.2, 0.6, 0.55]) ** 2)
    )


def test_threshold_and_zero_score(tmp_path):
    path = write(tmp_path, "y_true,y_pred\n1,0\n0,0\n1,1.5\n")
    assert as_json(path, "-l", "zero_one")["losses"]["zero_one"] == pytest.approx(1 / 3)
    moved = as_json(path, "-l", "zero_one", "--threshold", "1")["losses"]["zero_one"]
    assert moved == pytest.approx(1 / 3)  # row 1 now wrong, row 2 now right


def test_eps_option(tmp_path):
    path = write(tmp_path, "y_true,y_pred\n1,0\n")
    assert as_json(path, "-l", "log")["losses"]["log"] == pytest.approx(36.0436534)
    doc = as_json(path, "-l", "log", "--eps", "1e-15")
    assert doc["losses"]["log"] == pytest.approx(34.5387764)


def test_inf_is_a_string_in_json(tmp_path):
    doc = as_json(write(tmp_path, "y_true,y_pred\n1,-800\n"), "-l", "exponential")
    assert doc["losses"]["exponential"] == "inf"


def test_auto_falls_back_when_late_rows_rule_out(tmp_path):
    rows = "".join(f"{i % 2},0.5\n" for i in range(50))
    doc = as_json(write(tmp_path, "y_true,y_pred\n" + rows + "2,0.5\n"), "--chunk-bytes", "8")
    assert doc["task"] == "regression"
    doc = as_json(write(tmp_path, "y_true,y_pred\n" + rows + "1,1.5\n"), "--chunk-bytes", "8")
    assert (doc["task"], doc["pred_kind"]) == ("binary", "score")


@pytest.mark.parametrize("chunk", ["1", "13", "4096"])
def test_chunked_equals_whole(tmp_path, chunk):
    rng = np.random.default_rng(7)
    y, p = rng.integers(0, 2, 300), rng.random(300)
    text = "y_true,y_pred\n" + "".join(
        f"{a},{b!r}\n" for a, b in zip(y.tolist(), p.tolist(), strict=True)
    )
    path = write(tmp_path, text)
    whole = as_json(path, "--chunk-bytes", str(1 << 22), "--top", "5")
    part = as_json(path, "--chunk-bytes", chunk, "--top", "5")
    assert part["rows"] == whole["rows"] == 300
    for name, v in whole["losses"].items():
        assert part["losses"][name] == (None if v is None else pytest.approx(v, rel=1e-12))
    assert part["top"] == whole["top"]
    assert whole["losses"]["log"] == pytest.approx(log_loss(y, p))


def test_top_k_lines_and_values(tmp_path):
    doc = as_json(write(tmp_path, REGRESSION), "--top", "2")
    assert doc["top"] == {
        "by": "squared",
        "rows": [{"line": 5, "value": 1.0}, {"line": 2, "value": 0.25}],
    }
    doc = as_json(write(tmp_path, REGRESSION), "--top", "1", "--top-by", "absolute")
    assert doc["top"]["rows"] == [{"line": 5, "value": 1.0}]


def test_per_row_file(tmp_path):
    out = tmp_path / "rows.csv"
    result = run(write(tmp_path, REGRESSION), "-l", "absolute,squared", "--per-row", str(out))
    assert result.exit_code == 0
    assert out.read_text().splitlines() == [
        "line,absolute,squared",
        "2,0.5,0.25",
        "3,0.5,0.25",
        "4,0,0",
        "5,1,1",
    ]
    assert sorted(os.listdir(tmp_path)) == ["p.csv", "rows.csv"]


def test_per_row_file_is_not_left_half_written(tmp_path):
    """A bad cell after the first chunk: exit 2, and neither the file nor a temporary file."""
    src = tmp_path / "preds.csv"
    src.write_text("y_true,y_pred\n" + "1,0.5\n" * 2000 + "1,oops\n")
    out = tmp_path / "rows.csv"
    result = run(str(src), "-l", "absolute", "--per-row", str(out), "--chunk-bytes", "64")
    assert result.exit_code == 2 and "oops" in result.output
    assert sorted(os.listdir(tmp_path)) == ["preds.csv"]


def test_per_row_from_stdin_with_detection(tmp_path):
    out = tmp_path / "rows.csv"
    result = run("-", "-l", "log", "--per-row", str(out), input=BINARY_PROB)
    assert result.exit_code == 0, result.output
    assert "task: binary (detected" in result.output
    values = [float(line.split(",")[1]) for line in out.read_text().splitlines()[1:]]
    assert values == pytest.approx([0.1054, 0.2231, 0.5108, 0.7985], abs=1e-4)


def test_table_and_csv_formats(tmp_path):
    path = write(tmp_path, REGRESSION)
    table = run(path)
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].split() == ["loss", "value", "note"]
    assert lines[1].split()[:2] == ["zero_one", "0.75"]
    assert any(ln.startswith("log ") and "n/a" in ln for ln in lines)
    assert "task: regression (detected, labels real); rows: 4" in table.output
    csv_out = CliRunner().invoke(cli, ["loss", path, "--format", "csv", "-l", "mae,mse"])
    assert csv_out.stdout.startswith("loss,value\nmae,0.5\nmse,0.375\n\nmetric,value\nrmse,")


def test_help_documents_conventions():
    result = run("--help")
    for text in ("f >= 0", "0..K-1", "--tolerance", "sigmoid", '"inf"', "squared"):
        assert text in result.output


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            BINARY_PROB,
            ["--pred", "score"],
            "column 'score' not found; the columns are: y_true, y_pred",
        ),
        ("y_true,y_pred\n1,0.5\n0,abc\n", [], "line 3, column 'y_pred': 'abc' is not a number"),
        ("y_true,y_pred\n1,0.5\n0,\n1,nan\n", [], "2 empty, NaN or infinite cell(s)"),
        ("", [], "is empty"),
        ("y_true,y_pred\n", [], "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xd8\xff", [], "not valid UTF-8"),
        (b"y_true,y_pred\n1,0.5\n\xe9t\xe9,1\n", [], "line 3 is not valid UTF-8"),
        (b"y_true,y_pred\n" + b"1" * (3 << 20), [], "longer than"),
        (BINARY_PROB, ["--loss", "hindge"], "did you mean 'hinge'"),
        (BINARY_PROB, ["--loss", "nope"], "valid names: zero_one, absolute"),
        (
            "y_true,y_pred\n1,1.5\n",
            ["--pred-kind", "probability"],
            "probability 1.5 is outside [0,1]",
        ),
        ("y_true,y_pred\n2,0.5\n", ["--task", "binary"], "label 2 is not in {0,1} or {-1,+1}"),
        ("y_true,y_pred\n1,0.5\n0,0.5\n-1,0.5\n", ["--task", "binary"], "labels mix 0"),
        (
            MULTI.replace("\n1,", "\n3,"),
            ["--true", "y", "--pred", "p_*"],
            "label 3 is not a class index",
        ),
        (BINARY_PROB, ["--task", "multiclass"], "one prediction column per class"),
        (BINARY_PROB, ["--eps", "0"], "Invalid value for '--eps'"),
    ],
)
def test_bad_input_exit_2(tmp_path, content, args, message):
    result = run(write(tmp_path, content), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_dropna_reports_count(tmp_path):
    path = write(tmp_path, "y_true,y_pred\n1.5,0.5\n0,\n3,2\n")
    doc = as_json(path, "--dropna", "-l", "mae")
    assert doc["dropped_rows"] == 1 and doc["rows"] == 2 and doc["losses"]["mae"] == 1.0
    assert "dropped: 1 row(s)" in run(path, "--dropna").output


def test_random_bytes_never_traceback(tmp_path):
    rng = np.random.default_rng(11)
    for i in range(20):
        data = bytes(rng.integers(0, 256, int(rng.integers(0, 400)), dtype=np.uint8))
        result = run(write(tmp_path, b"y_true,y_pred\n" + data, f"r{i}.csv"))
        assert result.exit_code in (0, 2)


def test_loss_help_and_top_by_choices_come_from_the_registry():
    from augcli.cli.loss import loss_command
    from augcli.loss.registry import LOSS_NAMES

    params = {p.name: p for p in loss_command.params}
    assert tuple(params["top_by"].type.choices) == LOSS_NAMES
    assert params["losses"].help.endswith("Names: " + ", ".join(LOSS_NAMES) + ", all.")


# -- issue 15/11: bad inputs are one clear line; --format json is always one object -----------

WEIGHTED = "y_true,y_pred,w\n1,0.9,1\n0,0.2,2\n1,0.6,0\n0,0.55,1.5\n"
PETS = "y,p\ncat,0.9\ndog,0.2\ncat,0.6\n"
NAMED = "y,cat,dog\ncat,0.9,0.1\ncow,0.2,0.8\n"


def corrupt_gzip(tmp_path) -> str:
    import gzip

    body = "y_true,y_pred\n" + "".join(f"{i % 2},0.{i % 10}\n" for i in range(5000))
    data = bytearray(gzip.compress(body.encode()))
    data[len(data) // 2 : len(data) // 2 + 8] = b"\x00" * 8
    return write(tmp_path, bytes(data), "bad.csv.gz")


BAD_INPUTS = [
    (WEIGHTED, "p.csv", ["--weight", "wt"], "column 'wt' not found"),
    (WEIGHTED.replace("0,0.2,2", "0,0.2,-1"), "p.csv", ["--weight", "w"], "line 3, column 'w'"),
    (
        WEIGHTED.replace(",1\n", ",0\n").replace(",2\n", ",0\n").replace(",1.5\n", ",0\n"),
        "p.csv",
        ["--weight", "w"],
        "weights sum to 0",
    ),
    (PETS, "p.csv", ["--true", "y", "--pred", "p"], "pass --pos-label cat or --pos-label dog"),
    (
        PETS,
        "p.csv",
        ["--true", "y", "--pred", "p", "--pos-label", "horse"],
        "--pos-label 'horse' is not among the labels",
    ),
    (NAMED, "p.csv", ["--true", "y", "--pred", "cat,dog"], "line 3: label 'cow' is not one of"),
    (
        NAMED,
        "p.csv",
        ["--true", "y", "--pred", "cat,dog", "--classes", "a,b,c"],
        "--classes names 3",
    ),
    ("y_true,y_pred\n1,0.5\n2,0.5\n", "p.csv", [], "--pos-label 2"),
    (
        PETS,
        "p.csv",
        ["--true", "y", "--pred", "p", "--task", "regression"],
        "'cat' is not a number",
    ),
    (BINARY_PROB, "p.csv", ["--top-by", "log"], "give --top K as well"),
    (BINARY_PROB, "p.csv", ["--no-header"], "--true 0 --pred 1"),
    (BINARY_PROB, "p.csv", ["--sep", "ab"], "--sep 'ab'"),
    (BINARY_PROB, "p.csv", ["--sep", ";"], "is the delimiter ','? (--sep)"),
    (BINARY_PROB.replace(",", "\t"), "p.csv", [], "is the delimiter '\\t'? (--sep)"),
    (BINARY_PROB, "p.csv.gz", [], "cannot read gzip data"),
    (BINARY_PROB.replace("0,0.55", "0,abc"), "p.csv", ["--chunk-bytes", "8"], "line 5, column"),
]


@pytest.mark.parametrize(("content", "name", "args", "message"), BAD_INPUTS)
def test_bad_inputs_exit_2_with_one_line_naming_the_file(tmp_path, content, name, args, message):
    path = write(tmp_path, content, name)
    result = run(path, *args)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert path in lines[0] or lines[0].startswith("Error: --")  # the file, or the option


def test_corrupt_gzip_exits_2_with_one_line(tmp_path):
    path = corrupt_gzip(tmp_path)
    result = run(path)
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and path in lines[0] and "gzip" in lines[0], result.stderr


@pytest.mark.parametrize(("content", "name", "args", "message"), BAD_INPUTS)
def test_json_format_prints_one_object_for_every_error(tmp_path, content, name, args, message):
    result = run(write(tmp_path, content, name), *args, "--format", "json")
    doc = json.loads(result.stdout)  # exactly one object, nothing else on stdout
    assert doc["exit_code"] == result.exit_code == 2 and message in doc["error"]


@pytest.mark.parametrize(
    "args",
    [[], ["--loss", "nope"], ["--top", "-1"], ["--bogus"], ["--per-row", "SELF"], ["--top", "2"]],
)
def test_json_format_prints_one_object_for_success_and_usage_errors(tmp_path, args):
    path = write(tmp_path, BINARY_PROB)
    args = [path if a == "SELF" else a for a in args]
    result = run(path, *args, "--format", "json")
    doc = json.loads(result.stdout)
    assert ("error" in doc) == (result.exit_code != 0)
    if result.exit_code:
        assert doc["exit_code"] == result.exit_code == 2


def test_per_row_refuses_the_input_itself_and_through_a_symlink(tmp_path):
    path = write(tmp_path, BINARY_PROB)
    link = tmp_path / "link.csv"
    link.symlink_to(path)
    for target in (path, str(link), str(tmp_path / "." / "p.csv")):
        result = run(path, "--per-row", target)
        assert result.exit_code == 2 and "never writes over or among its inputs" in result.stderr
    assert (tmp_path / "p.csv").read_text() == BINARY_PROB  # untouched
    assert sorted(os.listdir(tmp_path)) == ["link.csv", "p.csv"]  # nothing written


def test_per_row_is_not_written_when_an_error_is_found_mid_stream(tmp_path):
    path = write(tmp_path, BINARY_PROB + "1,oops\n")
    out = tmp_path / "rows.csv"
    result = run(
        path,
        "--per-row",
        str(out),
        "--task",
        "binary",
        "--pred-kind",
        "probability",
        "--chunk-bytes",
        "8",
    )
    assert result.exit_code == 2 and "line 6" in result.stderr
    assert not out.exists() and sorted(os.listdir(tmp_path)) == ["p.csv"]


def test_top_rows_get_their_own_csv_section(tmp_path):
    result = run(write(tmp_path, BINARY_PROB), "--format", "csv", "--top", "2", "-l", "log")
    sections = result.stdout.strip().split("\n\n")
    assert sections[0].splitlines()[0] == "loss,value"
    assert sections[1].splitlines()[0] == "metric,value"
    top = sections[2].splitlines()
    assert top[0] == "line,log"
    assert [int(r.split(",")[0]) for r in top[1:]] == [5, 4]  # y=0, p=0.55 then y=1, p=0.6
    assert float(top[1].split(",")[1]) == pytest.approx(-np.log(0.45))


def test_metrics_are_separate_from_losses_in_table_and_json(tmp_path):
    path = write(tmp_path, BINARY_PROB)
    doc = as_json(path)
    assert set(doc["metrics"]) == {"accuracy", "brier"} and "accuracy" not in doc["losses"]
    y, p = np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.6, 0.55])
    assert doc["metrics"]["brier"] == pytest.approx(np.mean((p - y) ** 2))
    table = run(path).stdout
    losses, metrics = table.split("\n\n")[:2]
    assert "accuracy" not in losses and metrics.splitlines()[0].split() == [
        "metric",
        "value",
        "definition",
    ]


def test_huge_values_give_strict_json_and_huge_weights_exit_2(tmp_path):
    doc = as_json(write(tmp_path, "y_true,y_pred\n1e300,0.5\n0,1e300\n1,-1e308\n"))
    assert doc["losses"]["mse"] == "inf" and doc["metrics"]["rmse"] == "inf"
    path = write(tmp_path, "y_true,y_pred,w\n1,0.5,1e308\n0,0.5,1e308\n1,0.2,1e308\n", "w.csv")
    result = run(path, "--weight", "w", "--format", "json")
    assert (
        result.exit_code == 2
        and "more than the largest float" in json.loads(result.stdout)["error"]
    )


@pytest.mark.parametrize(
    "option", ["--delta", "--eps", "--tolerance", "--threshold"], ids=lambda o: o[2:]
)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_numeric_options_are_usage_errors(tmp_path, option, value):
    path = tmp_path / "p.csv"
    path.write_text("y_true,y_pred\n1,0.9\n0,0.2\n")
    result = CliRunner().invoke(cli, ["loss", str(path), option, value])
    assert result.exit_code == 2
    assert (
        option in result.stderr
        and "not a finite number" in result.stderr + ""
        or (option in result.stderr and "range" in result.stderr)
    )
