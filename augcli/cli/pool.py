"""``augcli pool``: Click only, over :mod:`augcli.pool`; method options come from the registry."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from augcli.cli.options import Decorator, PathParam, emit_json, json_option, seed_option
from augcli.core.errors import EXIT_OK, EXIT_SOME_FAILED
from augcli.pool.arrays import LAYOUTS
from augcli.pool.registry import METHODS, Geometry, MethodOption, method_options

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


def picture_options(command: Any) -> Any:
    """The options of comparison pictures (image grids and ``.npy`` montages)."""
    from augcli.pool.options import DIFF_REFERENCES

    for decorator in reversed(
        [
            click.option(
                "--zoom",
                metavar="X,Y,W,H",
                help="Picture: this region of the input (pixels), enlarged by nearest "
                "neighbour [the region of most detail].",
            ),
            click.option("--no-zoom", is_flag=True, help="Picture: whole tiles, no zoom."),
            click.option(
                "--levels",
                type=click.IntRange(min=1),
                default=1,
                show_default=True,
                help="Apply each method N times in a row (stacked pooling layers).",
            ),
            click.option(
                "--diff",
                type=click.Choice(DIFF_REFERENCES),
                help="Picture: a signed difference under each tile against this reference.",
            ),
            click.option(
                "--channels",
                type=click.IntRange(min=1),
                default=8,
                show_default=True,
                help=".npy picture: the first K channels of each method.",
            ),
        ]
    ):
        command = decorator(command)
    return command


_RANDOM = "/".join(name for name, spec in METHODS.items() if spec.random)


def _own_geometry(field: str) -> str:
    """``; lip alone: 3``: the methods with their own default for one geometry field."""
    own = [
        (name, getattr(spec.geometry, field))
        for name, spec in METHODS.items()
        if spec.geometry is not None and spec.geometry != Geometry()
    ]
    return "".join(f"; {name} alone: {_pair(value)}" for name, value in own)


def _pair(value: tuple[int, int]) -> str:
    return str(value[0]) if value[0] == value[1] else f"{value[0]}x{value[1]}"


@click.command("pool")
@click.argument("input_path", metavar="INPUT", type=PathParam(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=PathParam(path_type=Path),
    help="An image file, a .npy or a folder (for a folder INPUT). Several methods: one "
    "comparison picture, or STEM_METHOD.npy each. Without -o: a summary of each result.",
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
@click.option("--kernel", help=f"K or KHxKW [2{_own_geometry('kernel')}].")
@click.option("--stride", help=f"S or SHxSW [kernel{_own_geometry('stride')}].")
@click.option("--padding", help=f"P or PHxPW, at most kernel/2 [0{_own_geometry('padding')}].")
@click.option("--dilation", help="Max pooling only [1].")
@click.option("--ceil-mode", is_flag=True, help="Ceil-mode output size (partial edge windows).")
@picture_options
@click.option(
    "--layout",
    type=click.Choice(list(LAYOUTS)),
    help=".npy layout [2-D hw; 3-D/4-D: read from the shape when a side <= 4 at one channel "
    "position says where the channels are, else required].",
)
@seed_option(f"Seed for {_RANDOM}.")
@click.option("--upscale", is_flag=True, help="Enlarge an image output to the input size.")
@json_option("Print one JSON summary object on stdout (messages stay on stderr).")
@method_option_decorators
def pool_command(
    input_path: Path,
    output: Path | None,
    methods: tuple[str, ...],
    seed: int | None,
    as_json: bool,
    **options,
) -> None:
    """Apply CNN pooling methods to INPUT: an image file, a .npy or a folder.

    \b
    augcli pool photo.jpg -m max,avg,softpool --zoom 96,88,48,48 --diff avg -o grid.png
    augcli pool feats.npy --layout chw -m max,avg --channels 8 -o montage.png
    augcli pool photo.jpg --method all -o grid.png
    augcli pool feats.npy --layout chw --method power --p 3 -o pooled.npy

    Dtypes: max and stochastic sampling keep the input's dtype (every output is one of its
    values); every averaging method gives float32 (float64 for float64 input). Images are
    written back at their own bit depth.
    """
    from augcli.core.seeding import fresh_seed
    from augcli.pool.options import make_options, needs_seed
    from augcli.pool.run import run_pool

    dests = {entry.option.dest for entry in METHOD_OPTIONS}
    method_values = {dest: value for dest, value in options.items() if dest in dests}
    command_values = {key: value for key, value in options.items() if key not in dests}
    parsed = make_options(methods, seed=seed or 0, method_options=method_values, **command_values)
    if seed is None and needs_seed(parsed):
        parsed = dataclasses.replace(parsed, seed=fresh_seed())
        click.echo(f"seed: {parsed.seed} (pass --seed {parsed.seed} to repeat)", err=True)
    report = run_pool(input_path, output, parsed)
    code = EXIT_SOME_FAILED if report.failures else EXIT_OK
    if as_json:
        summary = {"input": str(input_path), "output": None if output is None else str(output)}
        seed_used = parsed.seed if needs_seed(parsed) else None
        summary |= {"methods": list(parsed.methods), "seed": seed_used}
        emit_json(summary | report.to_dict() | {"exit_code": code})
    else:
        for line in report.lines:
            click.echo(line)
    for line in [*report.warnings, *map(str, report.failures)]:
        click.echo(line, err=True)
    if report.failures:
        click.echo(f"{len(report.failures)} input(s) failed", err=True)
        click.get_current_context().exit(code)
