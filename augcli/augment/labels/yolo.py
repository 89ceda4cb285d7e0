"""YOLO label files (Ultralytics layout): parse, move with the image, write.

One ``.txt`` per image; each line is a box ``class cx cy w h`` or a polygon
``class x1 y1 x2 y2 ...`` (at least 3 points), coordinates normalized to the image size,
told apart by their token count. A missing file means no objects.

The objects become :class:`~augcli.augment.labels.instances.Instances` (a box as its four
corners) and are moved there; a box is written as the enclosing box of its moved, clipped
outline, a polygon as its vertices. Output coordinates are normalized to the output size,
6 decimals. A box
whose written width or height is 0 is dropped (a zero-area box is read, never written).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from augcli.augment.labels.geometry import box_corners
from augcli.augment.labels.instances import Instances
from augcli.core.errors import InputError

TOLERANCE = 1e-3
"""Normalized coordinates may stray this far outside [0, 1] (rounding in other tools)."""
MAX_LINE_CHARS = 1_000_000
MAX_CLASS = 2**31 - 1
"""The largest class id accepted (a 32-bit index, as every YOLO trainer stores it)."""


@dataclass(frozen=True)
class YoloObject:
    """One line: its class and its points in pixels ``(u, v)`` (a box as its 4 corners)."""

    cls: int
    points: np.ndarray
    is_box: bool


def parse_yolo(text: str, path: str, size: tuple[int, int]) -> list[YoloObject]:
    """Parse a YOLO label file for an image of ``size = (height, width)``.

    Raises
    ------
    InputError
        ``path:line: what was wrong`` for the first malformed line (wrong token count, not a
        number, a class that is not a non-negative integer, a coordinate outside [0, 1]).
    """
    height, width = size
    objects = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}:{number}"
        if len(line) > MAX_LINE_CHARS:
            raise InputError(f"{where}: line longer than {MAX_LINE_CHARS} characters")
        tokens = line.split()
        if not tokens:
            continue
        n = len(tokens)
        if n != 5 and (n < 7 or n % 2 == 0):
            raise InputError(
                f"{where}: {n} values; a box line has 5 (class cx cy w h), a polygon line "
                "an odd number of at least 7 (class x1 y1 x2 y2 x3 y3 ...)"
            )
        cls = parse_class(tokens[0], where)
        try:
            values = [float(t) for t in tokens[1:]]
        except ValueError:
            bad = next(t for t in tokens[1:] if not _is_float(t))
            raise InputError(f"{where}: {_shown(bad)} is not a number") from None
        for k, v in enumerate(values, start=2):
            if not math.isfinite(v) or v < -TOLERANCE or v > 1 + TOLERANCE:
                raise InputError(
                    f"{where}: value {k} is {_shown(tokens[k - 1], quote=False)}; "
                    "normalized coordinates must be within [0, 1]"
                )
        if n == 5:
            cx, cy, w, h = values
            pts = box_corners(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        else:
            pts = np.asarray(values, dtype=np.float64).reshape(-1, 2)
        objects.append(YoloObject(cls, pts * [width, height], n == 5))
    return objects


def parse_class(token: str, where: str) -> int:
    """The class id of a line's first token: a whole number 0..:data:`MAX_CLASS`.

    ``45`` and ``45.0`` are both class 45 (Ultralytics reads classes as floats); digits other
    than ASCII ones (``²``, ``٤``) and fractions are refused.

    Raises
    ------
    InputError
        ``where: class ... is not ...``, the token shortened to 20 characters.
    """
    value = math.nan
    if token.isascii():
        try:
            value = float(token)
        except ValueError:
            pass
    if not (math.isfinite(value) and value.is_integer() and 0 <= value <= MAX_CLASS):
        raise InputError(
            f"{where}: class {_shown(token)} is not a whole number from 0 to {MAX_CLASS}"
        )
    return int(value)


def _shown(token: str, quote: bool = True) -> str:
    """A token for a message: at most 20 characters of it, quoted unless ``quote`` is False."""
    if len(token) > 20:
        return f"{token[:20]!r}... ({len(token)} characters)"
    return repr(token) if quote else token


def _is_float(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def yolo_instances(objects: list[YoloObject]) -> Instances:
    """The objects of a parsed YOLO file as :class:`Instances` (a box as its outline)."""
    return Instances(
        np.array([o.cls for o in objects], dtype=np.int64),
        [[o.points] for o in objects],
        np.array([o.is_box for o in objects], dtype=bool),
    )


def yolo_lines(instances: Instances, out_size: tuple[int, int]) -> list[str]:
    """The lines (without newlines) of a YOLO file for ``instances`` on an image of ``out_size``.

    A box is written as the enclosing box of its moved, clipped outline; a polygon as its
    vertices, normalized to the output size, 6 decimals. A box whose written width or height
    would be 0 is left out (fewer lines than instances).
    """
    height, width = out_size
    lines = []
    for cls, polys, is_box, box in zip(
        instances.classes, instances.polygons, instances.is_box, instances.boxes, strict=True
    ):
        if is_box:
            x0, y0, x1, y1 = box
            values = [(x0 + x1) / 2 / width, (y0 + y1) / 2 / height]
            values += [(x1 - x0) / width, (y1 - y0) / height]
        else:
            values = (polys[0] / [width, height]).ravel().tolist()
        texts = [_fmt(float(v)) for v in values]
        if is_box and ZERO in texts[2:]:
            continue  # a box with no width or no height is never written
        lines.append(" ".join([str(int(cls)), *texts]))
    return lines


ZERO = "0.000000"


def _fmt(value: float) -> str:
    """6 decimals, never ``-0.000000``."""
    text = f"{value:.6f}"
    return ZERO if text == "-0.000000" else text
