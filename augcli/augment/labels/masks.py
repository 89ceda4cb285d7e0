"""Segmentation masks: read (L, P, I;16, I, 1), warp like their image (nearest), write as PNG.

A mask is warped with the same transforms as its image, nearest-neighbour, with the image's
fill mode (reflected content keeps reflected labels); the constant fill is ``--mask-fill``.
Nearest-neighbour never invents a value: every output value occurs in the input or is the
fill. Exact maps (flips, right angles, whole-pixel shifts, crops without resize) are pure
re-indexing. A palette (P) mask keeps its palette, its values being palette indices.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from augcli.augment.kernels.warp import warp
from augcli.augment.labels.geometry import Warp
from augcli.core.errors import InputError
from augcli.images.decoding import open_image
from augcli.images.reading import DEFAULT_MAX_PIXELS, decode_failure

MASK_MODES = ("L", "P", "I;16", "I", "1")
MASK_EXTENSION = ".png"


@dataclass(frozen=True, eq=False)
class Mask:
    """A decoded mask: HxW values (uint8 or uint16), and the palette of a P mask."""

    array: np.ndarray
    palette: list[int] | None = None

    @property
    def max_value(self) -> int:
        """The largest value the mask's dtype holds."""
        return int(np.iinfo(self.array.dtype).max)


def read_mask(path: str | os.PathLike[str], max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Mask:
    """Read a single-channel mask file.

    Raises
    ------
    InputError
        Unreadable, too large, or not single-channel (modes L, P, I;16, I, 1 are allowed;
        mode I values must be 0..65535).
    """
    try:
        with open_image(path, "--masks") as im:  # through the gate: a FIFO is never read
            w, h = im.size
            if max_pixels is not None and w * h > max_pixels:
                raise InputError(f"mask {path}: {w}x{h} pixels, more than the limit {max_pixels}")
            mode = im.mode
            if mode.startswith("I;16"):
                mode = "I;16"
            if mode not in MASK_MODES:
                raise InputError(
                    f"mask {path}: mode {im.mode} is not a single-channel mask "
                    f"(allowed: {', '.join(MASK_MODES)})"
                )
            im.load()
            palette = im.getpalette() if mode == "P" else None
            array = _pixels(im)
    except InputError:
        raise
    except Exception as exc:  # whatever a decoder raises fails this input, never the run
        raise InputError(f"cannot read mask {path}: {decode_failure(exc)}") from None
    if mode == "1":
        array = array.astype(np.uint8) * 255
    elif mode in ("I;16", "I"):
        if array.size and (array.min() < 0 or array.max() > 65535):
            raise InputError(f"mask {path}: mode I values must be within 0..65535")
        array = array.astype(np.uint16)
    return Mask(np.ascontiguousarray(array), palette)


BAND_BYTES = 1 << 20
"""About this many bytes of a mask per band when copying it out of Pillow (see _pixels)."""


def _pixels(im: Image.Image) -> np.ndarray:
    """A loaded mask's pixels as ``numpy.array(im)`` gives them, copied a band of rows at a time.

    ``numpy.array(im)`` goes through ``tobytes``: a whole extra copy of the mask beside Pillow's
    image and the array. Here only small bands are extra.
    """
    width, height = im.size
    if not width * height:
        return np.array(im)
    first = np.asarray(im.crop((0, 0, width, 1)))
    out = np.empty((height, width), dtype=first.dtype)
    rows = max(1, BAND_BYTES // max(1, width * first.itemsize))
    for top in range(0, height, rows):
        out[top : top + rows] = np.asarray(im.crop((0, top, width, min(top + rows, height))))
    return out


def warp_mask(mask: Mask, warps: Sequence[Warp], fill_value: int) -> Mask:
    """``mask`` moved by ``warps`` in order, nearest-neighbour, one resampling per warp.

    Masks are always resampled by Pillow (whatever the pipeline's resampler), so label outputs
    keep the bytes they had when Pillow was the default resampler.

    Parameters
    ----------
    mask : Mask
        The input mask (not modified).
    warps : sequence of Warp
        From :meth:`augcli.augment.pipeline.Pipeline.run_traced`.
    fill_value : int
        The value of pixels from outside the mask when a warp's fill is constant.

    Raises
    ------
    InputError
        ``fill_value`` does not fit the mask's dtype.
    """
    if not 0 <= fill_value <= mask.max_value:
        raise InputError(
            f"--mask-fill {fill_value} does not fit a {mask.array.dtype} mask (0..{mask.max_value})"
        )
    array = mask.array
    for w in warps:
        if array.shape[:2] != w.in_shape:
            raise InputError(f"mask is {array.shape[1]}x{array.shape[0]}, image differs")
        # Pillow whatever the image's resampler: label bytes as they always were.
        array = warp(array, w.transform, w.fill, float(fill_value), "nearest", "pillow")  # type: ignore[arg-type]
    if array is mask.array:
        array = array.copy()
    return Mask(array, mask.palette)


def write_mask(mask: Mask, path: str | os.PathLike[str]) -> None:
    """Write ``mask`` as a PNG at ``path`` (not atomic: the runner renames it into place)."""
    if mask.palette is not None:
        im = Image.frombytes("P", mask.array.shape[::-1], mask.array.tobytes())
        im.putpalette(mask.palette)
    else:
        im = Image.fromarray(mask.array)
    im.save(path, format="PNG", compress_level=1)
