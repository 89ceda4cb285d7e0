"""The evaluator commands, ``augcli loss`` and ``augcli pool``: Click only.

Registered on the ``augcli`` group by :mod:`augcli.cli`, which also translates their errors
into exit codes.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from augcli.errors import EXIT_SOME_FAILED
from augcli.loss_format import format_csv, format_table, summary_line, to_dict
from augcli.loss_report import run_loss
from augcli.losses import EPS, LOSS_NAMES, LossOptions, resolve_loss_names
from augcli.seeding import MAX_SEED, fresh_seed


@click.command("loss")
@click.argument("predictions", metavar="PREDICTIONS.csv")
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
    type=click.Path(dir_okay=False),
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
        click.echo(json.dumps(to_dict(report), allow_nan=False))
    elif fmt == "csv":
        click.echo(format_csv(report), nl=False)
        click.echo(summary_line(report), err=True)
    else:
        click.echo(format_table(report), nl=False)


@click.command("pool")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Image (grid), .npy, or folder."
)
@click.option(
    "-m",
    "--method",
    "methods",
    multiple=True,
    default=("max",),
    show_default=True,
    help="max, avg, gap, mixed, stochastic, power, dpp, lip, softpool, or all; "
    "repeat or comma-separate.",
)
@click.option("--kernel", help="K or KHxKW [2; lip alone: 3].")
@click.option("--stride", help="S or SHxSW [kernel; lip alone: 2].")
@click.option("--padding", help="P or PHxPW, at most kernel/2 [0; lip alone: 1].")
@click.option("--dilation", help="Max pooling only [1].")
@click.option("--ceil-mode", is_flag=True, help="Ceil-mode output size (partial edge windows).")
@click.option(
    "--layout",
    type=click.Choice(["hw", "hwc", "chw", "nchw"]),
    help=".npy layout [2-D hw, 3-D hwc, 4-D nchw].",
)
@click.option("--seed", type=click.IntRange(0, MAX_SEED), help="Seed for mixed/stochastic.")
@click.option("--upscale", is_flag=True, help="Enlarge an image output to the input size.")
@click.option(
    "--count-include-pad/--no-count-include-pad",
    default=None,
    help="avg/mixed: padded cells count in the divisor [yes].",
)
@click.option("--divisor-override", type=int, help="avg: divide window sums by this.")
@click.option("--lam", type=float, help="mixed: fixed weight in [0,1], max*lam + avg*(1-lam).")
@click.option(
    "--lambda-scope",
    type=click.Choice(["call", "channel", "region"]),
    help="mixed: one random lambda per call, channel or region [call].",
)
@click.option("--p-max", type=float, help="mixed: probability of max [0.5].")
@click.option("--test-mode", type=click.Choice(["max", "avg"]), help="mixed: test-time choice.")
@click.option(
    "--mode",
    type=click.Choice(["sample", "expectation"]),
    help="stochastic: training sample or test-time expectation [sample].",
)
@click.option("--relu", is_flag=True, default=None, help="stochastic: clamp negatives to 0.")
@click.option("--p", "p", type=float, help="power: exponent > 0, or inf [2].")
@click.option("--lp-normalize", type=click.Choice(["sum", "mean"]), help="power: [sum].")
@click.option("--alpha", type=float, help="dpp: weight floor >= 0 [1].")
@click.option("--lambda", "dpp_lambda", type=float, help="dpp: reward exponent >= 0 [1].")
@click.option("--dpp-variant", type=click.Choice(["sym", "asym"]), help="dpp: [sym].")
@click.option("--dpp-norm", type=click.Choice(["mean", "sum", "none"]), help="dpp: [mean].")
@click.option("--eps2", type=float, help="dpp: epsilon squared > 0 [1e-3].")
@click.option(
    "--importance",
    type=click.Path(path_type=Path, dir_okay=False),
    help="lip: importance logits G (.npy, HxW or the input's shape).",
)
@click.option(
    "--logit",
    type=click.Choice(["identity", "gate"]),
    help="lip: G = beta*I or beta*12*sigmoid(I) [identity].",
)
@click.option("--beta", type=float, help="lip: scale of the default logits [1].")
def pool_command(input_path: Path, output: Path | None, seed: int | None, **options) -> None:
    """Apply CNN pooling methods to an image, a .npy array or a folder.

    \b
    augcli pool photo.jpg --method all -o grid.png
    augcli pool feats.npy --layout chw --method power --p 3 -o pooled.npy
    """
    from augcli.pool_io import run_pool
    from augcli.pool_options import make_options, needs_seed

    parsed = make_options(options.pop("methods"), seed=seed or 0, **options)
    if seed is None and needs_seed(parsed):
        parsed = dataclasses.replace(parsed, seed=fresh_seed())
        click.echo(f"seed: {parsed.seed} (pass --seed {parsed.seed} to repeat)", err=True)
    report = run_pool(input_path, output, parsed)
    for line in report.lines:
        click.echo(line)
    for line in report.warnings + report.failures:
        click.echo(line, err=True)
    if report.failures:
        click.echo(f"{len(report.failures)} input(s) failed", err=True)
        click.get_current_context().exit(EXIT_SOME_FAILED)
