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
from augcli.augment.stores.records import merge_store, verify_store
from augcli.cli.options import PathParam, emit_json, json_option
from augcli.core.errors import EXIT_SOME_FAILED, UsageError
from augcli.core.stores import is_url


@click.group("manifest")
def manifest_group() -> None:
    """Work with the manifests of `augcli augment` runs (merge shards, verify DST)."""


@manifest_group.command("merge")
@click.argument("dst", type=PathParam(file_okay=False, path_type=Path, urls=True))
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
@click.option(
    "--coco",
    nargs=2,
    metavar="SRC OUT",
    type=PathParam(path_type=str, urls=True),
    default=None,
    help="Build the run's one COCO file OUT from the shards' lines (SRC: the annotations "
    "the shards read, for categories and info).",
)
@json_option("Print the report as JSON on stdout.")
def merge_command(
    dst: Path | str,
    src: Path | None,
    config: Path | None,
    coco: tuple[str, str] | None,
    as_json: bool,
) -> None:
    """Merge the shard manifests in DST into DST/augcli-manifest.jsonl.

    Needs all N manifests augcli-manifest.K-of-N.jsonl of one run (one seed, one pipeline),
    no output listed twice and every listed output present; writes the merged manifest
    atomically, in the order an unsharded run writes it.

    Exit status: 0 merged, 1 merged but --src shows outputs no shard wrote, 2 refused
    (nothing written).
    """
    spec = load_pipeline(config, "-c") if config is not None else None
    if is_url(dst):
        if src is not None:
            raise UsageError("--src with a URL DST is not supported; merge without --src")
        report = merge_store(str(dst), spec, coco)
    else:
        report = merge_shards(Path(dst), src, spec, coco)
    if as_json:
        emit_json(report.to_dict())
    click.echo(
        f"merged {report.shards} shard manifest(s), {report.lines} line(s) -> "
        f"{dst}/augcli-manifest.jsonl",
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
@click.argument("dst", type=PathParam(file_okay=False, path_type=Path, urls=True))
@json_option("Print the report as JSON on stdout.")
def verify_command(dst: Path | str, as_json: bool) -> None:
    """Check that DST holds exactly what its manifest lists, with the recorded bytes.

    Every line's output must exist with its recorded size and SHA-256, and every file in DST
    must have a line (the manifests and augcli's temporary files aside). Uses
    augcli-manifest.jsonl, else the shard manifests together.

    Exit status: 0 all agree, 1 something differs (listed), 2 no manifest.
    """
    report = verify_store(dst) if is_url(dst) else verify(Path(dst))
    if as_json:
        emit_json(report.to_dict())
    for line in report.to_lines():
        click.echo(line, err=as_json)
    if not report.ok:
        sys.exit(EXIT_SOME_FAILED)
