"""images.formats: what each output format is said to hold, checked by writing and reading back
every claimed mode (oracle: numpy equality of the pixels, through Pillow)."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.images.formats import (
    EXTENSION_MODES,
    FORMAT_MODES,
    MODE_DTYPES,
    format_can_hold,
    same_format_extension,
)
from augcli.images.reading import read_image, write_image

LOSSY = {"JPEG", "WEBP", "AVIF"}
EXTENSION = {
    "PNG": ".png", "TIFF": ".tif", "BMP": ".bmp", "GIF": ".gif", "DDS": ".dds",
    "JPEG2000": ".jp2", "PCX": ".pcx", "PPM": ".pnm", "QOI": ".qoi", "SGI": ".sgi", "TGA": ".tga",
    "JPEG": ".jpg", "WEBP": ".webp", "AVIF": ".avif",
}  # fmt: skip
CLAIMS = [(fmt, mode) for fmt, modes in sorted(FORMAT_MODES.items()) for mode in sorted(modes)] + [
    (ext, mode) for ext, modes in sorted(EXTENSION_MODES.items()) for mode in sorted(modes)
]


def _pixels(mode: str) -> np.ndarray:
    dtype, channels = MODE_DTYPES[mode]
    rng = np.random.default_rng(len(mode))
    shape = (9, 13) if channels == 1 else (9, 13, channels)
    if dtype is np.float32:
        return rng.standard_normal(shape).astype(np.float32)
    return rng.integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)


@pytest.mark.parametrize(("fmt", "mode"), CLAIMS)
def test_every_claimed_mode_round_trips(tmp_path, fmt, mode):
    ext = fmt if fmt.startswith(".") else EXTENSION[fmt]
    array = _pixels(mode)
    path = tmp_path / f"x{ext}"
    write_image(array, path, mode=mode, quality=100)
    back = read_image(path)
    if fmt in LOSSY or (fmt == "WEBP" and mode in ("L", "LA")) or fmt == "GIF":
        assert back.array.shape[:2] == array.shape[:2]
        return
    assert back.array.dtype == array.dtype
    np.testing.assert_array_equal(back.array, array)


@pytest.mark.parametrize(
    ("ext", "mode", "out", "says"),
    [
        (".png", "RGBA", ".png", None),
        (".bmp", "RGBA", ".png", "BMP cannot store an alpha channel"),
        (".bmp", "RGB", ".bmp", None),
        (".gif", "L", ".png", "GIF stores at most 256 colours"),
        (".ppm", "RGB", ".ppm", None),
        (".pbm", "L", ".png", "PBM stores only black and white"),
        (".pgm", "I", ".pgm", None),
        (".tga", "RGBA", ".tga", None),
        (".pcx", "RGBA", ".png", "PCX cannot store an alpha channel"),
        (".ico", "RGBA", ".png", "augcli does not write ICO files"),
        (".psd", "RGB", ".png", "augcli does not write PSD files"),
        (".fits", "F", ".tif", "augcli does not write FITS files"),
        (".TIF", "F", ".TIF", None),
        (".JPG", "L", ".JPG", None),
    ],
)
def test_same_format_keeps_or_falls_back_with_a_reason(ext, mode, out, says):
    got, reason = same_format_extension(ext, mode)
    assert got == out
    assert (reason is None) if says is None else (says in reason)


def test_explicit_formats_say_why_not():
    assert format_can_hold("PNG", "F") == "PNG cannot store 32-bit float images (mode F)"
    assert format_can_hold("PPM", "RGB", ".pgm") == "PGM cannot store mode RGB"
    assert format_can_hold("JPEG", "I;16") == "JPEG cannot store 16-bit images (mode I;16)"
