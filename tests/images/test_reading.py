"""Tests of augcli.images.reading: modes and bit depths, EXIF, hostile files, atomic writes."""

from __future__ import annotations

import errno
import os
import struct
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

import augcli.core.atomic
import augcli.images.reading
from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import InputError, OutputError
from augcli.images.formats import (
    FORMAT_EXTENSIONS,
    IMAGE_EXTENSIONS,
    format_can_hold,
    format_for_path,
)
from augcli.images.reading import DEFAULT_MAX_PIXELS, ImageData, read_image, write_image
from tests import imagefactory as factory

RNG = np.random.default_rng(20261127)


def _random(dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    if dtype is np.float32:
        return RNG.standard_normal(shape).astype(np.float32) * 1000
    return RNG.integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)


def _leftovers(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.startswith(TEMP_PREFIX)]


# --- round trips: every writable mode through every lossless format that holds it -------------

ROUND_TRIPS = [
    ("L", np.uint8, (5, 7), ".png"),
    ("LA", np.uint8, (5, 7, 2), ".png"),
    ("RGB", np.uint8, (5, 7, 3), ".png"),
    ("RGBA", np.uint8, (5, 7, 4), ".png"),
    ("I;16", np.uint16, (5, 7), ".png"),
    ("I", np.uint16, (5, 7), ".png"),
    ("L", np.uint8, (5, 7), ".tif"),
    ("LA", np.uint8, (5, 7, 2), ".tiff"),
    ("RGB", np.uint8, (5, 7, 3), ".tif"),
    ("RGBA", np.uint8, (5, 7, 4), ".tif"),
    ("I;16", np.uint16, (5, 7), ".tif"),
    ("I", np.uint16, (5, 7), ".tif"),
    ("F", np.float32, (5, 7), ".tif"),
    ("L", np.uint8, (5, 7), ".bmp"),
    ("RGB", np.uint8, (5, 7, 3), ".bmp"),
    ("L", np.uint8, (5, 7), ".gif"),
]


@pytest.mark.parametrize(("mode", "dtype", "shape", "ext"), ROUND_TRIPS)
def test_lossless_round_trip(tmp_path: Path, mode: str, dtype: type, shape: tuple, ext: str):
    array = _random(dtype, shape)
    original = array.copy()
    path = tmp_path / f"image{ext}"
    write_image(array, path, mode=mode)
    data = read_image(path)
    np.testing.assert_array_equal(data.array, original)
    assert data.array.dtype == np.dtype(dtype)
    assert data.format == format_for_path(path)
    assert data.n_frames == 1
    assert np.array_equal(array, original), "write_image modified its input"
    assert _leftovers(tmp_path) == []


def test_mode_written_back_is_reported(tmp_path: Path):
    """The mode read is the mode to write back, so read -> write -> read is stable."""
    array = _random(np.uint16, (4, 3))
    factory.make_int32_tiff(tmp_path / "i.tif", array)
    data = read_image(tmp_path / "i.tif")
    assert data.mode == "I"
    write_image(data.array, tmp_path / "again.tif", mode=data.mode)
    with Image.open(tmp_path / "again.tif") as check:
        assert check.mode == "I"
        np.testing.assert_array_equal(np.array(check), array.astype(np.int32))


@pytest.mark.parametrize(
    ("dtype", "shape", "mode"),
    [
        (np.uint8, (3, 4), "L"),
        (np.uint8, (3, 4, 1), "L"),
        (np.uint8, (3, 4, 2), "LA"),
        (np.uint8, (3, 4, 3), "RGB"),
        (np.uint8, (3, 4, 4), "RGBA"),
        (np.uint16, (3, 4), "I;16"),
        (np.float32, (3, 4), "F"),
    ],
)
def test_default_mode_from_dtype_and_channels(tmp_path: Path, dtype, shape, mode):
    write_image(_random(dtype, shape), tmp_path / "x.tif")
    with Image.open(tmp_path / "x.tif") as check:
        assert check.mode == mode


