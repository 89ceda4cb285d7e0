"""What a loss registry entry holds: its rules per convention and its parameters."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from augcli.loss.conventions import CONVENTIONS, Batch, Convention

if TYPE_CHECKING:
    from augcli.loss.registry import LossOptions

Kernel = Callable[[Batch], np.ndarray]
Note = Callable[["LossOptions"], str]


@dataclass(frozen=True)
class Rule:
    """How a loss is computed under one convention, and the note that says so in reports.

    Attributes
    ----------
    kernel : callable
        ``Batch -> ndarray``: per-row losses.
    note : callable
        ``LossOptions -> str``: the convention used, e.g. ``'f = 2p - 1'`` (may be empty).
    """

    kernel: Kernel
    note: Note


@dataclass(frozen=True)
class LossParam:
    """One parameter of a loss: a :class:`LossOptions` field and an ``augcli loss`` option.

    Every parameter is a finite float; ``minimum``/``maximum`` bound it (open or closed, as
    ``click.FloatRange``) on the command line. The kernels check the bounds again, so the
    Python API refuses bad values with a ``ValueError`` naming the parameter.

    Attributes
    ----------
    name : str
        The :class:`LossOptions` field and the keyword the command receives (``delta``).
    flag : str
        The command-line option (``--delta``).
    help : str
        Help text of the option.
    default : float or None
        The default; None = unset, the loss decides (``unset`` says how).
    unset : str
        What an unset (None) value means; shown as ``[default: ...]`` in the help.
    minimum, maximum : float or None
        Bounds; None = unbounded.
    min_open, max_open : bool
        True excludes the bound itself.
    metavar : str or None
        The option's metavar; None = Click's (``FINITE FLOAT``).
    """

    name: str
    flag: str
    help: str
    default: float | None = None
    unset: str = ""
    minimum: float | None = None
    maximum: float | None = None
    min_open: bool = False
    max_open: bool = False
    metavar: str | None = None

    @property
    def help_text(self) -> str:
        """The option's help: ``help``, then what an unset value means (if it can be unset)."""
        if self.default is None and self.unset:
            return f"{self.help} [default: {self.unset}]"
        return self.help

    @property
    def allowed(self) -> str:
        """The allowed values in words (``> 0``, ``in (0, 0.5)``), for documentation."""
        low = None if self.minimum is None else ("> " if self.min_open else ">= ")
        high = None if self.maximum is None else ("< " if self.max_open else "<= ")
        if low and high:
            brackets = "(" if self.min_open else "[", ")" if self.max_open else "]"
            return f"in {brackets[0]}{self.minimum:g}, {self.maximum:g}{brackets[1]}"
        if low:
            return f"{low}{self.minimum:g}"
        if high:
            return f"{high}{self.maximum:g}"
        return "any finite number"


@dataclass(frozen=True)
class LossSpec:
    """A registry entry: everything about one loss.

    Attributes
    ----------
    name : str
        Canonical name (a JSON key, a ``--loss`` value).
    summary : str
        One-line definition.
    rules : mapping of Convention to Rule
        The kernel and note per convention; a task is supported for all its conventions or
        for none.
    aliases : tuple of str
        Other names accepted by ``--loss``.
    always_mean : bool
        True for ``mae``/``mse``, which ignore ``--reduction sum``.
    params : tuple of LossParam
        The parameters the loss reads from :class:`LossOptions` (each one an ``augcli loss``
        option and a ``LossOptions`` field).
    """

    name: str
    summary: str
    rules: Mapping[Convention, Rule]
    aliases: tuple[str, ...] = ()
    always_mean: bool = False
    params: tuple[LossParam, ...] = ()

    def __post_init__(self) -> None:
        for task in self.tasks:
            missing = [c for c in CONVENTIONS if c.task == task and c not in self.rules]
            if missing:
                raise ValueError(f"loss {self.name!r}: no rule for {missing}")

    @property
    def tasks(self) -> frozenset[str]:
        """Tasks the loss applies to."""
        return frozenset(c.task for c in self.rules)


def collect_params(specs: Iterable[LossSpec]) -> tuple[LossParam, ...]:
    """Every parameter of ``specs``, in registry order; refuses a name or flag used twice.

    Raises
    ------
    ValueError
        If two parameters share a name or a flag.
    """
    params: list[LossParam] = []
    for spec in specs:
        for param in spec.params:
            clash = [p for p in params if p.name == param.name or p.flag == param.flag]
            if clash:
                raise ValueError(f"loss {spec.name!r}: parameter {param.name!r} declared twice")
            params.append(param)
    return tuple(params)


def options_class(params: Iterable[LossParam], namespace: Mapping[str, Any]) -> type:
    """The frozen dataclass ``LossOptions`` with one field per parameter, in order.

    Parameters
    ----------
    params : iterable of LossParam
        The registry's parameters.
    namespace : mapping
        Extra class attributes (methods).

    Returns
    -------
    type
        ``LossOptions``; its docstring lists the fields with their help.
    """
    params = tuple(params)
    fields = [
        (
            p.name,
            "float | None" if p.default is None else "float",
            dataclasses.field(default=p.default),
        )
        for p in params
    ]
    cls = dataclasses.make_dataclass("LossOptions", fields, namespace=dict(namespace), frozen=True)
    cls.__module__ = "augcli.loss.registry"
    lines = ["Knobs of the losses: one field per parameter declared in the loss registry.", ""]
    lines += ["Attributes", "----------"]
    for p in params:
        kind = "float or None" if p.default is None else "float"
        meaning = f" None = {p.unset}." if p.default is None and p.unset else ""
        lines += [f"{p.name} : {kind}", f"    {p.help}{meaning} Option ``{p.flag}``: {p.allowed}."]
    cls.__doc__ = "\n".join(lines)
    return cls
