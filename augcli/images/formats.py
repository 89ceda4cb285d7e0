"""Image file formats: which extensions are images, and which modes each output format holds.

Inputs are every still-image format the installed Pillow reads (:data:`IMAGE_EXTENSIONS`,
a static table checked against Pillow's registry by the tests, so importing it stays cheap).
Outputs are written in the formats of :data:`FORMAT_MODES`, each holding the modes listed
without losing channels or bit depth; :func:`same_format_extension` says where an input keeps
its own format under ``--format same`` and where it falls back to PNG (TIFF for float).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np

FORMAT_EXTENSIONS: dict[str, str] = {
    "JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "WEBP": ".webp", "BMP": ".bmp", "GIF": ".gif",
}  # fmt: skip
"""The ``--format`` choices (and BMP, GIF) -> the extension augcli gives files it writes."""

_READ: dict[str, tuple[str, ...]] = {
    "AVIF": (".avif", ".avifs"), "BLP": (".blp",), "BMP": (".bmp",), "CUR": (".cur",),
    "DCX": (".dcx",), "DDS": (".dds",), "DIB": (".dib",), "FITS": (".fit", ".fits"),
    "FLI": (".fli", ".flc"), "FTEX": (".ftc", ".ftu"), "GBR": (".gbr",), "GIF": (".gif",),
    "ICNS": (".icns",), "ICO": (".ico",), "IM": (".im",),
    "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"), "MPO": (".mpo",),
    "JPEG2000": (".jp2", ".j2k", ".jpc", ".jpf", ".jpx", ".j2c"), "MSP": (".msp",),
    "PCD": (".pcd",), "PCX": (".pcx",), "PIXAR": (".pxr",), "PNG": (".png", ".apng"),
    "PPM": (".pbm", ".pgm", ".ppm", ".pnm", ".pfm"), "PSD": (".psd",), "QOI": (".qoi",),
    "SGI": (".sgi", ".rgb", ".rgba", ".bw"), "SUN": (".ras",),
    "TGA": (".tga", ".icb", ".vda", ".vst"), "TIFF": (".tif", ".tiff"), "WEBP": (".webp",),
    "XBM": (".xbm",), "XPM": (".xpm",),
}  # fmt: skip
# Pillow registers these too, but they are not pixel images it decodes by itself: EPS/PS need
# Ghostscript, WMF/EMF, BUFR, GRIB and HDF5 are stubs without a handler, MPEG and IPTC
# only identify. PDF and PALM are write-only.
NOT_READ = frozenset({"EPS", "WMF", "BUFR", "GRIB", "HDF5", "MPEG", "IPTC", "PDF", "PALM"})


def _readable() -> dict[str, str]:
    table = {ext: fmt for fmt, exts in _READ.items() for ext in exts}
    if importlib.util.find_spec("PIL._avif") is None:  # a Pillow built without AVIF
        for ext in _READ["AVIF"]:
            del table[ext]
    return table


EXTENSION_FORMATS: dict[str, str] = _readable()
"""Lower-case extension -> Pillow format name, for every extension augcli reads."""

IMAGE_EXTENSIONS: frozenset[str] = frozenset(EXTENSION_FORMATS)
"""Extensions (lower-case, with the dot) augcli treats as images; compare case-insensitively."""

# Modes each output format stores without losing channels or bit depth (JPEG/WebP/AVIF pixel
# values are lossy, as asked for). L in WebP and GIF is stored as grey RGB / grey palette.
_GREY16 = frozenset({"L", "I;16", "I"})
FORMAT_MODES: dict[str, frozenset[str]] = {
    "JPEG": frozenset({"L", "RGB"}),
    "PNG": frozenset({"L", "LA", "RGB", "RGBA", "I;16", "I"}),
    "TIFF": frozenset({"L", "LA", "RGB", "RGBA", "I;16", "I", "F"}),
    "WEBP": frozenset({"L", "LA", "RGB", "RGBA"}),
    "BMP": frozenset({"L", "RGB"}),
    "GIF": frozenset({"L"}),
    "AVIF": frozenset({"L", "RGB", "RGBA"}),
    "DDS": frozenset({"L", "LA", "RGB", "RGBA"}),
    "JPEG2000": frozenset({"L", "LA", "RGB", "RGBA", "I;16", "I"}),
    "PCX": frozenset({"L", "RGB"}),
    "PPM": frozenset({"L", "RGB", "I;16", "I"}),
    "QOI": frozenset({"RGB", "RGBA"}),
    "SGI": frozenset({"L", "RGB", "RGBA"}),
    "TGA": frozenset({"L", "LA", "RGB", "RGBA"}),
}
# The PPM family's extension says what its header may hold (Pillow writes by mode alone).
EXTENSION_MODES: dict[str, frozenset[str]] = {
    ".pbm": frozenset(),  # black and white only: augmented pixels are grey levels
    ".pgm": _GREY16,
    ".pfm": frozenset({"F"}),
}
# What ``--format same`` never keeps: GIF (256 colours) and the formats augcli does not write.
SAME_FALLBACK = frozenset({"GIF"})
# Modes a file of a format can be read as; formats not listed may give any mode.
_READ_MODES: dict[str, frozenset[str]] = {
    "JPEG": frozenset({"L", "RGB"}),
    "PNG": FORMAT_MODES["PNG"],
    "WEBP": frozenset({"RGB", "RGBA"}),
    "TIFF": FORMAT_MODES["TIFF"],
    "PCX": frozenset({"L", "RGB"}),
    "QOI": frozenset({"RGB", "RGBA"}),
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
        "JPEG", "PNG", "TIFF", "PPM", ... or None.
    """
    return EXTENSION_FORMATS.get(Path(path).suffix.lower())


