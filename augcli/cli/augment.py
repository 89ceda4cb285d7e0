"""``augcli augment`` and ``augcli preview``: Click only, over :mod:`augcli.augment`."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from augcli.augment.config import MAX_COPIES, PipelineSpec, load_pipeline
from augcli.augment.executors.registry import (
    DEFAULT_EXECUTOR,
    EXECUTORS,
    executor_options,
    make_executor,
)
from augcli.augment.labels.dataset import parse_splits, run_dataset
from augcli.augment.labels.datayaml import load_data_yaml
from augcli.augment.labels.files import LabelOptions
from augcli.augment.labels.rule import resolve_beside
from augcli.augment.preview import preview_sheet
from augcli.augment.run.plan import make_plan
from augcli.augment.run.runner import RunAborted, augment_tree, resolve_seed
from augcli.augment.stores.plan import make_store_plan
from augcli.augment.stores.preview import staged_preview
from augcli.augment.stores.run import augment_store, is_store_run
from augcli.augment.tasks import DEFAULT_TEMPLATE, AugmentOptions, parse_shard
from augcli.cli.options import (
    Decorator,
    PathParam,
    config_option,
    emit_json,
    json_option,
    label_options,
    resampler_option,
    seed_option,
)
from augcli.core.errors import EXIT_SOME_FAILED, UsageError
from augcli.core.gate import Inputs
from augcli.core.progress import TqdmReporter
from augcli.core.seeding import fresh_seed
from augcli.images.reading import DEFAULT_MAX_PIXELS, write_image


def executor_choice() -> Decorator:
    """``--executor NAME`` and each executor's own options, from the executor registry.

    The executors' option values reach the command as keyword arguments (by their ``dest``).
    """
    *first, last = [spec.help_text for spec in EXECUTORS.values()]
    where = f"{', '.join(first)}, or {last}" if first else last

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for _, option in reversed(executor_options()):
            kind = PathParam(dir_okay=False, path_type=Path) if option.kind == "file" else None
            add = click.option(option.flag, type=kind, metavar=option.metavar, help=option.help)
            func = add(func)
        return click.option(
            "--executor",
            type=click.Choice(list(EXECUTORS)),
            default=DEFAULT_EXECUTOR,
            show_default=True,
            help=f"Where tasks run: {where}.",
        )(func)

    return decorate


@click.command("augment")
@click.argument("src", type=PathParam(path_type=Path, urls=True), required=False)
@click.argument("dst", type=PathParam(path_type=Path, urls=True), required=False)
@click.option(
    "--yolo-data",
    "yolo_data",
    type=PathParam(dir_okay=False, path_type=Path),
    default=None,
    help="A whole Ultralytics dataset: `augment --yolo-data data.yaml OUT` augments its "
    "--splits into OUT/images and OUT/labels, copies the other splits, writes OUT/data.yaml.",
)
@click.option(
    "--splits",
    default="train",
    show_default=True,
    help="With --yolo-data: the splits to augment (comma-separated: train,val,test).",
)
@click.option(
    "--copy-splits/--no-copy-splits",
    default=True,
    show_default=True,
    help="With --yolo-data: copy the splits not augmented into OUT unchanged.",
)
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
    help="Worker processes; 1 runs in-process (with --executor dask: the local cluster's).",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Run only shard K (0-based) of N: inputs whose path hash is K mod N; "
    "writes DST/augcli-manifest.K-of-N.jsonl (needs a seed).",
)
@executor_choice()
@click.option("--include-original", is_flag=True, help="Also write each input unchanged.")
@click.option(
    "--format",
    "out_format",
    default="same",
    show_default=True,
    type=click.Choice(["same", "png", "jpeg", "webp", "tiff"], case_sensitive=False),
    help="Output format (same: each input's own where it holds the pixels, else PNG, or TIFF "
    "for float; GIF inputs become PNG).",
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
    help="Output name template with {stem} {index} {ext} {parent} {srcext} ({srcext}: the "
    "input's extension; an extension written out, e.g. .jpg, chooses the format).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace existing outputs; remove the earlier run's other outputs (those the manifest "
    "proves augcli wrote).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Finish an interrupted run: skip the outputs its manifest lists (refused for another "
    "run's outputs).",
)
@click.option("--no-manifest", is_flag=True, help="Do not write DST/augcli-manifest.jsonl.")
@click.option("--dry-run", is_flag=True, help="Print the plan (JSON with --json); write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first input that fails.")
@click.option(
    "--max-pixels",
    type=click.IntRange(1),
    default=DEFAULT_MAX_PIXELS,
    show_default=True,
    help="Refuse larger images (decompression bombs).",
)
@label_options()
@resampler_option()
@json_option("Print one JSON object on stdout whatever happens (summary, plan or error).")
def augment_command(
    src: Path | None,
    dst: Path | None,
    yolo_data: Path | None,
    splits: str,
    copy_splits: bool,
    config: Path | None,
    copies: int | None,
    seed: int | None,
    workers: int,
    shard: str | None,
    executor: str,
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
    labels: LabelOptions,
    resampler: str | None,
    as_json: bool,
    **executor_values: Any,
) -> None:
    """Augment every image under SRC (a folder or one image) into DST.

    DST mirrors SRC's folders; each input gets --copies outputs named by --name, and
    DST/augcli-manifest.jsonl records each output's source, seed and drawn parameters.
    Same seed and inputs give byte-identical outputs for any --workers, --shard or
    --executor.

    Labels travel with the images: --masks, --yolo, --yolo-pose, --coco and --voc each take
    a source and a destination, and move with the same transforms (noise never touches them).

    Exit status: 0 all inputs done, 1 some inputs failed (the run finished), 2 usage or
    config error (nothing written), 130 interrupted.
    """
    if overwrite and resume:
        raise click.UsageError("--overwrite and --resume exclude each other")
    if yolo_data is not None:
        if src is None or dst is not None:
            raise click.UsageError("--yolo-data data.yaml takes one argument: OUT")
        if is_store_run(src, None):
            raise click.UsageError("--yolo-data OUT: give a folder on this machine, not a URL")
        if labels.any:
            raise click.UsageError("--yolo-data finds the dataset's labels; leave out --yolo etc.")
    elif src is None or dst is None:
        raise click.UsageError(f"Missing argument '{'SRC' if src is None else 'DST'}'.")
    spec = _with_resampler(load_pipeline(config, "-c"), resampler)
    part = parse_shard(shard) if shard is not None else None
    store_run = is_store_run(src, dst)
    seed, origin = resolve_seed(seed, spec, dst, resume and not store_run)
    if part is not None and origin not in ("--seed", "config"):
        raise UsageError(
            f"--shard {shard} needs an explicit seed (--seed N or the config's seed): "
            "every shard of a run must use the same one"
        )
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
        labels=labels,
        shard=part,
    )
    if yolo_data is not None:
        _run_dataset(spec, yolo_data, src, splits, copy_splits, options, executor,
                     executor_values, dry_run, as_json, quiet)  # fmt: skip
        return
    options = dataclasses.replace(options, labels=resolve_beside(labels, src, dst))
    summary = _run_one(
        spec, src, dst, options, seed, executor, executor_values, dry_run, as_json, quiet, "", True
    )
    if not dry_run and summary.failed:
        sys.exit(EXIT_SOME_FAILED)


def _run_dataset(
    spec: PipelineSpec,
    yolo_data: Path,
    out: Path,
    splits: str,
    copy_splits: bool,
    options: AugmentOptions,
    executor: str,
    executor_values: dict[str, Any],
    dry_run: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """``--yolo-data data.yaml OUT``: every split through :func:`run_dataset`, and with
    ``--json`` one object for the whole command: ``{"splits": {split: its summary, plan or
    number of files copied}, ...}``."""
    data = load_data_yaml(yolo_data)
    chosen = parse_splits(splits, data)
    done: dict[str, Any] = {}

    def one(src: Path, dst: Path, split_options: AugmentOptions) -> Any:
        split = dst.name  # OUT/images/<split>
        done[split] = _run_one(
            spec, src, dst, split_options, options.seed, executor, executor_values, dry_run,
            as_json, quiet, f"{split}: ", wrap=lambda obj: {"splits": {**_shown(done), split: obj}},
        )  # fmt: skip
        return done[split]

    results = run_dataset(data, out, chosen, options, one, copy_splits and not dry_run,
                          not dry_run)  # fmt: skip
    if dry_run:
        others = [s for s in data.splits if s not in chosen] if copy_splits else []
        if as_json:
            emit_json({"splits": _shown(done), "copy_splits": others, "seed": options.seed})
        elif others:
            click.echo(f"copy unchanged: {', '.join(others)} (images and labels)")
        return
    failed = any(getattr(r, "failed", 0) for r in results.values())
    if as_json:
        emit_json({"splits": _shown(results), "exit_code": EXIT_SOME_FAILED if failed else 0})
    if failed:
        sys.exit(EXIT_SOME_FAILED)


def _shown(results: dict[str, Any]) -> dict[str, Any]:
    """Each split's result as JSON: a summary's or plan's dict, a count of copied files."""
    return {
        k: v.to_dict() if hasattr(v, "to_dict") else v for k, v in results.items() if v is not None
    }


