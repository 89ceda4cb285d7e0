"""Reading and writing image files: the only module of augcli that touches them.

Everything else works on numpy arrays of three dtypes: ``uint8``, ``uint16`` and ``float32``.
:func:`read_image` turns any Pillow mode into one of those (table below), applies the EXIF
orientation and refuses decompression bombs from the header alone; :func:`write_image` writes an
array back atomically (temporary file in the destination folder, then ``os.replace``).

=====================  ==========================  ==================  ======================
Pillow mode on disk    array                       ``ImageData.mode``  note
=====================  ==========================  ==================  ======================
1                      HxW uint8, 0 or 255         L                   written back as L
L                      HxW uint8                   L
LA, La                 HxWx2 uint8                 LA
P with transparency    HxWx4 uint8                 RGBA                also PA
P, grey palette        HxW uint8                   L                   no transparency
P without              HxWx3 uint8                 RGB
RGB, RGBX, CMYK,       HxWx3 uint8                 RGB                 converted by Pillow
YCbCr, LAB, HSV
RGBA, RGBa             HxWx4 uint8                 RGBA
I;16, I;16L/B/N        HxW uint16                  I;16
I (32-bit int)         HxW uint16                  I                   values must be 0..65535
F                      HxW float32                 F
=====================  ==========================  ==================  ======================

Multi-frame files (animated GIF/WebP/PNG, multi-page TIFF) give their first frame; the frame
count is in :attr:`ImageData.n_frames`. A Photoshop file gives its merged image. Nothing here
changes Pillow's global settings for longer than one call: ``ImageFile.LOAD_TRUNCATED_IMAGES``
is never touched (truncated files are errors) and ``Image.MAX_IMAGE_PIXELS`` is only lifted,
under a lock, for a read whose own limit is higher.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from augcli.core.atomic import atomic_write
from augcli.core.errors import InputError, OutputError
from augcli.images.decoding import bomb_message, decoder_notes, open_image, pillow_pixel_limit
from augcli.images.formats import (
    IMAGE_EXTENSIONS,
    MODE_DTYPES,
    WRITABLE_MODES,
    canonical_format,
    format_can_hold,
    format_for_path,
)
from augcli.images.release import image_consuming

DEFAULT_MAX_PIXELS: int = 89_478_485
"""Pillow's default ``Image.MAX_IMAGE_PIXELS``: larger images are refused unless asked for."""

ORIENTATION_TAG = 0x0112
"""Name prefix of the temporary files :func:`write_image` renames into place."""

PNG_COMPRESS_LEVEL = 1
"""zlib level for PNG output: ~2.5x faster than Pillow's default 6 on photos, files ~10% larger."""

TIFF_COMPRESSION: str | None = None
"""TIFF output is uncompressed: fastest to write and read, lossless, readable everywhere."""

_TO_RGB = frozenset({"RGB", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"})
_UINT16_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})


@dataclass(frozen=True, eq=False)
class ImageData:
    """A decoded image and what is needed to write it back.

    Attributes
    ----------
    array : numpy.ndarray
        HxW or HxWxC pixels, dtype ``uint8``, ``uint16`` or ``float32``; owned and writable.
    mode : str
        The Pillow mode to write the result in (one of L, LA, RGB, RGBA, I;16, I, F).
    format : str
        The source's Pillow format name ("JPEG", "PNG", ...).
    n_frames : int
        Number of frames in the source; only the first was decoded.
    transposed : bool
        The EXIF orientation turned or flipped the pixels (the file's bytes are not upright).
    notes : tuple of str
        Warnings the decoder raised (Pillow's "Truncated File Read" and the like), each once,
        for the caller to report with the path instead of as raw Python warnings.
    """

    array: np.ndarray
    mode: str
    format: str
    n_frames: int
    transposed: bool = False
    notes: tuple[str, ...] = ()


class EncodeError(OutputError):
    """An image cannot be encoded in the chosen format (the format, not the destination).

    ``reason`` is the message without the path (a caller may name another file).
    """

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.reason = reason


