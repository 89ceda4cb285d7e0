"""``augcli preview``: one picture with the original and n augmented samples, labelled.

Each sample is one copy of the pipeline on the image (copy index 0..n-1, the same draws that
``augcli augment`` with the same seed would make for an input whose relative path is the
image's file name), labelled with the ops that applied and their key values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from augcli.augment.config import PipelineSpec
from augcli.augment.pipeline import OpRecord, Pipeline
from augcli.contact_sheet import make_sheet
from augcli.imagefiles import DEFAULT_MAX_PIXELS, read_image

TILE_SIZE = 256


def describe(record: OpRecord) -> str | None:
    """A short label for one applied step (None when its ``p`` coin skipped it)."""
    if not record.applied:
        return None
    p: Any = record.params
    match record.op:
        case "flip":
            return f"flip {p.direction[0]}"
        case "rotate":
            return f"rotate {p.angle:+.1f}°" + (" exp" if p.expand else "")
        case "scale":
            return f"scale {p.factor:.2f}"
        case "crop":
            return f"crop {p.height}x{p.width}"
        case "translate":
            return f"translate {p.dx:+.0f},{p.dy:+.0f}px"
        case "gaussian_noise":
            return f"noise std {p.std:.3f}"
        case "salt_and_pepper":
            return f"s&p {p.amount:.3f}"
    return record.op


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
        applied = [d for d in (describe(r) for r in records) if d]
        labels.append(f"#{copy}: " + (", ".join(applied) if applied else "(nothing applied)"))
    return make_sheet(tiles, labels)