def test_read_pillow_written_modes_independently(tmp_path: Path):
    """Files made by Pillow directly (not write_image) read back as the pixels written."""
    gray = factory.asymmetric_gray()
    factory.make_image(tmp_path / "g.png", gray)
    data = read_image(tmp_path / "g.png")
    assert (data.mode, data.format) == ("L", "PNG")
    np.testing.assert_array_equal(data.array, gray)

    rgb = factory.asymmetric_rgb()
    factory.make_image(tmp_path / "c.tif", rgb)
    np.testing.assert_array_equal(read_image(tmp_path / "c.tif").array, rgb)


def test_16bit_big_endian_tiff_is_native_uint16(tmp_path: Path):
    array = _random(np.uint16, (3, 5))
    Image.fromarray(array).save(tmp_path / "be.tif")  # I;16 little-endian on disk
    image = Image.frombytes("I;16B", (5, 3), array.astype(">u2").tobytes())
    image.save(tmp_path / "be16.tif")
    for name in ("be.tif", "be16.tif"):
        data = read_image(tmp_path / name)
        assert data.mode == "I;16"
        assert data.array.dtype == np.uint16 and data.array.dtype.isnative
        np.testing.assert_array_equal(data.array, array)


def test_16bit_png_written_by_pillow(tmp_path: Path):
    array = _random(np.uint16, (6, 4))
    Image.fromarray(array).save(tmp_path / "d.png")
    data = read_image(tmp_path / "d.png")
    assert (data.mode, data.array.dtype) == ("I;16", np.uint16)
    np.testing.assert_array_equal(data.array, array)


def test_float_tiff_written_by_pillow(tmp_path: Path):
    array = np.array([[0.5, -1e6, np.pi], [1e-30, 7.0, -0.0]], dtype=np.float32)
    Image.fromarray(array).save(tmp_path / "f.tif")
    data = read_image(tmp_path / "f.tif")
    assert (data.mode, data.array.dtype) == ("F", np.float32)
    np.testing.assert_array_equal(data.array, array)


def test_int32_out_of_range_refused(tmp_path: Path):
    factory.make_int32_tiff(tmp_path / "wide.tif", np.array([[-1, 70000]]))
    with pytest.raises(InputError, match=r"wide\.tif.*-1 to 70000.*0\.\.65535"):
        read_image(tmp_path / "wide.tif")


@pytest.mark.parametrize("transparent", [False, True])
def test_palette_png(tmp_path: Path, transparent: bool):
    expected = factory.make_palette_png(tmp_path / "p.png", transparent=transparent)
    data = read_image(tmp_path / "p.png")
    assert data.mode == ("RGBA" if transparent else "RGB")
    np.testing.assert_array_equal(data.array, expected)


def test_bilevel_becomes_L_0_255(tmp_path: Path):
    expected = factory.make_bilevel_png(tmp_path / "b.png")
    data = read_image(tmp_path / "b.png")
    assert (data.mode, data.array.dtype) == ("L", np.uint8)
    np.testing.assert_array_equal(data.array, expected)
    assert set(np.unique(data.array)) <= {0, 255}


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path):
    expected = factory.make_cmyk_jpeg(tmp_path / "c.jpg")
    data = read_image(tmp_path / "c.jpg")
    assert (data.mode, data.format, data.array.shape) == ("RGB", "JPEG", (8, 16, 3))
    np.testing.assert_array_equal(data.array, expected)
    # flat red then flat green (JPEG: allow a little error)
    assert np.abs(data.array[4, 3].astype(int) - [255, 0, 0]).max() <= 3
    assert np.abs(data.array[4, 12].astype(int) - [0, 255, 0]).max() <= 3


def test_ycbcr_and_lab_become_rgb(tmp_path: Path):
    rgb = factory.asymmetric_rgb()
    Image.fromarray(rgb).convert("YCbCr").save(tmp_path / "y.jpg", quality=100)
    data = read_image(tmp_path / "y.jpg")
    assert data.mode == "RGB" and data.array.shape == rgb.shape


# --- EXIF orientation and frames --------------------------------------------------------------


