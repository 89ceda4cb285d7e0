"""Tests of augcli.images.release: consumed arrays give the same files and give their pages back."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import augcli.images.release as release
from augcli.images.reading import write_image

pytestmark = pytest.mark.filterwarnings("error")
LINUX = sys.platform.startswith("linux")
RNG = np.random.default_rng(20261204)


def _array(kind: str, height: int, width: int) -> np.ndarray:
    if kind == "RGB":
        return RNG.integers(0, 256, (height, width, 3), dtype=np.uint8)
    if kind == "LA":
        return RNG.integers(0, 256, (height, width, 2), dtype=np.uint8)
    return RNG.random((height, width), dtype=np.float32)


@pytest.fixture
def small_bands(monkeypatch):
    """Consume from 1 byte up, in bands of a few rows (odd heights leave a short last band)."""
    monkeypatch.setattr(release, "CONSUME_BYTES", 1)
    monkeypatch.setattr(release, "BAND_BYTES", 5000)


@pytest.mark.skipif(not LINUX, reason="pages are released on Linux only")
@pytest.mark.parametrize("kind", ["RGB", "LA", "F"])
@pytest.mark.parametrize("height", [1, 7, 333])
def test_image_consuming_equals_fromarray(small_bands, kind: str, height: int):
    array = _array(kind, height, 517)
    oracle = Image.fromarray(array.copy())
    image = release.image_consuming(array)
    assert image is not None
    assert (image.mode, image.size) == (oracle.mode, oracle.size)
    assert image.tobytes() == oracle.tobytes()


@pytest.mark.skipif(not LINUX, reason="pages are released on Linux only")
def test_consumed_pages_read_back_as_zeros():
    # Default thresholds: a 12 MB RGB array is consumed; its released pages read as zeros.
    array = RNG.integers(1, 256, (2000, 2000, 3), dtype=np.uint8)
    oracle = Image.fromarray(array.copy()).tobytes()
    image = release.image_consuming(array)
    assert image is not None and image.tobytes() == oracle
    assert (array == 0).mean() > 0.99  # all but the pages partly outside the array's data


@pytest.mark.parametrize("kind", ["L", "RGBA", "I;16"])
def test_arrays_pillow_maps_are_not_consumed(small_bands, kind: str):
    shape = {"L": (40, 30), "RGBA": (40, 30, 4), "I;16": (40, 30)}[kind]
    array = RNG.integers(0, 200, shape).astype(np.uint16 if kind == "I;16" else np.uint8)
    before = array.copy()
    assert release.image_consuming(array) is None
    assert np.array_equal(array, before)


def test_small_arrays_are_not_consumed():
    array = _array("RGB", 100, 100)  # under CONSUME_BYTES
    before = array.copy()
    assert release.image_consuming(array) is None
    assert np.array_equal(array, before)


@pytest.mark.skipif(not LINUX, reason="pages are released on Linux only")
def test_view_of_an_array_held_elsewhere_is_never_released(small_bands):
    source = _array("RGB", 300, 400)
    kept = source.copy()
    rows = source[100:200]  # a C-contiguous crop of an array the caller still holds
    assert not release.releasable(rows)
    assert release.release_bytes(rows, 0, rows.nbytes) == 0
    image = release.image_consuming(rows)
    assert image is None
    assert np.array_equal(source, kept)


@pytest.mark.skipif(not LINUX, reason="pages are released on Linux only")
def test_whole_view_of_an_unreferenced_array_is_released():
    view = RNG.integers(1, 256, (2000 * 2000 * 3,), dtype=np.uint8).reshape(2000, 2000, 3)
    assert not view.flags.owndata
    assert release.releasable(view)
    assert release.release_bytes(view, 0, view.nbytes) > 0.99 * view.nbytes
    assert (view == 0).mean() > 0.99


def test_read_only_and_strided_arrays_are_not_releasable():
    array = _array("RGB", 50, 50)
    assert not release.releasable(array[:, ::2])
    frozen = array.copy()
    frozen.flags.writeable = False
    assert not release.releasable(frozen)


@pytest.mark.parametrize(
    ("kind", "ext", "options"),
    [
        ("RGB", "jpg", {"quality": 90}),
        ("RGB", "png", {"compress_level": 1}),
        ("LA", "png", {"compress_level": 1}),
        ("F", "tiff", {}),
    ],
)
def test_write_image_consuming_writes_the_same_bytes(
    small_bands, tmp_path: Path, kind: str, ext: str, options: dict
):
    # Oracle: Pillow's own fromarray + save of an untouched copy.
    array = _array(kind, 301, 233)
    fmt = {"jpg": "JPEG", "png": "PNG", "tiff": "TIFF"}[ext]
    expected = io.BytesIO()
    Image.fromarray(array.copy()).save(expected, format=fmt, **options)
    write_image(array, tmp_path / f"out.{ext}", quality=90, consume=True)
    assert (tmp_path / f"out.{ext}").read_bytes() == expected.getvalue()


@pytest.mark.skipif(not LINUX, reason="glibc's mallopt")
def test_map_large_allocations_is_taken_by_glibc():
    assert release.map_large_allocations() is True
