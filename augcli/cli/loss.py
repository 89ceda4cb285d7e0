"""``augcli loss``: Click only, over :mod:`augcli.loss`; loss parameters come from its registry."""

from __future__ import annotations

from typing import Any

import click

from augcli.cli.options import Decorator, FiniteFloat, PathParam, emit_json
from augcli.core.errors import UsageError
from augcli.core.gate import Inputs
from augcli.loss.registry import LOSS_NAMES, PARAMS, LossOptions, LossParam, resolve_loss_names
from augcli.loss.report import format_csv, format_table, summary_line, to_dict
from augcli.loss.run import run_loss
from augcli.loss.source import parse_sep


def loss_param_option(param: LossParam) -> Decorator:
    """The Click option of one loss parameter of the registry (a finite float in its range)."""
    return click.option(
        param.flag,
        param.name,
        type=FiniteFloat(
            param.minimum, param.maximum, min_open=param.min_open, max_open=param.max_open
        ),
        default=param.default,
        show_default=param.default is not None,
        metavar=param.metavar,
        help=param.help_text,
    )


def loss_param_options(command: Any) -> Any:
    """Add the option of every loss parameter of the registry to ``command``, in registry order."""
    for param in reversed(PARAMS):
        command = loss_param_option(param)(command)
    return command


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
@click.option("--true", "true_col", metavar="COL", help="Label column. [default: y_true]")
@click.option(
    "--pred",
    "pred_cols",
    multiple=True,
    metavar="COL",
    help="Prediction column(s); repeat, comma-separate (--pred cat,dog,bird) or use a glob "
    "('p_*') for one column per class. [default: y_pred]",
)
@click.option(
    "--pred-prefix",
    metavar="PREFIX",
    help="Every column starting with PREFIX is a prediction column; the rest of its name "
    "is its class (p_cat -> cat).",
)
@click.option(
    "--classes",
    metavar="A,B,...",
    help="The class of each prediction column, in column order (e.g. 1,2,3 or cat,dog,bird); "
    "labels are matched to these.",
)
@click.option(
    "--pos-label",
    metavar="LABEL",
    help="The positive label of a binary label column (inferred for 1/True/yes/pos).",
)
@click.option("--weight", "weight_col", metavar="COL", help="Sample-weight column (finite, >= 0).")
@click.option(
    "--sep",
    metavar="CHAR",
    help="Delimiter: one character, or tab/comma/semicolon/space/pipe. "
    "[default: tab for .tsv, else comma]",
)
@click.option(
    "--no-header",
    is_flag=True,
    help="The first line is data; name columns by 0-based index (--true 0 --pred 1).",
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
@loss_param_options
@click.option(
    "--per-row",
    type=PathParam(dir_okay=False, allow_dash=True),
    metavar="FILE",
    help="Write each row's losses (line + one column per loss) to FILE, or with - to "
    "standard output (the report then goes to standard error; not with --format json).",
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
    true_col: str | None,
    pred_cols: tuple[str, ...],
    pred_prefix: str | None,
    classes: str | None,
    pos_label: str | None,
    weight_col: str | None,
    sep: str | None,
    no_header: bool,
    task: str,
    pred_kind: str,
    reduction: str,
    per_row: str | None,
    top: int,
    top_by: str | None,
    fmt: str,
    dropna: bool,
    chunk_bytes: int,
    **loss_params: float | None,
) -> None:
    """Evaluate classic losses and metrics on a table of labels and predictions.

    \b
    PREDICTIONS.csv: a CSV file, a TSV (.tsv, or --sep), compressed or not
    (.gz, .bz2, .xz), or '-' for standard input (a FIFO or device is refused:
    redirect it to '-').

    \b
    Auto-detection (one streaming pass; what was detected is printed):
      several --pred columns -> multiclass; labels {0,1} or {-1,+1} -> binary;
      otherwise regression. Predictions all in [0,1] -> probability, else score.
    Binary: probabilities feed log directly and the margin losses (exponential,
      hinge, perceptron) via f = 2p - 1; scores feed margins directly and log via
      sigmoid. zero_one predicts 1 iff p >= 0.5 / f >= 0 (a zero score predicts
      the positive class), --threshold moves the cut.
    Multiclass: labels are integer indices 0..K-1 into the --pred columns (in
      the order given, globs in header order), or class names: the column
      names (less --pred-prefix) or --classes; log (softmax for scores),
      zero_one (argmax), hinge (Crammer-Singer).
    Text binary labels (cat/dog, True/False): --pos-label names the positive.
      Two integer label values other than {0,1}/{-1,+1} are classification:
      --pos-label, or --task regression.
    --weight: every loss and metric is a weighted mean (sum with --reduction
      sum), as scikit-learn's sample_weight.
    Metrics (separate from the losses): accuracy, brier (probabilities),
      rmse, r2.
    Regression: absolute, squared, mae, mse, huber; zero_one is exact equality
      or |y - f| < T with --tolerance.
    log clips p to [eps, 1-eps]; probabilities outside [0,1] are an error.
    Losses that do not fit the data are reported as not applicable.
    JSON: not applicable -> null; overflow -> the string "inf".
    --top ranks by log (classification) or squared (regression); ties by line.
    """
    if top_by is not None and not top:
        raise UsageError("--top-by ranks the --top rows; give --top K as well")
    if no_header and (true_col is None or not pred_cols):
        raise UsageError("--no-header: name the columns by 0-based index, e.g. --true 0 --pred 1")
    if no_header and pred_prefix is not None:
        raise UsageError("--pred-prefix needs a header row (column names)")
    if pred_prefix == "":
        raise UsageError("--pred-prefix must not be empty")
    if pred_prefix is not None and pred_cols:
        raise UsageError("give --pred or --pred-prefix, not both")
    if per_row == "-" and fmt == "json":
        raise UsageError(
            "--per-row - writes the rows to standard output, where --format json prints its "
            "one object; give --per-row FILE, or --format table or csv"
        )
    if per_row is not None and per_row != "-":
        Inputs.of([("PREDICTIONS.csv", predictions)]).refuse_output("--per-row", per_row)
    class_list = None
    if classes is not None:
        class_list = tuple(c.strip() for c in classes.split(","))
        if len(class_list) < 2 or "" in class_list or len(set(class_list)) != len(class_list):
            raise UsageError(f"--classes {classes!r}: give two or more distinct names, A,B,...")
    report = run_loss(
        predictions,
        resolve_loss_names(losses),
        dropna=dropna,
        true=true_col or "y_true",
        pred=pred_cols or (() if pred_prefix else ("y_pred",)),
        pred_prefix=pred_prefix,
        classes=class_list,
        pos_label=pos_label,
        weight=weight_col,
        sep=None if sep is None else parse_sep(sep),
        header=not no_header,
        chunk_bytes=chunk_bytes,
        task=task,
        pred_kind=pred_kind,
        reduction=reduction,
        top=top,
        top_by=top_by,
        per_row=per_row,
        options=LossOptions(**loss_params),
    )
    if fmt == "json":
        emit_json(to_dict(report))
    elif fmt == "csv":
        click.echo(format_csv(report), nl=False, err=per_row == "-")
        click.echo(summary_line(report), err=True)
    else:
        click.echo(format_table(report), nl=False, err=per_row == "-")
