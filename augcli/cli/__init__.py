"""The command-line layer (Click only): the console entry point, the group, one module per command.

:func:`main` handles Ctrl-C before anything heavy is imported (:mod:`.interrupt`), then imports
the Click group (:mod:`.group`); ``cli``, the group itself, is imported on first use.
"""

from __future__ import annotations

import sys
from typing import Any

from augcli.cli import interrupt


def main(args: list[str] | None = None) -> None:
    """Console-script entry point: run ``augcli ARGS`` and exit with its status.

    A Ctrl-C at any moment from here on (while importing, parsing options, running or
    printing) exits 130, with one JSON object on stdout under ``--json`` / ``--format json``.
    """
    args = sys.argv[1:] if args is None else list(args)
    try:
        interrupt.arm()
        interrupt.announce("start")
        from augcli.cli.group import run

        code = run(args)
    except KeyboardInterrupt:
        code = interrupt.report(args)
    sys.exit(code)


def __getattr__(name: str) -> Any:
    """``cli``, the Click group, imported on first use (PEP 562)."""
    if name == "cli":
        from augcli.cli.group import cli

        return cli
    raise AttributeError(f"module 'augcli.cli' has no attribute {name!r}")


__all__ = ["cli", "main"]
