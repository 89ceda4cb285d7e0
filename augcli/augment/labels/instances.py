"""One container for an image's objects: classes, outlines, boxes and keypoints, moved together.

Every label format is read into :class:`Instances` and written from it; in between the objects
are moved, clipped and filtered once per resampling group, with the map the image used
(:func:`move_instances`). Coordinates are continuous pixels ``(u, v)`` (see
:mod:`augcli.augment.labels.geometry`).

An instance's geometry is a list of polygons (a box is kept as its outline, four corners, so
rotations and later groups stay exact; its box is the enclosing box of what is left). An
instance with no polygons carries its geometry elsewhere (a raster, e.g. a COCO RLE mask, warped
with the image kernels); clipping and filtering never drop it. Keypoints are ``N x K x 3``
(``u, v, visibility``); one that leaves the image becomes ``0, 0, 0``. Boxes, polygons,
keypoints and the pass-through ``fields`` stay aligned by index and are filtered together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from augcli.augment.labels.geometry import (
    Warp,
    clip_polygon,
    compose,
    enclosing_box,
    mirrors,
    polygon_area,
)


def map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``points`` (N x 2) mapped by a 3x3 ``matrix``, divided by ``w`` when it is projective.

    An affine matrix (last row ``0 0 1``) is applied without the division, so its results are
    the same bits as a plain ``A p + t``.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    out = points @ matrix[:2, :2].T + matrix[:2, 2]
    if matrix[2, 0] != 0.0 or matrix[2, 1] != 0.0 or matrix[2, 2] != 1.0:
        w = points @ matrix[2, :2] + matrix[2, 2]
        out = out / w[:, None]
    return out


def drop_border_slivers(points: np.ndarray, width: float, height: float) -> np.ndarray:
    """A clipped polygon without its zero-area parts along the image border.

    Sutherland–Hodgman leaves vertices on a border line where the polygon went outside; those
    between two neighbours on the same border line (spike tips, and points inside a straight
    border run) and repeated vertices bear no area and are removed, so the enclosing box is the
    box of the area-bearing outline. Vertices off the border are never touched.
    """
    pts = [tuple(p) for p in points]
    lines = ((0, 0.0), (0, float(width)), (1, 0.0), (1, float(height)))
    changed = True
    while changed and len(pts) >= 3:
        changed = False
        for i in range(len(pts)):
            prev, cur, nxt = pts[i - 1], pts[i], pts[(i + 1) % len(pts)]
            if cur == prev or any(cur[a] == b and prev[a] == b and nxt[a] == b for a, b in lines):
                del pts[i]
                changed = True
                break
    if len(pts) >= 2 and pts[0] == pts[-1]:
        pts.pop()
    return np.asarray(pts, dtype=np.float64).reshape(-1, 2)


@dataclass(eq=False)
class Instances:
    """N objects of one image, aligned by index.

    Attributes
    ----------
    classes : numpy.ndarray
        ``(N,)`` int64 class ids.
    polygons : list of list of numpy.ndarray
        Per instance, its polygons (each ``M x 2`` float64, pixels); a box-only instance has
        its box's four corners; an empty list means no vector geometry (see module notes).
    is_box : numpy.ndarray
        ``(N,)`` bool: the instance is a box (formats write its enclosing box).
    keypoints : numpy.ndarray or None
        ``(N, K, 3)`` float64: ``u, v, visibility`` (0 = not labelled or outside).
    flip_idx : numpy.ndarray or None
        ``(K,)`` permutation applied to keypoints under a mirroring map (left/right swap).
    fields : list of dict
        Per instance, the format's other keys, passed through untouched.
    full_area : numpy.ndarray
        ``(N,)`` area of the polygons mapped without clipping (the visibility denominator).
    """

    classes: np.ndarray
    polygons: list[list[np.ndarray]]
    is_box: np.ndarray
    keypoints: np.ndarray | None = None
    flip_idx: np.ndarray | None = None
    fields: list[dict[str, Any]] = field(default_factory=list)
    full_area: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.polygons)
        self.classes = np.asarray(self.classes, dtype=np.int64).reshape(n)
        self.is_box = np.asarray(self.is_box, dtype=bool).reshape(n)
        if not self.fields:
            self.fields = [{} for _ in range(n)]
        if self.full_area is None:
            self.full_area = np.array(
                [sum(polygon_area(p) for p in polys) for polys in self.polygons], np.float64
            )
        if self.keypoints is not None:
            self.keypoints = np.asarray(self.keypoints, dtype=np.float64)
            if self.keypoints.ndim != 3:
                self.keypoints = self.keypoints.reshape(n, -1, 3)

    def __len__(self) -> int:
        return len(self.polygons)

    @classmethod
    def from_boxes(cls, classes: Sequence[int], boxes: np.ndarray, **kwargs: Any) -> Instances:
        """Box-only instances from ``(N, 4)`` corners ``x0, y0, x1, y1`` (pixels)."""
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        polygons = [
            [np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)]
            for x0, y0, x1, y1 in boxes
        ]
        return cls(np.asarray(classes), polygons, np.ones(len(boxes), bool), **kwargs)

    @property
    def boxes(self) -> np.ndarray:
        """``(N, 4)`` enclosing boxes ``x0, y0, x1, y1`` of each instance's polygons (NaN: none)."""
        out = np.full((len(self), 4), np.nan)
        for i, polys in enumerate(self.polygons):
            if polys:
                out[i] = enclosing_box(np.concatenate(polys))
        return out

    @property
    def areas(self) -> np.ndarray:
        """``(N,)`` area of each instance's polygons (what is left inside the image)."""
        return np.array([sum(polygon_area(p) for p in polys) for polys in self.polygons])

    def transform(self, matrix: np.ndarray) -> Instances:
        """Every point mapped by a 3x3 input-to-output ``matrix`` (continuous coordinates).

        A mirroring map (determinant < 0) permutes each instance's keypoints by ``flip_idx``.
        """
        polygons = [[map_points(matrix, p) for p in polys] for polys in self.polygons]
        full = np.array(
            [sum(polygon_area(p) for p in polys) for polys in polygons], np.float64
        ).reshape(len(self))
        keypoints = None
        if self.keypoints is not None:
            keypoints = self.keypoints.copy()
            if keypoints.size:
                xy = map_points(matrix, keypoints[..., :2].reshape(-1, 2))
                keypoints[..., :2] = xy.reshape(keypoints.shape[:-1] + (2,))
            if self.flip_idx is not None and mirrors(matrix):
                keypoints = keypoints[:, self.flip_idx]
        return replace(self, polygons=polygons, keypoints=keypoints, full_area=full)

    def clip(self, size: tuple[int, int]) -> Instances:
        """Polygons clipped to an image of ``size = (height, width)`` without border slivers;
        keypoints outside it (or not visible) set to ``0, 0, 0``.

        ``full_area`` is kept: :meth:`transform` after a clip maps the clipped outline, so call
        :func:`move_instances`, which keeps the unclipped area across groups.
        """
        height, width = size
        polygons = []
        for polys in self.polygons:
            parts = []
            for p in polys:
                clipped = drop_border_slivers(clip_polygon(p, width, height), width, height)
                if len(clipped) >= 3 and polygon_area(clipped) > 0.0:
                    parts.append(clipped)
            polygons.append(parts)
        keypoints = self.keypoints
        if keypoints is not None:
            keypoints = keypoints.copy()
            u, v, vis = keypoints[..., 0], keypoints[..., 1], keypoints[..., 2]
            gone = (u < 0) | (u >= width) | (v < 0) | (v >= height) | (vis <= 0)
            keypoints[gone] = 0.0
        return replace(self, polygons=polygons, keypoints=keypoints)

    def keep(self, which: np.ndarray) -> Instances:
        """The instances where ``which`` (``(N,)`` bool) is true, every field alike."""
        idx = np.flatnonzero(which)
        return replace(
            self,
            classes=self.classes[idx],
            polygons=[self.polygons[i] for i in idx],
            is_box=self.is_box[idx],
            keypoints=None if self.keypoints is None else self.keypoints[idx],
            fields=[self.fields[i] for i in idx],
            full_area=self.full_area[idx],
        )

    def survivors(
        self, had_geometry: np.ndarray, min_visibility: float = 0.0, min_area: float = 0.0
    ) -> np.ndarray:
        """``(N,)`` bool: which instances stay after a clip.

        An instance that had polygons stays while it has some left, its area is at least
        ``min_area`` pixels and at least ``min_visibility`` of its unclipped area is visible.
        One without vector geometry (``had_geometry`` false) always stays.
        """
        keep = np.ones(len(self), dtype=bool)
        areas = self.areas
        for i, polys in enumerate(self.polygons):
            if not had_geometry[i]:
                continue
            total = float(self.full_area[i])
            visible = float(areas[i])
            if not polys or visible < min_area:
                keep[i] = False
            elif total > 0.0 and (visible <= 0.0 or visible / total < min_visibility):
                keep[i] = False
        return keep


