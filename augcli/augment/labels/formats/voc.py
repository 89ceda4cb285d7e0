"""Pascal VOC XML: one ``<annotation>`` per image, boxes moved, ``size`` and ``filename`` rewritten.

Coordinates: VOC boxes are 1-based inclusive pixel indices (the VOC devkit's convention: a box
``xmin=1, xmax=W`` covers the whole row). Read as continuous corners ``x0 = xmin - 1``,
``x1 = xmax`` (same for y); written back as ``xmin = round(x0) + 1``, ``xmax = round(x1)``
clamped to ``1..W`` (half away from zero), so integer boxes survive an identity run unchanged.
Tools that read VOC numbers as 0-based corners (``xyxy = [xmin, ymin, xmax, ymax]``) see every
box shifted by at most one pixel at its top-left; that is their convention, not the file's.

An object's ``bndbox`` is moved as its four corners with the image's maps (rotations give the
enclosing box of the moved, clipped outline); objects left with too little area
(``--min-visibility``, ``--min-area``) or with no whole pixel are dropped. ``name``, ``pose``,
``truncated``, ``difficult``, ``occluded`` and any other keys are kept as written; ``size`` is
the output's, ``filename`` the output's name (``path``, when present, too). Geometry VOC may
carry beside ``bndbox`` (``part`` boxes, ``polygon``, ``point``) is refused by name: it would
not move. A missing XML means no objects: the output gets an annotation with none.

Parsing is defused: the file is read through the gate (a regular file of at most
:data:`MAX_VOC_BYTES`), and one holding ``<!DOCTYPE`` or ``<!ENTITY`` is refused before it is
parsed (no entity expansion, no external references).
"""

from __future__ import annotations

import copy
import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import numpy as np

from augcli.augment.labels.draw import Shape, draw_shapes
from augcli.augment.labels.formats.base import LabelFormat, digest
from augcli.augment.labels.geometry import box_corners
from augcli.augment.labels.instances import Instances, move_instances
from augcli.core.errors import InputError
from augcli.core.gate import read_bytes

MAX_VOC_BYTES = 16 * 1024 * 1024
VOC_EXTENSION = ".xml"
MOVED_ELSEWHERE = ("part", "polygon", "point", "keypoints", "segmentation")
"""Object children holding geometry this format does not move: refused by name."""


def _number(parent: ET.Element, tag: str, where: str) -> float:
    node = parent.find(tag)
    text = node.text.strip() if node is not None and node.text else ""
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: <{tag}> is {text[:20]!r}, not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{where}: <{tag}> is {text[:20]!r}, not a finite number")
    return value


def parse_voc(data: bytes, path: str, size: tuple[int, int]) -> tuple[ET.Element, Instances]:
    """The XML tree and its objects (their boxes in continuous pixels) of an image of
    ``size = (height, width)``.

    Raises
    ------
    InputError
        A DTD or entity declaration, not XML, a root other than ``<annotation>``, a ``size``
        that is not the image's, an object without a numeric ``bndbox`` or with
        ``xmax < xmin``, or geometry this format would not move (named).
    """
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise InputError(
            f"--voc {path}: holds a <!DOCTYPE> or <!ENTITY> declaration; refused (entities are "
            "never expanded)"
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"--voc {path}: not valid XML ({exc})") from None
    if root.tag != "annotation":
        raise InputError(f"--voc {path}: the root element is <{root.tag}>, not <annotation>")
    height, width = size
    node = root.find("size")
    if node is not None and node.find("width") is not None and node.find("height") is not None:
        w, h = _number(node, "width", f"{path}: <size>"), _number(node, "height", f"{path}: <size>")
        if (w, h) != (0, 0) and (w, h) != (width, height):
            raise InputError(
                f"--voc {path}: <size> says {w:g}x{h:g}, the image is {width}x{height}"
            )
    boxes = []
    for number, obj in enumerate(root.findall("object"), start=1):
        where = f"--voc {path}: object {number}"
        for tag in MOVED_ELSEWHERE:
            if obj.find(tag) is not None:
                raise InputError(
                    f"{where}: <{tag}> geometry is not supported (only <bndbox> moves); "
                    "remove it or leave --voc out"
                )
        box = obj.find("bndbox")
        if box is None:
            raise InputError(f"{where}: no <bndbox>")
        xmin, ymin = _number(box, "xmin", where), _number(box, "ymin", where)
        xmax, ymax = _number(box, "xmax", where), _number(box, "ymax", where)
        if xmax < xmin or ymax < ymin:
            raise InputError(
                f"{where}: <bndbox> {xmin:g},{ymin:g},{xmax:g},{ymax:g} has xmax < xmin or "
                "ymax < ymin"
            )
        boxes.append((xmin - 1.0, ymin - 1.0, xmax, ymax))
    polygons = [[box_corners(*b)] for b in boxes]
    fields = [{"object": i} for i in range(len(boxes))]
    inst = Instances(np.arange(len(boxes)), polygons, np.ones(len(boxes), bool), fields=fields)
    return root, inst


