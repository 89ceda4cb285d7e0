"""What every op shares: parameter values that may be random, parameter specs, the op protocol.

An op is two frozen dataclasses and two methods:

* a *config* dataclass (one per op; its fields are the YAML keys, each carrying a :class:`Param`
  spec in its metadata, from which validation and ``augcli ops`` are generated);
* ``sample(rng, shape) -> params``: draws every random quantity from the generator it is given;
* ``apply(image, params) -> image``: pure, no randomness, same dtype and channel count out;
* the drawn parameters' class (a :class:`DrawnParams`) says how a caption shows them.

Geometric ops also expose ``transform(params, shape) -> Transform`` so that the pipeline can
compose consecutive ones into one resampling.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

ParamKind = Literal["number", "integer", "boolean", "enum", "cval"]


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Param:
    """Specification of one YAML key of an op.

    Attributes
    ----------
    kind : {"number", "integer", "boolean", "enum", "cval"}
        The value's type. ``cval`` is a number or one number per channel.
    help : str
        One line for ``augcli ops`` and the README.
    random : bool
        Whether the value may be a ``[lo, hi]`` range or ``{choice: [...]}`` (drawn per image).
    low, high : float or None
        Allowed bounds; ``low_open``/``high_open`` make them strict.
    choices : tuple of str
        Allowed values of an ``enum``.
    """

    kind: ParamKind
    help: str
    random: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()

    def describe_range(self) -> str:
        """Human-readable allowed values, e.g. ``"a number in (0, 1]"``."""
        if self.kind == "enum":
            return " | ".join(self.choices)
        if self.kind == "boolean":
            return "true | false"
        noun = {"number": "a number", "integer": "an integer", "cval": "a number or a list"}[
            self.kind
        ]
        if self.low is None and self.high is None:
            bounds = ""
        elif self.high is None:
            bounds = f" {'>' if self.low_open else '>='} {_num(self.low)}"
        elif self.low is None:
            bounds = f" {'<' if self.high_open else '<='} {_num(self.high)}"
        else:
            left = "(" if self.low_open else "["
            right = ")" if self.high_open else "]"
            bounds = f" in {left}{_num(self.low)}, {_num(self.high)}{right}"
        text = noun + bounds
        if self.random:
            text += ", or a [lo, hi] range, or {choice: [...]}"
        return text

    def admits(self, value: float) -> bool:
        """Whether a single number lies within the bounds."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return False
        return True


def _num(x: float | None) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def param(
    kind: ParamKind, help: str, default: Any = REQUIRED, **spec: Any
) -> Any:  # dataclass field
    """A dataclass field carrying its :class:`Param` spec (use in op config classes)."""
    meta = {"param": Param(kind=kind, help=help, **spec)}
    if default is REQUIRED:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


# -- values that may be random -------------------------------------------------------------


@dataclass(frozen=True)
class Fixed:
    """A constant value."""

    value: float

    def draw(self, rng: np.random.Generator) -> float:
        """Return the constant (no draw)."""
        return self.value

    def to_yaml(self) -> Any:
        """The YAML spelling of this value."""
        return self.value


@dataclass(frozen=True)
class Uniform:
    """A value drawn uniformly from ``[lo, hi]`` for each image."""

    lo: float
    hi: float

    def draw(self, rng: np.random.Generator) -> float:
        """Draw one value."""
        return float(rng.uniform(self.lo, self.hi))

    def to_yaml(self) -> Any:
        """The YAML spelling of this value."""
        return [self.lo, self.hi]


@dataclass(frozen=True)
class Choice:
    """A value picked with equal probability from a list for each image."""

    values: tuple[float, ...]

    def draw(self, rng: np.random.Generator) -> float:
        """Pick one value."""
        return self.values[int(rng.integers(len(self.values)))]

    def to_yaml(self) -> Any:
        """The YAML spelling of this value."""
        return {"choice": list(self.values)}


Value = Fixed | Uniform | Choice


def fields_of(config_cls: type) -> list[tuple[str, Param, Any]]:
    """``(name, spec, default)`` of every YAML key of an op config class.

    The class's own keys come first (declaration order), then inherited shared ones.
    """
    own = set(config_cls.__dict__.get("__annotations__", {}))
    out = []
    ordered = sorted(dataclasses.fields(config_cls), key=lambda f: f.name not in own)
    for f in ordered:
        if "param" not in f.metadata:
            continue
        default = REQUIRED if f.default is dataclasses.MISSING else f.default
        out.append((f.name, f.metadata["param"], default))
    return out


# -- the op protocol ----------------------------------------------------------------------


class DrawnParams:
    """Base of every op's drawn parameters (a frozen dataclass of plain numbers and strings).

    The fields are what the manifest records and :meth:`Pipeline.replay` reads back; the
    subclass says in :meth:`describe` how a preview caption shows them.
    """

    __slots__ = ()

    def describe(self) -> str:
        """A short caption of these values, e.g. ``"rotate -12.3°"``."""
        raise NotImplementedError(f"{type(self).__name__} does not describe itself")


class Op:
    """Base of every op: a name, a config class, ``sample`` and ``apply``.

    Subclasses set ``name``, ``config_cls`` and ``geometric`` and implement :meth:`sample`
    and :meth:`apply` (geometric ops implement ``transform`` and inherit ``apply``).
    """

    name: ClassVar[str]
    config_cls: ClassVar[type]
    params_cls: ClassVar[type[DrawnParams]]
    geometric: ClassVar[bool] = False
    summary: ClassVar[str] = ""
    example: ClassVar[str] = ""

    def __init__(self, config: Any) -> None:
        self.config = config

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> DrawnParams:
        """Draw this op's parameters for an image of ``shape`` (HxW or HxWxC)."""
        raise NotImplementedError

    def apply(self, image: np.ndarray, params: DrawnParams) -> np.ndarray:
        """Apply drawn parameters to an image; deterministic, returns a new array."""
        raise NotImplementedError

    def apply_owned(self, image: np.ndarray, params: DrawnParams) -> np.ndarray:
        """:meth:`apply` on an array the caller owns and will not read again.

        Ops that can work in place (the noise ops) override this and return ``image`` itself,
        modified; the result is the same as :meth:`apply`'s.
        """
        return self.apply(image, params)

    def check(self) -> list[tuple[str | None, str]]:
        """Cross-key checks after each key is valid: list of ``(key, message)`` problems."""
        return []
