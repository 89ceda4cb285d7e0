"""Shared test vocabulary: the dtypes images come in, array factories and ``check_kernel``.

``check_kernel`` follows torchvision's ``check_kernel`` (``test/transforms/v2``): whatever a
kernel computes, it must not touch its input, must keep the dtype and the channel count, and an
HxW image must give exactly the HxWx1 result without its last axis. File makers (odd, hostile
image files) live in ``tests/imagefactory.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

DTYPES = (np.uint8, np.uint16, np.float32)
FULL = {np.uint8: 255.0, np.uint16: 65535.0, np.float32: 1.0}  # independent of augcli's helper


def random_image(
    shape: tuple[int, ...], dtype: type, seed: int = 0, low: float = 0.0, high: float = 1.0
) -> np.ndarray:
    """Uniform random pixels between ``low`` and ``high`` fractions of the dtype's full scale.

    Integers are rounded; float32 keeps the fractions. The same ``seed`` gives the same
    fractions for every dtype, so results can be compared across dtypes.
    """
    values = np.random.default_rng(seed).uniform(low, high, shape)
    if dtype == np.float32:
        return values.astype(np.float32)
    return np.rint(values * FULL[dtype]).astype(dtype)


def image_shape(height: int, width: int, channels: int | None) -> tuple[int, ...]:
    """``(H, W)`` for ``channels=None``, else ``(H, W, C)``."""
    return (height, width) if channels is None else (height, width, channels)


def check_kernel(kernel: Callable[..., np.ndarray], image: np.ndarray, **params: Any) -> np.ndarray:
    """Run ``kernel(image, **params)`` and check what every image kernel promises.

    * the input is not modified;
    * the output has the input's dtype;
    * HxW stays HxW, HxWxC stays HxWxC with the same C;
    * for an HxW input, the HxWx1 input gives the same pixels with a trailing axis of 1.

    Returns
    -------
    numpy.ndarray
        The kernel's output for ``image``, for further checks.
    """
    before = image.copy()
    out = kernel(image, **params)
    assert np.array_equal(image, before, equal_nan=True), "the kernel modified its input"
    assert out.dtype == image.dtype, f"dtype {image.dtype} became {out.dtype}"
    assert out.ndim == image.ndim, f"shape {image.shape} became {out.shape}"
    if image.ndim == 3:
        assert out.shape[2] == image.shape[2], f"channels {image.shape} became {out.shape}"
    else:
        stacked = image[..., np.newaxis]
        out1 = kernel(stacked, **params)
        assert out1.shape == (*out.shape, 1), f"HxWx1 gave {out1.shape}, HxW gave {out.shape}"
        assert out1.dtype == image.dtype
        assert np.array_equal(out1[..., 0], out, equal_nan=True), "HxW and HxWx1 differ"
    assert out is not image, "the kernel returned its input instead of a new array"
    return out


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: Any) -> None:
    """Run on every core by default: ``-n auto --dist worksteal`` when pytest-xdist is present.

    ``-n 0`` or ``-p no:xdist`` runs in one process; an explicit ``-n N``/``--dist`` is kept.
    """
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    if config.option.numprocesses is None and not config.option.collectonly:
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = "worksteal"