def decode_failure(exc: BaseException) -> str:
    """One line saying why a file could not be decoded, from any exception a decoder raised.

    Parameters
    ----------
    exc : BaseException
        What opening, decoding or converting the file raised.
    """
    if isinstance(exc, UnidentifiedImageError):
        return "not an image file Pillow can identify (unknown format or corrupt header)"
    if isinstance(exc, MemoryError):
        return "out of memory while decoding it"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    if isinstance(exc, OSError):
        return detail
    if isinstance(exc, NotImplementedError):
        return f"a variant of this format Pillow does not decode ({detail})"
    return f"corrupt image data ({type(exc).__name__}: {detail})"


def _grey_palette(im: Image.Image) -> bool:
    """True if every colour of a P image's RGB palette is grey (r == g == b)."""
    palette = im.getpalette(rawmode="RGB")
    if not palette:
        return False
    colours = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    return bool((colours == colours[:, :1]).all())


def _target_mode(im: Image.Image) -> str:
    """The mode an opened (not necessarily decoded) image is read into (module table)."""
    mode = im.mode
    if mode in ("L", "LA", "RGBA", "F", "I"):
        return mode
    if mode == "P":
        palette = im.palette  # None for some decoded P images (ICNS)
        has_alpha = "transparency" in im.info or (palette is not None and palette.mode == "RGBA")
        return "RGBA" if has_alpha else "L" if _grey_palette(im) else "RGB"
    simple = {"1": "L", "La": "LA", "RGBa": "RGBA", "PA": "RGBA"}
    if mode in simple:
        return simple[mode]
    if mode in _TO_RGB:
        return "RGB"
    if mode in _UINT16_MODES:
        return "I;16"
    raise ValueError(f"unsupported image mode {mode!r}")


def _to_array(im: Image.Image, path: object) -> tuple[np.ndarray, str]:
    """Convert a loaded Pillow image to an owned array and the mode to write it back in."""
    try:
        mode = _target_mode(im)
    except ValueError as exc:
        raise InputError(f"cannot read image {path}: {exc}") from None
    if mode == "I" and im.width * im.height:
        low, high = im.getextrema()
        if low < 0 or high > 65535:
            raise InputError(
                f"cannot read image {path}: 32-bit integer pixels range from {low} "
                f"to {high}; augcli supports integer images within 0..65535 only "
                "(convert it to 16-bit or float)"
            )
    return _pixels(im, mode), mode


BAND_BYTES = 1 << 22
"""About this many bytes of Pillow's image per band when copying pixels out (see _pixels)."""


