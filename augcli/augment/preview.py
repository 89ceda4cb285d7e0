"""``augcli preview``: one picture with the original and n augmented samples, labelled.

Each sample is one copy of the pipeline on the image (copy index 0..n-1, the same draws that
``augcli augment`` with the same seed would make for an input whose relative path is the
image's file name), labelled with the ops that applied and their key values (each op's drawn
parameters describe themselves: :meth:`augcli.augment.ops.base.DrawnParams.describe`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from augcli.augment.config import PipelineSpec
from augcli.augment.pipeline import Pipeline
from augcli.contact_sheet import make_sheet
from augcli.imagefiles import DEFAULT_MAX_PIXELS, read_image

TILE_SIZE = 256


def to_display(image: np.ndarray) -> np.ndarray:
    """uint8 for viewing: 16-bit scaled down by 257, float clipped to [0, 1] times 255."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image // 257).astype(np.uint8)
    return np.clip(np.rint(np.clip(image, 0.0, 1.0) * 255.0), 0, 255).astype(np.uint8)


def thumbnail(image: np.ndarray, size: int = TILE_SIZE) -> np.ndarray:
    """Shrink a uint8 image to fit ``size`` x ``size`` (never enlarge)."""
    pil = Image.fromarray(image)
    pil.thumbnail((size, size), Image.Resampling.LANCZOS)
    return np.asarray(pil)


def preview_sheet(
    spec: PipelineSpec,
    image_path: str | Path,
    n: int,
    seed: int,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """The original and ``n`` augmented samples of one image, as a labelled uint8 RGB sheet.

    Parameters
    ----------
    spec : PipelineSpec
        The pipeline to show.
    image_path : str or pathlib.Path
        The image.
    n : int
        Number of samples (copies 0..n-1).
    seed : int
        The run seed.
    max_pixels : int or None
        Decompression-bomb limit, as for ``augment``.

    Returns
    -------
    numpy.ndarray
        H x W x 3 uint8.
    """
    path = Path(image_path)
    data = read_image(path, max_pixels=max_pixels)
    pipeline = Pipeline(spec)
    tiles = [thumbnail(to_display(data.array))]
    labels = [f"original {data.array.shape[1]}x{data.array.shape[0]}"]
    for copy in range(n):
        out, records = pipeline.run(data.array, seed, path.name, copy)
        tiles.append(thumbnail(to_display(out)))
        applied = [d for d in (r.describe() for r in records) if d]
        labels.append(f"#{copy}: " + (", ".join(applied) if applied else "(nothing applied)"))
    return make_sheet(tiles, labels)