@pytest.mark.parametrize(
    ("orientation", "oracle"),
    [
        (1, lambda a: a),
        (3, lambda a: np.rot90(a, 2)),
        (6, lambda a: np.rot90(a, -1)),  # "rotate 90 CW to display"
        (8, lambda a: np.rot90(a, 1)),  # "rotate 90 CCW to display"
        (2, lambda a: a[:, ::-1]),
    ],
)
def test_exif_orientation_applied(tmp_path: Path, orientation: int, oracle):
    stored = factory.make_exif_rotated_jpeg(tmp_path / "e.jpg", orientation)
    data = read_image(tmp_path / "e.jpg")
    np.testing.assert_array_equal(data.array, oracle(stored))


def test_exif_orientation_6_direction(tmp_path: Path):
    """Orientation 6: the stored top-left corner ends up at the top-right."""
    stored = factory.make_exif_rotated_jpeg(tmp_path / "e.jpg", 6)
    data = read_image(tmp_path / "e.jpg")
    assert data.array.shape == (stored.shape[1], stored.shape[0], 3)
    np.testing.assert_array_equal(data.array[0, -1], stored[0, 0])  # red block
    np.testing.assert_array_equal(data.array[-1, -1], stored[0, -1])  # blue block


def test_exif_not_written_again(tmp_path: Path):
    factory.make_exif_rotated_jpeg(tmp_path / "e.jpg", 6)
    data = read_image(tmp_path / "e.jpg")
    write_image(data.array, tmp_path / "out.jpg")
    with Image.open(tmp_path / "out.jpg") as check:
        assert check.getexif().get(0x0112) is None
        assert check.size == (data.array.shape[1], data.array.shape[0])


def test_animated_gif_first_frame_and_count(tmp_path: Path):
    frames = factory.make_animated_gif(tmp_path / "a.gif", n_frames=3)
    data = read_image(tmp_path / "a.gif")
    assert (data.n_frames, data.format, data.mode) == (3, "GIF", "L")
    np.testing.assert_array_equal(data.array, frames[0])


# --- hostile files ----------------------------------------------------------------------------

HOSTILE = [
    ("truncated.jpg", factory.make_truncated_jpeg, "truncated"),
    ("truncated.png", factory.make_truncated_png, "truncated"),
    ("empty.png", factory.make_empty_file, "empty"),
    ("random.png", factory.make_random_bytes, "not an image"),
    ("random.jpg", factory.make_random_bytes, "not an image"),
    ("text.jpg", factory.make_text_file, "not an image"),
]


@pytest.mark.parametrize(("name", "make", "reason"), HOSTILE)
def test_hostile_file_is_input_error(tmp_path: Path, name: str, make, reason: str):
    path = tmp_path / name
    make(path)
    with pytest.raises(InputError) as caught:
        read_image(path)
    message = str(caught.value)
    assert str(path) in message and reason in message
    assert "\n" not in message
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_missing_file_and_folder(tmp_path: Path):
    with pytest.raises(InputError, match="nothing.png': no such file"):
        read_image(tmp_path / "nothing.png")
    with pytest.raises(InputError, match="is a folder; augcli reads only regular files"):
        read_image(tmp_path)


def test_decoder_errors_of_any_kind_become_input_error(tmp_path: Path, monkeypatch):
    factory.make_image(tmp_path / "ok.png", factory.asymmetric_gray())
    for error in (SyntaxError("bad chunk"), ValueError("bad"), struct.error("short")):

        def broken_load(self, error=error):
            raise error

        monkeypatch.setattr(ImageFile.ImageFile, "load", broken_load)
        with pytest.raises(InputError, match=r"ok\.png: corrupt image data"):
            read_image(tmp_path / "ok.png")


def test_bomb_png_refused_from_header(tmp_path: Path):
    path = tmp_path / "bomb.png"
    factory.make_bomb_png(path, 60000, 60000)
    assert path.stat().st_size < 10_000
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        read_image(path)
    assert time.perf_counter() - start < 1.0
    message = str(caught.value)
    assert "bomb.png" in message and "decompression bomb" in message
    assert "3,600,000,000 pixels" in message and f"{DEFAULT_MAX_PIXELS:,}" in message


