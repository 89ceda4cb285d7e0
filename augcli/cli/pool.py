"""``augcli pool``: Click only, over :mod:`augcli.pool`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from augcli.cli.options import seed_option
from augcli.errors import EXIT_SOME_FAILED
from augcli.seeding import fresh_seed


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
@seed_option("Seed for mixed/stochastic.")
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
    from augcli.pool.files import run_pool
    from augcli.pool.options import make_options, needs_seed

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