def group_maps(
    warps: Sequence[Warp], out_size: tuple[int, int]
) -> list[tuple[np.ndarray, tuple[int, int]]]:
    """One ``(matrix, output size)`` per resampling group, in order (identity when none)."""
    if not warps:
        return [(np.eye(3), out_size)]
    return [(compose([w]), tuple(w.transform.out_shape)) for w in warps]  # type: ignore[misc]


def move_instances(
    instances: Instances,
    warps: Sequence[Warp],
    out_size: tuple[int, int],
    min_visibility: float = 0.0,
    min_area: float = 0.0,
) -> tuple[Instances, int]:
    """Move ``instances`` through a run's warps, one resampling group at a time.

    Each group maps every point with the matrix its image warp used, clips to that group's
    output and drops the objects left without enough area: what one group moves out of the
    image is gone, even if a later group brings the frame back (as for the image's pixels).

    Parameters
    ----------
    instances : Instances
        In the input image's pixels.
    warps : sequence of Warp
        From :meth:`augcli.augment.pipeline.Pipeline.run_traced` (one per group).
    out_size : tuple of int
        The output's ``(height, width)`` (used when there are no warps).
    min_visibility : float
        Drop an object when less than this fraction of its mapped area is inside.
    min_area : float
        Drop an object whose visible area is below this many square pixels.

    Returns
    -------
    instances : Instances
        The survivors, on the output image.
    dropped : int
        How many were dropped.
    """
    had = np.array([bool(p) for p in instances.polygons], dtype=bool)
    # the unclipped polygons, mapped group after group: the visibility denominator
    full = replace(instances, keypoints=None, flip_idx=None)
    current = instances
    for matrix, size in group_maps(warps, out_size):
        full = full.transform(matrix)
        current = replace(current.transform(matrix), full_area=full.full_area).clip(size)
        keep = current.survivors(had, min_visibility, min_area)
        current, full, had = current.keep(keep), full.keep(keep), had[keep]
    return current, len(instances) - len(current)
