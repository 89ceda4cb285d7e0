"""Every augment kernel keeps the kernel contract (``check_kernel`` in tests/conftest.py).

Each case reaches a different code path of the kernels: the identity copy, the exact
re-indexings (flips, right angles, whole-pixel shifts, plain crops), Pillow resampling with each
filter and fill, the far-reaching fold, and both noise kernels.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from augcli.augment.kernels import affine as g
from augcli.augment.kernels import noise
from augcli.augment.kernels.warp import warp
from tests.conftest import DTYPES, FULL, check_kernel, image_shape, random_image

H, W = 13, 17
SHAPE = (H, W)


def _warp(transform: g.Transform, fill: str = "constant", interpolation: str = "bilinear"):
    def kernel(image: np.ndarray) -> np.ndarray:
        cval = 0.25 * FULL[image.dtype.type]
        return warp(image, transform, fill, cval, interpolation)

    return kernel


def _gaussian(per_channel: bool):
    def kernel(image: np.ndarray) -> np.ndarray:
        count = noise.gaussian_noise_words(image, per_channel)
        words = noise.uniform_words(np.random.default_rng(5), count, np.uint16)
        return noise.gaussian_noise(image, 0.1, 0.05, per_channel, words)

    return kernel


def _salt_and_pepper(image: np.ndarray) -> np.ndarray:
    count = noise.salt_and_pepper_words(image)
    words = noise.uniform_words(np.random.default_rng(6), count, np.uint32)
    return noise.salt_and_pepper(image, 0.3, 0.4, words)


KERNELS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": _warp(g.identity(SHAPE)),
    "flip horizontal": _warp(g.flip("horizontal", SHAPE)),
    "flip vertical": _warp(g.flip("vertical", SHAPE)),
    "flip both": _warp(g.flip("both", SHAPE)),
    "rotate 90": _warp(g.rotate(90, SHAPE)),
    "rotate 90 expand": _warp(g.rotate(90, SHAPE, expand=True)),
    "shift 3 px reflect": _warp(g.translate(3, -2, SHAPE), "reflect"),
    "shift 4 px constant": _warp(g.translate(-4, 5, SHAPE)),
    "crop without resize": _warp(g.crop((2, 3, 7, 9), (7, 9))),
    "crop into padding": _warp(g.crop((-3, -2, 8, 8), (8, 8)), "symmetric"),
    "rotate 30 bilinear": _warp(g.rotate(30, SHAPE), "constant", "bilinear"),
    "rotate 17 bicubic edge": _warp(g.rotate(17, SHAPE, expand=True), "edge", "bicubic"),
    "scale 0.7 nearest wrap": _warp(g.scale(0.7, SHAPE), "wrap", "nearest"),
    "crop resized": _warp(g.crop((1, 2, 9, 11), SHAPE), "constant", "bilinear"),
    "far shift wrap": _warp(g.translate(1000.5, -777.25, SHAPE), "wrap"),
    "far shift constant": _warp(g.translate(1000.5, 0, SHAPE)),
    "gaussian_noise per channel": _gaussian(True),
    "gaussian_noise shared": _gaussian(False),
    "salt_and_pepper": _salt_and_pepper,
}


@pytest.mark.parametrize("channels", [None, 1, 2, 3, 4], ids=lambda c: f"C={c}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", list(KERNELS))
def test_kernel_keeps_input_dtype_and_channels_and_hw_equals_hwx1(name, dtype, channels):
    image = random_image(image_shape(H, W, channels), dtype, seed=3)
    check_kernel(KERNELS[name], image)


@pytest.mark.parametrize(
    ("broken", "channels", "complaint"),
    [
        (lambda im: np.add(im, 1, out=im), 3, "modified its input"),
        (lambda im: im.astype(np.float64), 3, "dtype"),
        (lambda im: im[..., 0], 3, "shape"),
        (lambda im: im[:, :, :1].copy(), 3, "channels"),
        (lambda im: im.copy() if im.ndim == 2 else im[::-1].copy(), None, "HxW and HxWx1 differ"),
        (lambda im: im, 3, "returned its input"),
    ],
)
def test_check_kernel_catches_each_broken_promise(broken, channels, complaint):
    with pytest.raises(AssertionError, match=complaint):
        check_kernel(broken, random_image(image_shape(H, W, channels), np.uint8))
