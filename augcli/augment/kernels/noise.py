"""Noise kernels: Gaussian and salt-and-pepper, driven by uniform random words handed in.

The kernels take their random material as arrays of uniform words (see :func:`uniform_words`),
so they are pure and replayable. Drawing normal variates costs more than the arithmetic, so
Gaussian noise maps uniform 16-bit words through a table of Gaussian quantiles (65536
equal-probability steps: a normal distribution truncated at +-4.32 sigma) and, for integer
images, adds the rounded noise in integer arithmetic (``round(x + n) == x + round(n)`` for
integer ``x``). Only colour channels change: alpha (the last of 2 or 4 channels) is kept.

``add_gaussian_noise`` and ``add_salt_and_pepper`` work in place, a band of rows at a time,
drawing each band's words as they go (:func:`word_stream`): temporaries stay a few MB whatever
the image size, and the words are exactly those of one draw for the whole image.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from augcli.augment.kernels.channels import channel_count
from augcli.images.dtypes import full_scale

TABLE_SIZE = 1 << 16
CHUNK_PIXELS = 1 << 18
"""About this many pixels per band of the in-place kernels (a few MB of temporaries)."""

WordSource = Callable[[int], np.ndarray]
"""Hands out the next ``count`` random words each call (see :func:`word_stream`)."""


@lru_cache(maxsize=1)
def gaussian_quantiles() -> np.ndarray:
    """Standard-normal quantiles at the centres of ``TABLE_SIZE`` equal-probability bins."""
    inv = NormalDist().inv_cdf
    q = np.array([inv((i + 0.5) / TABLE_SIZE) for i in range(TABLE_SIZE // 2)])
    return np.concatenate([q, -q[::-1]])  # symmetric by construction


def uniform_words(rng: np.random.Generator, count: int, dtype: type) -> np.ndarray:
    """``count`` uniform unsigned words (uint16 or uint32), cut from raw 64-bit draws.

    Drawing full-range uint64 integers and viewing them as smaller words is about ten times
    faster than ``Generator.bytes`` (numpy 2.x) and uses every random bit. Little-endian order.
    """
    size = np.dtype(dtype).itemsize
    n64 = -(-count * size // 8)
    raw = rng.integers(0, np.iinfo(np.uint64).max, size=n64, dtype=np.uint64, endpoint=True)
    return raw.astype("<u8", copy=False).view(np.dtype(dtype).newbyteorder("<"))[:count]


def colour_channels(image: np.ndarray) -> int:
    """Number of leading channels that are colour (all but alpha for 2 or 4 channels)."""
    channels = channel_count(image)
    return channels - 1 if channels in (2, 4) else channels


def gaussian_noise_words(image: np.ndarray, per_channel: bool) -> int:
    """How many uint16 words :func:`gaussian_noise` needs for ``image``."""
    h, w = image.shape[:2]
    return h * w * (colour_channels(image) if per_channel else 1)


def word_stream(rng: np.random.Generator, dtype: type) -> WordSource:
    """A :data:`WordSource` cutting words from ``rng`` as :func:`uniform_words` does.

    Drawn chunk by chunk, the words equal one :func:`uniform_words` call for the total count as
    long as every chunk but the last is a whole number of 64-bit draws (the kernels' chunks
    are): a full-range uint64 draw takes exactly one step of the generator.
    """
    return lambda count: uniform_words(rng, count, dtype)


def array_stream(words: np.ndarray) -> WordSource:
    """A :data:`WordSource` handing out ``words`` (flattened) in order."""
    flat = words.reshape(-1)
    position = [0]

    def take(count: int) -> np.ndarray:
        start = position[0]
        position[0] = start + count
        if position[0] > flat.size:
            raise ValueError(f"words: {flat.size} given, more needed")
        return flat[start : start + count]

    return take


def _row_chunks(height: int, width: int, multiple: int):
    """Row ranges of about ``CHUNK_PIXELS`` pixels, each a multiple of ``multiple`` rows."""
    rows = max(multiple, CHUNK_PIXELS // max(width, 1) // multiple * multiple)
    for top in range(0, height, rows):
        yield top, min(top + rows, height)


def gaussian_noise(
    image: np.ndarray, std: float, mean: float, per_channel: bool, words: np.ndarray
) -> np.ndarray:
    """Add Gaussian noise to the colour channels and clip to the valid range.

    Parameters
    ----------
    image : numpy.ndarray
        HxW or HxWxC, uint8, uint16 or float32. Not modified.
    std, mean : float
        As fractions of the full intensity range (255, 65535 or 1.0).
    per_channel : bool
        Independent noise per colour channel; otherwise one field shared by all of them.
    words : numpy.ndarray
        ``gaussian_noise_words(image, per_channel)`` uniform uint16 words (pixel-major: the
        colour channels of a pixel are consecutive words).

    Returns
    -------
    numpy.ndarray
        Same shape and dtype. Integer images: int16/int32 arithmetic on rounded noise;
        float32: float32 arithmetic, clipped to [0, 1].
    """
    if words.size < gaussian_noise_words(image, per_channel):
        needed = gaussian_noise_words(image, per_channel)
        raise ValueError(f"words: {words.size} given, {needed} needed")
    out = np.array(image, order="C")
    add_gaussian_noise(out, std, mean, per_channel, array_stream(words))
    return out


def add_gaussian_noise(
    out: np.ndarray, std: float, mean: float, per_channel: bool, words: WordSource
) -> None:
    """:func:`gaussian_noise` in place, a band of rows at a time (no whole-image temporaries).

    Parameters
    ----------
    out : numpy.ndarray
        HxW or HxWxC, uint8, uint16 or float32, C-contiguous; modified.
    std, mean, per_channel
        As :func:`gaussian_noise`.
    words : WordSource
        Called once per band for its uint16 words, in order (:func:`word_stream`,
        :func:`array_stream`): the same words in the same order as one call for the image.
    """
    h, w = out.shape[:2]
    nc = colour_channels(out)
    k = nc if per_channel else 1
    full = full_scale(out.dtype)
    table = (mean + std * gaussian_quantiles()) * full
    image3 = out if out.ndim == 3 else out[:, :, None]
    if np.issubdtype(out.dtype, np.integer):
        work = np.int16 if out.dtype == np.uint8 else np.int32
        limit = 2 * full  # any larger noise clips anyway; keeps int16 safe for uint8
        table = np.clip(np.rint(table), -limit, limit).astype(work)
        low, high = 0, int(full)
    else:
        work = np.float32
        table = table.astype(np.float32)
        low, high = 0.0, 1.0
    for top, bottom in _row_chunks(h, w, 4):  # 4 rows: whole 64-bit draws of uint16 words
        band = words((bottom - top) * w * k).reshape(bottom - top, w, k)
        colour = image3[top:bottom, :, :nc]
        noisy = colour.astype(work)
        noisy += np.take(table, band)
        np.clip(noisy, low, high, out=noisy)
        colour[...] = noisy


def salt_and_pepper_words(image: np.ndarray) -> int:
    """How many uint32 words :func:`salt_and_pepper` needs for ``image`` (one per pixel)."""
    return image.shape[0] * image.shape[1]


def salt_and_pepper(
    image: np.ndarray, amount: float, salt_vs_pepper: float, words: np.ndarray
) -> np.ndarray:
    """Set a fraction of pixels to the maximum (salt) or zero (pepper) in every colour channel.

    Parameters
    ----------
    image : numpy.ndarray
        HxW or HxWxC, uint8, uint16 or float32. Not modified.
    amount : float
        Probability that a pixel is hit, in [0, 1].
    salt_vs_pepper : float
        Share of the hit pixels set to the maximum (255, 65535 or 1.0); the rest become 0.
    words : numpy.ndarray
        ``salt_and_pepper_words(image)`` uniform uint32 words, one per pixel.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype; alpha untouched.
    """
    if words.size < salt_and_pepper_words(image):
        raise ValueError(f"words: {words.size} given, {salt_and_pepper_words(image)} needed")
    out = np.array(image, order="C")
    add_salt_and_pepper(out, amount, salt_vs_pepper, array_stream(words))
    return out


def add_salt_and_pepper(
    out: np.ndarray, amount: float, salt_vs_pepper: float, words: WordSource
) -> None:
    """:func:`salt_and_pepper` in place, a band of rows at a time.

    Parameters
    ----------
    out : numpy.ndarray
        HxW or HxWxC, uint8, uint16 or float32, C-contiguous; modified.
    amount, salt_vs_pepper
        As :func:`salt_and_pepper`.
    words : WordSource
        Called once per band for its uint32 words (one per pixel), in order.
    """
    h, w = out.shape[:2]
    scale = float(1 << 32)
    salt_below = min(round(amount * salt_vs_pepper * scale), 1 << 32)
    hit_below = min(round(amount * scale), 1 << 32)
    nc = colour_channels(out)
    top_value = full_scale(out.dtype)
    flat = out.reshape(h * w, -1)  # a view: out is C-contiguous
    for top, bottom in _row_chunks(h, w, 2):  # 2 rows: whole 64-bit draws of uint32 words
        u = words((bottom - top) * w)
        hit = np.flatnonzero(_below(u, hit_below))  # sparse: index lists beat boolean masks
        is_salt = _below(u[hit], salt_below)
        band = flat[top * w : bottom * w]
        band[hit[is_salt], :nc] = top_value
        band[hit[~is_salt], :nc] = 0


def _below(u: np.ndarray, threshold: int) -> np.ndarray:
    """``u < threshold`` for uint32 ``u`` and ``0 <= threshold <= 2**32``, in uint32 arithmetic."""
    if threshold >= 1 << 32:
        return np.ones(u.shape, dtype=bool)
    return u < np.uint32(threshold)
