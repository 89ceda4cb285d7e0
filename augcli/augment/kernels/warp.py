"""Applying a :class:`~augcli.augment.kernels.affine.Transform`: one warp, fill modes, resampling.

Fill modes have exactly numpy.pad's meaning (``constant``, ``edge``, ``reflect``,
``symmetric``, ``wrap``): a source pixel outside the image is the pixel numpy.pad would put
there.

:func:`warp` picks the cheapest exact way to apply a transform:

* the linear part is a signed permutation (flips, right-angle rotations, their products) and
  the shift is integral: an exact re-indexing (folded indices, no resampling), the same
  whatever the resampler;
* otherwise one resampling by the chosen resampler: ``opencv`` (the default,
  :mod:`augcli.augment.kernels.opencv`) or ``pillow`` (:mod:`augcli.augment.kernels.pillow`,
  the Pillow-only path); each imported only when chosen. Both agree with
  ``skimage.transform.warp`` on the same matrix and mode (bilinear: within 1 level for
  integers, 1e-5 for float32);
* maps reaching so far outside the image that no padded source would fit in memory (huge
  shifts, extreme zoom-out) with a non-constant fill: skimage's warp on folded coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from augcli.augment.kernels.affine import EXACT_TOL, Transform
from augcli.augment.kernels.channels import channel_count, preserve_channel_dim
from augcli.images.dtypes import cast_to

FillMode = Literal["constant", "edge", "reflect", "symmetric", "wrap"]
Interpolation = Literal["nearest", "bilinear", "bicubic"]
Resampler = Literal["pillow", "opencv"]
FILL_MODES: tuple[str, ...] = ("constant", "edge", "reflect", "symmetric", "wrap")
INTERPOLATIONS: tuple[str, ...] = ("nearest", "bilinear", "bicubic")
RESAMPLERS: tuple[str, ...] = ("pillow", "opencv")
DEFAULT_RESAMPLER: Resampler = "opencv"


def warp(
    image: np.ndarray,
    transform: Transform,
    fill: FillMode = "constant",
    cval: float | Sequence[float] = 0.0,
    interpolation: Interpolation = "bilinear",
    resampler: Resampler = DEFAULT_RESAMPLER,
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
    resampler : {"opencv", "pillow"}
        Who resamples (default opencv). Exact re-indexings give the same bytes with either.

    Returns
    -------
    numpy.ndarray
        New array of shape ``transform.out_shape (+ C)`` and the input's dtype. With Pillow,
        uint8 is resampled in Pillow's 8-bit arithmetic (truncating: within 1 level of
        exact); with OpenCV, uint8 is rounded. uint16 is resampled in float32 (Pillow) or in
        OpenCV's 16-bit path (float weights), rounded and clipped; float32 in float32.

    Raises
    ------
    ValueError
        ``cval`` does not fit the channels, or ``resampler`` is unknown.
    ImportError
        ``resampler="opencv"`` without OpenCV installed.
    """
    cvals = channel_cvals(cval, channel_count(image))
    if resampler not in RESAMPLERS:
        raise ValueError(f"resampler {resampler!r}: allowed: {', '.join(RESAMPLERS)}")
    if transform.is_identity(image.shape[:2]):
        return image.copy()
    exact = _exact_reindex(image, transform, fill, cvals)
    if exact is not None:
        return exact
    if resampler == "opencv":
        from augcli.augment.kernels import opencv as chosen
    else:
        from augcli.augment.kernels import pillow as chosen
    out = chosen.resample(image, transform, fill, cvals, interpolation)
    if out is None:  # the map reaches too far outside the image for the resampler
        out = _resample_far(image, transform, fill, cvals, interpolation)
    return out


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
        fill_with(out, cvals)
        y0, y1 = max(0, -ty), min(oh, hs - ty)
        x0, x1 = max(0, -tx), min(ow, ws - tx)
        if y0 < y1 and x0 < x1:
            out[y0:y1, x0:x1] = src[y0 + ty : y1 + ty, x0 + tx : x1 + tx]
        return out
    rows = fold_range(ty, oh, hs, fill)
    cols = fold_range(tx, ow, ws, fill)
    return src[rows[:, None], cols]


def fold_range(start: int, count: int, n: int, fill: FillMode) -> np.ndarray:
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


def filled(shape: tuple[int, int], image: np.ndarray, cvals: np.ndarray) -> np.ndarray:
    """A new array of ``shape`` (+ the image's channels) holding the per-channel ``cvals``."""
    out = np.empty(shape + image.shape[2:], dtype=image.dtype)
    fill_with(out, cvals)
    return out


def fill_with(out: np.ndarray, cvals: np.ndarray) -> None:
    """Set every pixel of ``out`` to the per-channel ``cvals`` (a plain fill when they agree:
    broadcasting a 3-vector over a large array is several times slower)."""
    values = cast_to(cvals, out.dtype)
    if out.ndim == 2 or (values == values[0]).all():
        out.fill(values[0])
    else:
        out[...] = values
