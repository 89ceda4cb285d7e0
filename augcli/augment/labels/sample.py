"""The labels of one image for ``augcli preview``: find them, move them, draw them."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from augcli.augment.labels.annotations import move_annotation
from augcli.augment.labels.apply import LabelInputs
from augcli.augment.labels.coco import load_coco
from augcli.augment.labels.draw import Shape, draw_points, draw_shapes, overlay_mask
from augcli.augment.labels.files import YOLO_EXTENSION, LabelTask, find_mask, mask_listing
from augcli.augment.labels.geometry import Warp, box_corners
from augcli.augment.labels.instances import move_instances
from augcli.augment.labels.masks import warp_mask
from augcli.augment.labels.wholebody import BOX_PARTS, KEYPOINT_PARTS
from augcli.augment.labels.yolo import parse_yolo, yolo_instances, yolo_lines
from augcli.core.errors import UsageError


def sample_task(
    image: Path, masks: str | None, yolo: str | None, coco: str | None
) -> tuple[LabelTask, dict[int, str]]:
    """The label sources of ``image`` (each option a file, or a folder holding one of its stem),
    and the COCO category names by id."""
    stem = image.stem
    fields: dict[str, str | None] = {}
    if masks is not None:
        if os.path.isdir(masks):
            fields["mask_src"], fields["mask_problem"] = find_mask(
                Path(masks), stem, mask_listing(Path(masks))
            )
        elif os.path.isfile(masks):
            fields["mask_src"] = masks
        else:
            raise UsageError(f"--masks {masks}: no such file or folder")
    if yolo is not None:
        fields["yolo_src"] = (
            str(Path(yolo) / (stem + YOLO_EXTENSION)) if os.path.isdir(yolo) else yolo
        )
    names: dict[int, str] = {}
    if coco is not None:
        index = load_coco(coco)
        posix = image.as_posix()
        match = [k for k in index.payloads if posix == k or posix.endswith("/" + k)]
        match = match or [k for k in index.payloads if Path(k).name == image.name]
        if len(match) != 1:
            raise UsageError(
                f"--coco {coco}: {len(match) or 'no'} image entries match {image.name}"
            )
        fields["coco"] = index.payload(match[0])
        names = {c["id"]: str(c.get("name", c["id"])) for c in index.meta["categories"]}
    return LabelTask("", **fields), names


def draw_sample(
    rgb: np.ndarray,
    inputs: LabelInputs,
    warps: Sequence[Warp],
    names: dict[int, str],
    mask_fill: int = 0,
    min_visibility: float = 0.0,
    min_area: float = 0.0,
) -> np.ndarray:
    """``rgb`` (the augmented sample, uint8 HxWx3) with the moved labels drawn on it.

    What is drawn is what the label files would hold: a YOLO box is its written (enclosing)
    box, read back from the lines ``augment`` writes; a COCO annotation its ``bbox``, its
    polygons and its visible keypoints (COCO-WholeBody part boxes and keypoints too).
    """
    out_size = rgb.shape[:2]
    if inputs.mask is not None:
        moved = warp_mask(inputs.mask, warps, mask_fill)
        rgb = overlay_mask(rgb, moved.array, moved.palette)
    shapes: list[Shape] = []
    dots: list[tuple[np.ndarray, int]] = []
    if inputs.yolo:
        moved, _ = move_instances(
            yolo_instances(inputs.yolo), warps, out_size, min_visibility, min_area
        )
        written = parse_yolo("\n".join(yolo_lines(moved, out_size)), "preview", out_size)
        for obj in written:
            shapes.append(Shape(str(obj.cls), obj.points, obj.cls))
    if inputs.coco is not None:
        for ann in inputs.coco["annotations"]:
            swap = inputs.coco.get("swaps", {}).get(str(ann["category_id"]))
            moved_ann = move_annotation(ann, warps, out_size, min_visibility, swap, min_area)
            if moved_ann is not None:
                cat = ann["category_id"]
                _coco_shapes(moved_ann, names.get(cat, str(cat)), cat, shapes, dots)
    rgb = draw_shapes(rgb, shapes)
    for points, index in dots:
        rgb = draw_points(rgb, points, index)
    return rgb


def _coco_shapes(
    ann: dict[str, Any],
    caption: str,
    cat: int,
    shapes: list[Shape],
    dots: list[tuple[np.ndarray, int]],
) -> None:
    """The outlines (bbox, polygons, part boxes) and dots (visible keypoints) of a moved COCO
    annotation, as written."""
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
            rows = np.asarray(values, dtype=np.float64).reshape(-1, 3)
            dots.append((rows[rows[:, 2] > 0, :2], cat))
