"""Segmentation masks as a label format: found by stem, warped as rasters, written as PNG.

The raster kernels live in :mod:`augcli.augment.labels.masks`; this module is the edge:
where an image's mask is, reading it checked against its image, the manifest entry, drawing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from augcli.augment.labels.draw import overlay_mask
from augcli.augment.labels.formats.base import FolderState, LabelFormat, digest
from augcli.augment.labels.geometry import Warp
from augcli.augment.labels.masks import MASK_EXTENSION, Mask, read_mask, warp_mask, write_mask
from augcli.core.errors import InputError, UsageError
from augcli.images.formats import IMAGE_EXTENSIONS


def find_mask(
    folder: Path, stem: str, listing: dict[str, list[str]]
) -> tuple[str | None, str | None]:
    """The mask of an image with ``stem`` in ``folder`` (``listing``: stem -> image names).

    Returns ``(path, None)`` or ``(None, why not)``.
    """
    names = listing.get(stem, [])
    if len(names) == 1:
        return str(folder / names[0]), None
    if not names:
        return None, f"no mask {folder / stem}.* (any image extension)"
    return None, f"several masks for one image: {', '.join(str(folder / n) for n in names)}"


def mask_listing(folder: Path) -> dict[str, list[str]]:
    """Image files in ``folder`` by stem (sorted names; an absent folder lists nothing)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return {}
    by_stem: dict[str, list[str]] = {}
    for name in names:
        stem, ext = os.path.splitext(name)
        if ext.lower() in IMAGE_EXTENSIONS and not name.startswith("."):
            by_stem.setdefault(stem, []).append(name)
    return by_stem


class MasksFormat(LabelFormat):
    """``--masks SRC DST``: one mask image per input, same stem, any image extension."""

    name = "masks"
    key = "mask"
    extension = MASK_EXTENSION
    help = (
        "Mask folder mirroring SRC (same stem, any image extension) and where the moved "
        "masks go (PNG)."
    )
    preview_help = "Segmentation mask of IMAGE (a file, or a folder holding one of the same stem)."
    summary = "segmentation masks (L, P, I;16, I, 1), warped nearest-neighbour, written as PNG"
    example = "--masks masks/ out_masks/"

    def check_paths(self, pair: tuple[str, str], src: Path, dst: Path) -> Path:
        """As every folder format; and neither the masks nor their outputs inside SRC."""
        found = super().check_paths(pair, src, dst)
        if src.is_dir():
            real_src = src.resolve()
            for what, path in (("folder", found), ("destination", Path(pair[1]).resolve())):
                if path.is_relative_to(real_src):
                    raise UsageError(
                        f"--masks {what} {path} is inside SRC {src}: masks would be augmented "
                        "as images; keep masks beside the images, not among them"
                    )
        return found

    def enter(self, state: FolderState, pair: tuple[str, str], rel: str) -> None:
        """List the folder's mask files by stem."""
        state.cache = mask_listing(Path(pair[0]) / rel)

    def source(self, state, pair, rel, name, key, path):  # type: ignore[no-untyped-def]
        """The one mask of the image's stem (several or none: the input fails)."""
        return find_mask(Path(pair[0]) / rel, os.path.splitext(name)[0], state.cache)

    def preview_source(self, arg: str, image: Path) -> tuple[str | None, str | None, Any]:
        """A mask file, or the folder's mask of IMAGE's stem."""
        if os.path.isdir(arg):
            src, problem = find_mask(Path(arg), image.stem, mask_listing(Path(arg)))
            return src, problem, None
        if os.path.isfile(arg):
            return arg, None, None
        raise UsageError(f"--masks {arg}: no such file or folder")

    def read(self, source: str, size: tuple[int, int], options: Any, max_pixels: int | None):
        """The mask, which must be its image's size."""
        mask = read_mask(source, max_pixels)
        if mask.array.shape != size:
            raise InputError(
                f"mask {source} is {mask.array.shape[1]}x{mask.array.shape[0]}, its image "
                f"{size[1]}x{size[0]}"
            )
        return mask

    def write(self, data: Mask, warps, out_size, options, temp, rel, output_name) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        """Warp the mask (fill ``--mask-fill``) and write it as PNG."""
        write_mask(warp_mask(data, warps, options.mask_fill), temp)  # type: ignore[arg-type]
        return {"file": rel, **digest(temp)}  # type: ignore[arg-type]

    def draw(
        self, rgb: np.ndarray, data: Mask, warps: Sequence[Warp], options: Any, names: Any
    ) -> np.ndarray:
        """The moved mask as a translucent overlay."""
        moved = warp_mask(data, warps, options.mask_fill)
        return overlay_mask(rgb, moved.array, moved.palette)
