"""Options of ``augcli pool``: parsing CLI values into a validated :class:`PoolOptions`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augcli.errors import UsageError
from augcli.pool.registry import METHODS, Geometry, get_method
from augcli.pool.weighted import LIP_DEFAULT

Pair = tuple[int, int]


@dataclass(frozen=True)
class PoolOptions:
    """Everything ``augcli pool`` was asked to do, already parsed.

    Attributes
    ----------
    methods : tuple of str
        Registered method names, in order.
    kernel, stride, padding : (int, int) or None
        Geometry as given; None = default (kernel 2, stride = kernel, padding 0; LIP alone
        uses k=3, s=2, p=1 when none of the three is given).
    dilation : (int, int)
        Max pooling only.
    ceil_mode : bool
        Ceil-mode output size.
    params : dict
        Method name -> keyword parameters for :func:`augcli.pool.registry.pool`.
    seed : int
        Seed of the random methods.
    layout : str or None
        Layout of ``.npy`` inputs; None = by dimension count.
    upscale : bool
        Enlarge a single-method image output to the input size (nearest neighbour).
    importance : Path or None
        LIP's importance-logit map (``.npy``).
    """

    methods: tuple[str, ...]
    kernel: Pair | None = None
    stride: Pair | None = None
    padding: Pair | None = None
    dilation: Pair = (1, 1)
    ceil_mode: bool = False
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed: int = 0
    layout: str | None = None
    upscale: bool = False
    importance: Path | None = None

    def geometry(self, method: str) -> Geometry | None:
        """The geometry one method runs with (None for ``gap``)."""
        spec = METHODS[method]
        if spec.geometry is None:
            return None
        if method == "lip" and self.kernel is self.stride is self.padding is None:
            return Geometry(
                LIP_DEFAULT.kernel,
                LIP_DEFAULT.stride,
                LIP_DEFAULT.padding,
                ceil_mode=self.ceil_mode,
            )
        dilation = self.dilation if method == "max" else (1, 1)
        return Geometry(
            self.kernel or (2, 2), self.stride, self.padding or (0, 0), dilation, self.ceil_mode
        )


# --------------------------------------------------------------------------- options

# CLI option -> (methods it applies to, keyword in pool()).
METHOD_OPTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "count_include_pad": (("avg", "mixed"), "count_include_pad"),
    "divisor_override": (("avg",), "divisor_override"),
    "lam": (("mixed",), "lam"),
    "lambda_scope": (("mixed",), "scope"),
    "p_max": (("mixed",), "p_max"),
    "mode": (("stochastic",), "mode"),
    "relu": (("stochastic",), "relu"),
    "p": (("power",), "p"),
    "lp_normalize": (("power",), "normalize"),
    "alpha": (("dpp",), "alpha"),
    "dpp_lambda": (("dpp",), "lam"),
    "dpp_variant": (("dpp",), "variant"),
    "dpp_norm": (("dpp",), "norm"),
    "eps2": (("dpp",), "eps2"),
    "logit": (("lip",), "logit"),
    "beta": (("lip",), "beta"),
}


def parse_pair(text: str | None, name: str) -> Pair | None:
    """Parse ``K`` or ``KHxKW`` (e.g. ``3`` or ``3x2``) into ``(KH, KW)``."""
    if text is None:
        return None
    parts = text.lower().replace("×", "x").split("x")
    try:
        values = tuple(int(part) for part in parts)
    except ValueError:
        values = ()
    if len(values) == 1:
        values = values * 2
    if len(values) != 2:
        raise UsageError(f"--{name} must be an integer K or KHxKW like 3x2, got {text!r}")
    return values  # type: ignore[return-value]


def parse_methods(names: tuple[str, ...]) -> tuple[str, ...]:
    """``("max,avg", "power")`` -> ``("max", "avg", "power")``; ``all`` -> every method."""
    flat = [n.strip().lower() for name in names for n in name.split(",") if n.strip()]
    if not flat or "all" in flat:
        if len(flat) > 1:
            raise UsageError("--method all cannot be combined with other methods")
        if not flat:
            raise UsageError("choose at least one --method (or --method all)")
        return tuple(METHODS)
    for name in flat:
        get_method(name)
    return tuple(dict.fromkeys(flat))


def make_options(
    methods: tuple[str, ...],
    *,
    kernel: str | None = None,
    stride: str | None = None,
    padding: str | None = None,
    dilation: str | None = None,
    ceil_mode: bool = False,
    seed: int = 0,
    layout: str | None = None,
    upscale: bool = False,
    importance: Path | None = None,
    test_mode: str | None = None,
    **method_options: Any,
) -> PoolOptions:
    """Turn the CLI's option values (None = not given) into :class:`PoolOptions`.

    A method option given while none of the methods it applies to is selected is an error,
    so typos like ``--method max --p 3`` do not pass silently.
    """
    chosen = parse_methods(methods)
    params: dict[str, dict[str, Any]] = {m: {} for m in chosen}
    if test_mode is not None:
        if method_options.get("lam") is not None:
            raise UsageError("give --lam or --test-mode, not both")
        method_options["lam"] = 1.0 if test_mode == "max" else 0.0
    for option, value in method_options.items():
        if value is None:
            continue
        targets, keyword = METHOD_OPTIONS[option]
        used = [m for m in targets if m in chosen]
        if not used:
            flag = "--lambda" if option == "dpp_lambda" else "--" + option.replace("_", "-")
            raise UsageError(f"{flag} applies to {' / '.join(targets)}, which is not selected")
        for method in used:
            params[method][keyword] = value
    if importance is not None and "lip" not in chosen:
        raise UsageError("--importance applies to lip, which is not selected")
    if importance is not None and params.get("lip", {}).keys() & {"logit", "beta"}:
        raise UsageError("give --importance or --logit/--beta, not both")
    dilation_pair = parse_pair(dilation, "dilation") or (1, 1)
    if dilation_pair != (1, 1) and "max" not in chosen:
        raise UsageError("--dilation applies to max pooling only")
    options = PoolOptions(
        methods=chosen,
        kernel=parse_pair(kernel, "kernel"),
        stride=parse_pair(stride, "stride"),
        padding=parse_pair(padding, "padding"),
        dilation=dilation_pair,
        ceil_mode=ceil_mode,
        params=params,
        seed=seed,
        layout=layout,
        upscale=upscale,
        importance=importance,
    )
    for method in chosen:  # validate geometry once, before any file is read
        options.geometry(method)
    return options


def needs_seed(options: PoolOptions) -> bool:
    """True if some selected method will draw random numbers."""
    mixed = "mixed" in options.methods and options.params["mixed"].get("lam") is None
    stochastic = (
        "stochastic" in options.methods
        and options.params["stochastic"].get("mode", "sample") == "sample"
    )
    return mixed or stochastic
