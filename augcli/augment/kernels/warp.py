"""Applying a :class:`~augcli.augment.kernels.affine.Transform`: one warp, fill modes, resampling.

Fill modes have exactly numpy.pad's meaning (``constant``, ``edge``, ``reflect``,
``symmetric``, ``wrap``): a source pixel outside the image is the pixel numpy.pad would put
there.

:func:`warp` picks the cheapest exact way to apply a transform:

* the linear part is a signed permutation (flips, right-angle rotations, their products) and
  the shift is integral: an exact re-indexing (numpy.pad plus slicing; no resampling);
* otherwise one Pillow ``Image.transform`` (AFFINE) on a source padded with the fill mode by
  only as much as the map reaches (plus the interpolation's support), so Pillow's own border
  handling is never used and the result matches ``skimage.transform.warp`` with the same mode.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from PIL import Image

from augcli.augment.kernels.affine import EXACT_TOL, Transform
from augcli.augment.kernels.channels import channel_count, preserve_channel_dim
from augcli.dtypes import cast_to

FillMode = Literal["constant", "edge", "reflect", "symmetric", "wrap"]
Interpolation = Literal["nearest", "bilinear", "bicubic"]
FILL_MODES: tuple[str, ...] = ("constant", "edge", "reflect", "symmetric", "wrap")
INTERPOLATIONS: tuple[str, ...] = ("nearest", "bilinear", "bicubic")

_PIL_FILTER = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
}
# How far (in source pixels) each filter reads beyond the mapped point.
_SUPPORT = {"nearest": 1, "bilinear": 1, "bicubic": 2}
# A padded source larger than this many times (input + output area) is not built.
_MAX_PAD_FACTOR = 16


def warp(
    image: np.ndarray,
    transform: Transform,
    fill: FillMode = "constant",
    cval: float | Sequence[float] = 0.0,
    interpolation: Interpolation = "bilinear",
) -> np.ndarray:
    """Apply ``transform`` to ``image`` with at most one resampling.

    Parameters
    ----------
    image : numpy.ndarray
        HxW or HxWxC, uint8, uint16 or float32. Not modified.
    transform : Transform
        Output-to-input map and output shape.
    fill : {"constant", "edge", "reflect", "symmetric", "wrap"}
        Where the map leaves the image, numpy.pad's meaning.
    cval : float or sequence of float
        Constant fill value, one for all channels or one per channel (in the image's units).
    interpolation : {"nearest", "bilinear", "bicubic"}
        Resampling filter when the map is not an exact re-indexing.

    Returns
    -------
    numpy.ndarray
        New array of shape ``transform.out_shape (+ C)`` and the input's dtype. uint8 is
        resampled in Pillow's 8-bit arithmetic (truncating: within 1 level of exact); uint16
        and float32 channel by channel in float32, integers rounded and clipped back.
    """
    cvals = channel_cvals(cval, channel_count(image))
    if transform.is_identity(image.shape[:2]):
        return image.copy()
    exact = _exact_reindex(image, transform, fill, cvals)
    if exact is not None:
        return exact
    return _resample(image, transform, fill, cvals, interpolation)


def channel_cvals(cval: float | Sequence[float], channels: int) -> np.ndarray:
    """One constant fill value per channel: a single value repeated, or one per channel.

    Raises
    ------
    ValueError
        ``cval`` has neither one value nor ``channels`` values.
    """
    values = np.atleast_1d(np.asarray(cval, dtype=np.float64))
    if values.size == 1:
        values = np.repeat(values, channels)
    if values.size != channels:
        raise ValueError(f"cval has {values.size} values for an image with {channels} channels")
    return values


def fill_period(fill: FillMode, n: int) -> int | None:
    """The period of a fill mode along an axis of length ``n`` (None: constant or edge).

    numpy.pad's ``wrap`` repeats every ``n`` pixels, ``reflect`` (border not repeated) every
    ``2n - 2`` (1 for a single pixel), ``symmetric`` (border repeated) every ``2n``.
    """
    return {"wrap": n, "reflect": max(2 * n - 2, 1), "symmetric": 2 * n}.get(fill)


def _exact_reindex(
    image: np.ndarray, transform: Transform, fill: FillMode, cvals: np.ndarray
) -> np.ndarray | None:
    """Signed-permutation linear part and integral shift: pure indexing, or None."""
    m = transform.matrix
    lin, shift = m[:2, :2], m[:2, 2]
    rounded = np.round(m[:2, :])
    if not np.allclose(m[:2, :], rounded, rtol=0.0, atol=EXACT_TOL) or not np.allclose(
        m[2], [0.0, 0.0, 1.0]
    ):
        return None
    lin, shift = np.round(lin), np.round(shift)
    if (
        sorted(np.abs(lin).ravel().tolist()) != [0.0, 0.0, 1.0, 1.0]
        or abs(np.linalg.det(lin)) != 1.0
    ):
        return None
    src = image
    tx, ty = float(shift[0]), float(shift[1])
    if lin[0, 0] == 0.0:  # x_in depends on y_out: transpose the source's spatial axes
        src = src.swapaxes(0, 1)
        sx, sy = lin[1, 0], lin[0, 1]  # after the swap, rows follow y via lin[0,1]
        tx, ty = ty, tx
    else:
        sx, sy = lin[0, 0], lin[1, 1]
    hs, ws = src.shape[:2]
    if sx < 0:
        src, tx = src[:, ::-1], (ws - 1) - tx
    if sy < 0:
        src, ty = src[::-1], (hs - 1) - ty
    return _shift(src, int(ty), int(tx), transform.out_shape, fill, cvals)


def _shift(
    src: np.ndarray, ty: int, tx: int, out_shape: tuple[int, int], fill: FillMode, cvals
) -> np.ndarray:
    """``out[y, x] = src[y + ty, x + tx]`` with numpy.pad's fill outside ``src``."""
    oh, ow = out_shape
    hs, ws = src.shape[:2]
    if fill == "constant":
        out = np.empty((oh, ow) + src.shape[2:], dtype=src.dtype)
        _fill(out, cvals)
        y0, y1 = max(0, -ty), min(oh, hs - ty)
        x0, x1 = max(0, -tx), min(ow, ws - tx)
        if y0 < y1 and x0 < x1:
            out[y0:y1, x0:x1] = src[y0 + ty : y1 + ty, x0 + tx : x1 + tx]
        return out
    rows = _fold_range(ty, oh, hs, fill)
    cols = _fold_range(tx, ow, ws, fill)
    return src[rows[:, None], cols]


def _fold_range(start: int, count: int, n: int, fill: FillMode) -> np.ndarray:
    """Indices into an axis of length ``n`` that numpy.pad's ``fill`` puts at
    ``start .. start + count - 1`` (any size of shift; no padded copy is made)."""
    period = fill_period(fill, n)
    if period is not None:
        start %= period  # Python ints: exact for shifts of any size
    else:  # edge: everything beyond one output length away reads the same border pixel
        start = min(max(start, -count), n)
    idx = np.arange(count, dtype=np.int64) + start
    if fill == "edge":
        return np.clip(idx, 0, n - 1)
    k = idx % period
    if fill == "reflect":
        return np.where(k < n, k, period - k)
    if fill == "symmetric":
        return np.where(k < n, k, period - 1 - k)
    return k


def _axis_window(
    lo: float, hi: float, n: int, margin: int, fill: FillMode
) -> tuple[int, int, int, int] | None:
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
    if before or after:  # numpy.pad must see the true border: keep the whole axis
        return 0, n, before, after
    return r0, r1 + 1, 0, 0


def _resample(
    image: np.ndarray,
    transform: Transform,
    fill: FillMode,
    cvals: np.ndarray,
    interpolation: Interpolation,
) -> np.ndarray:
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
        return _filled((oh, ow), image, cvals)
    y0, y1, pyb, pya = win_y
    x0, x1, pxb, pxa = win_x
    padded_area = (y1 - y0 + pyb + pya) * (x1 - x0 + pxb + pxa)
    if padded_area > _MAX_PAD_FACTOR * (h * w + oh * ow):
        return _resample_far(image, transform, fill, cvals, interpolation)
    src = image[y0:y1, x0:x1]
    if pyb or pya or pxb or pxa:
        pads = ((pyb, pya), (pxb, pxa)) + ((0, 0),) * (image.ndim - 2)
        if fill == "constant":
            src = _pad_constant(src, pads, cvals)
        else:
            src = np.pad(src, pads, mode=fill)
    # Source coordinates of the padded window, then Pillow's pixel-corner convention.
    offset = np.array([[1.0, 0.0, -(x0 - pxb)], [0.0, 1.0, -(y0 - pyb)], [0.0, 0.0, 1.0]])
    local = offset @ m
    half = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    corner = half @ local @ np.linalg.inv(half)
    coeffs = tuple(float(v) for v in corner[:2].ravel())
    return _pil_affine(src, (ow, oh), coeffs, _PIL_FILTER[interpolation], cvals)


@preserve_channel_dim
def _resample_far(
    image: np.ndarray,
    transform: Transform,
    fill: FillMode,
    cvals: np.ndarray,
    interpolation: Interpolation,
) -> np.ndarray:
    """Maps reaching far outside the image (huge shifts, extreme zoom-out) with a non-constant
    fill: the padded source would not fit in memory, so skimage.transform.warp folds each
    coordinate instead. Same fill semantics; its order=3 is a different cubic than Pillow's.
    """
    import skimage.transform  # only here: importing it costs ~1 s of CLI start-up

    h, w = image.shape[:2]
    m = transform.matrix

    def inverse_map(cr: np.ndarray) -> np.ndarray:
        xy = cr @ m[:2, :2].T + m[:2, 2]
        for axis, n in ((0, w), (1, h)):
            period = fill_period(fill, n)
            if period is None:  # edge: beyond the border every tap reads the border
                xy[:, axis] = np.clip(xy[:, axis], -4.0, n + 3.0)
            else:  # a whole number of periods changes nothing; keeps coordinates small
                xy[:, axis] = np.mod(xy[:, axis], period)
        return xy

    order = {"nearest": 0, "bilinear": 1, "bicubic": 3}[interpolation]
    out = np.stack(
        [
            skimage.transform.warp(
                image[..., c].astype(np.float64),
                inverse_map,
                output_shape=transform.out_shape,
                order=order,
                mode=fill,
                cval=float(cvals[c]),
                clip=False,
                preserve_range=True,
            )
            for c in range(image.shape[2])
        ],
        axis=-1,
    )
    return cast_to(out, image.dtype)


def _filled(shape: tuple[int, int], image: np.ndarray, cvals: np.ndarray) -> np.ndarray:
    out = np.empty(shape + image.shape[2:], dtype=image.dtype)
    _fill(out, cvals)
    return out


def _fill(out: np.ndarray, cvals: np.ndarray) -> None:
    """Set every pixel of ``out`` to the per-channel ``cvals`` (a plain fill when they agree:
    broadcasting a 3-vector over a large array is several times slower)."""
    values = cast_to(cvals, out.dtype)
    if out.ndim == 2 or (values == values[0]).all():
        out.fill(values[0])
    else:
        out[...] = values


def _pad_constant(src: np.ndarray, pads, cvals: np.ndarray) -> np.ndarray:
    """``src`` with bands of cval around it; only the bands are filled."""
    (pyb, pya), (pxb, pxa) = pads[0], pads[1]
    h, w = src.shape[:2]
    out = np.empty((h + pyb + pya, w + pxb + pxa) + src.shape[2:], dtype=src.dtype)
    out[pyb : pyb + h, pxb : pxb + w] = src
    for band in (out[:pyb], out[pyb + h :], out[:, :pxb], out[:, pxb + w :]):
        if band.size:
            _fill(band, cvals)
    return out


@preserve_channel_dim
def _pil_affine(
    src: np.ndarray, size: tuple[int, int], coeffs: tuple[float, ...], resample, cvals: np.ndarray
) -> np.ndarray:
    """One Pillow AFFINE transform per 8-bit colour group, or per float32 channel.

    uint8 runs in Pillow's 8-bit modes (L, RGB: one pass for three channels, the fastest
    resampling the dependencies offer). Pillow's 8-bit filters truncate instead of rounding,
    so each pixel is within 1 level of the exact value and 0.5 level darker on average; alpha
    goes through its own L pass, never through Pillow's premultiplied RGBa (which posterises
    translucent colours). uint16 and float32 run per channel in mode F and are rounded back.
    """
    if src.dtype == np.uint8:
        fills = cast_to(cvals, np.uint8)
        outs = []
        for lo, hi in _uint8_groups(src.shape[2]):
            part = src[..., lo:hi] if hi - lo == 3 else src[..., lo]
            fill = tuple(int(v) for v in fills[lo:hi]) if hi - lo == 3 else int(fills[lo])
            pil = Image.fromarray(np.ascontiguousarray(part))
            out = pil.transform(size, Image.Transform.AFFINE, coeffs, resample, fillcolor=fill)
            outs.append(np.asarray(out))
        return np.concatenate([o if o.ndim == 3 else o[..., None] for o in outs], axis=-1)
    results = []
    for c in range(src.shape[2]):
        plane = np.ascontiguousarray(src[..., c], dtype=np.float32)
        pil = Image.fromarray(plane, mode="F")
        out = pil.transform(
            size, Image.Transform.AFFINE, coeffs, resample, fillcolor=float(cvals[c])
        )
        results.append(np.asarray(out))
    return cast_to(np.stack(results, axis=-1), src.dtype)


def _uint8_groups(channels: int) -> list[tuple[int, int]]:
    """Channel ranges resampled together: RGB as one Pillow image, everything else alone."""
    if channels in (3, 4):
        return [(0, 3)] + ([(3, 4)] if channels == 4 else [])
    return [(c, c + 1) for c in range(channels)]
