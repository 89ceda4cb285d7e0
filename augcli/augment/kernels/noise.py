"""Noise kernels: Gaussian and salt-and-pepper, driven by uniform random words handed in.

The kernels take their random material as arrays of uniform words (see :func:`uniform_words`),
so they are pure and replayable. Drawing normal variates costs more than the arithmetic, so
Gaussian noise maps uniform 16-bit words through a table of Gaussian quantiles (65536
equal-probability steps: a normal distribution truncated at +-4.32 sigma) and, for integer
images, adds the rounded noise in integer arithmetic (``round(x + n) == x + round(n)`` for
integer ``x``). Only colour channels change: alpha (the last of 2 or 4 channels) is kept.
"""

from __future__ import annotations

from functools import lru_cache
from statistics import NormalDist

import numpy as np

from augcli.augment.kernels.channels import channel_count, preserve_channel_dim
from augcli.images.dtypes import full_scale

TABLE_SIZE = 1 << 16


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


@preserve_channel_dim
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
        ``gaussian_noise_words(image, per_channel)`` uniform uint16 words.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype. Integer images: int16/int32 arithmetic on rounded noise;
        float32: float32 arithmetic, clipped to [0, 1].
    """
    h, w = image.shape[:2]
    nc = colour_channels(image)
    words = words.reshape(h, w, nc if per_channel else 1)
    full = full_scale(image.dtype)
    table = (mean + std * gaussian_quantiles()) * full
    out = image.copy()
    colour = out[..., :nc]
    if np.issubdtype(image.dtype, np.integer):
        work = np.int16 if image.dtype == np.uint8 else np.int32
        limit = 2 * full  # any larger noise clips anyway; keeps int16 safe for uint8
        itable = np.clip(np.rint(table), -limit, limit).astype(work)
        noisy = colour.astype(work) + np.take(itable, words)
        np.clip(noisy, 0, int(full), out=noisy)
        colour[...] = noisy
    else:
        noisy = colour + np.take(table.astype(np.float32), words)
        np.clip(noisy, 0.0, 1.0, out=noisy)
        colour[...] = noisy
    return out


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
    u = words.ravel()
    scale = float(1 << 32)
    salt_below = min(round(amount * salt_vs_pepper * scale), 1 << 32)
    hit_below = min(round(amount * scale), 1 << 32)
    hit = np.flatnonzero(_below(u, hit_below))  # sparse: index lists beat boolean masks
    salt = hit[_below(u[hit], salt_below)]
    pepper = hit[~_below(u[hit], salt_below)]
    out = image.copy()
    flat = out.reshape(image.shape[0] * image.shape[1], -1)
    nc = colour_channels(image)
    flat[salt, :nc] = full_scale(image.dtype)
    flat[pepper, :nc] = 0
    return out


def _below(u: np.ndarray, threshold: int) -> np.ndarray:
    """``u < threshold`` for uint32 ``u`` and ``0 <= threshold <= 2**32``, in uint32 arithmetic."""
    if threshold >= 1 << 32:
        return np.ones(u.shape, dtype=bool)
    return u < np.uint32(threshold)
