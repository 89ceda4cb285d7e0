"""``augcli preview``: one picture with the original and n augmented samples, labelled.

Each sample is one copy of the pipeline on the image (copy index 0..n-1, the same draws that
``augcli augment`` with the same seed would make for an input whose relative path is the
image's file name), labelled with the ops that applied and their key values (each op's drawn
parameters describe themselves: :meth:`augcli.augment.ops.base.DrawnParams.describe`).
With labels (masks, YOLO, COCO) each tile shows them moved with the sample: masks as a
translucent overlay, boxes and polygons outlined with their class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from augcli.augment.config import PipelineSpec
from augcli.augment.labels.apply import read_labels
from augcli.augment.labels.files import LabelOptions
from augcli.augment.labels.sample import draw_sample, sample_task
from augcli.augment.pipeline import Pipeline
from augcli.images.contact_sheet import make_sheet
from augcli.images.reading import DEFAULT_MAX_PIXELS, read_image

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
    labels: LabelOptions | None = None,
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
    labels : LabelOptions, optional
        Labels to draw: ``masks``, ``yolo``, ``coco`` each a 1-tuple ``(path,)`` (a file, or
        a folder holding one of the image's stem; COCO: the JSON file), plus ``mask_fill``.

    Returns
    -------
    numpy.ndarray
        H x W x 3 uint8.
    """
    path = Path(image_path)
    data = read_image(path, max_pixels=max_pixels)
    pipeline = Pipeline(spec)
    draw = _label_drawer(path, data.array.shape[:2], labels, max_pixels)
    tiles = [thumbnail(draw(to_display(data.array), []))]
    captions = [f"original {data.array.shape[1]}x{data.array.shape[0]}"]
    for copy in range(n):
        out, records, warps = pipeline.run_traced(data.array, seed, path.name, copy)
        tiles.append(thumbnail(draw(to_display(out), warps)))
        applied = [d for d in (r.describe() for r in records) if d]
        captions.append(f"#{copy}: " + (", ".join(applied) if applied else "(nothing applied)"))
    return make_sheet(tiles, captions)


def _label_drawer(path: Path, size: tuple[int, int], labels: LabelOptions | None, max_pixels):
    """A function drawing the image's labels on a display tile (or leaving it as it is)."""
    if labels is None or not labels.any:
        return lambda tile, warps: tile
    task, names = sample_task(path, labels)
    inputs = read_labels(task, size, max_pixels, labels)

    def draw(tile: np.ndarray, warps) -> np.ndarray:
        rgb = np.repeat(tile[..., None], 3, axis=2) if tile.ndim == 2 else tile[..., :3]
        if tile.ndim == 3 and tile.shape[2] == 2:
            rgb = np.repeat(tile[..., :1], 3, axis=2)
        return draw_sample(np.ascontiguousarray(rgb), inputs, warps, names, labels)

    return draw
