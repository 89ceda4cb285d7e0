"""Options of ``augcli pool``: CLI values into a validated :class:`PoolOptions`; flag messages.

Which method options exist, what they set and which methods they apply to comes from the
registry (:func:`augcli.pool.registry.method_options`); this module only checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augcli.core.errors import AugcliError, InputError, UsageError
from augcli.pool.problems import DataError, LabelledError, ParameterError
from augcli.pool.region import Region, parse_zoom
from augcli.pool.registry import (
    METHODS,
    ExtraInput,
    Geometry,
    MethodOption,
    dilation_methods,
    get_method,
    method_options,
)

Pair = tuple[int, int]
DIFF_REFERENCES = (*(name for name, spec in METHODS.items() if spec.diff_reference), "original")
COMMAND_GEOMETRY = Geometry()  # kernel 2, stride = kernel, padding 0: what a missing flag means


@dataclass(frozen=True)
class PoolOptions:
    """Everything ``augcli pool`` was asked to do, already parsed.

    Attributes
    ----------
    methods : tuple of str
        Registered method names, in order.
    kernel, stride, padding : (int, int) or None
        Geometry as given; None = default (kernel 2, stride = kernel, padding 0; a method with
        its own default geometry, ``MethodSpec.geometry``, uses it when none of the three is
        given).
    dilation : (int, int)
        Max pooling only.
    ceil_mode : bool
        Ceil-mode output size.
    params : dict
        Method name -> keyword parameters for :func:`augcli.pool.registry.pool`.
    seed : int
        Seed of the random methods.
    levels : int
        How many times each method is applied in a row (stacked pooling layers).
    zoom : Region, "auto" or None
        What a picture shows: a region of the input, the automatic detail region, or the whole.
    diff : {"max", "avg", "original"} or None
        Reference of the signed difference rows of a picture.
    channels : int
        Channels per method in a ``.npy`` feature-map montage.
    layout : str or None
        Layout of ``.npy`` inputs; None = by dimension count.
    upscale : bool
        Enlarge a single-method image output to the input size (nearest neighbour).
    files : dict of str to Path
        The methods' extra input files (``MethodSpec.inputs``) by their option's Click name
        (``importance``), in registry order.
    every_method : bool
        ``--method all``: a method that does not apply to an input (e.g. stochastic pooling
        of signed values) is skipped with its reason instead of failing the input.
    """

    methods: tuple[str, ...]
    kernel: Pair | None = None
    stride: Pair | None = None
    padding: Pair | None = None
    dilation: Pair = (1, 1)
    ceil_mode: bool = False
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed: int = 0
    levels: int = 1
    zoom: Region | str | None = "auto"
    diff: str | None = None
    channels: int = 8
    layout: str | None = None
    upscale: bool = False
    files: dict[str, Path] = field(default_factory=dict)
    every_method: bool = False

    def side_files(self) -> list[tuple[str, Path]]:
        """The ``.npy`` files read besides the inputs, with their options (never outputs)."""
        return [(entry.option.name, self.files[entry.option.dest]) for entry in _given(self.files)]

    def inputs(self, method: str) -> list[tuple[ExtraInput, Path]]:
        """The extra input files given for one method, with what the method does with them."""
        spec = METHODS[method]
        found = ((extra, self.files.get(spec.input_option(extra).dest)) for extra in spec.inputs)
        return [(extra, path) for extra, path in found if path is not None]

    def geometry(self, method: str) -> Geometry | None:
        """The geometry one method runs with (None for global pooling)."""
        spec = METHODS[method]
        if spec.geometry is None:
            return None
        dilation = self.dilation if spec.dilation else (1, 1)
        if self.kernel is self.stride is self.padding is None:  # the method's own default
            own = spec.geometry
            return Geometry(own.kernel, own.stride, own.padding, dilation, self.ceil_mode)
        return Geometry(
            self.kernel or COMMAND_GEOMETRY.kernel,
            self.stride,
            self.padding or COMMAND_GEOMETRY.padding,
            dilation,
            self.ceil_mode,
        )


# --------------------------------------------------------------------------- options

# Geometry parameter -> its flag (the geometry options are the command's own, not a method's).
GEOMETRY_FLAGS = {
    "kernel": "--kernel",
    "stride": "--stride",
    "padding": "--padding",
    "dilation": "--dilation",
}
_OPTIONS = method_options()


def flag_labels(method: str) -> dict[str, str]:
    """Kernel parameter -> the flag a user knows it by, for messages about ``method``."""
    return {**GEOMETRY_FLAGS, **METHODS[method].labels()}


def user_error(error: LabelledError, method: str | None = None) -> AugcliError:
    """A kernel's ``ValueError`` as the CLI reports it: flags for parameters, exit code 2.

    Parameters
    ----------
    error : LabelledError
        Raised by a kernel, the geometry or the registry.
    method : str, optional
        The method being run, whose options name its parameters.

    Returns
    -------
    AugcliError
        :class:`~augcli.core.errors.InputError` for data,
        :class:`~augcli.core.errors.UsageError` else.
    """
    labels = GEOMETRY_FLAGS if method is None else flag_labels(method)
    kind = InputError if isinstance(error, DataError) else UsageError
    return kind(error.render(labels))


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
        try:
            get_method(name)
        except ParameterError as exc:
            raise user_error(exc) from None
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
    method_options: Mapping[str, Any] | None = None,
    zoom: str | None = None,
    no_zoom: bool = False,
    levels: int = 1,
    diff: str | None = None,
    channels: int = 8,
) -> PoolOptions:
    """Turn the CLI's option values (None = not given) into :class:`PoolOptions`.

    Parameters
    ----------
    methods : tuple of str
        ``--method`` values (comma-separated names, or ``all``).
    kernel, stride, padding, dilation : str, optional
        ``K`` or ``KHxKW``.
    ceil_mode, seed, layout, upscale
        As in :class:`PoolOptions`.
    method_options : dict, optional
        Values of the registry's method options by their Click name (``dest``), in the order
        Click gives them. An alias (``--test-mode``) stands for its parameter's first option.
    zoom, no_zoom, levels, diff, channels
        Picture options: ``--zoom X,Y,W,H``, ``--no-zoom``, ``--levels N``,
        ``--diff max|avg|original``, ``--channels K`` (see :func:`picture_options`).

    Returns
    -------
    PoolOptions
        Checked options; geometry is validated before any file is read.

    Raises
    ------
    UsageError
        A method option given while none of the methods it applies to is selected (so typos
        like ``--method max --p 3`` do not pass silently), an option given twice under two
        names, or a geometry that cannot work.
    """
    chosen = parse_methods(methods)
    picture = picture_options(zoom, no_zoom, levels, diff, channels)
    if upscale and (diff is not None or picture["zoom"] != "auto"):
        raise UsageError(
            "--upscale writes the pooled image itself; it does not combine with the picture "
            "options --zoom, --no-zoom and --diff"
        )
    params: dict[str, dict[str, Any]] = {m: {} for m in chosen}
    values = dict(method_options or {})
    by_dest = {entry.option.dest: entry for entry in _OPTIONS}
    for dest, value in list(values.items()):
        alias = by_dest[dest].option
        if alias.values is None or value is None:
            continue
        method, keyword = next(iter(by_dest[dest].keywords.items()))
        primary = METHODS[method].params[keyword].options[0]
        if values.get(primary.dest) is not None:
            raise UsageError(f"give {primary.name} or {alias.name}, not both")
        values[primary.dest] = alias.values[value]
        values[dest] = None
    given: dict[str, Path] = {}
    for dest, value in values.items():
        entry = by_dest[dest]
        if value is None:
            continue
        if entry.option.kind == "path":  # a file, read per input by the file layer
            given[dest] = value
            continue
        _check_selected(entry, chosen)
        for method in entry.methods:
            if method in chosen:
                params[method][entry.keywords[method]] = value
    for dest in given:
        _check_selected(by_dest[dest], chosen)
    files = {entry.option.dest: given[entry.option.dest] for entry in _given(given)}
    dilation_pair = parse_pair(dilation, "dilation") or (1, 1)
    geometry = {
        name: parse_pair(text, name)
        for name, text in (("kernel", kernel), ("stride", stride), ("padding", padding))
    }
    for method in chosen:
        _check_inputs(method, params[method], files, levels)
    for method in chosen:
        spec = METHODS[method]
        read = {extra.param for extra in spec.inputs if spec.input_option(extra).dest in files}
        try:
            spec.rules(params[method], read, geometry["padding"])
        except ParameterError as exc:
            raise user_error(exc, method) from None
    if dilation_pair != (1, 1) and not any(METHODS[m].dilation for m in chosen):
        raise UsageError(f"--dilation applies to {' / '.join(dilation_methods())} pooling only")
    options = PoolOptions(
        methods=chosen,
        **geometry,
        dilation=dilation_pair,
        ceil_mode=ceil_mode,
        params=params,
        seed=seed,
        **picture,
        layout=layout,
        upscale=upscale,
        files=files,
        every_method=any(n.strip().lower() == "all" for m in methods for n in m.split(",")),
    )
    for method in chosen:  # validate geometry once, before any file is read
        try:
            options.geometry(method)
        except ParameterError as exc:
            raise user_error(exc, method) from None
    return options


def picture_options(
    zoom: str | None, no_zoom: bool, levels: int, diff: str | None, channels: int
) -> dict[str, Any]:
    """Check the picture options; return them as :class:`PoolOptions` fields.

    Raises
    ------
    UsageError
        ``--zoom`` with ``--no-zoom``, a malformed region, ``--levels`` or ``--channels`` < 1,
        or an unknown ``--diff`` reference.
    """
    if zoom is not None and no_zoom:
        raise UsageError("give --zoom X,Y,W,H or --no-zoom, not both")
    if levels < 1:
        raise UsageError(f"--levels must be an integer >= 1, got {levels}")
    if channels < 1:
        raise UsageError(f"--channels must be an integer >= 1, got {channels}")
    if diff is not None and diff not in DIFF_REFERENCES:
        raise UsageError(f"--diff must be one of {', '.join(DIFF_REFERENCES)}, got {diff!r}")
    region: Region | str | None = None if no_zoom else "auto"
    if zoom is not None:
        region = parse_zoom(zoom)
    return {"zoom": region, "levels": levels, "diff": diff, "channels": channels}


def _given(files: Mapping[str, Path]) -> list[MethodOption]:
    """The file options among ``files`` (keyed by Click name), in registry order."""
    return [entry for entry in _OPTIONS if entry.option.dest in files]


def _check_inputs(
    method: str, params: dict[str, Any], files: Mapping[str, Path], levels: int
) -> None:
    """Refuse what a method's given extra input files cannot go with; add what they imply."""
    spec = METHODS[method]
    labels = flag_labels(method)
    for extra in spec.inputs:
        option = spec.input_option(extra)
        if option.dest not in files:
            continue
        flag = option.name
        if extra.input_sized and levels > 1:
            raise UsageError(f"{flag} is a map of the input's size; it cannot serve --levels > 1")
        if params.keys() & set(extra.conflicts):
            others = "/".join(labels[name] for name in extra.conflicts)
            raise UsageError(f"give {flag} or {others}, not both")
        for name, value in (extra.implies or {}).items():
            params.setdefault(name, value)


def _check_selected(entry: MethodOption, chosen: tuple[str, ...]) -> None:
    if not set(entry.methods) & set(chosen):
        raise UsageError(
            f"{entry.option.name} applies to {' / '.join(entry.methods)}, which is not selected"
        )


def needs_seed(options: PoolOptions) -> bool:
    """True if some selected method will draw random numbers with its parameters."""
    return any(METHODS[m].draws(options.params[m]) for m in options.methods)
