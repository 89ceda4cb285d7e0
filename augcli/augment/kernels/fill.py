"""Fill modes (numpy.pad's meaning) and the helpers every resampler shares: cvals, periods, folds.

A source pixel outside the image is the pixel ``numpy.pad(image, ..., mode=fill)`` would put
there (``constant``: the per-channel ``cval``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from augcli.images.dtypes import cast_to

FillMode = Literal["constant", "edge", "reflect", "symmetric", "wrap"]
Interpolation = Literal["nearest", "bilinear", "bicubic"]
FILL_MODES: tuple[str, ...] = ("constant", "edge", "reflect", "symmetric", "wrap")
INTERPOLATIONS: tuple[str, ...] = ("nearest", "bilinear", "bicubic")


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
