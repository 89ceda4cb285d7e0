"""Moving label coordinates through a run's warps: points, polygons, boxes, clipping, visibility.

Label coordinates are *continuous* ``(u, v)``: ``u = 0`` is the left edge of the image and
``u = W`` its right edge, as in YOLO (times the size) and COCO. The warps
(:class:`~augcli.augment.kernels.affine.Transform`) use pixel centres at integers and map
output to input, so a point moves by ``p' = inv(M) (p - 0.5) + 0.5`` through each warp in turn.
Maps whose matrices are whole numbers (flips, right angles, whole-pixel shifts, crops without
resize) are inverted exactly, so integer coordinates stay integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from augcli.augment.kernels.affine import EXACT_TOL, Transform


@dataclass(frozen=True)
class Warp:
    """One resampling of a run: its transform, fill mode and the shape it was applied to."""

    transform: Transform
    fill: str
    in_shape: tuple[int, int]


def forward_matrix(transform: Transform) -> np.ndarray:
    """The input-to-output 3x3 matrix of ``transform`` (pixel-centre coordinates).

    Exact when the matrix and its inverse are whole numbers (re-indexing maps).
    """
    inv = np.linalg.inv(transform.matrix)
    whole = np.round(transform.matrix)
    if np.allclose(transform.matrix, whole, rtol=0.0, atol=EXACT_TOL):
        rounded = np.round(inv)
        if np.allclose(inv, rounded, rtol=0.0, atol=1e-9):
            return rounded
    return inv


def compose(warps: Sequence[Warp]) -> np.ndarray:
    """The input-to-output matrix in continuous ``(u, v)`` coordinates of all ``warps``."""
    to_centre = np.array([[1.0, 0.0, -0.5], [0.0, 1.0, -0.5], [0.0, 0.0, 1.0]])
    to_edge = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    total = np.eye(3)
    for w in warps:
        total = to_edge @ forward_matrix(w.transform) @ to_centre @ total
    return total


def apply_matrix(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``points`` (N x 2, ``(u, v)``) mapped by a 3x3 affine ``matrix``."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return points @ matrix[:2, :2].T + matrix[:2, 2]


def mirrors(matrix: np.ndarray) -> bool:
    """Whether the map reverses orientation (a flip: left and right trade places)."""
    return bool(np.linalg.det(matrix[:2, :2]) < 0)


def polygon_area(points: np.ndarray) -> float:
    """Absolute area of a simple polygon (N x 2 vertices; shoelace formula)."""
    if len(points) < 3:
        return 0.0
    x, y = points[:, 0], points[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def clip_polygon(points: np.ndarray, width: float, height: float) -> np.ndarray:
    """Sutherland–Hodgman: the part of a polygon inside ``[0, width] x [0, height]``.

    Parameters
    ----------
    points : numpy.ndarray
        N x 2 vertices ``(u, v)`` in order (either orientation).
    width, height : float
        The clip rectangle.

    Returns
    -------
    numpy.ndarray
        M x 2 vertices (M may be 0). A concave polygon cut into pieces comes back as one
        polygon joined along the border (zero-area bridges), as Sutherland–Hodgman gives.
    """
    out = [tuple(p) for p in np.asarray(points, dtype=np.float64).reshape(-1, 2)]
    # (axis, bound, keep "<=" or ">=")
    for axis, bound, below in (
        (0, 0.0, False),
        (0, width, True),
        (1, 0.0, False),
        (1, height, True),
    ):
        if not out:
            break
        src, out = out, []

        def inside(p: tuple[float, float], axis=axis, bound=bound, below=below) -> bool:
            return p[axis] <= bound if below else p[axis] >= bound

        prev = src[-1]
        for cur in src:
            cur_in, prev_in = inside(cur), inside(prev)
            if cur_in != prev_in:
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                cross = [prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])]
                cross[axis] = bound  # exactly on the border
                out.append((cross[0], cross[1]))
            if cur_in:
                out.append(cur)
            prev = cur
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)


def box_corners(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """The four corners of an axis-aligned box, in order around it."""
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def enclosing_box(points: np.ndarray) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` of the smallest axis-aligned box holding ``points``."""
    return (
        float(points[:, 0].min()),
        float(points[:, 1].min()),
        float(points[:, 0].max()),
        float(points[:, 1].max()),
    )


@dataclass(frozen=True)
class Moved:
    """A shape after the map and the clip: its visible outline, or None when it was dropped."""

    points: np.ndarray | None
    visible: float


def move_shape(
    points: np.ndarray,
    matrix: np.ndarray,
    size: tuple[int, int],
    min_visibility: float = 0.0,
) -> Moved:
    """Map a polygon (or a box's corners), clip it to the image, decide whether it stays.

    Parameters
    ----------
    points : numpy.ndarray
        N x 2 ``(u, v)`` vertices in the input image.
    matrix : numpy.ndarray
        From :func:`compose`.
    size : tuple of int
        The output's ``(height, width)``.
    min_visibility : float
        Drop the shape when less than this fraction of its mapped area is inside the image;
        0 keeps it while any area is inside. A shape of zero area (a line, a point) is kept
        while any of it is inside.

    Returns
    -------
    Moved
        ``points`` None when dropped; ``visible`` the fraction of the mapped area inside.
    """
    moved = apply_matrix(matrix, points)
    height, width = size
    clipped = clip_polygon(moved, float(width), float(height))
    total = polygon_area(moved)
    if len(clipped) == 0:
        return Moved(None, 0.0)
    if total <= 0.0:
        return Moved(clipped, 1.0)
    visible = min(polygon_area(clipped) / total, 1.0)
    if visible <= 0.0 or visible < min_visibility:
        return Moved(None, visible)
    return Moved(clipped, visible)
