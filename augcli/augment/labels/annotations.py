"""Moving COCO annotations with their image: polygons, boxes, RLE masks and keypoints.

Polygons, boxes and keypoints move as one
:class:`~augcli.augment.labels.instances.Instances`, group by group; ``bbox`` is the enclosing
box of the area-bearing outline that is left and ``area`` its polygon area. An annotation with
only a ``bbox`` moves as its four corners. RLE segmentations are decoded, warped as masks
(nearest-neighbour; pixels from outside are background, so like polygons an object never gains
reflected copies) and re-encoded in the form they came in; their ``area`` is the mask's pixel
count. Keypoints are mapped; those that leave the image become ``0, 0, 0``; a mirroring map
swaps ``left_*`` and ``right_*`` keypoints. COCO-WholeBody's part boxes and keypoints move with
the body (:mod:`augcli.augment.labels.wholebody`); an annotation's own ``width`` and ``height``
keys, when it has them, become the output's. ``category_id``, ``iscrowd`` and other keys are
kept. An
annotation whose written ``bbox`` has no width or no height (at :data:`DECIMALS` decimals) is
dropped: zero-area boxes are read, like pycocotools and Ultralytics do, but never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from augcli.augment.labels import rle
from augcli.augment.labels.geometry import Warp, box_corners, compose, mirrors
from augcli.augment.labels.instances import Instances, move_instances
from augcli.augment.labels.masks import Mask, warp_mask
from augcli.augment.labels.wholebody import has_parts, with_parts, write_parts

DECIMALS = 3
_RECOMPUTED = ("id", "image_id", "bbox", "area", "segmentation", "keypoints", "num_keypoints")


def _r(value: float) -> float:
    out = round(float(value), DECIMALS)
    return 0.0 if out == 0 else out


def move_annotation(
    ann: dict[str, Any],
    warps: Sequence[Warp],
    out_size: tuple[int, int],
    min_visibility: float = 0.0,
    swap: list[int] | None = None,
    min_area: float = 0.0,
) -> dict[str, Any] | None:
    """One annotation on the output image, without ``id``/``image_id`` (None: dropped, also
    when its written bbox would have no width or height).

    Parameters
    ----------
    ann : dict
        A validated COCO annotation of the input image.
    warps : sequence of Warp
        The image's warps, one per resampling group: polygons, boxes and keypoints are moved
        group by group (:func:`~augcli.augment.labels.instances.move_instances`), RLE masks
        warped with them.
    out_size : tuple of int
        The output's ``(height, width)``.
    min_visibility : float
        Drop the object when less than this fraction of its mapped area is inside.
    swap : list of int, optional
        Keypoint permutation applied when a group's map mirrors.
    min_area : float
        Drop the object when less than this many square pixels of it are inside.
    """
    out = {k: v for k, v in ann.items() if k not in _RECOMPUTED}
    for key, value in (("width", out_size[1]), ("height", out_size[0])):
        if key in out:
            out[key] = value  # the image's size, which some converters copy into annotations
    inst = _instance(ann, swap)
    layout: list[tuple[str, int, int]] = []
    if has_parts(ann):
        inst, layout = with_parts(inst, ann)
    seg = ann.get("segmentation")
    if isinstance(seg, dict):
        moved_rle = _move_rle(seg, compose(warps), warps, min_visibility)
        if moved_rle is None or moved_rle[2] < min_area:
            return None
        out["segmentation"], out["bbox"], out["area"] = moved_rle
    moved, _ = move_instances(inst, warps, out_size, min_visibility, min_area)
    if not len(moved) or "part" in moved.fields[0]:
        return None  # the body is gone (its parts go with it)
    if not isinstance(seg, dict):
        x0, y0, x1, y1 = moved.boxes[0]
        out["bbox"] = [_r(x0), _r(y0), _r(x1 - x0), _r(y1 - y0)]
        out["area"] = _r(moved.areas[0])
        if seg:
            out["segmentation"] = [[_r(v) for v in p.ravel()] for p in moved.polygons[0]]
        elif seg is not None:
            out["segmentation"] = seg
    if out["bbox"][2] <= 0 or out["bbox"][3] <= 0:
        return None  # a box of no width or height is read, never written
    if moved.keypoints is not None and isinstance(ann.get("keypoints"), list):
        rows = moved.keypoints[0, : len(ann["keypoints"]) // 3]
        out["keypoints"] = [_r(v) if k % 3 < 2 else int(v) for k, v in enumerate(rows.ravel())]
        out["num_keypoints"] = int((rows[:, 2] > 0).sum())
    if layout or has_parts(ann):
        write_parts(out, ann, moved, layout, mirrors(compose(warps)), _r)
    return out


def _instance(ann: dict[str, Any], swap: list[int] | None) -> Instances:
    """The annotation as one instance: its polygons, its box's outline, or (RLE) no outline."""
    seg = ann.get("segmentation")
    if isinstance(seg, dict):
        polygons: list[np.ndarray] = []
    elif seg:
        polygons = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in seg]
    else:
        x, y, w, h = ann["bbox"]
        polygons = [box_corners(x, y, x + w, y + h)]
    keypoints = flip_idx = None
    if isinstance(ann.get("keypoints"), list):
        keypoints = np.asarray(ann["keypoints"], dtype=np.float64).reshape(1, -1, 3)
        if swap is not None and len(swap) == keypoints.shape[1]:
            flip_idx = np.asarray(swap)
    return Instances(
        np.array([ann.get("category_id", 0)]),
        [polygons],
        np.array([not seg]),
        keypoints=keypoints,
        flip_idx=flip_idx,
    )


def _move_rle(
    seg: dict[str, Any], matrix: np.ndarray, warps: Sequence[Warp], min_visibility: float
) -> tuple[dict[str, Any], list[float], float] | None:
    compressed = isinstance(seg["counts"], str)
    counts = rle.decompress(seg["counts"]) if compressed else seg["counts"]
    h, w = seg["size"]
    mask = rle.decode(counts, (h, w)).astype(np.uint8)
    constant = [Warp(x.transform, "constant", x.in_shape) for x in warps]
    moved = warp_mask(Mask(mask), constant, 0).array.astype(bool)
    area = int(moved.sum())
    before = int(mask.sum()) * abs(float(np.linalg.det(matrix[:2, :2])))
    if area == 0 or (before > 0 and area / before < min_visibility):
        return None
    ys, xs = np.nonzero(moved)
    bbox = [float(xs.min()), float(ys.min())]
    bbox += [float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]
    new_counts = rle.encode(moved)
    out_h, out_w = moved.shape
    encoded = {
        "size": [out_h, out_w],
        "counts": rle.compress(new_counts) if compressed else new_counts,
    }
    return encoded, bbox, float(area)
