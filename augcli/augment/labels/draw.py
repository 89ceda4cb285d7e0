"""Drawing labels on a sample for ``augcli preview``.

Masks as a translucent overlay, boxes and polygons outlined with their class, keypoints as dots
coloured by their index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

MASK_ALPHA = 0.45
# Distinct colours for classes and mask values (value 0 is background and left clear).
COLOURS = [
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
]  # fmt: skip
# Keypoint k is drawn in KEYPOINT_COLOURS[k] (cycled) in every object: the same point of the
# layout (left_eye, say) has the same colour wherever it moves, so a flip's left/right swap shows.
KEYPOINT_COLOURS = [
    (255, 225, 25), (70, 240, 240), (255, 255, 255), (245, 130, 48), (0, 130, 200),
    (210, 245, 60), (240, 50, 230), (60, 180, 75), (250, 190, 212), (145, 30, 180),
]  # fmt: skip


@dataclass(frozen=True)
class Shape:
    """An outline to draw: its caption, vertices ``(u, v)`` in pixels, and its colour index."""

    caption: str
    points: np.ndarray
    colour: int


def colour(index: int) -> tuple[int, int, int]:
    """The colour of class (or mask value) ``index``."""
    return COLOURS[index % len(COLOURS)]


def overlay_mask(
    rgb: np.ndarray, mask: np.ndarray, palette: Sequence[int] | None = None
) -> np.ndarray:
    """``rgb`` with every non-zero mask value tinted (its palette colour, else a class colour)."""
    out = rgb.astype(np.float32)
    for value in np.unique(mask):
        if value == 0:
            continue
        if palette is not None and 3 * value + 2 < len(palette):
            tint = palette[3 * value : 3 * value + 3]
        else:
            tint = colour(int(value) - 1)
        where = mask == value
        out[where] = (1 - MASK_ALPHA) * out[where] + MASK_ALPHA * np.asarray(tint, np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def draw_shapes(rgb: np.ndarray, shapes: Sequence[Shape]) -> np.ndarray:
    """``rgb`` with each shape outlined in its colour and captioned at its first vertex."""
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    width = max(1, round(max(rgb.shape[:2]) / 200))
    try:
        font = ImageFont.load_default(size=max(10, 6 * width))
    except (TypeError, OSError, ImportError):
        font = ImageFont.load_default()
    for shape in shapes:
        pts = [(float(x), float(y)) for x, y in shape.points]
        if len(pts) < 2:
            continue
        fill = colour(shape.colour)
        draw.line(pts + [pts[0]], fill=fill, width=width)
        if not shape.caption:
            continue
        x = min(p[0] for p in pts)
        y = min(p[1] for p in pts)
        box = draw.textbbox((x, y), shape.caption, font=font)
        top = max(0.0, y - (box[3] - box[1]) - 2)
        draw.rectangle((x, top, x + box[2] - box[0] + 2, top + box[3] - box[1] + 2), fill=fill)
        draw.text((x + 1, top), shape.caption, fill=(0, 0, 0), font=font)
    return np.asarray(image)


def keypoint_colour(index: int) -> tuple[int, int, int]:
    """The colour of keypoint ``index`` of an object's layout."""
    return KEYPOINT_COLOURS[index % len(KEYPOINT_COLOURS)]


def draw_keypoints(rgb: np.ndarray, keypoints: np.ndarray) -> np.ndarray:
    """``rgb`` with a dot at each visible keypoint of one object (``keypoints``: K x 3 rows
    ``(u, v, visibility)`` in pixels; a visibility of 0 is not drawn).

    Keypoint ``k`` is filled with :func:`keypoint_colour` ``(k)``: after a flip the point that
    the file calls ``left_eye`` keeps ``left_eye``'s colour. A dot is a disc of radius about
    1/100 of the image's larger side (at least 1 pixel), outlined in black.
    """
    rows = np.asarray(keypoints, dtype=np.float64).reshape(-1, 3)
    if not (rows[:, 2] > 0).any():
        return rgb
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    radius = max(1.0, max(rgb.shape[:2]) / 100)
    for k, (x, y, visibility) in enumerate(rows):
        if visibility > 0:
            box = (x - radius, y - radius, x + radius, y + radius)
            draw.ellipse(box, fill=keypoint_colour(k), outline=(0, 0, 0))
    return np.asarray(image)
