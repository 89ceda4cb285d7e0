"""The comparison grid of ``augcli pool``: the original and each method's result, labelled."""

from __future__ import annotations

import numpy as np
from PIL import Image

from augcli.contact_sheet import make_sheet
from augcli.pool.arrays import Source
from augcli.pool.options import PoolOptions
from augcli.pool.registry import METHODS

GRID_TILE = 384  # longest side of a grid tile, in pixels


def nearest(planes: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of the last two axes to ``height x width``."""
    rows = np.arange(height) * planes.shape[-2] // height
    cols = np.arange(width) * planes.shape[-1] // width
    return planes[..., rows[:, None], cols[None, :]]


def _display(planes: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Planes in [lo, hi] -> uint8 HxW or HxWxC for the grid."""
    span = hi - lo if hi > lo else 1.0
    scaled = np.clip(np.rint(np.nan_to_num((planes - lo) / span) * 255.0), 0, 255)
    array = scaled.astype(np.uint8)
    return np.moveaxis(array, 0, -1) if array.ndim == 3 else array


def _label(method: str, options: PoolOptions, out_shape: tuple[int, ...]) -> str:
    """``mixed lam=0.3 k2 s2 -> 6x5``: the method, its non-default parameters, seed, geometry."""
    spec = METHODS[method]
    params = options.params.get(method, {})
    geometry = options.geometry(method)
    parts = [method]
    for key, value in params.items():
        if value != spec.params[key].default:
            parts.append(f"{key}={value}")
    if method == "lip" and options.importance is not None:
        parts.append(f"G={options.importance.name}")
    if spec.draws(params):
        parts.append(f"seed {options.seed}")
    if geometry is not None:
        parts.append(geometry.describe())
    return " ".join(parts) + f" -> {out_shape[-2]}x{out_shape[-1]}"


def make_grid(source: Source, results: dict[str, np.ndarray], options: PoolOptions) -> np.ndarray:
    """The labelled comparison sheet: the original, then each method upscaled to its size."""
    planes = source.planes
    height, width = planes.shape[-2:]
    factor = min(1.0, GRID_TILE / max(height, width))
    dh, dw = max(1, round(height * factor)), max(1, round(width * factor))
    lo, hi = (0.0, 1.0) if source.scale != 1.0 else (np.nanmin(planes), np.nanmax(planes))
    original = _display(planes, lo, hi)
    if (dh, dw) != (height, width):
        original = np.asarray(Image.fromarray(original).resize((dw, dh), Image.Resampling.BOX))
    tiles = [original]
    labels = [f"original {height}x{width}"]
    for method, result in results.items():
        tiles.append(_display(nearest(result, dh, dw), lo, hi))
        labels.append(_label(method, options, result.shape))
    return make_sheet(tiles, labels)
