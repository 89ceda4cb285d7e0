"""Label options given by keyword (the Python API), checked against the format registry.

The keys are the CLI's options with ``-`` written ``_``: each format's paths (``masks``,
``yolo``, ``coco``, ``yolo_pose``, ``voc``: a ``(source, destination)`` pair), its rule flag
(``yolo_auto=True``), each format's settings (``data_yaml``, ``kpt_shape``, ``flip_idx``: the
same text the CLI takes, or a list), ``names`` (a list or a mapping id -> name), and
``mask_fill``, ``min_visibility``, ``min_area``, ``skip_unlabelled``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

from augcli.augment.labels.datayaml import parse_names
from augcli.augment.labels.files import LabelOptions, attribute
from augcli.augment.labels.formats import FORMATS

LIMITS: dict[str, tuple[float, float]] = {
    "mask_fill": (0, 65535),
    "min_visibility": (0.0, 1.0),
    "min_area": (0.0, 1e12),
}
"""The CLI's ranges of the options every format shares (``--mask-fill`` ...)."""


def keyword_names() -> list[str]:
    """Every key :func:`label_options` takes, from the registry."""
    names = [attribute(n) for n in FORMATS]
    names += [f"{attribute(n)}_auto" for n, f in FORMATS.items() if f.ultralytics_rule]
    names += [s.dest for f in FORMATS.values() for s in f.settings]
    return [*names, "names", *LIMITS, "skip_unlabelled"]


def _pair(key: str, value: Any) -> tuple[str, str]:
    if isinstance(value, str | bytes | os.PathLike) or len(value) != 2:
        raise TypeError(f"labels[{key!r}] must be a (source, destination) pair, got {value!r}")
    return os.fspath(value[0]), os.fspath(value[1])


def _number(key: str, value: Any) -> float:
    lo, hi = LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"labels[{key!r}] must be a number, got {value!r}")
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"labels[{key!r}] is {value!r}; allowed: {lo} to {hi}")
    if key == "mask_fill" and value != int(value):
        raise ValueError(f"labels['mask_fill'] is {value!r}; allowed: a whole number")
    return value


def label_options(given: LabelOptions | Mapping[str, Any] | None) -> LabelOptions:
    """The :class:`LabelOptions` a mapping of keywords describes (a LabelOptions: itself).

    Raises
    ------
    TypeError
        A key the CLI has no option for (the message lists the allowed ones), or a value of
        the wrong shape.
    ValueError
        A number out of the CLI's range.
    augcli.core.errors.UsageError
        A setting the format's own parser refuses (e.g. ``kpt_shape`` ``[17, 4]``).
    """
    if given is None:
        return LabelOptions()
    if isinstance(given, LabelOptions):
        return given
    formats = {attribute(n): n for n in FORMATS}
    rules = {f"{attribute(n)}_auto": n for n, f in FORMATS.items() if f.ultralytics_rule}
    settings = {s.dest: s for f in FORMATS.values() for s in f.settings}
    unknown = sorted(set(given) - set(keyword_names()))
    if unknown:
        raise TypeError(f"unknown label option(s) {unknown}; allowed: {keyword_names()}")
    out: dict[str, Any] = {}
    beside = []
    for key, value in given.items():
        if value is None:
            continue
        if key in formats:
            out[key] = _pair(key, value)
        elif key in rules:
            if value:
                beside.append(rules[key])
        elif key in settings:
            text = os.fspath(value) if isinstance(value, os.PathLike) else value
            out[key] = settings[key].parse(text)
        elif key == "names":
            out[key] = parse_names(list(value) if isinstance(value, tuple) else value, "names")
        elif key == "skip_unlabelled":
            out[key] = bool(value)
        else:
            out[key] = _number(key, value)
    return LabelOptions(beside=tuple(beside), **out)
