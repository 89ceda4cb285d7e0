"""What several commands share, written once: -c/--config, --seed, --resampler, --json, paths."""

from __future__ import annotations

import functools
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
    """The label formats' options from the registry (``--masks``, ``--yolo``, ... SRC DST each;
    one path for preview; each format's own settings), ``--mask-fill``, ``--min-visibility``,
    ``--min-area`` and (not for preview) ``--skip-unlabelled``: the labels that travel with
    the images.

    The command receives them as one ``labels`` argument, a
    :class:`~augcli.augment.labels.files.LabelOptions`.
    """
    from augcli.augment.labels.files import LabelOptions, attribute
    from augcli.augment.labels.formats import FORMATS

    nargs = 1 if preview else 2
    settings = [s for f in FORMATS.values() for s in f.settings]
    dests = {attribute(name) for name in FORMATS}
    rules = {} if preview else {
        f"{attribute(n)}_auto": f for n, f in FORMATS.items() if f.ultralytics_rule
    }  # fmt: skip

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def command(**values: Any) -> Any:
            paths = {k: (v,) if isinstance(v := values.pop(k), str) else v for k in dests}
            given = {k: v for s in settings if (v := values.pop(s.dest)) is not None
                     for k in [s.dest]}  # fmt: skip
            beside = tuple(f.name for dest, f in rules.items() if values.pop(dest))
            labels = LabelOptions(
                beside=beside,
                mask_fill=values.pop("mask_fill"),
                min_visibility=values.pop("min_visibility"),
                min_area=values.pop("min_area"),
                skip_unlabelled=values.pop("skip_unlabelled", False),
                **{k: v for k, v in paths.items() if v},
                **given,
            )
            return func(labels=labels, **values)

        wrapped: Callable[..., Any] = command
        for dest, fmt in reversed(rules.items()):
            wrapped = click.option(
                f"{fmt.flag}-auto",
                dest,
                is_flag=True,
                help=f"{fmt.flag} with the folders Ultralytics' rule gives: SRC's and DST's last "
                "'images' folder made 'labels' (ds/images/train -> ds/labels/train); a SRC or "
                f"DST without an 'images' folder is refused. Excludes {fmt.flag} SRC DST.",
            )(wrapped)
        if not preview:
            wrapped = click.option(
                "--skip-unlabelled",
                is_flag=True,
                help="Leave out images that have no label file (--yolo) or no image entry "
                "(--coco); an empty label file is a label (no objects).",
            )(wrapped)
        wrapped = click.option(
            "--min-area",
            type=click.FloatRange(0.0, 1e12),
            callback=_finite,
            default=1.0,
            show_default=True,
            help="Drop objects with less than this many square pixels inside the image "
            "(degenerate shapes are never written).",
        )(wrapped)
        wrapped = click.option(
            "--min-visibility",
            type=click.FloatRange(0.0, 1.0),
            default=0.0,
            show_default=True,
            callback=_finite,
            help="Drop boxes and polygons with less of their moved area inside the image.",
        )(wrapped)
        wrapped = click.option(
            "--mask-fill",
            type=click.IntRange(0, 65535),
            default=0,
            show_default=True,
            help="Mask value where a constant fill brings in outside pixels (255: ignore).",
        )(wrapped)
        for setting in reversed(settings):
            wrapped = click.option(
                setting.flag,
                setting.dest,
                metavar=setting.metavar,
                default=None,
                callback=_setting(setting.parse),
                help=setting.help,
            )(wrapped)
        for fmt in reversed(list(FORMATS.values())):
            wrapped = click.option(
                fmt.flag,
                attribute(fmt.name),
                nargs=nargs,
                metavar=fmt.preview_metavar if preview else fmt.metavar,
                type=PathParam(path_type=str, urls=True),
                default=None,
                help=fmt.preview_help if preview else fmt.help,
            )(wrapped)
        return wrapped

    return decorate


def _setting(parse: Callable[[str], Any]) -> Callable[..., Any]:
    """A Click callback running a format setting's parser (its refusal: a usage error)."""
    from augcli.core.errors import UsageError

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        if value is None:
            return None
        try:
            return parse(value)
        except UsageError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None

    return callback


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Refuse ``nan`` (which every range comparison lets through) and infinities."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number within the range 0<=x<=1.")
    return value
