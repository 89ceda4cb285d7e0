"""Noise kernels: Gaussian and salt-and-pepper, driven by random bytes handed in.

The kernels take their random material as ``bytes`` (from ``numpy.random.Generator.bytes``),
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

TABLE_SIZE = 1 << 16


@lru_cache(maxsize=1)
def gaussian_quantiles() -> np.ndarray:
    """Standard-normal quantiles at the centres of ``TABLE_SIZE`` equal-probability bins."""
    inv = NormalDist().inv_cdf
    q = np.array([inv((i + 0.5) / TABLE_SIZE) for i in range(TABLE_SIZE // 2)])
    return np.concatenate([q, -q[::-1]])  # symmetric by construction


def colour_channels(image: np.ndarray) -> int:
    """Number of leading channels that are colour (all but alpha for 2 or 4 channels)."""
    if image.ndim == 2:
        return 1
    return image.shape[2] - 1 if image.shape[2] in (2, 4) else image.shape[2]


def _full_range(dtype: np.dtype) -> float:
    return float(np.iinfo(dtype).max) if np.issubdtype(dtype, np.integer) else 1.0


def gaussian_noise_bytes(image: np.ndarray, per_channel: bool) -> int:
    """How many random bytes :func:`gaussian_noise` needs for ``image``."""
    h, w = image.shape[:2]
    return 2 * h * w * (colour_channels(image) if per_channel else 1)


def gaussian_noise(
    image: np.ndarray, std: float, mean: float, per_channel: bool, random: bytes
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
    random : bytes
        ``gaussian_noise_bytes(image, per_channel)`` uniform random bytes.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype. Integer images: int16/int32 arithmetic on rounded noise;
        float32: float32 arithmetic, clipped to [0, 1].
    """
    h, w = image.shape[:2]
    nc = colour_channels(image)
    words = np.frombuffer(random, dtype="<u2", count=gaussian_noise_bytes(image, per_channel) // 2)
    words = words.reshape(h, w, nc if per_channel else 1)
    full = _full_range(image.dtype)
    table = (mean + std * gaussian_quantiles()) * full
    out = image.copy()
    colour = out if image.ndim == 2 else out[..., :nc]
    if image.ndim == 2:
        words = words[..., 0]
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


def salt_and_pepper_bytes(image: np.ndarray) -> int:
    """How many random bytes :func:`salt_and_pepper` needs for ``image``."""
    return 4 * image.shape[0] * image.shape[1]


def salt_and_pepper(
    image: np.ndarray, amount: float, salt_vs_pepper: float, random: bytes
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
    random : bytes
        ``salt_and_pepper_bytes(image)`` uniform random bytes: one 32-bit word per pixel.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype; alpha untouched.
    """
    h, w = image.shape[:2]
    u = np.frombuffer(random, dtype="<u4", count=h * w).reshape(h, w)
    scale = float(1 << 32)
    salt_below = np.uint64(min(round(amount * salt_vs_pepper * scale), 1 << 32))
    hit_below = np.uint64(min(round(amount * scale), 1 << 32))
    salt = u < salt_below
    pepper = (u >= salt_below) & (u < hit_below)
    out = image.copy()
    nc = colour_channels(image)
    top = image.dtype.type(_full_range(image.dtype))
    if image.ndim == 2:
        out[salt] = top
        out[pepper] = 0
    else:
        out[salt, :nc] = top
        out[pepper, :nc] = 0
    return out
