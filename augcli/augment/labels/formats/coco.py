"""COCO as a label format: one JSON for the run, each image's payload planned, one file written.

Loading, validation and the output file live in :mod:`augcli.augment.labels.coco`, moving one
annotation in :mod:`augcli.augment.labels.annotations`; this module is the edge: the option,
each image's payload, the manifest entry (the moved annotations, from which the run's JSON is
written), drawing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from augcli.augment.labels.annotations import move_annotation
from augcli.augment.labels.coco import load_coco
from augcli.augment.labels.draw import Shape, draw_keypoints, draw_shapes
from augcli.augment.labels.formats.base import FolderState, LabelFormat
from augcli.augment.labels.geometry import Warp, box_corners
from augcli.augment.labels.wholebody import BOX_PARTS, KEYPOINT_PARTS
from augcli.core.errors import InputError, UsageError


class CocoFormat(LabelFormat):
    """``--coco JSON OUT``: a COCO annotations file for SRC's images and the one to write."""

    name = "coco"
    key = "coco"
    extension = None
    metavar = "JSON OUT"
    help = (
        "COCO annotations of SRC's images (file_name relative to SRC) and the COCO file to "
        "write for DST."
    )
    preview_metavar = "JSON"
    preview_help = "COCO annotations file with an entry for IMAGE (by file name)."
    summary = "COCO JSON: boxes, polygons, RLE masks, keypoints (one file per run)"
    example = "--coco annotations.json out.json"

    def check_paths(self, pair: tuple[str, str], src: Path, dst: Path) -> Path:
        """A source file, and a destination that is neither a folder nor the source."""
        csrc, cdst = Path(pair[0]), Path(pair[1])
        if not csrc.is_file():
            raise UsageError(f"--coco {csrc}: no such file")
        if cdst.exists() and cdst.is_dir():
            raise UsageError(f"--coco destination {cdst}: is a folder; give the JSON file to write")
        if cdst.resolve() == csrc.resolve():
            raise UsageError(f"--coco destination {cdst} is the source annotations file")
        return csrc.resolve()

    def start(self, pair: tuple[str, str], options: Any, max_pixels: int | None) -> Any:
        """The validated COCO index."""
        return load_coco(pair[0], max_pixels)

    def source(self, state: FolderState, pair, rel, name, key, path):  # type: ignore[no-untyped-def]
        """The image's payload (JSON: its entry and annotations); its size checked."""
        index = state.data
        payload = index.payload(key)
        if key not in index.payloads:
            state.missing += 1
        else:
            state.found += 1
            if path is not None:
                index.check_size(key, path)
        return payload, None

    def preview_source(self, arg: str, image: Path) -> tuple[str | None, str | None, Any]:
        """The entry of IMAGE (by its path's tail, else its name) and the category names."""
        index = load_coco(arg)
        posix = image.as_posix()
        match = [k for k in index.payloads if posix == k or posix.endswith("/" + k)]
        match = match or [k for k in index.payloads if Path(k).name == image.name]
        if len(match) != 1:
            raise UsageError(f"--coco {arg}: {len(match) or 'no'} image entries match {image.name}")
        names = {c["id"]: str(c.get("name", c["id"])) for c in index.meta["categories"]}
        return index.payload(match[0]), None, names

    def read(self, source: str, size: tuple[int, int], options: Any, max_pixels: int | None):
        """The planned payload."""
        return json.loads(source)

    def write(self, data, warps, out_size, options, temp, rel, output_name) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        """The moved annotations of one output (the run writes the JSON from these)."""
        return _coco_entry(data, warps, out_size, options)

    def draw(self, rgb, data, warps: Sequence[Warp], options, names) -> np.ndarray:  # type: ignore[no-untyped-def]
        """What the written file holds: each moved annotation's ``bbox`` captioned with its
        category, its polygons and its visible keypoints coloured by their index
        (COCO-WholeBody part boxes and keypoints too)."""
        names = names or {}
        out_size = rgb.shape[:2]
        shapes: list[Shape] = []
        dots: list[np.ndarray] = []
        for ann in data["annotations"]:
            swap = data.get("swaps", {}).get(str(ann["category_id"]))
            moved_ann = move_annotation(
                ann, warps, out_size, options.min_visibility, swap, options.min_area
            )
            if moved_ann is not None:
                cat = ann["category_id"]
                _coco_shapes(moved_ann, names.get(cat, str(cat)), cat, shapes, dots)
        rgb = draw_shapes(rgb, shapes)
        for points in dots:
            rgb = draw_keypoints(rgb, points)
        return rgb


def _coco_shapes(
    ann: dict[str, Any],
    caption: str,
    cat: int,
    shapes: list[Shape],
    dots: list[np.ndarray],
) -> None:
    """The outlines (bbox, polygons, part boxes) and keypoints (K x 3 rows, one entry per body
    part) of a moved COCO annotation, as written."""
    x, y, w, h = ann["bbox"]
    shapes.append(Shape(caption, box_corners(x, y, x + w, y + h), cat))
    seg = ann.get("segmentation")
    if isinstance(seg, list):
        for poly in seg:
            shapes.append(Shape("", np.asarray(poly, dtype=np.float64).reshape(-1, 2), cat))
    for key in BOX_PARTS:
        box = ann.get(key)
        if isinstance(box, list) and box[2] > 0 and box[3] > 0:
            x, y, w, h = box
            shapes.append(Shape(key.split("_")[0], box_corners(x, y, x + w, y + h), cat))
    for key in ("keypoints", *KEYPOINT_PARTS):
        values = ann.get(key)
        if isinstance(values, list) and values:
            dots.append(np.asarray(values, dtype=np.float64).reshape(-1, 3))


def source_image_keys(image: dict[str, Any]) -> dict[str, Any]:
    """What an output's COCO image entry keeps of its source entry: ``id`` and ``file_name``
    as ``source_id`` and ``source_file_name``, every other key but ``width`` and ``height``."""
    kept = {k: v for k, v in image.items() if k not in ("id", "file_name", "width", "height")}
    kept.update(source_id=image["id"], source_file_name=image["file_name"])
    return kept


def _coco_entry(
    payload: dict[str, Any],
    warps: Sequence[Warp],
    out_size: tuple[int, int],
    options: Any,
) -> dict[str, Any]:
    moved, dropped = [], 0
    for ann in payload["annotations"]:
        swap = payload["swaps"].get(str(ann["category_id"]))
        try:
            out = move_annotation(
                ann, warps, out_size, options.min_visibility, swap, options.min_area
            )
        except ValueError as exc:  # an RLE whose counts do not fit its size
            raise InputError(
                f"{payload['image']['file_name']}: annotation {ann['id']}: {exc}"
            ) from None
        if out is None:
            dropped += 1
        else:
            moved.append(out)
    entry: dict[str, Any] = {"width": out_size[1], "height": out_size[0]}
    image = payload["image"]
    if image is None:
        entry["unlisted"] = True
    else:
        entry["image"] = source_image_keys(image)
    entry.update(annotations=moved, kept=len(moved), dropped=dropped)
    return entry
