"""Moving COCO annotations with their image: polygons, boxes, RLE masks and keypoints.

Polygons are mapped and clipped to the output (Sutherland–Hodgman); ``bbox`` is the enclosing
box of what is left and ``area`` its polygon area. An annotation with only a ``bbox`` moves as
its four corners. RLE segmentations are decoded, warped as masks (nearest-neighbour; pixels
from outside are background, so like polygons an object never gains reflected copies) and
re-encoded in the form they came in; their ``area`` is the mask's pixel count. Keypoints are
mapped; those that leave the image become ``0, 0, 0``; a mirroring map swaps ``left_*`` and
``right_*`` keypoints. ``category_id``, ``iscrowd`` and other keys are kept. An annotation
whose written ``bbox`` has no width or no height (at :data:`DECIMALS` decimals) is dropped:
zero-area boxes are read, like pycocotools and Ultralytics do, but never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from augcli.augment.labels import rle
from augcli.augment.labels.geometry import (
    Warp,
    apply_matrix,
    box_corners,
    enclosing_box,
    mirrors,
    move_shape,
    polygon_area,
)
from augcli.augment.labels.masks import Mask, warp_mask

DECIMALS = 3
_RECOMPUTED = ("id", "image_id", "bbox", "area", "segmentation", "keypoints", "num_keypoints")


def _r(value: float) -> float:
    out = round(float(value), DECIMALS)
    return 0.0 if out == 0 else out


def move_annotation(
    ann: dict[str, Any],
    matrix: np.ndarray,
    warps: Sequence[Warp],
    out_size: tuple[int, int],
    min_visibility: float = 0.0,
    swap: list[int] | None = None,
) -> dict[str, Any] | None:
    """One annotation on the output image, without ``id``/``image_id`` (None: dropped, also
    when its written bbox would have no width or height).

    Parameters
    ----------
    ann : dict
        A validated COCO annotation of the input image.
    matrix : numpy.ndarray
        Continuous-coordinate map (:func:`augcli.augment.labels.geometry.compose` of ``warps``).
    warps : sequence of Warp
        The image's warps (RLE masks are warped with them).
    out_size : tuple of int
        The output's ``(height, width)``.
    min_visibility : float
        Drop the object when less than this fraction of its mapped area is inside.
    swap : list of int, optional
        Keypoint permutation applied when ``matrix`` mirrors.
    """
    out = {k: v for k, v in ann.items() if k not in _RECOMPUTED}
    seg = ann.get("segmentation")
    if isinstance(seg, dict):
        moved = _move_rle(seg, matrix, warps, min_visibility)
        if moved is None:
            return None
        out["segmentation"], out["bbox"], out["area"] = moved
    elif seg:
        moved = _move_polygons(seg, matrix, out_size, min_visibility)
        if moved is None:
            return None
        out["segmentation"], out["bbox"], out["area"] = moved
    else:
        x, y, w, h = ann["bbox"]
        shape = move_shape(box_corners(x, y, x + w, y + h), matrix, out_size, min_visibility)
        if shape.points is None:
            return None
        x0, y0, x1, y1 = enclosing_box(shape.points)
        out["bbox"] = [_r(x0), _r(y0), _r(x1 - x0), _r(y1 - y0)]
        out["area"] = _r(polygon_area(shape.points))
        if seg is not None:
            out["segmentation"] = seg
    if out["bbox"][2] <= 0 or out["bbox"][3] <= 0:
        return None  # a box of no width or height is read, never written
    if isinstance(ann.get("keypoints"), list):
        out["keypoints"], out["num_keypoints"] = _move_keypoints(
            ann["keypoints"], matrix, out_size, swap
        )
    return out


def _move_polygons(
    seg: list[list[float]], matrix: np.ndarray, out_size: tuple[int, int], min_visibility: float
) -> tuple[list[list[float]], list[float], float] | None:
    parts, total, visible = [], 0.0, 0.0
    for poly in seg:
        pts = np.asarray(poly, dtype=np.float64).reshape(-1, 2)
        total += polygon_area(apply_matrix(matrix, pts))
        shape = move_shape(pts, matrix, out_size)
        if shape.points is None or len(shape.points) < 3:
            continue
        visible += polygon_area(shape.points)
        parts.append(shape.points)
    if not parts or (total > 0 and (visible <= 0 or visible / total < min_visibility)):
        return None
    x0, y0, x1, y1 = enclosing_box(np.concatenate(parts))
    polygons = [[_r(v) for v in p.ravel()] for p in parts]
    return polygons, [_r(x0), _r(y0), _r(x1 - x0), _r(y1 - y0)], _r(visible)


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


def _move_keypoints(
    kps: list[float], matrix: np.ndarray, out_size: tuple[int, int], swap: list[int] | None
) -> tuple[list[float], int]:
    arr = np.asarray(kps, dtype=np.float64).reshape(-1, 3)
    xy = apply_matrix(matrix, arr[:, :2])
    vis = arr[:, 2].copy()
    h, w = out_size
    outside = (xy[:, 0] < 0) | (xy[:, 0] >= w) | (xy[:, 1] < 0) | (xy[:, 1] >= h)
    gone = outside | (vis <= 0)
    xy[gone] = 0.0
    vis[gone] = 0
    rows = np.column_stack([xy, vis])
    if swap is not None and mirrors(matrix) and len(swap) == len(rows):
        rows = rows[swap]
    flat = [_r(v) if k % 3 < 2 else int(v) for k, v in enumerate(rows.ravel())]
    return flat, int((rows[:, 2] > 0).sum())
