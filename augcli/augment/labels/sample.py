"""The labels of one image for ``augcli preview``: find them, move them, draw them."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from augcli.augment.labels.annotations import move_annotation
from augcli.augment.labels.apply import LabelInputs
from augcli.augment.labels.coco import load_coco
from augcli.augment.labels.draw import Shape, draw_shapes, overlay_mask
from augcli.augment.labels.files import YOLO_EXTENSION, LabelTask, find_mask, mask_listing
from augcli.augment.labels.geometry import Warp, box_corners
from augcli.augment.labels.instances import move_instances
from augcli.augment.labels.masks import warp_mask
from augcli.augment.labels.yolo import yolo_instances
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
    """``rgb`` (the augmented sample, uint8 HxWx3) with the moved labels drawn on it."""
    out_size = rgb.shape[:2]
    if inputs.mask is not None:
        moved = warp_mask(inputs.mask, warps, mask_fill)
        rgb = overlay_mask(rgb, moved.array, moved.palette)
    shapes = []
    if inputs.yolo:
        moved, _ = move_instances(
            yolo_instances(inputs.yolo), warps, out_size, min_visibility, min_area
        )
        for cls, polys in zip(moved.classes, moved.polygons, strict=True):
            shapes.append(Shape(str(cls), polys[0], int(cls)))
    if inputs.coco is not None:
        for ann in inputs.coco["annotations"]:
            moved_ann = move_annotation(ann, warps, out_size, min_visibility, min_area=min_area)
            if moved_ann is None:
                continue
            cat = ann["category_id"]
            caption = names.get(cat, str(cat))
            seg = moved_ann.get("segmentation")
            if isinstance(seg, list) and seg:
                for poly in seg:
                    shapes.append(Shape(caption, np.asarray(poly).reshape(-1, 2), cat))
            else:
                x, y, w, h = moved_ann["bbox"]
                shapes.append(Shape(caption, box_corners(x, y, x + w, y + h), cat))
    return draw_shapes(rgb, shapes)
