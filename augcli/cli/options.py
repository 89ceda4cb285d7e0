"""Options shared by several commands, written once: -c/--config, --seed, --resampler, --json."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from augcli.seeding import MAX_SEED

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def config_option(default_note: str) -> Decorator:
    """``-c/--config PATH``: the pipeline YAML file; *default_note* says what is used without it."""
    return click.option(
        "-c",
        "--config",
        type=click.Path(path_type=Path),
        help=f"Pipeline YAML file {default_note}.",
    )


def seed_option(help_text: str) -> Decorator:
    """``--seed N``: a run seed in [0, 2**64 - 1]."""
    return click.option("--seed", type=click.IntRange(0, MAX_SEED), help=help_text)


def resampler_option() -> Decorator:
    """``--resampler pillow|opencv``: overrides the pipeline file's ``resampler``."""
    return click.option(
        "--resampler",
        type=click.Choice(["pillow", "opencv"]),
        help="Who resamples geometric ops (overrides the config's; default pillow; opencv "
        'needs pip install "augcli[opencv]").',
    )


def json_option(help_text: str) -> Decorator:
    """``--json``: machine-readable output on stdout, passed to the command as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)