def test_own_limit_below_pillow_limit(tmp_path: Path):
    path = tmp_path / "big.png"
    factory.make_bomb_png(path, 20000, 5000)  # 1e8: between Pillow's 1x and 2x limit
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"20000x5000 = 100,000,000 pixels"):
        read_image(path)
    with pytest.raises(InputError, match=r"20000x5000.*limit of 1,000"):
        read_image(path, max_pixels=1000)
    assert time.perf_counter() - start < 1.0
    small = tmp_path / "small.png"
    factory.make_image(small, factory.asymmetric_gray(4, 6))
    with pytest.raises(InputError, match=r"6x4 = 24 pixels.*limit of 23"):
        read_image(small, max_pixels=23)
    assert read_image(small, max_pixels=24).array.shape == (4, 6)


def test_pillow_globals_untouched(tmp_path: Path):
    """A raised limit is local: Pillow's global limit and warning filters come back unchanged."""
    path = tmp_path / "big.png"
    factory.make_bomb_png(path, 20000, 20000)
    before = (Image.MAX_IMAGE_PIXELS, list(warnings.filters), ImageFile.LOAD_TRUNCATED_IMAGES)
    with pytest.raises(InputError, match="truncated"):  # no limit: decoded, then truncated
        read_image(path, max_pixels=None)
    with pytest.raises(InputError, match="truncated"):
        read_image(path, max_pixels=10**9)
    with pytest.raises(InputError, match="bomb"):
        read_image(path)
    after = (Image.MAX_IMAGE_PIXELS, list(warnings.filters), ImageFile.LOAD_TRUNCATED_IMAGES)
    assert after == before


def test_no_decompression_bomb_warning(tmp_path: Path):
    path = tmp_path / "big.png"
    factory.make_bomb_png(path, 10000, 10000)  # above Pillow's warning threshold
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match="limit"):
            read_image(path)


# --- writing ----------------------------------------------------------------------------------


def test_write_formats_and_options(tmp_path: Path):
    rgb = factory.asymmetric_rgb(16, 16)
    for ext, fmt in [(".jpg", "JPEG"), (".JPEG", "JPEG"), (".webp", "WEBP"), (".png", "PNG")]:
        write_image(rgb, tmp_path / f"x{ext}")
        with Image.open(tmp_path / f"x{ext}") as check:
            assert check.format == fmt
    write_image(rgb, tmp_path / "named.bin", format="png")
    with Image.open(tmp_path / "named.bin") as check:
        assert check.format == "PNG"
    write_image(rgb, tmp_path / "low.jpg", quality=10)
    assert (tmp_path / "low.jpg").stat().st_size < (tmp_path / "x.jpg").stat().st_size


def test_write_replaces_existing_file(tmp_path: Path):
    path = tmp_path / "x.png"
    path.write_bytes(b"old")
    gray = factory.asymmetric_gray()
    write_image(gray, path)
    np.testing.assert_array_equal(read_image(path).array, gray)
    assert _leftovers(tmp_path) == []


def test_write_unknown_extension(tmp_path: Path):
    with pytest.raises(OutputError, match=r"x\.xyz.*unknown image extension"):
        write_image(factory.asymmetric_gray(), tmp_path / "x.xyz")
    assert os.listdir(tmp_path) == []


def test_write_refuses_what_format_cannot_hold(tmp_path: Path):
    rgba = _random(np.uint8, (3, 3, 4))
    with pytest.raises(OutputError, match=r"JPEG cannot store an alpha channel \(mode RGBA\)"):
        write_image(rgba, tmp_path / "x.jpg")
    with pytest.raises(OutputError, match=r"JPEG cannot store 16-bit images \(mode I;16\)"):
        write_image(_random(np.uint16, (3, 3)), tmp_path / "x.jpg")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("array", "mode"),
    [
        (np.zeros((3, 3), np.float64), None),
        (np.zeros((3, 3, 3), np.uint16), None),
        (np.zeros((3, 3, 5), np.uint8), None),
        (np.zeros((3, 3), np.uint8), "RGB"),
        (np.zeros((3, 3), np.uint8), "CMYK"),
        (np.zeros((0, 3), np.uint8), None),
    ],
)
def test_write_rejects_unwritable_arrays(tmp_path: Path, array, mode):
    with pytest.raises(ValueError):
        write_image(array, tmp_path / "x.tif", mode=mode)
    assert os.listdir(tmp_path) == []


