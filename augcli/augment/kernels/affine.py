"""Affine maps as data: a :class:`Transform` per geometric op, composed by matrix product.

Conventions
-----------
Coordinates are ``(x, y) = (column, row)`` with pixel centres at integers, as in
scikit-image. A :class:`Transform` holds the 3x3 matrix that maps *output* coordinates to
*input* coordinates (the inverse map, which is what resampling needs) and the output shape.
Composing ``a`` then ``b`` is ``a.matrix @ b.matrix``. Applying one is
:func:`augcli.augment.kernels.warp.warp`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Matrix entries closer than this to a whole number count as exact (identity, re-indexing).
EXACT_TOL = 1e-9


@dataclass(frozen=True)
class Transform:
    """An affine map from output to input coordinates, and the output shape ``(H, W)``."""

    matrix: np.ndarray
    out_shape: tuple[int, int]

    def then(self, other: Transform) -> Transform:
        """This transform followed by ``other`` (``other`` acts on this one's output)."""
        return Transform(self.matrix @ other.matrix, other.out_shape)

    def is_identity(self, in_shape: tuple[int, int]) -> bool:
        """Whether applying this to an image of ``in_shape`` changes nothing."""
        return self.out_shape == in_shape and np.allclose(
            self.matrix, np.eye(3), rtol=0.0, atol=EXACT_TOL
        )


def identity(shape: tuple[int, int]) -> Transform:
    """The identity on an image of ``shape``."""
    return Transform(np.eye(3), shape)


def flip(direction: str, shape: tuple[int, int]) -> Transform:
    """Mirror horizontally, vertically or both (``direction`` in horizontal|vertical|both)."""
    h, w = shape
    m = np.eye(3)
    if direction in ("horizontal", "both"):
        m[0, 0], m[0, 2] = -1.0, w - 1.0
    if direction in ("vertical", "both"):
        m[1, 1], m[1, 2] = -1.0, h - 1.0
    return Transform(m, shape)


def _exact_trig(angle: float) -> tuple[float, float]:
    """cos and sin of ``angle`` degrees, exact at multiples of 90 (so rot90 stays exact)."""
    quarter, rest = divmod(angle, 90.0)
    if rest == 0.0:
        return [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][int(quarter) % 4]
    rad = math.radians(angle)
    return math.cos(rad), math.sin(rad)


def rotate(angle: float, shape: tuple[int, int], expand: bool = False) -> Transform:
    """Rotate by ``angle`` degrees counter-clockwise about the image centre.

    With ``expand`` the canvas grows to hold the whole rotated image (its size rounded to
    whole pixels); otherwise the output keeps ``shape``.
    """
    h, w = shape
    c, s = _exact_trig(angle)
    if expand:
        out_w = int(round(abs(c) * w + abs(s) * h))
        out_h = int(round(abs(s) * w + abs(c) * h))
    else:
        out_h, out_w = h, w
    # Input point (x, y) relative to the centre goes to (c*dx + s*dy, -s*dx + c*dy) (y down);
    # the inverse map is the transpose of that rotation.
    cx_in, cy_in = (w - 1) / 2.0, (h - 1) / 2.0
    cx_out, cy_out = (out_w - 1) / 2.0, (out_h - 1) / 2.0
    m = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    m[0, 2] = cx_in - c * cx_out + s * cy_out
    m[1, 2] = cy_in - s * cx_out - c * cy_out
    return Transform(m, (out_h, out_w))


def scale(factor: float, shape: tuple[int, int]) -> Transform:
    """Zoom by ``factor`` about the centre (> 1 zooms in); the output keeps ``shape``."""
    h, w = shape
    inv = 1.0 / factor
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    m = np.array([[inv, 0.0, cx * (1 - inv)], [0.0, inv, cy * (1 - inv)], [0.0, 0.0, 1.0]])
    return Transform(m, shape)


def translate(tx: float, ty: float, shape: tuple[int, int]) -> Transform:
    """Move the content by ``tx`` pixels right and ``ty`` pixels down."""
    m = np.array([[1.0, 0.0, -tx], [0.0, 1.0, -ty], [0.0, 0.0, 1.0]])
    return Transform(m, shape)


def crop(box: tuple[int, int, int, int], out_shape: tuple[int, int]) -> Transform:
    """Take the window ``box = (top, left, height, width)`` and resize it to ``out_shape``.

    Pixel areas map onto pixel areas (the centre of output pixel ``x`` samples
    ``left + (x + 0.5) * width / out_w - 0.5``), as skimage.transform.resize and Pillow do.
    ``box`` may extend past the image; those pixels come from the fill mode.
    """
    top, left, ch, cw = box
    oh, ow = out_shape
    sx, sy = cw / ow, ch / oh
    m = np.array(
        [[sx, 0.0, left + 0.5 * sx - 0.5], [0.0, sy, top + 0.5 * sy - 0.5], [0.0, 0.0, 1.0]]
    )
    return Transform(m, out_shape)
