"""Channel handling written once for every kernel: HxW seen as HxWx1, and channel counts."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec

import numpy as np

P = ParamSpec("P")


def channel_count(image: np.ndarray) -> int:
    """Number of channels of an HxW (1) or HxWxC (C) image."""
    return image.shape[2] if image.ndim == 3 else 1


def preserve_channel_dim(
    kernel: Callable[Concatenate[np.ndarray, P], np.ndarray],
) -> Callable[Concatenate[np.ndarray, P], np.ndarray]:
    """Let a kernel written for HxWxC images also take HxW ones.

    An HxW image is handed to ``kernel`` as an HxWx1 view and the channel axis of the result
    is dropped again, so the kernel body only ever sees three axes (as albucore's
    ``preserve_channel_dim``). HxWxC images pass through unchanged.

    Examples
    --------
    >>> @preserve_channel_dim
    ... def first_channel_doubled(image):
    ...     return image[..., :1] * 2
    >>> first_channel_doubled(np.ones((2, 3))).shape
    (2, 3)
    """

    @functools.wraps(kernel)
    def wrapper(image: np.ndarray, *args: P.args, **kwargs: P.kwargs) -> np.ndarray:
        if image.ndim != 2:
            return kernel(image, *args, **kwargs)
        return kernel(image[..., None], *args, **kwargs)[..., 0]

    return wrapper