def test_atomic_write_disk_full(tmp_path: Path, monkeypatch):
    def full_disk(self, fp, *args, **kwargs):
        fp.write(b"partial data")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Image.Image, "save", full_disk)
    path = tmp_path / "out.png"
    with pytest.raises(OutputError) as caught:
        write_image(factory.asymmetric_rgb(), path)
    assert str(path) in str(caught.value)
    assert os.strerror(errno.ENOSPC) in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path, monkeypatch):
    path = tmp_path / "out.png"
    path.write_bytes(b"previous")

    def interrupted(self, fp, *args, **kwargs):
        fp.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_image(factory.asymmetric_rgb(), path)
    assert path.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_write_into_missing_folder(tmp_path: Path):
    with pytest.raises(OutputError, match=r"No such file or directory"):
        write_image(factory.asymmetric_gray(), tmp_path / "missing" / "x.png")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_folder(tmp_path: Path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match=r"locked.*Permission denied"):
            write_image(factory.asymmetric_gray(), folder / "x.png")
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS, errno.ENOSPC])
def test_os_errors_creating_the_temp_file(tmp_path: Path, monkeypatch, code: int):
    """Works as root too: the OS refusal is simulated where the temporary file is created."""

    def refuse(path, *, atomic=True):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(augcli.core.atomic, "open_new", refuse)
    with pytest.raises(OutputError) as caught:
        write_image(factory.asymmetric_gray(), tmp_path / "x.png")
    assert str(caught.value) == f"cannot write {tmp_path / 'x.png'}: {os.strerror(code)}"
    assert os.listdir(tmp_path) == []


def test_written_file_permissions_follow_umask(tmp_path: Path):
    write_image(factory.asymmetric_gray(), tmp_path / "x.png")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "x.png").stat().st_mode & 0o777 == 0o666 & ~umask


# --- format capabilities and constants --------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mode", "reason"),
    [
        ("JPEG", "L", None),
        ("JPEG", "RGB", None),
        ("jpeg", "RGBA", "JPEG cannot store an alpha channel (mode RGBA)"),
        ("JPEG", "LA", "JPEG cannot store an alpha channel (mode LA)"),
        ("JPEG", "I;16", "JPEG cannot store 16-bit images (mode I;16)"),
        ("JPEG", "F", "JPEG cannot store 32-bit float images (mode F)"),
        ("PNG", "RGBA", None),
        ("PNG", "I;16", None),
        ("PNG", "I", None),
        ("PNG", "F", "PNG cannot store 32-bit float images (mode F)"),
        ("TIFF", "F", None),
        ("TIFF", "I", None),
        ("WEBP", "RGBA", None),
        ("WEBP", "I;16", "WEBP cannot store 16-bit images (mode I;16)"),
        ("BMP", "RGB", None),
        ("BMP", "RGBA", "BMP cannot store an alpha channel (mode RGBA)"),
        ("GIF", "L", None),
        ("GIF", "RGB", "GIF stores at most 256 colours, mode RGB would be quantized"),
    ],
)
def test_format_can_hold(fmt: str, mode: str, reason: str | None):
    assert format_can_hold(fmt, mode) == reason


def test_format_can_hold_unknowns():
    assert "unsupported output format 'XCF'" in format_can_hold("XCF", "RGB")
    assert "does not write mode 'CMYK'" in format_can_hold("TIFF", "CMYK")


