"""Around one Pillow decode: opening by extension, the pixel limit, bombs, decoder warnings.

:func:`open_image` opens a regular file only (through the gate: a FIFO or device is never
read) and asks the format its extension names first, then every format in one fixed order, so
what a file is identified as never depends on what the process opened before (Pillow's own
order does: it moves a format it was asked for by extension to the front). Pillow keeps its
decompression-bomb limit in a global and reports odd files with Python warnings;
:func:`pillow_pixel_limit` lifts the one (under a lock, restored) and records the other for
one read, so that the caller reports them once per input with its path.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, UnidentifiedImageError

from augcli.core.gate import open_regular
from augcli.images.formats import format_for_path

_PIXEL_LIMIT_LOCK = threading.Lock()

# Extensions whose Pillow format has no opener of its own (MPO files are opened as JPEG).
_OPENED_AS = {"MPO": "JPEG"}
_fixed_order: tuple[str, ...] = ()


def identification_order() -> tuple[str, ...]:
    """Every format Pillow opens, in a fixed order: those that check a signature first.

    Formats without a signature check (TGA, IM, PCD, SPIDER...) come last, since they would
    take a file of another format for theirs. The order is the same in every process,
    whatever was opened before (Pillow's ``Image.ID`` is not).
    """
    global _fixed_order
    if not _fixed_order:
        Image.init()
        signed = sorted(f for f, (_, accept) in Image.OPEN.items() if accept is not None)
        unsigned = sorted(f for f, (_, accept) in Image.OPEN.items() if accept is None)
        _fixed_order = (*signed, *unsigned)
    return _fixed_order


@contextmanager
def open_image(path: str | os.PathLike[str], label: str = "image") -> Iterator[Image.Image]:
    """Open an image file (header only), by its extension's format first.

    The file must be a regular file (:func:`augcli.core.gate.open_regular`). Pillow is asked
    for the format the extension names; only when that format does not recognise the file
    (a mislabelled file), every format is tried in :func:`identification_order`. A file the
    extension's format recognises but cannot open fails with that format's error.

    Parameters
    ----------
    path : str or os.PathLike
        The image file.
    label : str
        What the file is, for the gate's messages (``image``, ``mask``).

    Raises
    ------
    InputError
        Not a regular file, or missing or unreadable (from the gate).
    PIL.UnidentifiedImageError
        No format recognises the file.
    Exception
        Whatever the recognising format's opener raises on a broken file.
    """
    fmt = format_for_path(path)
    fmt = _OPENED_AS.get(fmt or "", fmt)
    with open_regular(path, label) as handle:
        image = None
        if fmt is not None:
            identification_order()  # every plugin registered, in a known order
            if fmt in Image.OPEN:
                try:
                    image = Image.open(handle, formats=[fmt])
                except UnidentifiedImageError:
                    handle.seek(0)
        if image is None:
            image = Image.open(handle, formats=identification_order())
        with image:
            yield image


@contextmanager
def pillow_pixel_limit(
    max_pixels: int | None, caught: list[warnings.WarningMessage] | None = None
) -> Iterator[None]:
    """Keep Pillow's own bomb check from refusing what ``max_pixels`` allows, for one read.

    Warnings are recorded in ``caught`` (Pillow's bomb warning dropped) instead of shown, with
    ``warnings.catch_warnings`` (restored on exit). Pillow's global limit is only lifted when
    ``max_pixels`` is None or above it: under a lock held for the whole read, restored in
    ``finally``; our own header check applies in every case.

    Parameters
    ----------
    max_pixels : int or None
        The caller's own limit (None: none).
    caught : list of warnings.WarningMessage, optional
        Receives the warnings raised during the read.
    """
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            pillow_limit = Image.MAX_IMAGE_PIXELS
            if pillow_limit is None or (max_pixels is not None and max_pixels <= pillow_limit):
                yield
                return
            with _PIXEL_LIMIT_LOCK:
                saved = Image.MAX_IMAGE_PIXELS
                Image.MAX_IMAGE_PIXELS = None
                try:
                    yield
                finally:
                    Image.MAX_IMAGE_PIXELS = saved
        finally:
            if caught is not None:
                caught.extend(recorded)


def decoder_notes(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    """Each distinct warning message once, in order (the notes of one input).

    Parameters
    ----------
    caught : list of warnings.WarningMessage
        What :func:`pillow_pixel_limit` recorded.
    """
    return tuple(dict.fromkeys(str(w.message).strip() or w.category.__name__ for w in caught))


def bomb_message(path: object, max_pixels: int, size: tuple[int, int] | int | None) -> str:
    """The refusal of an image larger than ``max_pixels``.

    Parameters
    ----------
    path : object
        The file, as the message names it.
    max_pixels : int
        The limit.
    size : (int, int) or int or None
        ``(width, height)`` from the header, a pixel count from Pillow's message, or unknown.
    """
    if isinstance(size, tuple):
        dims = f"{size[0]}x{size[1]} = {size[0] * size[1]:,} pixels"
    else:
        dims = f"{size:,} pixels" if size else "too many pixels"
    return (
        f"cannot read image {path}: {dims}, more than the limit of {max_pixels:,} "
        "(a possible decompression bomb); raise the pixel limit if you trust this file"
    )
