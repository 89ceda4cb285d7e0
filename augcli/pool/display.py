"""How pool pictures turn values into pixels: intensity mappings, colormaps and colour bars.

An intensity tile is shown as is (values in [0, 1] of the pooled scale, clipped there); a tile
with any value outside [0, 1] is not an intensity (``power`` with ``sum`` normalization, ``dpp``
with a large lambda) and is min-max scaled, with its range stated in the caption. Signed
differences use a diverging blue-white-red map with a symmetric scale; feature maps use a
viridis-like sequential map. Colormaps are numpy interpolations between anchor colours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# ColorBrewer RdBu, reversed: -1 blue, 0 near-white, +1 red.
DIVERGING = np.array(
    [
        (5, 48, 97),
        (33, 102, 172),
        (67, 147, 195),
        (146, 197, 222),
        (209, 229, 240),
        (247, 247, 247),
        (253, 219, 199),
        (244, 165, 130),
        (214, 96, 77),
        (178, 24, 43),
        (103, 0, 31),
    ],
    dtype=np.float64,
)
# matplotlib's viridis at nine evenly spaced points: dark blue (low) to yellow (high).
SEQUENTIAL = np.array(
    [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ],
    dtype=np.float64,
)
NAN_COLOUR = (200, 200, 200)
TEXT = (0, 0, 0)
BAR_HEIGHT = 8


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's default font at ``size`` pixels (the bitmap font without FreeType)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default()


def number(value: float) -> str:
    """A short label for a value on a scale (``0.118``, ``255``, ``1.2e+04``)."""
    return f"{value:.3g}"


def colormap(t: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Map ``t`` in [0, 1] (clipped; NaN -> grey) through evenly spaced ``anchors`` to RGB uint8.

    Parameters
    ----------
    t : numpy.ndarray
        Values of any shape.
    anchors : numpy.ndarray
        ``(n, 3)`` colours at ``t = 0, 1/(n-1), ..., 1``.

    Returns
    -------
    numpy.ndarray
        ``t.shape + (3,)``, uint8.
    """
    t = np.asarray(t, dtype=np.float64)
    stops = np.linspace(0.0, 1.0, len(anchors))
    safe = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
    rgb = np.stack([np.interp(safe, stops, anchors[:, c]) for c in range(3)], axis=-1)
    rgb[np.isnan(t)] = NAN_COLOUR
    return np.rint(rgb).astype(np.uint8)


@dataclass(frozen=True)
class Mapping:
    """Values ``[lo, hi]`` -> pixels 0..255; ``scaled`` marks a min-max scaling (not an intensity).

    Attributes
    ----------
    lo, hi : float
        The value shown black and the value shown white (pooled scale, images: [0, 1]).
    scaled : bool
        False: an intensity, clipped to [lo, hi] = [0, 1]. True: min-max scaled from the range.
    """

    lo: float = 0.0
    hi: float = 1.0
    scaled: bool = False

    def to_uint8(self, planes: np.ndarray) -> np.ndarray:
        """Planes ``(H, W)`` or ``(C, H, W)`` -> uint8 ``H x W`` or ``H x W x C`` (NaN -> 0)."""
        span = self.hi - self.lo if self.hi > self.lo else 1.0
        scaled = np.nan_to_num((np.asarray(planes, dtype=np.float64) - self.lo) / span)
        array = np.clip(np.rint(scaled * 255.0), 0, 255).astype(np.uint8)
        return np.moveaxis(array, 0, -1) if array.ndim == 3 else array

    def caption(self, unit: float) -> str:
        """``clip [0,255]`` or ``min-max [0.02,488]``, in the input's units (``unit``: 255...)."""
        kind = "min-max" if self.scaled else "clip"
        return f"{kind} [{number(self.lo * unit)},{number(self.hi * unit)}]"


def intensity_mapping(values: np.ndarray) -> Mapping:
    """Clip to [0, 1] when every finite value lies there; else min-max over the finite values.

    Examples
    --------
    >>> intensity_mapping(np.array([0.0, 0.5, 1.0]))
    Mapping(lo=0.0, hi=1.0, scaled=False)
    >>> intensity_mapping(np.array([0.5, 2.0]))
    Mapping(lo=0.5, hi=2.0, scaled=True)
    """
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0 or (finite.min() >= 0.0 and finite.max() <= 1.0):
        return Mapping()
    return Mapping(float(finite.min()), float(finite.max()), True)


