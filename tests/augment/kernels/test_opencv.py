"""The OpenCV resampler's own promises (the oracles both resamplers share are in test_warp.py).

* bicubic is OpenCV's cubic convolution with a = -0.75 (a numpy reference);
* uint8 is rounded, not truncated (unbiased against skimage's float result);
* exact paths (flips, right angles, whole-pixel shifts, crops without resize) give the same
  bytes as the Pillow resampler;
* channel counts OpenCV's exact paths do not take (2, 5) match skimage as 1, 3 and 4 do;
* OpenCV runs single-threaded once loaded; without OpenCV (or with OpenCV 4.x, whose
  warpAffine rounds coordinates to 1/32 pixel) the import error gives the install command.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import skimage.transform

from augcli.augment.kernels import affine
from augcli.augment.kernels import opencv as opencv_kernels
from augcli.augment.kernels.fill import FILL_MODES
from augcli.augment.kernels.warp import warp
from tests.conftest import DTYPES, FULL, random_image

cv2 = pytest.importorskip("cv2")
H, W = 23, 31


def _keys(s: np.ndarray, a: float) -> np.ndarray:
    """The cubic-convolution kernel with parameter ``a`` (Keys 1981)."""
    s = np.abs(s)
    inner = (a + 2) * s**3 - (a + 3) * s**2 + 1
    outer = a * s**3 - 5 * a * s**2 + 8 * a * s - 4 * a
    return np.where(s < 1, inner, np.where(s < 2, outer, 0.0))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bicubic_is_cubic_convolution_with_a_minus_three_quarters(dtype):
    image = random_image((H, W), dtype, seed=9)
    tx, ty = 0.3, -0.7
    out = warp(image, affine.translate(tx, ty, (H, W)), "edge", 0, "bicubic", "opencv")
    src = image.astype(np.float64)
    expected = np.zeros((H, W))
    for y in range(3, H - 3):
        for x in range(3, W - 3):
            sx, sy = x - tx, y - ty
            x0, y0 = int(np.floor(sx)), int(np.floor(sy))
            wx = _keys(sx - np.arange(x0 - 1, x0 + 3), -0.75)
            wy = _keys(sy - np.arange(y0 - 1, y0 + 3), -0.75)
            expected[y, x] = wy @ src[y0 - 1 : y0 + 3, x0 - 1 : x0 + 3] @ wx
    if dtype != np.float32:
        expected = np.clip(np.rint(expected), 0, FULL[dtype])
    inner = (slice(3, H - 3), slice(3, W - 3))
    diff = np.abs(out.astype(np.float64)[inner] - expected[inner])
    assert diff.max() <= (1.0 if dtype != np.float32 else 1e-5), diff.max()


def test_uint8_is_rounded_not_truncated():
    # skimage's float result as the oracle: OpenCV's 8-bit path computes in float32 and rounds,
    # so each pixel is within half a level (measured 0.5008: float32 weights) and the mean
    # difference is 0 (Pillow's 8-bit filters truncate: 0.5 level low on average).
    image = random_image((64, 64, 3), np.uint8, seed=11)
    t = affine.rotate(17, (64, 64))
    out = warp(image, t, "reflect", 0, "bilinear", "opencv").astype(np.float64)
    planes = [
        skimage.transform.warp(image[..., c].astype(np.float64), t.matrix, order=1, mode="reflect")
        for c in range(3)
    ]
    diff = out - np.stack(planes, axis=-1)
    assert np.abs(diff).max() <= 0.51
    assert abs(diff.mean()) < 0.05


EXACT = {
    "flip-both": lambda: affine.flip("both", (H, W)),
    "rot90-expand": lambda: affine.rotate(90, (H, W), expand=True),
    "rot180": lambda: affine.rotate(180, (H, W)),
    "integer-shift": lambda: affine.translate(5, -7, (H, W)),
    "crop-no-resize-into-padding": lambda: affine.crop((-3, -2, H, W), (H, W)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(EXACT))
def test_exact_paths_give_the_same_bytes_with_either_resampler(name, dtype):
    image = random_image((H, W, 3), dtype, seed=4)
    t = EXACT[name]()
    for mode in FILL_MODES:
        pil = warp(image, t, mode, [0.2, 0.4, 0.6], "bilinear", "pillow")
        ocv = warp(image, t, mode, [0.2, 0.4, 0.6], "bilinear", "opencv")
        assert pil.tobytes() == ocv.tobytes() and pil.shape == ocv.shape


@pytest.mark.parametrize("channels", [2, 5, 7])
def test_channel_counts_split_into_exact_groups_match_skimage(channels):
    image = random_image((H, W, channels), np.uint8, seed=channels)
    t = affine.crop((2, 2, 10, 10), (7, 13))  # a map OpenCV's fixed-point path gets 4 off
    for mode in FILL_MODES:
        out = warp(image, t, mode, 9, "bilinear", "opencv").astype(np.float64)
        for c in range(channels):
            expected = skimage.transform.warp(
                image[..., c].astype(np.float64),
                t.matrix,
                output_shape=t.out_shape,
                order=1,
                mode=mode,
                cval=9,
                preserve_range=True,
            )
            assert np.abs(out[..., c] - expected).max() <= 1.0, (mode, c)


def test_channel_groups_are_four_three_or_one_channels():
    assert opencv_kernels.channel_groups(1) == [(0, 1)]
    assert opencv_kernels.channel_groups(2) == [(0, 1), (1, 2)]
    assert opencv_kernels.channel_groups(4) == [(0, 4)]
    assert opencv_kernels.channel_groups(6) == [(0, 4), (4, 5), (5, 6)]


def test_opencv_runs_single_threaded_once_loaded():
    opencv_kernels.load()
    assert cv2.getNumThreads() == 1


def test_without_opencv_the_import_error_gives_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # what a missing module looks like
    monkeypatch.setattr(opencv_kernels, "_CV2", [])
    install = r'pip install "opencv-python-headless>=5" \(or choose resampler pillow\)'
    with pytest.raises(ImportError, match=install):
        warp(random_image((5, 5), np.uint8), affine.rotate(10, (5, 5)), resampler="opencv")
    # Exact paths need no resampler at all.
    flipped = warp(np.eye(3, dtype=np.uint8), affine.flip("horizontal", (3, 3)), resampler="opencv")
    np.testing.assert_array_equal(flipped, np.eye(3, dtype=np.uint8)[:, ::-1])


def test_opencv_older_than_5_is_refused_with_the_upgrade_command(monkeypatch):
    monkeypatch.setattr(opencv_kernels, "_CV2", [])
    monkeypatch.setattr(cv2, "__version__", "4.10.0")
    with pytest.raises(
        ImportError,
        match=r'OpenCV 5 or later \(found 4.10.0.*pip install -U "opencv-python-headless>=5"',
    ):
        opencv_kernels.load()
