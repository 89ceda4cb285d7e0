"""``augcli manifest merge`` and ``augcli manifest verify``: Click only, over the run record.

The work is :mod:`augcli.augment.record.merge`'s and :mod:`augcli.augment.record.verify`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from augcli.augment.config import load_pipeline
from augcli.augment.record.merge import MAX_LISTED, merge_shards
from augcli.augment.record.verify import verify
from augcli.cli.options import PathParam, emit_json, json_option
from augcli.core.errors import EXIT_SOME_FAILED


@click.group("manifest")
def manifest_group() -> None:
    """Work with the manifests of `augcli augment` runs (merge shards, verify DST)."""


@manifest_group.command("merge")
@click.argument("dst", type=PathParam(file_okay=False, path_type=Path))
@click.option(
    "--src",
    type=PathParam(path_type=Path),
    help="The run's SRC: re-plan the run and list the outputs no shard wrote (exit 1).",
)
@click.option(
    "-c",
    "--config",
    type=PathParam(dir_okay=False, path_type=Path),
    help="The run's pipeline YAML: refuse shards that recorded another pipeline.",
)
@json_option("Print the report as JSON on stdout.")
def merge_command(dst: Path, src: Path | None, config: Path | None, as_json: bool) -> None:
    """Merge the shard manifests in DST into DST/augcli-manifest.jsonl.

    Needs all N manifests augcli-manifest.K-of-N.jsonl of one run (one seed, one pipeline),
    no output listed twice and every listed output present; writes the merged manifest
    atomically, in the order an unsharded run writes it.

    Exit status: 0 merged, 1 merged but --src shows outputs no shard wrote, 2 refused
    (nothing written).
    """
    spec = load_pipeline(config, "-c") if config is not None else None
    report = merge_shards(dst, src, spec)
    if as_json:
        emit_json(report.to_dict())
    click.echo(
        f"merged {report.shards} shard manifest(s), {report.lines} line(s) -> "
        f"{dst / 'augcli-manifest.jsonl'}",
        err=True,
    )
    for what, items in (("missing (no shard wrote it)", report.missing),
                        ("listed but not in the plan of SRC", report.unexpected)):  # fmt: skip
        for item in items[:MAX_LISTED]:
            click.echo(f"{what}: {item}", err=True)
        if len(items) > MAX_LISTED:
            click.echo(f"... {len(items)} {what.split(' ')[0]} in all", err=True)
    if report.missing or report.unexpected:
        sys.exit(EXIT_SOME_FAILED)


@manifest_group.command("verify")
@click.argument("dst", type=PathParam(file_okay=False, path_type=Path))
@json_option("Print the report as JSON on stdout.")
def verify_command(dst: Path, as_json: bool) -> None:
    """Check that DST holds exactly what its manifest lists, with the recorded bytes.

    Every line's output must exist with its recorded size and SHA-256, and every file in DST
    must have a line (the manifests and augcli's temporary files aside). Uses
    augcli-manifest.jsonl, else the shard manifests together.

    Exit status: 0 all agree, 1 something differs (listed), 2 no manifest.
    """
    report = verify(dst)
    if as_json:
        emit_json(report.to_dict())
    for line in report.to_lines():
        click.echo(line, err=as_json)
    if not report.ok:
        sys.exit(EXIT_SOME_FAILED)