def _pixels(im: Image.Image, mode: str) -> np.ndarray:
    """The pixels of a loaded image in ``mode``'s dtype (module table), as one owned array.

    Copied band by band (``crop``, ``convert`` when the modes differ, then into the array), so
    the only whole-image buffers are Pillow's decoded image and the result: no ``tobytes``
    copy of the whole image, no whole converted image.
    """
    dtype, channels = MODE_DTYPES["I;16" if mode == "I" else mode]
    width, height = im.size
    shape = (height, width) if channels == 1 else (height, width, channels)
    out = np.empty(shape, dtype=dtype)
    rows = max(1, BAND_BYTES // max(1, 4 * width * channels))
    for top in range(0, height, rows):
        band = im.crop((0, top, width, min(top + rows, height)))
        if band.mode != mode and mode not in ("I", "I;16"):
            band = band.convert(mode)
        out[top : top + band.height] = np.asarray(band)
    return out


def probe_mode(path: str | os.PathLike[str]) -> str:
    """The mode :func:`read_image` would return, from the file's header only (no decoding).

    Raises
    ------
    InputError
        The file cannot be opened as an image.
    """
    try:
        with pillow_pixel_limit(None), open_image(path) as im:  # warnings: read_image's
            return _target_mode(im)
    except InputError:
        raise
    except ValueError as exc:
        raise InputError(f"cannot read image {path}: {exc}") from None
    except Exception as exc:  # whatever a decoder raises fails this input, never the run
        raise InputError(f"cannot read image {path}: {decode_failure(exc)}") from None


def read_image(
    path: str | os.PathLike[str], *, max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> ImageData:
    """Read an image file into an array (first frame, EXIF orientation applied).

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.
    max_pixels : int or None, optional
        Refuse images whose header claims more than this many pixels, before decoding
        anything (decompression bombs). None means no limit. Default: Pillow's 89,478,485.

    Returns
    -------
    ImageData
        The pixels (mode table in the module docstring), the mode to write them back in, the
        source format and the number of frames. The EXIF orientation is applied to the pixels;
        EXIF itself is not kept.

    Raises
    ------
    InputError
        The file is missing, unreadable, not an image, truncated, corrupt, too large, or in a
        mode augcli does not support; the message names the path and gives one reason.
    """
    caught: list[warnings.WarningMessage] = []
    try:
        if os.path.isfile(path) and os.path.getsize(path) == 0:
            raise InputError(f"cannot read image {path}: the file is empty (0 bytes)")
        with pillow_pixel_limit(max_pixels, caught), open_image(path) as im:
            width, height = im.size
            if max_pixels is not None and width * height > max_pixels:
                raise InputError(bomb_message(path, max_pixels, (width, height)))
            fmt = im.format or "unknown"
            # Opened images stand at their first frame (a PSD at its merged image: its
            # "frames" are layers, not a sequence, and seeking to 0 would fail).
            n_frames = 1 if fmt == "PSD" else max(1, int(getattr(im, "n_frames", 1)))
            im.load()
            transposed = im.getexif().get(ORIENTATION_TAG, 1) not in (1, None)
            if transposed:  # else exif_transpose only copies
                im = ImageOps.exif_transpose(im)
            array, mode = _to_array(im, path)
    except InputError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's check, before ours could run
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(claimed.group(1)) if claimed else None
        raise InputError(bomb_message(path, max_pixels or DEFAULT_MAX_PIXELS, pixels)) from None
    except Exception as exc:  # whatever a decoder raises fails this input, never the run
        raise InputError(f"cannot read image {path}: {decode_failure(exc)}") from None
    return ImageData(array, mode, fmt, n_frames, transposed, decoder_notes(caught))


def _default_mode(array: np.ndarray) -> str:
    """The mode an array is written in when none is given (ValueError if none fits)."""
    channels = 1 if array.ndim == 2 else array.shape[2]
    for mode, (dtype, mode_channels) in MODE_DTYPES.items():
        if mode != "I" and array.dtype == dtype and channels == mode_channels:
            return mode
    raise ValueError(
        f"cannot write an array of dtype {array.dtype} and shape {array.shape}: expected "
        "uint8 HxW/HxWx2/HxWx3/HxWx4, uint16 HxW or float32 HxW"
    )


def _to_pil(array: np.ndarray, mode: str | None, fmt: str, consume: bool = False) -> Image.Image:
    """Build the Pillow image to save (ValueError if array and mode do not match).

    ``consume``: the caller gives ``array`` up; where Pillow copies the pixels into its own
    layout (RGB, LA, F), large arrays are copied a band at a time, each band's memory returned
    as it is copied (:mod:`augcli.images.release`), so the two copies are never whole together.
    """
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or 0 in array.shape[:2]:
        raise ValueError(f"cannot write an array of shape {array.shape} as an image")
    mode = mode or _default_mode(array)
    if mode not in MODE_DTYPES:
        raise ValueError(f"cannot write mode {mode!r}; one of {', '.join(WRITABLE_MODES)}")
    dtype, channels = MODE_DTYPES[mode]
    if array.dtype != dtype or (1 if array.ndim == 2 else array.shape[2]) != channels:
        raise ValueError(
            f"mode {mode} needs a {np.dtype(dtype).name} array with {channels} channel(s), "
            f"got {array.dtype} of shape {array.shape}"
        )
    array = np.ascontiguousarray(array)
    if mode == "I" and fmt == "TIFF":
        return Image.fromarray(array.astype(np.int32))
    if consume and (image := image_consuming(array)) is not None:
        return image
    return Image.fromarray(array)  # uint16 "I" into PNG is stored as I;16: same values


def _save_options(fmt: str, quality: int) -> dict[str, object]:
    """Encoder options per format: quality for the lossy ones, speed for the lossless ones."""
    if fmt in ("JPEG", "WEBP", "AVIF"):
        return {"quality": quality}
    if fmt == "PNG":
        return {"compress_level": PNG_COMPRESS_LEVEL}
    return {"compression": TIFF_COMPRESSION} if fmt == "TIFF" else {}


def write_image(
    array: np.ndarray,
    path: str | os.PathLike[str],
    *,
    mode: str | None = None,
    format: str | None = None,
    quality: int = 95,
    atomic: bool = True,
    consume: bool = False,
) -> None:
    """Write an array to an image file atomically.

    The image goes to a temporary file named ``TEMP_PREFIX + random + extension`` in the
    destination folder, which is then renamed over ``path`` with ``os.replace``; on any failure,
    KeyboardInterrupt included, the temporary file is removed and ``path`` is untouched. No
    fsync: a crash leaves the old file or the new one, a power cut may leave neither.

    Parameters
    ----------
    array : numpy.ndarray
        uint8 HxW, HxWx2, HxWx3 or HxWx4; uint16 HxW; or float32 HxW (HxWx1 counts as HxW).
    path : str or os.PathLike
        Destination; its folder must exist.
    mode : str, optional
        Pillow mode to write (normally :attr:`ImageData.mode`); default from the array: L, LA,
        RGB, RGBA, I;16 or F. Mode I takes a uint16 array (PNG stores it as 16-bit).
    format : str, optional
        Pillow format name; default from the extension (jpg/jpeg, png, webp, tif/tiff, bmp, gif).
    quality : int, optional
        JPEG and WebP quality, 1..100 (default 95). PNG uses :data:`PNG_COMPRESS_LEVEL`, TIFF is
        uncompressed (:data:`TIFF_COMPRESSION`).
    atomic : bool, optional
        False writes ``path`` itself (removed again on failure): for callers whose ``path`` is
        already a temporary name they rename later, like the augment runner.
    consume : bool, optional
        True when the caller gives ``array`` up and never reads it again: a large array that
        Pillow must copy (RGB, LA, F) is then copied band by band, the memory of each band
        returned as it goes, so that the array and its copy are not both whole at once (the
        array's contents are undefined afterwards). The file's bytes are the same.

    Raises
    ------
    EncodeError
        A format that cannot hold the mode (:func:`format_can_hold`) or an encoder that
        refuses the image (a subclass of OutputError: the format, not the destination).
    OutputError
        Unknown extension, or an OS error (permission, disk full, read-only file system,
        missing folder).
    ValueError
        The array's dtype or shape fits no writable mode, or does not match ``mode``.
    """
    path = Path(path)
    fmt = canonical_format(format) if format else format_for_path(path)
    if fmt is None:
        raise OutputError(
            f"cannot write {path}: unknown image extension {path.suffix!r} "
            f"(use one of {', '.join(sorted(IMAGE_EXTENSIONS))})"
        )
    image = _to_pil(array, mode, fmt, consume)
    del array  # a consumed array's pages are gone: nothing here reads it again
    reason = format_can_hold(fmt, mode or image.mode, path.suffix)
    if reason is not None:
        raise EncodeError(path, reason)
    with atomic_write(path, atomic=atomic) as handle:
        try:
            image.save(handle, format=fmt, **_save_options(fmt, quality))
        except OSError as exc:
            if exc.errno is not None:
                raise  # the destination: disk full, permissions (OutputError, see atomic_write)
            raise EncodeError(path, f"the {fmt} encoder failed ({_one_line(exc)})") from None
        except Exception as exc:  # any other refusal is this image's, not the destination's
            raise EncodeError(path, f"the {fmt} encoder refused it ({_one_line(exc)})") from None


def _one_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
