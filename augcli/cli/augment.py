"""``augcli augment`` and ``augcli preview``: Click only, over :mod:`augcli.augment`."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import click

from augcli.augment.config import MAX_COPIES, PipelineSpec, load_pipeline
from augcli.augment.naming import DEFAULT_TEMPLATE
from augcli.augment.plan import AugmentOptions, make_plan
from augcli.augment.preview import preview_sheet
from augcli.augment.runner import RunAborted, augment_tree, resolve_seed
from augcli.cli.options import config_option, json_option, resampler_option, seed_option
from augcli.errors import EXIT_SOME_FAILED
from augcli.imagefiles import DEFAULT_MAX_PIXELS, write_image
from augcli.progress import TqdmReporter
from augcli.seeding import fresh_seed


@click.command("augment")
@click.argument("src", type=click.Path(path_type=Path))
@click.argument("dst", type=click.Path(path_type=Path))
@config_option("(default: the built-in pipeline, see `augcli ops` and configs/default.yaml)")
@click.option(
    "--copies",
    type=click.IntRange(1, MAX_COPIES),
    help="Augmented outputs per input (overrides the config's copies; default 1).",
)
@seed_option("Run seed (overrides the config's; drawn and printed when absent).")
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
@resampler_option()
@json_option("Print the summary as JSON on stdout.")
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
    resampler: str | None,
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
    spec = _with_resampler(load_pipeline(config), resampler)
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
    except RunAborted as exc:
        click.echo(exc.summary.to_line(), err=True)
        if exc.interrupted:  # the group reports it: "Interrupted.", exit status 130
            raise KeyboardInterrupt from None
        raise
    if as_json:
        click.echo(json.dumps(summary.to_dict()))
    click.echo(summary.to_line(), err=True)
    if summary.failed:
        sys.exit(EXIT_SOME_FAILED)


@click.command("preview")
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@config_option("(default: the built-in pipeline)")
@click.option(
    "-n",
    "count",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Number of augmented samples.",
)
@seed_option("Seed (default: the config's, else 0).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The sheet to write (.png, .jpg, ...).",
)
@resampler_option()
def preview_command(
    image: Path,
    config: Path | None,
    count: int,
    seed: int | None,
    output: Path,
    resampler: str | None,
) -> None:
    """Show a pipeline on one IMAGE: the original and -n samples in a labelled grid.

    Each sample is labelled with the ops that applied and their key values; sample #i is
    copy i of what `augcli augment` with the same seed makes of a file of that name.
    """
    spec = _with_resampler(load_pipeline(config), resampler)
    seed = seed if seed is not None else spec.seed if spec.seed is not None else 0
    write_image(preview_sheet(spec, image, count, seed), output)
    click.echo(f"wrote {output}: original + {count} samples (seed {seed})")


def _with_resampler(spec: PipelineSpec, resampler: str | None) -> PipelineSpec:
    """The pipeline with ``--resampler`` (when given) in place of the file's."""
    return spec if resampler is None else dataclasses.replace(spec, resampler=resampler)
