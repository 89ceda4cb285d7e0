"""Makers of small, odd and hostile image files for tests (shared by several test modules).

Every function writes one file at ``path`` with Pillow or by hand, independently of
``augcli.images.reading``, and returns what a test needs to check the result (usually the pixels it
wrote). Arrays are tiny and asymmetric so that a flip, a rotation or a swapped axis shows.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def asymmetric_rgb(height: int = 4, width: int = 6) -> np.ndarray:
    """A uint8 HxWx3 image with every pixel different: no flip or rotation maps it to itself."""
    values = np.arange(height * width * 3, dtype=np.uint16).reshape(height, width, 3)
    return (values * 7 % 251).astype(np.uint8)


def asymmetric_gray(height: int = 4, width: int = 6) -> np.ndarray:
    """A uint8 HxW image with every pixel different."""
    return (np.arange(height * width).reshape(height, width) * 9 % 256).astype(np.uint8)


def make_image(path: Path, array: np.ndarray, **save_options: object) -> np.ndarray:
    """Save ``array`` with Pillow's default mode for it and return the array."""
    Image.fromarray(array).save(path, **save_options)
    return array


def make_truncated_jpeg(path: Path) -> None:
    """A JPEG cut off in the middle of its entropy-coded data."""
    rng = np.random.default_rng(1)
    noisy = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noisy).save(path, format="JPEG", quality=90)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def make_truncated_png(path: Path) -> None:
    """A PNG cut off in the middle of its IDAT chunk (header and size are valid)."""
    rng = np.random.default_rng(2)
    noisy = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noisy).save(path, format="PNG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def make_empty_file(path: Path) -> None:
    """A zero-byte file (name it with an image extension)."""
    path.write_bytes(b"")


def make_random_bytes(path: Path, size: int = 4096) -> None:
    """Random bytes under an image name."""
    path.write_bytes(np.random.default_rng(3).integers(0, 256, size, dtype=np.uint8).tobytes())


def make_text_file(path: Path) -> None:
    """A text file (name it ``something.jpg``)."""
    path.write_text("this is not an image\n" * 20, encoding="utf-8")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_bomb_png(path: Path, width: int = 60000, height: int = 60000) -> None:
    """A tiny PNG whose IHDR claims ``width`` x ``height`` RGB pixels (valid CRCs).

    The IDAT holds a few compressed zero rows only: decoding would allocate the full size and
    then fail, so a reader must refuse from the header.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (1 + 3 * min(width, 1024)) * 4)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def make_exif_rotated_jpeg(path: Path, orientation: int = 6) -> np.ndarray:
    """A lossless-enough JPEG of a smooth asymmetric image with an EXIF Orientation tag.

    Returns the stored (unrotated) pixels as decoded by Pillow without applying EXIF, so a
    test compares against ``np.rot90`` / ``np.flip`` of exactly what is in the file.
    Orientation 6 means "rotate 90 degrees clockwise to display": ``np.rot90(stored, k=-1)``.
    """
    # Blocks of flat colour at 8-pixel boundaries survive JPEG at quality 100 almost exactly.
    blocks = np.array(
        [[[255, 0, 0], [0, 255, 0], [0, 0, 255]], [[255, 255, 0], [0, 0, 0], [255, 255, 255]]],
        dtype=np.uint8,
    )
    stored = np.kron(blocks, np.ones((8, 8, 1), dtype=np.uint8))  # 16 x 24 x 3
    image = Image.fromarray(stored)
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.save(path, format="JPEG", quality=100, subsampling=0, exif=exif.tobytes())
    with Image.open(path) as check:
        return np.array(check)


def make_animated_gif(path: Path, n_frames: int = 3) -> list[np.ndarray]:
    """An animated GIF of ``n_frames`` distinct grey frames; returns each frame's L pixels."""
    frames = [asymmetric_gray(4, 6) // 2 + 40 * index for index in range(n_frames)]
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=100, loop=0)
    return frames


def make_palette_png(path: Path, *, transparent: bool) -> np.ndarray:
    """A P-mode PNG with a four-colour palette; returns the expected RGB or RGBA pixels."""
    palette = [(255, 0, 0), (0, 128, 0), (0, 0, 255), (250, 250, 10)]
    indices = np.array([[0, 1, 2, 3, 0], [3, 2, 1, 0, 1], [1, 1, 3, 3, 2]], dtype=np.uint8)
    image = Image.new("P", indices.shape[::-1])
    image.putdata(indices.ravel().tolist())
    image.putpalette([channel for colour in palette for channel in colour])
    rgb = np.array(palette, dtype=np.uint8)[indices]
    if not transparent:
        image.save(path, format="PNG")
        return rgb
    image.save(path, format="PNG", transparency=2)  # palette index 2 is fully transparent
    alpha = np.where(indices == 2, 0, 255).astype(np.uint8)
    return np.dstack([rgb, alpha])


def make_bilevel_png(path: Path) -> np.ndarray:
    """A mode-1 PNG; returns the expected uint8 pixels (0 or 255)."""
    bits = asymmetric_gray(5, 7) % 3 == 0
    Image.fromarray(bits).save(path, format="PNG")
    return np.where(bits, 255, 0).astype(np.uint8)


def make_cmyk_jpeg(path: Path) -> np.ndarray:
    """A CMYK JPEG of flat colours; returns Pillow's own RGB conversion of the CMYK pixels."""
    cmyk = Image.new("CMYK", (16, 8))
    cmyk.paste((0, 255, 255, 0), (0, 0, 8, 8))  # red
    cmyk.paste((255, 0, 255, 0), (8, 0, 16, 8))  # green
    cmyk.save(path, format="JPEG", quality=100)
    with Image.open(path) as check:
        return np.array(check.convert("RGB"))


def make_int32_tiff(path: Path, array: np.ndarray) -> None:
    """A mode-I (32-bit signed integer) TIFF holding ``array``."""
    Image.fromarray(np.asarray(array, dtype=np.int32)).save(path, format="TIFF")


def make_png_with_decoder_warning(path: Path) -> np.ndarray:
    """A PNG whose acTL chunk claims 0 frames: Pillow warns "Invalid APNG" and reads the still
    image. Returns the pixels."""
    pixels = asymmetric_rgb(4, 6)
    Image.fromarray(pixels).save(path, format="PNG")
    data = path.read_bytes()
    ihdr_end = 8 + 4 + 4 + 13 + 4
    actl = _png_chunk(b"acTL", struct.pack(">II", 0, 0))
    path.write_bytes(data[:ihdr_end] + actl + data[ihdr_end:])
    return pixels


def make_rgba_bmp(path: Path, rgba: np.ndarray) -> None:
    """A 32-bit BMP with a BITMAPV4HEADER whose bit fields include an alpha mask (Pillow reads
    it as RGBA; Pillow itself only writes BMP without alpha)."""
    height, width = rgba.shape[:2]
    bgra = rgba[::-1, :, [2, 1, 0, 3]].tobytes()  # bottom-up rows, BGRA
    header = struct.pack(
        "<IiiHHIIiiII4I4s36x3I",
        108, width, height, 1, 32, 3, len(bgra), 2835, 2835, 0, 0,
        0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000, b"BGRs", 0, 0, 0,
    )  # fmt: skip
    offset = 14 + len(header)
    path.write_bytes(b"BM" + struct.pack("<IHHI", offset + len(bgra), 0, 0, offset) + header + bgra)


def make_dds_unimplemented_dxgi(path: Path, dxgi_format: int = 2) -> None:
    """A well-formed DDS whose DX10 pixel format Pillow does not decode.

    DXGI format 2 is R32G32B32A32_FLOAT: Pillow's DDS plugin raises ``NotImplementedError``
    ("Unimplemented DXGI format 2") while opening the header, an exception no list of decoder
    errors held.
    """
    width, height = 4, 4
    header = struct.pack("<4s7I", b"DDS ", 124, 0x1007, height, width, width * 16, 0, 1)
    header += b"\0" * 44  # reserved
    header += struct.pack("<2I4s5I", 32, 0x4, b"DX10", 0, 0, 0, 0, 0)  # pixel format: FOURCC
    header += struct.pack("<5I", 0x1000, 0, 0, 0, 0)  # caps, reserved
    dx10 = struct.pack("<5I", dxgi_format, 3, 0, 1, 0)  # format, 2-D texture, 1 element
    path.write_bytes(header + dx10 + b"\0" * (width * height * 16))


def make_tga_lookalike_ico(path: Path) -> None:
    """A valid 128x128 ICO (BMP-coded) whose first bytes also pass Pillow's TGA header check.

    Its first directory entry's data size (65,576 bytes) puts a 1 where TGA reads the pixel
    depth: once a process has opened a ``.tga`` file, Pillow tries TGA first and fails on it.
    """
    image = Image.new("RGBA", (128, 128), (40, 90, 160, 255))
    image.save(path, format="ICO", sizes=[(128, 128)], bitmap_format="bmp")
