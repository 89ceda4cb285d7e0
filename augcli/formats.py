"""Image file formats: which extensions are images, and which modes each output format holds."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

FORMAT_EXTENSIONS: dict[str, str] = {
    "JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "WEBP": ".webp", "BMP": ".bmp", "GIF": ".gif"
}  # fmt: skip
"""Pillow format name -> the extension augcli gives files it writes in that format."""

EXTENSION_FORMATS: dict[str, str] = {
    **{ext: fmt for fmt, ext in FORMAT_EXTENSIONS.items()}, ".jpeg": "JPEG", ".tiff": "TIFF"
}  # fmt: skip
"""Lower-case extension -> Pillow format name."""

IMAGE_EXTENSIONS: frozenset[str] = frozenset(EXTENSION_FORMATS)
"""Extensions (lower-case, with the dot) augcli treats as images; compare case-insensitively."""

# Modes each output format stores without losing channels or bit depth (JPEG/WebP pixel
# values are lossy, as asked for). L in WebP and GIF is stored as grey RGB / grey palette.
FORMAT_MODES: dict[str, frozenset[str]] = {
    "JPEG": frozenset({"L", "RGB"}),
    "PNG": frozenset({"L", "LA", "RGB", "RGBA", "I;16", "I"}),
    "TIFF": frozenset({"L", "LA", "RGB", "RGBA", "I;16", "I", "F"}),
    "WEBP": frozenset({"L", "LA", "RGB", "RGBA"}),
    "BMP": frozenset({"L", "RGB"}),
    "GIF": frozenset({"L"}),
}
# Writable mode -> (array dtype, channels); the order is the default-mode lookup order.
MODE_DTYPES: dict[str, tuple[type, int]] = {
    "L": (np.uint8, 1), "LA": (np.uint8, 2), "RGB": (np.uint8, 3), "RGBA": (np.uint8, 4),
    "I;16": (np.uint16, 1), "I": (np.uint16, 1), "F": (np.float32, 1),
}  # fmt: skip
WRITABLE_MODES = tuple(MODE_DTYPES)


def format_for_path(path: str | os.PathLike[str]) -> str | None:
    """Return the Pillow format name for a file's extension, or None if it is not an image.

    Parameters
    ----------
    path : str or os.PathLike
        A file name; only its extension (case-insensitive) matters.

    Returns
    -------
    str or None
        "JPEG", "PNG", "TIFF", "WEBP", "BMP", "GIF" or None.
    """
    return EXTENSION_FORMATS.get(Path(path).suffix.lower())


def format_can_hold(format: str, mode: str) -> str | None:
    """Say whether an output format stores a mode without losing channels or bit depth.

    Parameters
    ----------
    format : str
        Pillow format name, case-insensitive ("JPEG", "png", ...).
    mode : str
        A mode of :attr:`ImageData.mode` (L, LA, RGB, RGBA, I;16, I, F).

    Returns
    -------
    str or None
        None if it can; otherwise a one-line reason, e.g.
        "JPEG cannot store an alpha channel (mode RGBA)".

    Notes
    -----
    Lossy compression (JPEG, WebP) is not a refusal. WebP stores L as grey RGB and LA as RGBA,
    which read back with 3 or 4 equal colour channels; GIF stores L as a grey palette, read back
    as L. GIF refuses RGB (it would be quantized to 256 colours); BMP refuses alpha (Pillow reads
    it back as RGB). PNG holds mode I because its arrays are uint16 (stored as I;16).
    """
    fmt = canonical_format(format)
    if fmt not in FORMAT_MODES:
        return f"unsupported output format {format!r} (use one of {', '.join(FORMAT_MODES)})"
    if mode not in WRITABLE_MODES:
        return f"augcli does not write mode {mode!r} (one of {', '.join(WRITABLE_MODES)})"
    if mode in FORMAT_MODES[fmt]:
        return None
    if mode in ("LA", "RGBA"):
        return f"{fmt} cannot store an alpha channel (mode {mode})"
    if mode in ("I;16", "I"):
        return f"{fmt} cannot store 16-bit images (mode {mode})"
    if mode == "F":
        return f"{fmt} cannot store 32-bit float images (mode F)"
    return f"{fmt} stores at most 256 colours, mode {mode} would be quantized"


def canonical_format(name: str) -> str:
    """Pillow format name from a user's spelling ("jpg" -> "JPEG", "tif" -> "TIFF")."""
    upper = name.upper()
    return {"JPG": "JPEG", "TIF": "TIFF"}.get(upper, upper)
