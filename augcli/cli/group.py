"""The ``augcli`` group: registers every command and turns errors into exit codes.

One thin function per command that parses options, calls the library and prints. Every
``AugcliError`` becomes a short message on stderr and its exit code (2 usage/config/format,
1 some inputs failed, 130 interrupted); a user never sees a traceback for their own mistake.
:func:`run` is what the console entry point (:func:`augcli.cli.main`) calls.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from augcli import __version__
from augcli.cli import interrupt
from augcli.cli.options import JSON_PRINTED
from augcli.core.errors import EXIT_INTERRUPTED, AugcliError

#: Each command and where it lives, in help order; a module is imported when its command runs
#: (``augcli loss`` never loads the image stack).
COMMANDS = {
    "augment": ("augcli.cli.augment", "augment_command"),
    "preview": ("augcli.cli.augment", "preview_command"),
    "ops": ("augcli.cli.ops", "ops_command"),
    "schema": ("augcli.cli.ops", "schema_command"),
    "validate": ("augcli.cli.ops", "validate_command"),
    "manifest": ("augcli.cli.manifest", "manifest_group"),
    "loss": ("augcli.cli.loss", "loss_command"),
    "pool": ("augcli.cli.pool", "pool_command"),
}


class _LazyCommands(dict):
    """The group's ``commands``: a dict whose entries import their module on first access."""

    def __init__(self, spec: dict[str, tuple[str, str]]) -> None:
        super().__init__()
        self._spec = spec

    def _load(self, name: object) -> None:
        if name in self._spec and not dict.__contains__(self, name):
            module, attr = self._spec[name]  # type: ignore[index]
            dict.__setitem__(self, name, getattr(importlib.import_module(module), attr))

    def _load_all(self) -> None:
        for name in self._spec:
            self._load(name)

    def __getitem__(self, name: str) -> Any:
        self._load(name)
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:  # noqa: D102 - dict.get
        self._load(name)
        return dict.get(self, name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._spec or dict.__contains__(self, name)

    def __iter__(self):  # noqa: D105
        self._load_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._load_all()
        return dict.__len__(self)

    def keys(self):  # noqa: D102 - dict.keys
        self._load_all()
        return dict.keys(self)

    def values(self):  # noqa: D102 - dict.values
        self._load_all()
        return dict.values(self)

    def items(self):  # noqa: D102 - dict.items
        self._load_all()
        return dict.items(self)


class _AugcliGroup(click.Group):
    """A group that translates library errors and Ctrl-C into messages and exit codes.

    For a ``--json`` invocation that fails before its command printed its own JSON object, it
    also prints ``{"error": ..., "exit_code": ...}`` (and ``"interrupted": true`` for 130) on
    stdout, so scripts always read exactly one object; the human message stays on stderr.
    """

    def invoke(self, ctx: click.Context):  # noqa: D102 - Click hook
        args = [*getattr(ctx, "_protected_args", []), *ctx.args]
        interrupt.announce("ready")
        try:
            return super().invoke(ctx)
        except AugcliError as exc:
            self._json_error(ctx, args, str(exc), exc.exit_code)
            error = click.ClickException(str(exc))
            error.exit_code = exc.exit_code
            raise error from None
        except click.ClickException as exc:
            self._json_error(ctx, args, exc.format_message(), exc.exit_code)
            raise
        except KeyboardInterrupt:
            self._json_error(ctx, args, "interrupted", EXIT_INTERRUPTED)
            click.echo("Interrupted.", err=True)
            ctx.exit(EXIT_INTERRUPTED)

    @staticmethod
    def _json_error(ctx: click.Context, args: list[str], message: str, code: int) -> None:
        if not interrupt.wants_json(args) or ctx.meta.get(JSON_PRINTED):
            return
        ctx.meta[JSON_PRINTED] = True
        interrupt.write_json_error(message, code)


@click.group(cls=_AugcliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="augcli")
def cli() -> None:
    """augcli: offline image data augmentation, loss evaluation and CNN pooling.

    \b
    augcli augment SRC DST -c pipeline.yaml   augment image folders
    augcli preview IMAGE -o sheet.png         look at a pipeline on one image
    augcli ops                                list the ops and their parameters
    augcli schema                             JSON Schema of pipeline files
    augcli validate pipeline.yaml             check a pipeline file
    augcli manifest merge DST                 merge the manifests of --shard runs
    augcli manifest verify DST                check DST against its manifest
    augcli loss preds.csv                     evaluate losses on predictions
    augcli pool image.jpg --method all -o g.png   apply CNN pooling methods

    Exit codes: 0 success, 1 some inputs failed (the run finished),
    2 usage, config or input-format error (nothing done), 130 interrupted.
    """


cli.commands = _LazyCommands(COMMANDS)


def run(args: list[str]) -> int:
    """Run ``augcli ARGS`` and return its exit status (what :func:`augcli.cli.main` exits with).

    Click runs outside its standalone mode so that a Ctrl-C while it parses options reaches
    the caller as KeyboardInterrupt (exit 130), not as Click's "Aborted!" (exit 1).
    """
    try:
        result = cli.main(args, prog_name="augcli", standalone_mode=False)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        click.echo("Aborted!", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except BrokenPipeError:  # `augcli ops | head`: quietly, as Click's standalone mode does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return result if isinstance(result, int) else 0
