"""What an executor registry entry holds: its name, help, requirement, options and factory."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from augcli.core.errors import UsageError

if TYPE_CHECKING:
    from augcli.augment.executors.job import Executor

OPTION_KINDS = ("text", "file")


@dataclass(frozen=True)
class ExecutorOption:
    """One ``augcli augment`` option that only its executor takes.

    Attributes
    ----------
    flag : str
        The option as a user writes it (``--scheduler-file``).
    help : str
        Help text of ``augcli augment --help``.
    kind : {"text", "file"}
        Value type: a string, or the path of a file (not a folder).
    metavar : str, optional
        Shown for the value in ``--help`` (default: Click's for the kind).
    """

    flag: str
    help: str
    kind: str = "text"
    metavar: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in OPTION_KINDS:
            raise ValueError(f"kind: {self.kind!r} is not one of {', '.join(OPTION_KINDS)}")

    @property
    def dest(self) -> str:
        """The name Click passes its value under (``scheduler_file``)."""
        return self.flag.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class Requirement:
    """An optional extra an executor needs: the module to import and how to install it.

    Attributes
    ----------
    module : str
        The module imported to check (``distributed``).
    what : str
        What it is, for the message (``Dask's distributed scheduler``).
    install : str
        The command that installs it (``pip install "augcli[dask]"``).
    """

    module: str
    what: str
    install: str


@dataclass(frozen=True)
class ExecutorSpec:
    """One executor of the registry (:mod:`augcli.augment.executors.registry`).

    Attributes
    ----------
    name : str
        The ``--executor`` value.
    help : str
        Where it runs tasks, a few words for ``--executor``'s help (``local processes``).
    factory : callable
        ``factory(workers, **values) -> Executor``: ``values`` holds the options given (by
        :attr:`ExecutorOption.dest`), none of them None.
    options : tuple of ExecutorOption
        The options only this executor takes.
    exclusive : tuple of str
        Flags of its options of which at most one may be given.
    requires : Requirement, optional
        An optional extra it needs (checked before ``factory`` runs).
    """

    name: str
    help: str
    factory: Callable[..., Executor]
    options: tuple[ExecutorOption, ...] = ()
    exclusive: tuple[str, ...] = ()
    requires: Requirement | None = None

    @property
    def help_text(self) -> str:
        """:attr:`help`, with the install command when it needs an extra."""
        if self.requires is None:
            return self.help
        return f"{self.help} ({self.requires.install})"

    def require(self) -> Any:
        """The required module (None without a requirement).

        Raises
        ------
        UsageError
            It is not installed: the message says how to install it.
        """
        if self.requires is None:
            return None
        try:
            return importlib.import_module(self.requires.module)
        except ImportError:
            needs = self.requires
            raise UsageError(
                f"--executor {self.name} needs {needs.what}: {needs.install}"
            ) from None
