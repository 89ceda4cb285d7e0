"""The command-line layer: Click only.

One thin function per command that parses options, calls the library and prints. Every
``AugcliError`` becomes a short message on stderr and its exit code (2 usage/config/format,
1 some inputs failed, 130 interrupted); a user never sees a traceback for their own mistake.
"""

from __future__ import annotations

import json
import sys

import click

from augcli import __version__
from augcli.config import load_pipeline
from augcli.errors import EXIT_INTERRUPTED, AugcliError
from augcli.ops import describe_ops
from augcli.pipeline import Pipeline


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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="augcli")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
