"""``augcli loss``: Click only, over :mod:`augcli.loss`."""

from __future__ import annotations

import click

from augcli.cli.options import PathParam, emit_json
from augcli.loss.conventions import LossOptions
from augcli.loss.evaluate import run_loss
from augcli.loss.kernels import EPS
from augcli.loss.registry import LOSS_NAMES, resolve_loss_names
from augcli.loss.report import format_csv, format_table, summary_line, to_dict


@click.command("loss")
@click.argument(
    "predictions", metavar="PREDICTIONS.csv", type=PathParam(dir_okay=False, allow_dash=True)
)
@click.option(
    "--loss",
    "-l",
    "losses",
    multiple=True,
    metavar="NAME",
    help="Loss to compute (repeat, or comma-separate); default all. "
    "Names: " + ", ".join(LOSS_NAMES) + ", all.",
)
@click.option("--true", "true_col", default="y_true", show_default=True, help="Label column.")
@click.option(
    "--pred",
    "pred_cols",
    multiple=True,
    metavar="COL",
    help="Prediction column(s); repeat or use a glob ('p_*') for one column per "
    "class. Default y_pred.",
)
@click.option(
    "--task",
    type=click.Choice(["auto", "binary", "multiclass", "regression"]),
    default="auto",
    show_default=True,
)
@click.option(
    "--pred-kind",
    type=click.Choice(["auto", "probability", "score"]),
    default="auto",
    show_default=True,
)
@click.option(
    "--reduction",
    type=click.Choice(["mean", "sum"]),
    default="mean",
    show_default=True,
    help="Aggregate per-row losses (mae, mse: always mean).",
)
@click.option(
    "--threshold",
    type=float,
    help="Binary zero_one cut on the prediction's "
    "scale: predict 1 iff pred >= X. [default: 0.5 probability, 0 score]",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, min_open=True),
    metavar="T",
    help="Regression zero_one: correct iff |y - f| < T. [default: exact equality]",
)
@click.option(
    "--eps",
    type=click.FloatRange(0, 0.5, min_open=True, max_open=True),
    default=EPS,
    show_default=True,
    help="Log loss clips p to [eps, 1-eps].",
)
@click.option(
    "--delta",
    type=click.FloatRange(0, min_open=True),
    default=1.0,
    show_default=True,
    help="Huber delta.",
)
@click.option(
    "--per-row",
    type=PathParam(dir_okay=False),
    metavar="FILE",
    help="Write each row's losses (line + one column per loss) to FILE.",
)
@click.option(
    "--top",
    type=click.IntRange(0),
    default=0,
    metavar="K",
    help="List the K rows with the largest loss.",
)
@click.option(
    "--top-by",
    type=click.Choice(LOSS_NAMES),
    metavar="NAME",
    help="Loss ranking --top. [default: log; squared for regression]",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--dropna", is_flag=True, help="Skip rows with empty, NaN or inf cells.")
@click.option("--chunk-bytes", type=click.IntRange(1), default=4 << 20, hidden=True)
def loss_command(
    predictions: str,
    losses: tuple[str, ...],
    true_col: str,
    pred_cols: tuple[str, ...],
    task: str,
    pred_kind: str,
    reduction: str,
    threshold: float | None,
    tolerance: float | None,
    eps: float,
    delta: float,
    per_row: str | None,
    top: int,
    top_by: str | None,
    fmt: str,
    dropna: bool,
    chunk_bytes: int,
) -> None:
    """Evaluate classic losses on a CSV of labels and predictions ('-' reads stdin).

    \b
    Auto-detection (one streaming pass; what was detected is printed):
      several --pred columns -> multiclass; labels {0,1} or {-1,+1} -> binary;
      otherwise regression. Predictions all in [0,1] -> probability, else score.
    Binary: probabilities feed log directly and the margin losses (exponential,
      hinge, perceptron) via f = 2p - 1; scores feed margins directly and log via
      sigmoid. zero_one predicts 1 iff p >= 0.5 / f >= 0 (a zero score predicts
      the positive class), --threshold moves the cut.
    Multiclass: labels are integer indices 0..K-1 into the --pred columns (in
      the order given, globs in header order); log (softmax for scores),
      zero_one (argmax), hinge (Crammer-Singer).
    Regression: absolute, squared, mae, mse, huber; zero_one is exact equality
      or |y - f| < T with --tolerance.
    log clips p to [eps, 1-eps]; probabilities outside [0,1] are an error.
    Losses that do not fit the data are reported as not applicable.
    JSON: not applicable -> null; overflow -> the string "inf".
    --top ranks by log (classification) or squared (regression); ties by line.
    """
    report = run_loss(
        predictions,
        resolve_loss_names(losses),
        dropna=dropna,
        true=true_col,
        pred=pred_cols or ("y_pred",),
        chunk_bytes=chunk_bytes,
        task=task,
        pred_kind=pred_kind,
        reduction=reduction,
        top=top,
        top_by=top_by,
        per_row=per_row,
        options=LossOptions(threshold=threshold, tolerance=tolerance, eps=eps, delta=delta),
    )
    if fmt == "json":
        emit_json(to_dict(report))
    elif fmt == "csv":
        click.echo(format_csv(report), nl=False)
        click.echo(summary_line(report), err=True)
    else:
        click.echo(format_table(report), nl=False)
