"""Giving memory back to the OS: large allocations mapped, pages of consumed arrays released.

An encoder needs the pixels in its own layout (Pillow keeps RGB at 4 bytes per pixel), so
writing an image copies it once. When the caller gives the array up, :func:`image_consuming`
makes the copy a band of rows at a time and returns the pages of the bands already copied with
``madvise(MADV_DONTNEED)``: the two whole-image buffers are never alive together.
:func:`map_large_allocations` keeps glibc from serving large blocks (Pillow's 16 MiB image
blocks, image-sized temporaries) from its heap, where freed memory stays in the process.
Linux only; elsewhere (or for arrays that are not plain owned memory) nothing is released and
memory is used as before.
"""

from __future__ import annotations

import ctypes
import mmap
import sys

import numpy as np
from PIL import Image

MADV_DONTNEED = 4
"""Linux's ``MADV_DONTNEED``: private anonymous pages read back as zeros, their memory freed."""
_LIBC: list = []


def _madvise():
    """libc's ``madvise`` (None where it is missing or this is not Linux)."""
    if not _LIBC:
        function = None
        if sys.platform.startswith("linux"):
            try:
                function = ctypes.CDLL(None).madvise
                function.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
                function.restype = ctypes.c_int
            except (OSError, AttributeError):
                function = None
        _LIBC.append(function)
    return _LIBC[0]


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
MMAP_THRESHOLD = 4 << 20
"""Allocations from this size up get their own mapping, returned to the OS when freed."""
TRIM_THRESHOLD = 16 << 20
"""Free memory at the top of glibc's heap beyond this is returned to the OS."""


def map_large_allocations() -> bool:
    """Make glibc map every allocation of :data:`MMAP_THRESHOLD` or more (once per process).

    glibc raises its mapping threshold each time a mapped block is freed, up to 32 MiB, so after
    the first image Pillow's blocks and image-sized temporaries come from the heap, whose freed
    memory stays in the process: measured at 12 MP, a worker's peak held ~1.3 decoded images
    more. A fixed threshold keeps them mapped (freed memory goes back at once); smaller
    allocations keep the heap's speed.

    Returns
    -------
    bool
        True where glibc took the settings (Linux with glibc), else False (nothing changed).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    mapped = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(mapped and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def releasable(array: np.ndarray) -> bool:
    """True if ``array``'s pages can be released: Linux, C-contiguous, writable, and its memory
    its own or that of an array nothing else refers to.

    The second case is a whole-array view such as a reshaped result (OpenCV's warps); a view
    of an array someone else still holds (a crop of the source image) never qualifies.
    """
    flags = array.flags
    if _madvise() is None or not (flags.c_contiguous and flags.writeable and array.nbytes):
        return False
    if flags.owndata:
        return True
    owner = array.base
    # References to the owner: ``array.base``, ``owner`` here and getrefcount's argument.
    return (
        isinstance(owner, np.ndarray)
        and owner.base is None
        and owner.flags.owndata
        and sys.getrefcount(owner) <= 3
    )


def release_bytes(array: np.ndarray, start: int, stop: int) -> int:
    """Return to the OS the whole pages of ``array``'s bytes ``[start, stop)``.

    Only for an array its caller owns and never reads again in that range (the bytes read back
    as zeros afterwards); a no-op where :func:`releasable` is False.

    Parameters
    ----------
    array : numpy.ndarray
        The array whose memory is given up (see :func:`releasable`).
    start, stop : int
        Byte offsets into the array's data; pages only partly inside are kept.

    Returns
    -------
    int
        Bytes released (0 where nothing could be).
    """
    return _advise(array, start, stop) if releasable(array) else 0


def _advise(array: np.ndarray, start: int, stop: int) -> int:
    """:func:`release_bytes` once :func:`releasable` said yes."""
    start, stop = max(0, start), min(array.nbytes, stop)
    page = mmap.PAGESIZE
    base = array.ctypes.data
    low = -(-(base + start) // page) * page
    high = (base + stop) // page * page
    if high <= low or _madvise()(low, high - low, MADV_DONTNEED) != 0:
        return 0
    return high - low


CONSUME_BYTES = 1 << 23
"""Arrays from this size up are handed to Pillow band by band by :func:`image_consuming`."""
BAND_BYTES = 1 << 20
"""About this many bytes of the array per band (the only memory the copy adds beyond Pillow's)."""


def copied_by_pillow(array: np.ndarray) -> bool:
    """True if ``Image.fromarray`` copies ``array`` (RGB, LA, F) rather than mapping it (L, RGBA,
    I;16 share the array's memory)."""
    return array.dtype == np.float32 or (array.ndim == 3 and array.shape[2] in (2, 3))


def image_consuming(array: np.ndarray) -> Image.Image | None:
    """``Image.fromarray(array)``, copied a band of rows at a time and each band released.

    Parameters
    ----------
    array : numpy.ndarray
        C-contiguous pixels the caller gives up (undefined afterwards).

    Returns
    -------
    PIL.Image.Image or None
        The same image as ``Image.fromarray(array)``; None (nothing done) for arrays under
        :data:`CONSUME_BYTES`, that Pillow maps without a copy, or whose pages cannot be
        released (:func:`releasable`).
    """
    if array.nbytes < CONSUME_BYTES or not copied_by_pillow(array) or not releasable(array):
        return None
    height, width = array.shape[:2]
    row_bytes = array.nbytes // height
    rows = max(1, BAND_BYTES // row_bytes)
    image = None
    for top in range(0, height, rows):
        bottom = min(top + rows, height)
        band = Image.fromarray(array[top:bottom])
        if image is None:
            image = Image.new(band.mode, (width, height), None)  # zeroed pages, not touched
        image.paste(band, (0, top))
        del band
        # From the page before the band: the page it shares with the previous band is done too.
        _advise(array, top * row_bytes - mmap.PAGESIZE, bottom * row_bytes)
    return image
