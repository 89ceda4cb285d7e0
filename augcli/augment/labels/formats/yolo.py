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
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from augcli.augment.labels.datayaml import find_data_yaml, load_data_yaml, read_classes_txt
from augcli.augment.labels.draw import Shape, draw_shapes
from augcli.augment.labels.formats.base import LabelFormat, Setting, digest, write_text_file
from augcli.augment.labels.geometry import box_corners
from augcli.augment.labels.instances import Instances, move_instances
from augcli.core.errors import InputError, UsageError
from augcli.core.gate import read_text

TOLERANCE = 1e-3
"""Normalized coordinates may stray this far outside [0, 1] (rounding in other tools)."""
MAX_LINE_CHARS = 1_000_000
MAX_YOLO_BYTES = 64 * 1024 * 1024
YOLO_EXTENSION = ".txt"
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


def read_label_text(path: str, flag: str = "--yolo") -> str:
    """A YOLO file's text through the gate (a regular file of at most :data:`MAX_YOLO_BYTES`).

    No file at that name means no objects; a dangling symlink, a FIFO, a device or a folder
    fails the input (a FIFO is never opened for a blocking read).
    """
    if not os.path.lexists(path):
        return ""  # no label file: no objects
    return read_text(path, flag, cap=MAX_YOLO_BYTES)


def label_folder(path: str) -> str | None:
    """The folder of a label source: the path itself, or a label file's folder (``preview``
    takes one file); None when it is neither."""
    if os.path.isdir(path):
        return path
    return os.path.dirname(path) or "." if os.path.isfile(path) else None


def caption(cls: int, names: Any) -> str:
    """A class's caption: its name when the dataset names it, else its number."""
    if isinstance(names, dict) and int(cls) in names:
        return str(names[int(cls)])
    return str(cls)


class YoloFormat(LabelFormat):
    """``--yolo SRC DST``: one ``.txt`` per image, boxes and polygons (detection, segment)."""

    name = "yolo"
    key = "yolo"
    extension = YOLO_EXTENSION
    ultralytics_rule = True
    companions = ("classes.txt",)
    help = (
        "YOLO label folder mirroring SRC (one .txt per image; none means no objects) and "
        "where the moved labels go."
    )
    preview_help = "YOLO label file of IMAGE (a .txt, or a folder holding one of the same stem)."
    summary = "Ultralytics YOLO detection and segmentation `.txt` (normalized)"
    example = "--yolo labels/ out_labels/"
    settings = (
        Setting(
            "--data-yaml", "data_yaml", "FILE",
            "Ultralytics data.yaml of the dataset: class names (previews), kpt_shape and "
            "flip_idx (--yolo-pose).",
            lambda text: load_data_yaml(text, "--data-yaml"),
        ),
    )  # fmt: skip

    def resolve(self, pair: tuple[str, ...], options: Any) -> None:
        """Class names from data.yaml or classes.txt; refuse pose labels read as ``--yolo``.

        With a kpt_shape known (``--kpt-shape``, or a data.yaml giving one) the files are
        YOLO-pose: a 2-D pose line would otherwise pass for a polygon.
        """
        settings = options.settings
        data = settings.get("data_yaml")
        folder = label_folder(pair[0])
        if data is None and folder is not None:
            found = find_data_yaml(folder)
            data = load_data_yaml(found, "data.yaml") if found is not None else None
        if "yolo-pose" in options.paths:
            return
        shape = settings.get("kpt_shape") or (data.kpt_shape if data is not None else None)
        if shape is not None:
            where = "--kpt-shape" if settings.get("kpt_shape") else f"{data.path} (kpt_shape)"
            raise UsageError(
                f"--yolo {pair[0]}: {where} says these are YOLO-pose labels with kpt_shape "
                f"{list(shape)}; use --yolo-pose SRC DST (a pose line is not a polygon)"
            )
        if not settings.get("names"):
            names = data.names if data is not None else {}
            if not names and folder is not None:
                names = read_classes_txt(folder)
            settings["names"] = names

    def read(self, source: str, size: tuple[int, int], options: Any, max_pixels: int | None):
        """The file's objects as :class:`Instances` (no file: none)."""
        return yolo_instances(parse_yolo(read_label_text(source), source, size))

    def write(self, data, warps, out_size, options, temp, rel, output_name) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        """Move the objects, write their lines; count what was kept and dropped."""
        moved, dropped = move_instances(
            data, warps, out_size, options.min_visibility, options.min_area
        )
        lines = yolo_lines(moved, out_size)
        dropped += len(moved.classes) - len(lines)  # zero-area boxes are never written
        write_text_file(temp, "".join(line + "\n" for line in lines))
        return {"file": rel, "kept": len(lines), "dropped": dropped, **digest(temp)}

    def draw(self, rgb, data, warps: Sequence, options, names) -> np.ndarray:  # type: ignore[no-untyped-def]
        """What the written file holds, captioned: each line read back from the lines
        ``augment`` writes (a box as its written, enclosing box; zero-area boxes not at all)."""
        out_size = rgb.shape[:2]
        moved, _ = move_instances(data, warps, out_size, options.min_visibility, options.min_area)
        written = parse_yolo("\n".join(yolo_lines(moved, out_size)), "preview", out_size)
        shapes = [Shape(caption(obj.cls, names), obj.points, obj.cls) for obj in written]
        return draw_shapes(rgb, shapes)


def instance_shapes(moved: Instances, names: Any) -> list[Shape]:
    """The outlines to draw for moved instances: a box as its enclosing box, polygons as is."""
    shapes = []
    for cls, polys, is_box, box in zip(
        moved.classes, moved.polygons, moved.is_box, moved.boxes, strict=True
    ):
        if not polys:
            continue
        outline = box_corners(*box) if is_box else polys[0]
        shapes.append(Shape(caption(int(cls), names), outline, int(cls)))
    return shapes
