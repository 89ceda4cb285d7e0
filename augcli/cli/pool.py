"""``augcli pool``: Click only, over :mod:`augcli.pool`; method options come from the registry."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from augcli.cli.options import Decorator, PathParam, seed_option
from augcli.errors import EXIT_SOME_FAILED
from augcli.pool.registry import METHODS, MethodOption, method_options

_CLICK_TYPES: dict[str, Any] = {
    "float": float,
    "int": int,
    "path": PathParam(path_type=Path, dir_okay=False),
}


def _click_option(entry: MethodOption) -> Decorator:
    """The Click option of one registry option, its help prefixed with the methods it serves."""
    option = entry.option
    help_text = f"{'/'.join(entry.methods)}: {option.help}"
    if option.kind == "flag":
        return click.option(option.flag, is_flag=True, default=None, help=help_text)
    if option.kind == "choice":
        return click.option(option.flag, type=click.Choice(list(option.choices)), help=help_text)
    return click.option(option.flag, type=_CLICK_TYPES[option.kind], help=help_text)


METHOD_OPTIONS = method_options()


def method_option_decorators(command: Any) -> Any:
    """Add every method option of the registry to ``command``, in registry order."""
    for entry in reversed(METHOD_OPTIONS):
        command = _click_option(entry)(command)
    return command


_RANDOM = "/".join(name for name, spec in METHODS.items() if spec.random)


@click.command("pool")
@click.argument("input_path", metavar="INPUT", type=PathParam(path_type=Path))
@click.option(
    "-o", "--output", type=PathParam(path_type=Path), help="Image (grid), .npy, or folder."
)
@click.option(
    "-m",
    "--method",
    "methods",
    multiple=True,
    default=("max",),
    show_default=True,
    help=f"{', '.join(METHODS)}, or all; repeat or comma-separate.",
)
@click.option("--kernel", help="K or KHxKW [2; lip alone: 3].")
@click.option("--stride", help="S or SHxSW [kernel; lip alone: 2].")
@click.option("--padding", help="P or PHxPW, at most kernel/2 [0; lip alone: 1].")
@click.option("--dilation", help="Max pooling only [1].")
@click.option("--ceil-mode", is_flag=True, help="Ceil-mode output size (partial edge windows).")
@click.option(
    "--layout",
    type=click.Choice(["hw", "hwc", "chw", "nchw"]),
    help=".npy layout [2-D hw, 3-D hwc, 4-D nchw].",
)
@seed_option(f"Seed for {_RANDOM}.")
@click.option("--upscale", is_flag=True, help="Enlarge an image output to the input size.")
@method_option_decorators
def pool_command(
    input_path: Path, output: Path | None, methods: tuple[str, ...], seed: int | None, **options
) -> None:
    """Apply CNN pooling methods to an image, a .npy array or a folder.

    \b
    augcli pool photo.jpg --method all -o grid.png
    augcli pool feats.npy --layout chw --method power --p 3 -o pooled.npy
    """
    from augcli.pool.options import make_options, needs_seed
    from augcli.pool.run import run_pool
    from augcli.seeding import fresh_seed

    dests = {entry.option.dest for entry in METHOD_OPTIONS}
    method_values = {dest: value for dest, value in options.items() if dest in dests}
    command_values = {key: value for key, value in options.items() if key not in dests}
    parsed = make_options(methods, seed=seed or 0, method_options=method_values, **command_values)
    if seed is None and needs_seed(parsed):
        parsed = dataclasses.replace(parsed, seed=fresh_seed())
        click.echo(f"seed: {parsed.seed} (pass --seed {parsed.seed} to repeat)", err=True)
    report = run_pool(input_path, output, parsed)
    for line in report.lines:
        click.echo(line)
    for line in report.warnings + report.failures:
        click.echo(line, err=True)
    if report.failures:
        click.echo(f"{len(report.failures)} input(s) failed", err=True)
        click.get_current_context().exit(EXIT_SOME_FAILED)