def _half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def voc_boxes(instances: Instances, out_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """1-based inclusive ``(xmin, ymin, xmax, ymax)`` of each moved instance (see module)."""
    height, width = out_size
    out = []
    for x0, y0, x1, y1 in instances.boxes:
        xmin = min(max(_half_up(x0) + 1, 1), width)
        ymin = min(max(_half_up(y0) + 1, 1), height)
        xmax = min(max(_half_up(x1), 1), width)
        ymax = min(max(_half_up(y1), 1), height)
        out.append((xmin, ymin, xmax, ymax))
    return out


def voc_xml(
    root: ET.Element, moved: Instances, out_size: tuple[int, int], filename: str
) -> tuple[bytes, int]:
    """The output XML (UTF-8 bytes) and how many objects it holds.

    An object whose written box has no whole pixel (``xmax < xmin``) is left out.
    """
    tree = copy.deepcopy(root)
    objects = tree.findall("object")
    kept = set()
    for fields, (xmin, ymin, xmax, ymax) in zip(
        moved.fields, voc_boxes(moved, out_size), strict=True
    ):
        if xmax < xmin or ymax < ymin:
            continue
        obj = objects[fields["object"]]
        box = obj.find("bndbox")
        for tag, value in (("xmin", xmin), ("ymin", ymin), ("xmax", xmax), ("ymax", ymax)):
            box.find(tag).text = str(value)  # type: ignore[union-attr]
        kept.add(fields["object"])
    for i, obj in enumerate(objects):
        if i not in kept:
            tree.remove(obj)
    _set(tree, "filename", filename)
    if tree.find("path") is not None:
        _set(tree, "path", filename)
    size = tree.find("size")
    if size is None:
        size = ET.SubElement(tree, "size")
    _set(size, "width", str(out_size[1]))
    _set(size, "height", str(out_size[0]))
    ET.indent(tree)
    return ET.tostring(tree, encoding="utf-8", xml_declaration=False) + b"\n", len(kept)


def _set(parent: ET.Element, tag: str, text: str) -> None:
    node = parent.find(tag)
    if node is None:
        node = ET.SubElement(parent, tag)
    node.text = text


def empty_annotation(size: tuple[int, int]) -> ET.Element:
    """The annotation of an image with no XML: its size, no objects."""
    root = ET.Element("annotation")
    ET.SubElement(root, "filename")
    node = ET.SubElement(root, "size")
    for tag, value in (("width", size[1]), ("height", size[0]), ("depth", 3)):
        ET.SubElement(node, tag).text = str(value)
    return root


class VocFormat(LabelFormat):
    """``--voc SRC DST``: one Pascal VOC ``.xml`` per image (an ``Annotations/`` folder)."""

    name = "voc"
    key = "voc"
    extension = VOC_EXTENSION
    help = (
        "Pascal VOC XML folder mirroring SRC (one .xml per image; none means no objects) and "
        "where the moved annotations go."
    )
    preview_help = "Pascal VOC XML of IMAGE (a .xml, or a folder holding one of the same stem)."
    summary = "Pascal VOC XML: 1-based inclusive pixel boxes, `truncated`/`difficult` kept"
    example = "--voc Annotations/ out_annotations/"

    def read(self, source: str, size: tuple[int, int], options: Any, max_pixels: int | None):
        """The XML tree and its boxes (no file: an empty annotation of the image's size)."""
        if not os.path.lexists(source):
            return empty_annotation(size), Instances(np.zeros(0), [], np.zeros(0, bool))
        return parse_voc(read_bytes(source, "--voc", cap=MAX_VOC_BYTES), source, size)

    def write(self, data, warps, out_size, options, temp, rel, output_name) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        """Move the boxes, write the XML; count what was kept and dropped."""
        root, inst = data
        moved, dropped = move_instances(
            inst, warps, out_size, options.min_visibility, options.min_area
        )
        xml, kept = voc_xml(root, moved, out_size, output_name)
        dropped += len(moved) - kept
        with open(temp, "wb") as handle:
            handle.write(xml)
        return {"file": rel, "kept": kept, "dropped": dropped, **digest(temp)}

    def draw(self, rgb, data, warps: Sequence, options, names) -> np.ndarray:  # type: ignore[no-untyped-def]
        """Each moved box as written, captioned with its ``name``."""
        root, inst = data
        moved, _ = move_instances(
            inst, warps, rgb.shape[:2], options.min_visibility, options.min_area
        )
        objects = root.findall("object")
        shapes = []
        for fields, (xmin, ymin, xmax, ymax) in zip(
            moved.fields, voc_boxes(moved, rgb.shape[:2]), strict=True
        ):
            if xmax < xmin or ymax < ymin:
                continue
            obj = objects[fields["object"]]
            label = (obj.findtext("name") or "?").strip()
            shapes.append(
                Shape(label, box_corners(xmin - 1, ymin - 1, xmax, ymax), fields["object"])
            )
        return draw_shapes(rgb, shapes)