def symmetric_scale(*diffs: np.ndarray) -> float:
    """The largest finite ``|d|`` over ``diffs`` (0 when there is none), so no diff saturates."""
    peak = 0.0
    for diff in diffs:
        finite = np.abs(diff[np.isfinite(diff)])
        if finite.size:
            peak = max(peak, float(finite.max()))
    return peak


def diverging(diff: np.ndarray, scale: float) -> np.ndarray:
    """Signed ``diff`` in ``[-scale, scale]`` -> RGB uint8 (blue negative, red positive).

    A zero ``scale`` (all differences zero) shows every pixel as the middle, near-white.
    """
    t = np.asarray(diff, dtype=np.float64) / (scale if scale > 0.0 else 1.0)
    return colormap(0.5 + 0.5 * t, DIVERGING)


def colour_bar(
    width: int, anchors: np.ndarray, labels: tuple[str, ...], size: int = 12
) -> np.ndarray:
    """A horizontal colour bar ``width`` pixels wide with ``labels`` spread evenly beneath it.

    Parameters
    ----------
    width : int
        Width in pixels (at least 1).
    anchors : numpy.ndarray
        The colormap's anchors (:data:`DIVERGING` or :data:`SEQUENTIAL`).
    labels : tuple of str
        Labels placed at the left end, evenly between, and at the right end.
    size : int
        Font size of the labels.

    Returns
    -------
    numpy.ndarray
        uint8 ``H x width x 3`` on white.
    """
    width = max(1, width)
    strip = colormap(np.linspace(0.0, 1.0, width)[None, :].repeat(BAR_HEIGHT, 0), anchors)
    face = font(size)
    image = Image.new("RGB", (width, BAR_HEIGHT + size + 6), (255, 255, 255))
    image.paste(Image.fromarray(strip), (0, 0))
    draw = ImageDraw.Draw(image)
    count = len(labels)
    for i, label in enumerate(labels):
        length = draw.textlength(label, font=face)
        centre = width * i / (count - 1) if count > 1 else width / 2
        x = min(max(0.0, centre - length / 2), max(0.0, width - length))
        draw.text((x, BAR_HEIGHT + 2), label, fill=TEXT, font=face)
    return np.asarray(image)


def text_lines(lines: list[str], width: int, size: int = 14) -> np.ndarray:
    """Lines of text on white, left-aligned, at least ``width`` wide (wider if a line needs it)."""
    face = font(size)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    needed = max([width, *(int(scratch.textlength(line, font=face)) + 1 for line in lines)])
    line_h = size + size // 4 + 2
    image = Image.new("RGB", (needed, line_h * len(lines) + 2), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for k, line in enumerate(lines):
        draw.text((0, 1 + k * line_h), line, fill=TEXT, font=face)
    return np.asarray(image)


def to_rgb(pixels: np.ndarray) -> np.ndarray:
    """uint8 ``H x W`` or ``H x W x {1,2,3,4}`` -> ``H x W x 3``; alpha (2nd or 4th channel)
    is composited over white."""
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    channels = pixels.shape[2]
    colour = pixels[:, :, :1] if channels <= 2 else pixels[:, :, :3]
    if channels in (2, 4):
        alpha = pixels[:, :, -1:].astype(np.float64) / 255.0
        colour = np.rint(colour * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return np.repeat(colour, 3, axis=2) if colour.shape[2] == 1 else colour


def colour_planes(planes: np.ndarray) -> np.ndarray:
    """The colour planes of image planes ``(C, H, W)``: without alpha (C = 2 or 4)."""
    if planes.ndim == 3 and planes.shape[0] in (2, 4):
        return planes[:-1]
    return planes


def stack(parts: list[np.ndarray], gap: int = 4, left: int = 0) -> np.ndarray:
    """uint8 images one under the other (as RGB, see :func:`to_rgb`), ``gap`` pixels apart,
    left-aligned on white."""
    rgb = [to_rgb(p) for p in parts]
    width = max(p.shape[1] for p in rgb) + left
    height = sum(p.shape[0] for p in rgb) + gap * (len(rgb) - 1)
    out = np.full((height, width, 3), 255, np.uint8)
    y = 0
    for part in rgb:
        out[y : y + part.shape[0], left : left + part.shape[1]] = part
        y += part.shape[0] + gap
    return out
