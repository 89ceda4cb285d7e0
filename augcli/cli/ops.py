"""``augcli ops``, ``augcli schema`` and ``augcli validate``: the op catalogue and file checks."""

from __future__ import annotations

import json

import click

from augcli.augment.config import load_pipeline
from augcli.augment.ops import describe_ops
from augcli.augment.pipeline import Pipeline
from augcli.augment.schema import pipeline_schema
from augcli.cli.options import PathParam, emit_json, json_option


@click.command("ops")
@json_option("Print the pipeline file's JSON Schema instead (as augcli schema does).")
def ops_command(as_json: bool) -> None:
    """List every op with its parameters, defaults and allowed values.

    Every number parameter marked "range" may also be a [lo, hi] range (drawn uniformly per
    image) or {choice: [...]}; every op also takes p, its probability.
    """
    if as_json:
        _echo_schema()
        return
    catalog = describe_ops()
    for op in catalog:
        click.echo(f"{op['name']}: {op['summary']}")
        click.echo(f"  example: - {op['example']}")
        width = max(len(p["name"]) for p in op["params"])
        for p in op["params"]:
            default = "required" if p["required"] else f"default {json.dumps(p['default'])}"
            click.echo(f"  {p['name']:<{width}}  {p['help']}; {default}")
            click.echo(f"  {'':<{width}}  allowed: {p['allowed']}")
        click.echo("")


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of pipeline files (draft 2020-12, from the op registry).

    \b
    Save it and point your editor at it, e.g. for the YAML language server:
      augcli schema > augcli-pipeline.schema.json
      # yaml-language-server: $schema=./augcli-pipeline.schema.json
    """
    _echo_schema()


def _echo_schema() -> None:
    emit_json(pipeline_schema(), indent=2)


@click.command("validate")
@click.argument("config", type=PathParam(dir_okay=False, path_type=str))
@json_option('Print {"config", "ok", "steps", "resamplings", "seed", "copies"} as JSON.')
def validate_command(config: str, as_json: bool) -> None:
    """Check a pipeline file: exit 0 with a summary, or every problem and exit 2."""
    spec = load_pipeline(config, "CONFIG")
    groups = Pipeline(spec).resamplings
    if as_json:
        emit_json(
            {
                "config": config,
                "ok": True,
                "steps": [step.op.name for step in spec.steps],
                "resamplings": groups,
                "seed": spec.seed,
                "copies": spec.copies,
            }
        )
        return
    ops = ", ".join(step.op.name for step in spec.steps)
    extras = "".join(
        f", {name} {value}"
        for name, value in (("seed", spec.seed), ("copies", spec.copies))
        if value is not None
    )
    click.echo(
        f"{config}: OK: {len(spec.steps)} steps ({ops}), {groups} resampling(s) per image{extras}"
    )
