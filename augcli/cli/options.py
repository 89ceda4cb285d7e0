"""What several commands share, written once: -c/--config, --seed, --json, path checks, JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from augcli.seeding import MAX_SEED

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


JSON_PRINTED = "augcli.json_printed"


class PathParam(click.Path):
    """``click.Path`` that refuses an empty string (it would silently mean the current folder)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Refuse ``""``, then convert as ``click.Path``."""
        if isinstance(value, str | bytes) and not value:
            self.fail("an empty path is not allowed (use . for the current folder)", param, ctx)
        return super().convert(value, param, ctx)


def emit_json(payload: dict[str, Any]) -> None:
    """Print the command's one JSON object on stdout and remember that it was printed.

    The group (:mod:`augcli.cli.main`) prints an error object for a ``--json`` invocation that
    fails before the command printed its own, so a script always reads exactly one object.
    """
    click.echo(json.dumps(payload, allow_nan=False))
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.find_root().meta[JSON_PRINTED] = True


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


def json_option(help_text: str) -> Decorator:
    """``--json``: machine-readable output on stdout, passed to the command as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)