def _run_one(
    spec: PipelineSpec,
    src: Path,
    dst: Path,
    options: AugmentOptions,
    seed: int,
    executor: str,
    executor_values: dict[str, Any],
    dry_run: bool,
    as_json: bool,
    quiet: bool,
    prefix: str = "",
    emit: bool = False,
    wrap: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
):
    """Plan (``--dry-run``) or run one SRC -> DST; the summary (the plan for a dry run).

    With ``emit`` and ``as_json`` the run's (or plan's) JSON object is printed (before the
    summary line). With ``wrap`` (one split of a dataset) nothing is printed unless the run is
    aborted: then ``wrap`` makes the object printed from the run's.
    """
    workers = options.workers
    store_run = is_store_run(src, dst)
    if dry_run:
        plan = make_store_plan(src, dst, options) if store_run else make_plan(src, dst, options)
        if as_json and emit:
            emit_json({**plan.to_dict(), "seed": seed})
        elif not as_json:
            click.echo(prefix + plan.to_text())
        return plan
    runner = make_executor(executor, workers, executor_values)
    try:
        run = augment_store if store_run else augment_tree
        summary = run(spec, src, dst, options, TqdmReporter(quiet), runner)
    except RunAborted as exc:
        if as_json:
            obj = {**exc.summary.to_dict(), "error": str(exc), "exit_code": exc.exit_code}
            emit_json({**(wrap or dict)(obj), "error": str(exc), "exit_code": exc.exit_code})
        click.echo(prefix + exc.summary.to_line(), err=True)
        if exc.interrupted:  # the group reports it: "Interrupted.", exit status 130
            raise KeyboardInterrupt from None
        raise
    if emit and as_json:
        code = EXIT_SOME_FAILED if summary.failed else 0
        emit_json({**summary.to_dict(), "exit_code": code})
    click.echo(prefix + summary.to_line(), err=True)
    return summary


