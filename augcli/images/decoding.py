"""Around one Pillow decode: its global pixel limit, the bomb refusal, and decoder warnings.

Pillow keeps its decompression-bomb limit in a global and reports odd files with Python
warnings; :func:`pillow_pixel_limit` lifts the one (under a lock, restored) and records the
other for one read, so that the caller reports them once per input with its path.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image

_PIXEL_LIMIT_LOCK = threading.Lock()


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
