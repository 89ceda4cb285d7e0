"""What several commands share, written once: -c/--config, --seed, --resampler, --json, paths."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from augcli.augment.kernels.resampler import DEFAULT_RESAMPLER, RESAMPLERS
from augcli.cli import interrupt
from augcli.core.seeding import MAX_SEED
from augcli.core.stores import file_url_path, is_url

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


JSON_PRINTED = "augcli.json_printed"


class PathParam(click.Path):
    """``click.Path`` that refuses an empty string (it would silently mean the current folder).

    A URL (``s3://...``) is passed on as a string, unchecked here (:mod:`augcli.core.stores`
    checks it) when the parameter takes URLs (``urls=True``); a ``file://`` URL becomes its
    local path.
    """

    def __init__(self, *args: Any, urls: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.urls = urls

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Refuse ``""``, then convert as ``click.Path``."""
        if isinstance(value, str | bytes) and not value:
            self.fail("an empty path is not allowed (use . for the current folder)", param, ctx)
        if self.urls and is_url(
            value
        ):  # an object store URL (augcli.core.stores); file:// is a path
            local = file_url_path(value)
            if local is None:
                return value
            value = local
        return super().convert(value, param, ctx)


class FiniteFloat(click.FloatRange):
    """``click.FloatRange`` that also refuses NaN and infinities (which pass its comparisons)."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Convert as ``FloatRange``, then refuse a non-finite number."""
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def emit_json(payload: dict[str, Any], indent: int | None = None) -> None:
    """Print the command's one JSON object on stdout and remember that it was printed.

    The group (:mod:`augcli.cli.main`) prints an error object for a ``--json`` invocation that
    fails before the command printed its own, so a script always reads exactly one object.
    ``indent`` pretty-prints (for files people read, like the schema).
    """
    text = json.dumps(payload, allow_nan=False, indent=indent)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.find_root().meta[JSON_PRINTED] = True
    interrupt.json_printed()  # before the write: an interrupt now must not add an object
    click.echo(text)


def config_option(default_note: str) -> Decorator:
    """``-c/--config PATH``: the pipeline YAML file; *default_note* says what is used without it."""
    return click.option(
        "-c",
        "--config",
        type=PathParam(path_type=Path),
        help=f"Pipeline YAML file {default_note}.",
    )


def seed_option(help_text: str) -> Decorator:
    """``--seed N``: a run seed in [0, 2**64 - 1]."""
    return click.option("--seed", type=click.IntRange(0, MAX_SEED), help=help_text)


def resampler_option() -> Decorator:
    """``--resampler pillow|opencv``: overrides the pipeline file's ``resampler``."""
    return click.option(
        "--resampler",
        type=click.Choice(list(RESAMPLERS)),
        help=f"Who resamples geometric ops (overrides the config's; default {DEFAULT_RESAMPLER}; "
        "pillow gives the Pillow-only bytes of augcli before 0.2).",
    )


def json_option(help_text: str) -> Decorator:
    """``--json``: machine-readable output on stdout, passed to the command as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """Refuse ``nan`` (which passes every range check)."""
    if value != value:
        raise click.BadParameter(f"{value} is not a number of square pixels", ctx, param)
    return value


def label_options(preview: bool = False) -> Decorator:
    """``--masks``, ``--yolo``, ``--coco`` (SRC DST each; one path for preview), ``--mask-fill``
    ``--min-visibility``, ``--min-area`` and (not for preview) ``--skip-unlabelled``: the labels
    that travel with the images."""
    if preview:
        kinds = [
            ("--masks", "PATH", "Segmentation mask of IMAGE (a file, or a folder holding one of "
             "the same stem)."),
            ("--yolo", "PATH", "YOLO label file of IMAGE (a .txt, or a folder holding one of "
             "the same stem)."),
            ("--coco", "JSON", "COCO annotations file with an entry for IMAGE (by file name)."),
        ]  # fmt: skip
    else:
        kinds = [
            ("--masks", "SRC DST", "Mask folder mirroring SRC (same stem, any image extension) "
             "and where the moved masks go (PNG)."),
            ("--yolo", "SRC DST", "YOLO label folder mirroring SRC (one .txt per image; none "
             "means no objects) and where the moved labels go."),
            ("--coco", "JSON OUT", "COCO annotations of SRC's images (file_name relative to "
             "SRC) and the COCO file to write for DST."),
        ]  # fmt: skip
    nargs = 1 if preview else 2

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        if not preview:
            func = click.option(
                "--skip-unlabelled",
                is_flag=True,
                help="Leave out images that have no label file (--yolo) or no image entry "
                "(--coco); an empty label file is a label (no objects).",
            )(func)
        func = click.option(
            "--min-area",
            type=click.FloatRange(0.0, 1e12),
            callback=_finite,
            default=1.0,
            show_default=True,
            help="Drop objects with less than this many square pixels inside the image "
            "(degenerate shapes are never written).",
        )(func)
        func = click.option(
            "--min-visibility",
            type=click.FloatRange(0.0, 1.0),
            default=0.0,
            show_default=True,
            callback=_finite,
            help="Drop boxes and polygons with less of their moved area inside the image.",
        )(func)
        func = click.option(
            "--mask-fill",
            type=click.IntRange(0, 65535),
            default=0,
            show_default=True,
            help="Mask value where a constant fill brings in outside pixels (255: ignore).",
        )(func)
        for flag, metavar, text in reversed(kinds):
            func = click.option(
                flag,
                nargs=nargs,
                metavar=metavar,
                type=PathParam(path_type=str, urls=True),
                default=None,
                help=text,
            )(func)
        return func

    return decorate


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Refuse ``nan`` (which every range comparison lets through) and infinities."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number within the range 0<=x<=1.")
    return value
