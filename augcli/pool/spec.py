"""What a pooling registry entry holds: the method, its parameters, options, inputs and rules."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from augcli.pool.geometry import Geometry


@dataclass(frozen=True)
class Option:
    """One ``augcli pool`` option that sets a method parameter.

    Attributes
    ----------
    flag : str
        Click declaration: ``--lam``, or ``--on/--off`` for a yes/no switch.
    help : str
        Help text; ``augcli pool --help`` prefixes it with the methods using the option.
    kind : {"float", "int", "choice", "flag", "path"}
        Value type; ``flag`` is a switch, ``path`` a ``.npy`` file read by the file layer.
    choices : tuple of str
        Allowed values of a ``choice``.
    values : dict, optional
        Makes the option an alias of its parameter's first option: the value given is mapped
        through this table and stands for that option (e.g. ``--test-mode max`` = ``--lam 1``).
    """

    flag: str
    help: str
    kind: str = "float"
    choices: tuple[str, ...] = ()
    values: Mapping[str, Any] | None = None

    @property
    def name(self) -> str:
        """The option as a user writes it (``--count-include-pad``)."""
        return self.flag.split("/")[0]

    @property
    def dest(self) -> str:
        """The name Click passes its value under (``count_include_pad``)."""
        return self.name.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class Param:
    """One keyword parameter of a method's kernel.

    Attributes
    ----------
    default : object
        The kernel's default.
    description : str
        One line for README and the Python API.
    options : tuple of Option
        The command-line options that set it (none: Python only); the first one names the
        parameter in command-line messages.
    """

    default: Any
    description: str
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class ExtraInput:
    """A file a method reads besides INPUT, set by its parameter's ``path`` option.

    Attributes
    ----------
    param : str
        The kernel keyword the file's array fills; the parameter's first option (of kind
        ``path``) is the file's command-line option (``--importance``).
    load : callable
        ``load(path, source) -> array``: reads and checks the file for one input (``source`` is
        the :class:`augcli.pool.arrays.Source` being pooled); raises a user error naming the file.
    caption : str
        When set, a picture's caption shows ``CAPTION=FILE`` for the method (``G=g.npy``).
    input_sized : bool
        The array is shaped like the input, so it cannot serve ``--levels > 1``.
    conflicts : tuple of str
        Parameters the file replaces: giving one of them as well is an error.
    implies : dict, optional
        Parameter values the file stands for when they are not given (``guide="full"``).
    """

    param: str
    load: Callable[[Path, Any], Any]
    caption: str = ""
    input_sized: bool = False
    conflicts: tuple[str, ...] = ()
    implies: Mapping[str, Any] | None = None


def _never(params: Mapping[str, Any]) -> bool:
    return False


def _no_rule(
    params: Mapping[str, Any], files: Collection[str], padding: tuple[int, int] | None
) -> None:
    return None


def always(params: Mapping[str, Any]) -> bool:
    """A trait that holds whatever the parameters."""
    return True


@dataclass(frozen=True)
class MethodSpec:
    """One pooling method: its kernel, parameters and traits.

    Attributes
    ----------
    name : str
        Registry / CLI name.
    func : callable
        The kernel ``func(x, geometry, **params)`` (``func(x)`` for gap).
    summary : str
        One line for help and README.
    params : dict of str to Param
        Keyword parameters of the kernel.
    random : bool
        True if the method draws from a generator (then ``rng`` is passed).
    geometry : Geometry or None
        The method's own default geometry, used when none of kernel, stride and padding is
        given (``Geometry()``: kernel 2, stride = kernel, padding 0); None for global pooling.
    dilation : bool
        Whether the method takes a dilated geometry.
    deterministic_when : callable
        ``params -> bool``: True when a random method draws nothing with these parameters.
    keeps_dtype : callable
        ``params -> bool``: True when every output cell is one of the input's values (max-type
        methods), so the result keeps the input's dtype; otherwise it is float32 (float64 for
        float64 input).
    nonnegative : callable
        ``params -> bool``: True when the method needs non-negative input with these
        parameters (``--method all`` skips it on signed input, saying why).
    nonnegative_unless : str
        The parameter that lifts the requirement (named in the skip reason), or "".
    inf : str
        What the method does with infinite input values (README, ``--help``).
    inputs : tuple of ExtraInput
        Files the method reads besides INPUT (``--importance``), loaded per input.
    rules : callable
        ``rules(params, files, padding)``: refuses parameters that do not go together, raising
        :class:`~augcli.pool.problems.ParameterError` whose ``{fields}`` are parameter names
        (or ``padding``). ``params`` are the given ones (with what the given files imply),
        ``files`` the parameters whose file was given, ``padding`` the padding given or None.
    diff_reference : bool
        Whether the method can be the reference of a picture's difference rows (``--diff``).
    """

    name: str
    func: Callable[..., np.ndarray]
    summary: str
    params: dict[str, Param]
    random: bool = False
    geometry: Geometry | None = Geometry()
    dilation: bool = False
    deterministic_when: Callable[[Mapping[str, Any]], bool] = _never
    keeps_dtype: Callable[[Mapping[str, Any]], bool] = _never
    nonnegative: Callable[[Mapping[str, Any]], bool] = _never
    nonnegative_unless: str = ""
    inf: str = ""
    inputs: tuple[ExtraInput, ...] = ()
    rules: Callable[[Mapping[str, Any], Collection[str], tuple[int, int] | None], None] = _no_rule
    diff_reference: bool = False

    @property
    def is_global(self) -> bool:
        """True for global pooling: one value per plane, no windows."""
        return self.geometry is None

    def input_option(self, extra: ExtraInput) -> Option:
        """The command-line option naming one of the method's extra input files."""
        return self.params[extra.param].options[0]

    def draws(self, params: Mapping[str, Any]) -> bool:
        """True if pooling with ``params`` draws random numbers (so a seed matters)."""
        return self.random and not self.deterministic_when(params)

    def full(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` completed with the defaults of the parameters not given."""
        return {**{key: param.default for key, param in self.params.items()}, **params}

    def dtype_note(self) -> str:
        """The result dtype in words, for README's table (``keeps_dtype`` at the defaults)."""
        averaged = "float32 (float64 for float64 input)"
        if self.keeps_dtype is always:
            return "the input's"
        if self.keeps_dtype(self.full({})):
            return f"the input's at the defaults, else {averaged}"
        return averaged

    def labels(self) -> dict[str, str]:
        """Parameter -> the option that names it on the command line (``lam`` -> ``--lam``)."""
        return {key: param.options[0].name for key, param in self.params.items() if param.options}


@dataclass(frozen=True)
class MethodOption:
    """One distinct command-line option with the parameter it sets in each method using it."""

    option: Option
    keywords: dict[str, str]  # method -> kernel keyword

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods the option applies to, in registry order."""
        return tuple(self.keywords)