def test_image_extensions_are_every_extension_pillow_reads_but_its_stubs():
    """Every extension Pillow registers for a format it opens is an input, except formats that
    need an outside tool or only identify (formats.NOT_READ); AVIF where this Pillow reads it."""
    from PIL import Image, features

    from augcli.images.formats import NOT_READ

    Image.init()
    readable = {
        ext
        for ext, fmt in Image.registered_extensions().items()
        if (fmt in Image.OPEN or fmt == "MPO") and fmt not in NOT_READ
    }
    if not features.check("avif"):
        readable -= {".avif", ".avifs"}
    assert readable == IMAGE_EXTENSIONS
    assert {".ppm", ".pgm", ".pbm", ".tga", ".ico", ".jp2", ".sgi", ".pcx", ".dds", ".psd"} <= (
        IMAGE_EXTENSIONS
    )


def test_extension_tables():
    assert FORMAT_EXTENSIONS["JPEG"] == ".jpg" and FORMAT_EXTENSIONS["TIFF"] == ".tif"
    for fmt, ext in FORMAT_EXTENSIONS.items():
        assert ext in IMAGE_EXTENSIONS
        assert format_for_path(f"a/b{ext.upper()}") == fmt
    assert format_for_path("notes.txt") is None


def test_image_data_is_frozen():
    data = ImageData(array=np.zeros((1, 1), np.uint8), mode="L", format="PNG", n_frames=1)
    with pytest.raises(AttributeError):
        data.mode = "RGB"  # type: ignore[misc]


def test_format_aliases(tmp_path: Path):
    assert format_can_hold("jpg", "RGBA") == "JPEG cannot store an alpha channel (mode RGBA)"
    assert format_can_hold("tif", "F") is None
    array = _random(np.float32, (2, 3))
    write_image(array, tmp_path / "x.data", format="tif")
    np.testing.assert_array_equal(read_image(tmp_path / "x.data").array, array)


def test_webp_grey_reads_back_as_equal_rgb_channels(tmp_path: Path):
    """Documented: WebP has no grey mode; L goes in as grey RGB."""
    gray = np.full((8, 8), 77, np.uint8)
    write_image(gray, tmp_path / "g.webp", quality=100)
    data = read_image(tmp_path / "g.webp")
    assert (data.mode, data.array.shape) == ("RGB", (8, 8, 3))
    assert np.abs(data.array.astype(int) - 77).max() <= 2


def _saved(tmp_path: Path, image: Image.Image, name: str) -> Path:
    path = tmp_path / name
    image.save(path)
    return path


@pytest.mark.parametrize(
    ("make", "name", "expected_mode"),
    [
        (lambda a: Image.fromarray(a[..., :3]), "rgb.png", "RGB"),
        (lambda a: Image.fromarray(a, "RGBA"), "rgba.png", "RGBA"),
        (lambda a: Image.fromarray(a[..., :3]).convert("P"), "pal.png", "RGB"),
        (lambda a: Image.fromarray(a[..., :3]).convert("CMYK"), "cmyk.tiff", "RGB"),
        (lambda a: Image.fromarray(a[..., 0]).convert("1"), "bits.png", "L"),
        (lambda a: Image.fromarray(a[..., 0].astype(np.uint16) * 250), "deep.png", "I;16"),
        (lambda a: Image.fromarray(a[..., 0].astype(np.float32) / 7), "float.tiff", "F"),
    ],
)
def test_pixels_copied_band_by_band_equal_pillows_whole_image(
    tmp_path, monkeypatch, make, name, expected_mode
):
    monkeypatch.setattr(augcli.images.reading, "BAND_BYTES", 200)  # bands of one or two rows
    rng = np.random.default_rng(4)
    image = make(rng.integers(0, 256, (23, 17, 4), dtype=np.uint8))
    path = _saved(tmp_path, image, name)
    data = read_image(path)
    with Image.open(path) as im:
        if expected_mode in ("RGB", "L") and im.mode != expected_mode:
            im = im.convert(expected_mode)
        expected = np.asarray(im)
    assert data.mode == expected_mode and data.array.flags.writeable
    np.testing.assert_array_equal(data.array, expected.astype(data.array.dtype))
    dtypes = {"RGB": np.uint8, "RGBA": np.uint8, "L": np.uint8, "I;16": np.uint16}
    assert data.array.dtype == dtypes.get(expected_mode, np.float32)
