"""The exception hierarchy: one base class that the CLI turns into exit codes.

Library code raises these with messages a user can act on (what, where, what is allowed);
``augcli.cli`` maps them to exit statuses. Nothing here imports Click.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class AugcliError(Exception):
    """Base of every error augcli raises on purpose; ``exit_code`` is what the CLI returns."""

    exit_code: int = EXIT_USAGE


class ConfigError(AugcliError):
    """A pipeline configuration is malformed or invalid (nothing was done)."""


class UsageError(AugcliError):
    """Options or arguments that cannot work together (nothing was done)."""


class InputError(AugcliError):
    """An input file (image, CSV, .npy) cannot be read or has the wrong format."""


class OutputError(AugcliError):
    """A destination cannot be written (permissions, disk full, a file in the way)."""
