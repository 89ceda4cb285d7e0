"""Image dtypes: the full-scale value of each, and casting computed values back to one."""

from __future__ import annotations

import numpy as np


def full_scale(dtype: np.dtype | type) -> float:
    """The full-intensity value of an image dtype: its maximum for integers, 1.0 for floats.

    Parameters
    ----------
    dtype : numpy.dtype or type
        An image dtype (uint8, uint16, float32, ...).

    Returns
    -------
    float
        255.0 for uint8, 65535.0 for uint16, 1.0 for any float dtype.

    Examples
    --------
    >>> full_scale(np.uint8), full_scale(np.uint16), full_scale(np.float32)
    (255.0, 65535.0, 1.0)
    """
    if np.issubdtype(dtype, np.integer):
        return float(np.iinfo(dtype).max)
    return 1.0


def cast_to(values: np.ndarray, dtype: np.dtype | type) -> np.ndarray:
    """``values`` as ``dtype``: integers rounded to nearest and clipped to the dtype's range.

    Parameters
    ----------
    values : numpy.ndarray
        Computed values (any real dtype).
    dtype : numpy.dtype or type
        The target dtype.

    Returns
    -------
    numpy.ndarray
        A new array of ``dtype``; float targets are a plain cast (no clipping).

    Examples
    --------
    >>> cast_to(np.array([-3.0, 2.5, 3.5, 300.0]), np.uint8).tolist()
    [0, 2, 4, 255]
    """
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype)
