"""The command-line layer: Click only.

One thin function per command that parses options, calls the library and prints. Every
``AugcliError`` becomes a short message on stderr and its exit code (2 usage/config/format,
1 some inputs failed, 130 interrupted); a user never sees a traceback for their own mistake.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import click

from augcli import __version__
from augcli.config import MAX_COPIES, load_pipeline
from augcli.errors import EXIT_INTERRUPTED, EXIT_SOME_FAILED, AugcliError
from augcli.imageio import DEFAULT_MAX_PIXELS, write_image
from augcli.loss_format import format_csv, format_table, summary_line, to_dict
from augcli.loss_report import run_loss
from augcli.losses import EPS, LOSS_NAMES, LossOptions, resolve_loss_names
from augcli.ops import describe_ops
from augcli.pipeline import Pipeline
from augcli.plan import AugmentOptions, make_plan
from augcli.preview import preview_sheet
from augcli.progress import TqdmReporter
from augcli.runner import augment_tree, resolve_seed
from augcli.seeding import MAX_SEED, fresh_seed
from augcli.walk import DEFAULT_TEMPLATE


class _AugcliGroup(click.Group):
    """A group that translates library errors and Ctrl-C into messages and exit codes."""

    def invoke(self, ctx: click.Context):  # noqa: D102 - Click hook
        try:
            return super().invoke(ctx)
        except AugcliError as exc:
            error = click.ClickException(str(exc))
            error.exit_code = exc.exit_code
            raise error from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=_AugcliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="augcli")
def cli() -> None:
    """augcli: offline image data augmentation, loss evaluation and CNN pooling.

    \b
    augcli augment SRC DST -c pipeline.yaml   augment image folders
    augcli preview IMAGE -o sheet.png         look at a pipeline on one image
    augcli ops                                list the ops and their parameters
    augcli validate pipeline.yaml             check a pipeline file
    augcli loss preds.csv                     evaluate losses on predictions
    augcli pool image.jpg --method all -o g.png   apply CNN pooling methods

    Exit codes: 0 success, 1 some inputs failed (the run finished),
    2 usage, config or input-format error (nothing done), 130 interrupted.
    """


@cli.command("augment")
@click.argument("src", type=click.Path(path_type=Path))
@click.argument("dst", type=click.Path(path_type=Path))
@click.option(
    "-c",
    "--config",
    type=click.Path(path_type=Path),
    help="Pipeline YAML file "
    "(default: the built-in pipeline, see `augcli ops` and configs/default.yaml).",
)
@click.option(
    "--copies",
    type=click.IntRange(1, MAX_COPIES),
    help="Augmented outputs per input (overrides the config's copies; default 1).",
)
@click.option(
    "--seed",
    type=click.IntRange(0, MAX_SEED),
    help="Run seed (overrides the config's; drawn and printed when absent).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 512),
    default=os.cpu_count() or 1,
    show_default="number of CPUs",
    help="Worker processes; 1 runs in-process.",
)
@click.option("--include-original", is_flag=True, help="Also write each input unchanged.")
@click.option(
    "--format",
    "out_format",
    default="same",
    show_default=True,
    type=click.Choice(["same", "png", "jpeg", "webp", "tiff"], case_sensitive=False),
    help="Output format (same: each input's own; GIF inputs become PNG).",
)
@click.option(
    "--quality",
    type=click.IntRange(1, 100),
    default=95,
    show_default=True,
    help="JPEG and WebP quality.",
)
@click.option(
    "--name",
    "template",
    default=DEFAULT_TEMPLATE,
    show_default=True,
    help="Output name template with {stem} {index} {ext} {parent}.",
)
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--resume", is_flag=True, help="Skip outputs that exist (finish an interrupted run).")
@click.option("--no-manifest", is_flag=True, help="Do not write DST/augcli-manifest.jsonl.")
@click.option("--dry-run", is_flag=True, help="Print the plan and write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first input that fails.")
@click.option(
    "--max-pixels",
    type=click.IntRange(1),
    default=DEFAULT_MAX_PIXELS,
    show_default=True,
    help="Refuse larger images (decompression bombs).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def augment_command(
    src: Path,
    dst: Path,
    config: Path | None,
    copies: int | None,
    seed: int | None,
    workers: int,
    include_original: bool,
    out_format: str,
    quality: int,
    template: str,
    overwrite: bool,
    resume: bool,
    no_manifest: bool,
    dry_run: bool,
    quiet: bool,
    fail_fast: bool,
    max_pixels: int,
    as_json: bool,
) -> None:
    """Augment every image under SRC (a folder or one image) into DST.

    DST mirrors SRC's folders; each input gets --copies outputs named by --name, and
    DST/augcli-manifest.jsonl records each output's source, seed and drawn parameters.
    Same seed and inputs give byte-identical outputs for any --workers.

    Exit status: 0 all inputs done, 1 some inputs failed (the run finished), 2 usage or
    config error (nothing written), 130 interrupted.
    """
    if overwrite and resume:
        raise click.UsageError("--overwrite and --resume exclude each other")
    spec = load_pipeline(config)
    seed, origin = resolve_seed(seed, spec, dst, resume)
    if seed is None:
        seed = fresh_seed()
        click.echo(f"seed {seed} (drawn; pass --seed {seed} to repeat this run)", err=True)
    options = AugmentOptions(
        copies=copies or spec.copies or 1,
        seed=seed,
        workers=workers,
        include_original=include_original,
        out_format="same" if out_format.lower() == "same" else out_format.upper(),
        quality=quality,
        name_template=template,
        existing="overwrite" if overwrite else "resume" if resume else "refuse",
        manifest=not no_manifest,
        fail_fast=fail_fast,
        max_pixels=max_pixels,
    )
    if dry_run:
        click.echo(make_plan(src, dst, options).to_text())
        return
    try:
        summary = augment_tree(spec, src, dst, options, TqdmReporter(quiet))
    except (KeyboardInterrupt, AugcliError) as exc:
        partial = getattr(exc, "summary", None)
        if partial is not None:
            click.echo(partial.to_line(), err=True)
        raise
    if as_json:
        click.echo(json.dumps(summary.to_dict()))
    click.echo(summary.to_line(), err=True)
    if summary.failed:
        sys.exit(EXIT_SOME_FAILED)


@cli.command("preview")
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-c",
    "--config",
    type=click.Path(path_type=Path),
    help="Pipeline YAML file (default: the built-in pipeline).",
)
@click.option(
    "-n",
    "count",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Number of augmented samples.",
)
@click.option(
    "--seed", type=click.IntRange(0, MAX_SEED), help="Seed (default: the config's, else 0)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The sheet to write (.png, .jpg, ...).",
)
def preview_command(
    image: Path, config: Path | None, count: int, seed: int | None, output: Path
) -> None:
    """Show a pipeline on one IMAGE: the original and -n samples in a labelled grid.

    Each sample is labelled with the ops that applied and their key values; sample #i is
    copy i of what `augcli augment` with the same seed makes of a file of that name.
    """
    spec = load_pipeline(config)
    seed = seed if seed is not None else spec.seed if spec.seed is not None else 0
    write_image(preview_sheet(spec, image, count, seed), output)
    click.echo(f"wrote {output}: original + {count} samples (seed {seed})")


@cli.command("ops")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document for scripts.")
def ops_command(as_json: bool) -> None:
    """List every op with its parameters, defaults and allowed values.

    Every number parameter marked "range" may also be a [lo, hi] range (drawn uniformly per
    image) or {choice: [...]}; every op also takes p, its probability.
    """
    catalog = describe_ops()
    if as_json:
        click.echo(json.dumps(catalog, indent=2))
        return
    for op in catalog:
        click.echo(f"{op['name']}: {op['summary']}")
        click.echo(f"  example: - {op['example']}")
        width = max(len(p["name"]) for p in op["params"])
        for p in op["params"]:
            default = "required" if p["required"] else f"default {json.dumps(p['default'])}"
            click.echo(f"  {p['name']:<{width}}  {p['help']}; {default}")
            click.echo(f"  {'':<{width}}  allowed: {p['allowed']}")
        click.echo("")


@cli.command("validate")
@click.argument("config", type=click.Path(dir_okay=False, path_type=str))
def validate_command(config: str) -> None:
    """Check a pipeline file: exit 0 with a summary, or every problem and exit 2."""
    spec = load_pipeline(config)
    groups = Pipeline(spec).resamplings
    ops = ", ".join(step.op.name for step in spec.steps)
    extras = "".join(
        f", {name} {value}"
        for name, value in (("seed", spec.seed), ("copies", spec.copies))
        if value is not None
    )
    click.echo(
        f"{config}: OK: {len(spec.steps)} steps ({ops}), {groups} resampling(s) per image{extras}"
    )


@cli.command("loss")
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


@cli.command("pool")
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="augcli")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