@click.command("preview")
@click.argument("image", type=PathParam(dir_okay=False, path_type=Path, urls=True))
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
    type=PathParam(dir_okay=False, path_type=Path, urls=True),
    required=True,
    help="The sheet to write (.png, .jpg, ...; a path or an object-store URL).",
)
@label_options(preview=True)
@resampler_option()
def preview_command(
    image: Path,
    config: Path | None,
    count: int,
    seed: int | None,
    output: Path,
    labels: LabelOptions,
    resampler: str | None,
) -> None:
    """Show a pipeline on one IMAGE: the original and -n samples in a labelled grid.

    Each sample is labelled with the ops that applied and their key values; sample #i is
    copy i of what `augcli augment` with the same seed makes of a file of that name.
    With label options (--masks, --yolo, --coco, ...) the labels are drawn moved with each sample.
    """
    with staged_preview(image, output, labels) as (local_image, local_output):
        named = [(f"--{name}", paths[0]) for name, paths in labels.paths.items()]
        Inputs.of([("IMAGE", local_image), ("-c", config), *named]).refuse_output(
            "-o", local_output
        )
        spec = _with_resampler(load_pipeline(config, "-c"), resampler)
        seed = seed if seed is not None else spec.seed if spec.seed is not None else 0
        write_image(preview_sheet(spec, local_image, count, seed, labels=labels), local_output)
    click.echo(f"wrote {output}: original + {count} samples (seed {seed})")


def _with_resampler(spec: PipelineSpec, resampler: str | None) -> PipelineSpec:
    """The pipeline with ``--resampler`` (when given) in place of the file's."""
    return spec if resampler is None else dataclasses.replace(spec, resampler=resampler)