def format_can_hold(format: str, mode: str, ext: str | None = None) -> str | None:
    """Say whether an output format stores a mode without losing channels or bit depth.

    Parameters
    ----------
    format : str
        Pillow format name, case-insensitive ("JPEG", "png", ...).
    mode : str
        A mode of :attr:`ImageData.mode` (L, LA, RGB, RGBA, I;16, I, F).
    ext : str, optional
        The file's extension, where it narrows the format (``.pbm``, ``.pgm``, ``.pfm``).

    Returns
    -------
    str or None
        None if it can; otherwise a one-line reason, e.g.
        "JPEG cannot store an alpha channel (mode RGBA)".

    Notes
    -----
    Lossy compression (JPEG, WebP, AVIF) is not a refusal. WebP stores L as grey RGB and LA as
    RGBA, which read back with 3 or 4 equal colour channels; GIF stores L as a grey palette,
    read back as L. GIF refuses RGB (it would be quantized to 256 colours); BMP refuses alpha
    (Pillow reads it back as RGB). PNG holds mode I because its arrays are uint16 (stored as
    I;16).
    """
    fmt = canonical_format(format)
    if fmt not in FORMAT_MODES:
        return f"unsupported output format {format!r} (use one of {', '.join(FORMAT_MODES)})"
    if mode not in WRITABLE_MODES:
        return f"augcli does not write mode {mode!r} (one of {', '.join(WRITABLE_MODES)})"
    modes = EXTENSION_MODES.get((ext or "").lower(), FORMAT_MODES[fmt])
    if mode in modes:
        return None
    name = ext.lstrip(".").upper() if ext and ext.lower() in EXTENSION_MODES else fmt
    if mode in ("LA", "RGBA"):
        return f"{name} cannot store an alpha channel (mode {mode})"
    if mode in ("I;16", "I"):
        return f"{name} cannot store 16-bit images (mode {mode})"
    if mode == "F":
        return f"{name} cannot store 32-bit float images (mode F)"
    if name == "PBM":
        return "PBM stores only black and white"
    if name == "GIF":
        return f"GIF stores at most 256 colours, mode {mode} would be quantized"
    return f"{name} cannot store mode {mode}"


def needs_probe(src_ext: str, out_format: str, out_ext: str | None = None) -> bool:
    """Whether some file with extension ``src_ext`` may hold a mode ``out_format`` cannot.

    When False, every mode such a file can be read as is stored by ``out_format``, so its
    header need not be opened to decide.
    """
    src = EXTENSION_FORMATS.get(src_ext.lower())
    possible = _READ_MODES.get(src or "", frozenset(WRITABLE_MODES))
    return any(format_can_hold(out_format, m, out_ext) for m in possible)


def same_format_extension(src_ext: str, mode: str | None) -> tuple[str, str | None]:
    """``--format same``: the output extension of an input, and why it changed (None if not).

    Parameters
    ----------
    src_ext : str
        The input's extension as written (kept, case and all, when the format holds the mode).
    mode : str or None
        The mode the input is read as; None when :func:`needs_probe` says it does not matter.

    Returns
    -------
    (str, str or None)
        The output extension and, when it is not the input's, the reason: the input becomes
        PNG, or TIFF for float images.
    """
    fmt = EXTENSION_FORMATS.get(src_ext.lower(), "")
    reason = None
    if fmt in SAME_FALLBACK:
        reason = f"{fmt} stores at most 256 colours"
    elif fmt not in FORMAT_MODES:
        reason = f"augcli does not write {fmt or src_ext} files"
    elif mode is not None:
        reason = format_can_hold(fmt, mode, src_ext)
    if reason is None:
        return src_ext, None
    return (".tif" if mode == "F" else ".png"), reason


def canonical_format(name: str) -> str:
    """Pillow format name from a user's spelling ("jpg" -> "JPEG", "tif" -> "TIFF")."""
    upper = name.upper()
    return {"JPG": "JPEG", "TIF": "TIFF"}.get(upper, upper)
