"""The core resampler: one Pillow AFFINE transform on a source padded only where the map reaches.

Pillow knows only a constant fill beyond its source, so the source is padded with the fill
mode by as much as the map reaches (plus the filter's support) and Pillow's own border handling
is never used. The padded source is built once (``L`` and ``RGBX``: directly in the buffer
Pillow reads; ``RGB``: unpacked once by Pillow): the bands come from folded indices, never
from numpy.pad of the whole image. uint8 images with 2-4 channels take one pass (alpha rides
in the fourth byte, never through Pillow's premultiplied ``RGBa``); uint16 and float32 go
channel by channel in mode ``F``.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from augcli.augment.kernels.affine import Transform
from augcli.augment.kernels.channels import preserve_channel_dim
from augcli.augment.kernels.fill import FillMode, Interpolation, fill_with, filled, fold_range
from augcli.images.dtypes import cast_to

_PIL_FILTER = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
}
# How far (in source pixels) each filter reads beyond the mapped point.
_SUPPORT = {"nearest": 1, "bilinear": 1, "bicubic": 2}
# A padded source larger than this many times (input + output area) is not built.
MAX_PAD_FACTOR = 16

# Pillow mode per group of k 8-bit channels: numpy's strided copy into 4 bytes per pixel is ~3x
# slower than Pillow's own RGB unpacking, so 3 channels go in as RGB; 2 and 4 ride in RGBX.
_MODES = {1: "L", 2: "RGBX", 3: "RGB", 4: "RGBX"}

Window = tuple[int, int, int, int]
"""Along one axis: ``(start, stop, pad_before, pad_after)`` of the source."""

_BAND_BYTES = 1 << 22  # bytes of Pillow's output copied out per band


def load() -> None:
    """Nothing to load: Pillow is a core dependency (imported with this module)."""


def resample(
    image: np.ndarray,
    transform: Transform,
    fill: FillMode,
    cvals: np.ndarray,
    interpolation: Interpolation,
) -> np.ndarray | None:
    """Resample ``image`` with Pillow; None when the padded source would be too large.

    Parameters
    ----------
    image : numpy.ndarray
        HxW or HxWxC, uint8, uint16 or float32. Not modified.
    transform : Transform
        Output-to-input map and output shape.
    fill : str
        numpy.pad's mode name.
    cvals : numpy.ndarray
        One constant fill value per channel (image units).
    interpolation : str
        ``nearest``, ``bilinear`` or ``bicubic`` (Pillow's AFFINE filters; its bicubic is
        cubic convolution with a = -1).

    Returns
    -------
    numpy.ndarray or None
        A new writable array of ``transform.out_shape (+ C)`` and the input's dtype.
    """
    oh, ow = transform.out_shape
    m = transform.matrix
    # Where the output's pixel area lands in the source.
    corners = np.array(
        [[-0.5, -0.5, 1], [ow - 0.5, -0.5, 1], [-0.5, oh - 0.5, 1], [ow - 0.5, oh - 0.5, 1]]
    )
    reach = corners @ m[:2].T
    margin = _SUPPORT[interpolation]
    h, w = image.shape[:2]
    win_y = _axis_window(reach[:, 1].min(), reach[:, 1].max(), h, margin, fill)
    win_x = _axis_window(reach[:, 0].min(), reach[:, 0].max(), w, margin, fill)
    if win_y is None or win_x is None:
        return filled((oh, ow), image, cvals)
    y0, y1, pyb, pya = win_y
    x0, x1, pxb, pxa = win_x
    if (y1 - y0 + pyb + pya) * (x1 - x0 + pxb + pxa) > MAX_PAD_FACTOR * (h * w + oh * ow):
        return None
    # Source coordinates of the padded window, then Pillow's pixel-corner convention.
    offset = np.array([[1.0, 0.0, -(x0 - pxb)], [0.0, 1.0, -(y0 - pyb)], [0.0, 0.0, 1.0]])
    half = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    corner = half @ (offset @ m) @ np.linalg.inv(half)
    coeffs = tuple(float(v) for v in corner[:2].ravel())
    return _pil_affine(image, (win_y, win_x), fill, cvals, (ow, oh), coeffs, interpolation)


def _axis_window(lo: float, hi: float, n: int, margin: int, fill: FillMode) -> Window | None:
    """Source rows (or columns) to keep and pad for a map reaching ``[lo, hi]``.

    Returns ``(start, stop, pad_before, pad_after)``; None when the map never touches the
    image and the fill is constant (the result is all fill).
    """
    r0, r1 = math.floor(lo) - margin, math.ceil(hi) + margin
    if fill == "constant":
        start, stop = max(r0, 0), min(r1, n - 1) + 1
        if start >= stop:
            return None
        # A band of cval as wide as the filter's support; Pillow's fill colour does the rest.
        return start, stop, margin + 1 if r0 < 0 else 0, margin + 1 if r1 > n - 1 else 0
    before, after = max(0, -r0), max(0, r1 - (n - 1))
    if before or after:  # the bands fold over the whole axis: keep it
        return 0, n, before, after
    return r0, r1 + 1, 0, 0


def _padded(
    part: np.ndarray,
    windows: tuple[Window, Window],
    fill: FillMode,
    cvals: np.ndarray,
    dtype: type,
    depth: int | None,
) -> np.ndarray:
    """The window of ``part`` (HxWxk) with its bands, in a new buffer of ``dtype``.

    ``depth`` None gives an HxW buffer (k = 1), else HxWx``depth`` with the k channels first
    (the others are never read back). Each pixel is what numpy.pad with ``fill`` gives; a
    padded axis is the whole axis (:func:`_axis_window`), so its bands fold over it.
    """
    (y0, y1, pyb, pya), (x0, x1, pxb, pxa) = windows
    h, w, k = y1 - y0, x1 - x0, part.shape[2]
    shape = (h + pyb + pya, w + pxb + pxa) + (() if depth is None else (depth,))
    buf = np.empty(shape, dtype=dtype)
    view = buf[..., None] if depth is None else buf[..., :k]
    view[pyb : pyb + h, pxb : pxb + w] = part[y0:y1, x0:x1]
    if fill == "constant":
        for band in (view[:pyb], view[pyb + h :], view[:, :pxb], view[:, pxb + w :]):
            if band.size:
                fill_with(band, cvals)
        return buf
    rows = view[pyb : pyb + h]
    if pxb:
        rows[:, :pxb] = rows[:, pxb + fold_range(-pxb, pxb, w, fill)]
    if pxa:
        rows[:, pxb + w :] = rows[:, pxb + fold_range(w, pxa, w, fill)]
    if pyb:
        view[:pyb] = view[pyb + fold_range(-pyb, pyb, h, fill)]
    if pya:
        view[pyb + h :] = view[pyb + fold_range(h, pya, h, fill)]
    return buf


@preserve_channel_dim
def _pil_affine(
    image: np.ndarray,
    windows: tuple[Window, Window],
    fill: FillMode,
    cvals: np.ndarray,
    size: tuple[int, int],
    coeffs: tuple[float, ...],
    interpolation: Interpolation,
) -> np.ndarray:
    """One Pillow AFFINE transform per group of up to four 8-bit channels, or per float32
    channel (uint16 and float32); see the module docstring.

    Pillow's 8-bit filters truncate instead of rounding, so each uint8 pixel is within 1
    level of the exact value and 0.5 level darker on average. uint16 and float32 are rounded
    back from float32.
    """
    resample = _PIL_FILTER[interpolation]
    ow, oh = size
    channels = image.shape[2]
    out = np.empty((oh, ow, channels), dtype=image.dtype)
    if image.dtype == np.uint8:
        fills = cast_to(cvals, np.uint8)
        for lo in range(0, channels, 4):
            hi = min(lo + 4, channels)
            k = hi - lo
            mode = _MODES[k]
            depth = None if k == 1 else 3 if k == 3 else 4
            buf = _padded(image[..., lo:hi], windows, fill, cvals[lo:hi], np.uint8, depth)
            if mode == "RGB":  # unpacked to Pillow's 4 bytes per pixel: its fastest copy
                src = Image.fromarray(buf)
                buf = None  # Pillow holds its own copy: keep one source in memory, not two
            else:  # Pillow reads the buffer itself
                src = Image.frombuffer(mode, buf.shape[1::-1], buf, "raw", mode, 0, 1)
            colour = [int(v) for v in fills[lo:hi]] + [0] * (4 - k)
            res = src.transform(
                size,
                Image.Transform.AFFINE,
                coeffs,
                resample,
                fillcolor=colour[0] if k == 1 else tuple(colour),
            )
            src = buf = None  # before the output is copied out: the peak is the output's copies
            raw = "RGBX" if mode == "RGBX" else mode
            rows = max(1, _BAND_BYTES // (4 * ow))  # a band at a time: no whole tobytes copy
            for top in range(0, oh, rows):
                band = res.crop((0, top, ow, min(top + rows, oh)))
                data = np.frombuffer(band.tobytes("raw", raw), np.uint8)
                out[top : top + band.height, :, lo:hi] = data.reshape(band.height, ow, -1)[..., :k]
            res = None
        return out
    bands = cast_to(cvals, image.dtype).astype(np.float64)  # as the image holds them
    for c in range(channels):
        buf = _padded(image[..., c : c + 1], windows, fill, bands[c : c + 1], np.float32, None)
        src = Image.fromarray(buf)
        res = src.transform(
            size, Image.Transform.AFFINE, coeffs, resample, fillcolor=float(cvals[c])
        )
        del src, buf
        out[..., c] = cast_to(np.asarray(res), image.dtype)
    return out
