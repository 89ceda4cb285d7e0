"""Applying a :class:`~augcli.augment.kernels.affine.Transform`: one warp, at most one resampling.

Fill modes have exactly numpy.pad's meaning (``constant``, ``edge``, ``reflect``,
``symmetric``, ``wrap``; :mod:`augcli.augment.kernels.fill`): a source pixel outside the image
is the pixel numpy.pad would put there.

:func:`warp` picks the cheapest exact way to apply a transform:

* the linear part is a signed permutation (flips, right-angle rotations, their products) and
  the shift is integral: an exact re-indexing (folded indices, no resampling), the same
  whatever the resampler;
* otherwise one resampling by the chosen resampler from the registry
  (:mod:`augcli.augment.kernels.resampler`): ``opencv`` (the default,
  :mod:`augcli.augment.kernels.opencv`) or ``pillow`` (:mod:`augcli.augment.kernels.pillow`,
  the Pillow-only path); each imported only when chosen. Both agree with
  ``skimage.transform.warp`` on the same matrix and mode (bilinear: within 1 level for
  integers, 1e-5 for float32);
* maps reaching so far outside the image that no padded source would fit in memory (huge
  shifts, extreme zoom-out) with a non-constant fill: skimage's warp on folded coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from augcli.augment.kernels.affine import EXACT_TOL, Transform
from augcli.augment.kernels.channels import channel_count, preserve_channel_dim
from augcli.augment.kernels.fill import (
    FillMode,
    Interpolation,
    channel_cvals,
    fill_period,
    fill_with,
    fold_range,
)
from augcli.augment.kernels.resampler import DEFAULT_RESAMPLER, ResamplerName, get_resampler
from augcli.images.dtypes import cast_to


def warp(
    image: np.ndarray,
    transform: Transform,
    fill: FillMode = "constant",
    cval: float | Sequence[float] = 0.0,
    interpolation: Interpolation = "bilinear",
    resampler: ResamplerName = DEFAULT_RESAMPLER,
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
    chosen = get_resampler(resampler)
    if transform.is_identity(image.shape[:2]):
        return image.copy()
    exact = _exact_reindex(image, transform, fill, cvals)
    if exact is not None:
        return exact
    out = chosen.resample(image, transform, fill, cvals, interpolation)
    if out is None:  # the map reaches too far outside the image for the resampler
        out = _resample_far(image, transform, fill, cvals, interpolation)
    return out


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
