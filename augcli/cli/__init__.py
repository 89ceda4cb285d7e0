"""The command-line layer (Click only): the ``augcli`` group and one module per command."""

from augcli.cli.main import cli, main

__all__ = ["cli", "main"]
