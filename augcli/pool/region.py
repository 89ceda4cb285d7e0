"""Which part of the input a pool picture shows: ``--zoom``, the detail region, tile sampling.

Tiles are sampled by nearest neighbour (whole enlargement factors), so pooled cells stay
visible; the automatic region is the square of highest gradient energy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from augcli.core.errors import InputError, UsageError

DETAIL_CELLS = 24  # pooled cells across the automatic zoom region


@dataclass(frozen=True)
class Region:
    """A rectangle of the input in input pixels: left ``x``, top ``y``, width ``w``, height ``h``.

    ``auto`` marks a region chosen by :func:`detail_region` (said so in the legend).
    """

    x: int
    y: int
    w: int
    h: int
    auto: bool = False

    def describe(self) -> str:
        """``x=96 y=160 48x48`` (the top-left corner, then WxH)."""
        return f"x={self.x} y={self.y} {self.w}x{self.h}"

    def check(self, height: int, width: int, name: str) -> None:
        """Refuse a region that does not lie inside a ``width x height`` input."""
        if self.x + self.w > width or self.y + self.h > height:
            raise InputError(
                f"{name}: --zoom {self.x},{self.y},{self.w},{self.h} reaches outside the "
                f"{width}x{height} input; give X + W <= {width} and Y + H <= {height}"
            )


def parse_zoom(text: str) -> Region:
    """``"X,Y,W,H"`` (input pixels, ``X, Y >= 0``, ``W, H >= 1``) -> :class:`Region`."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or min(values[:2]) < 0 or min(values[2:]) < 1:
        raise UsageError(
            f"--zoom must be X,Y,W,H in input pixels (X, Y >= 0; W, H >= 1), got {text!r}"
        )
    return Region(*values)


def detail_region(planes: np.ndarray, cell: int) -> Region:
    """The square window of highest gradient energy, ``DETAIL_CELLS`` pooled cells wide.

    Parameters
    ----------
    planes : numpy.ndarray
        ``(..., H, W)``; leading axes are averaged into one grey plane (NaN counts as 0).
    cell : int
        Input pixels per pooled cell; the window side is ``DETAIL_CELLS * cell`` (at most the
        input) and its corner lies on a multiple of ``cell``. The first maximum wins.

    Returns
    -------
    Region
        With ``auto=True``.
    """
    height, width = planes.shape[-2:]
    grey = np.nan_to_num(np.asarray(planes, dtype=np.float64).reshape(-1, height, width)).mean(0)
    energy = np.zeros((height, width))
    energy[:, :-1] += np.diff(grey, axis=1) ** 2
    energy[:-1, :] += np.diff(grey, axis=0) ** 2
    side_h, side_w = min(height, DETAIL_CELLS * cell), min(width, DETAIL_CELLS * cell)
    side_h = side_w = min(side_h, side_w)
    integral = np.zeros((height + 1, width + 1))
    integral[1:, 1:] = energy.cumsum(0).cumsum(1)
    ys = np.arange(0, height - side_h + 1, max(1, cell))
    xs = np.arange(0, width - side_w + 1, max(1, cell))
    y0, x0 = ys[:, None], xs[None, :]
    sums = (
        integral[y0 + side_h, x0 + side_w]
        - integral[y0, x0 + side_w]
        - integral[y0 + side_h, x0]
        + integral[y0, x0]
    )
    iy, ix = np.unravel_index(int(np.argmax(sums)), sums.shape)
    return Region(int(xs[ix]), int(ys[iy]), side_w, side_h, auto=True)


def tile_size(region: Region, longest: int) -> tuple[int, int]:
    """(height, width) of a tile showing ``region``: enlarged by the largest whole factor that
    keeps its longest side within ``longest``, or shrunk to ``longest`` if already larger."""
    side = max(region.w, region.h)
    if side <= longest:
        factor = longest // side
        return region.h * factor, region.w * factor
    return max(1, round(region.h * longest / side)), max(1, round(region.w * longest / side))


def sample(
    planes: np.ndarray, region: Region, size: tuple[int, int], full: tuple[int, int]
) -> np.ndarray:
    """Nearest-neighbour view of ``region`` of an input of size ``full`` from ``planes``.

    ``planes`` is ``(..., Ho, Wo)``: the input itself or a pooled result, whose cell
    ``(i * Ho // H, j * Wo // W)`` stands for input pixel ``(i, j)`` (as ``--upscale``).

    Returns
    -------
    numpy.ndarray
        ``(..., size[0], size[1])``.
    """
    height, width = full
    out_h, out_w = planes.shape[-2:]
    in_rows = region.y + np.arange(size[0]) * region.h // size[0]
    in_cols = region.x + np.arange(size[1]) * region.w // size[1]
    rows = in_rows * out_h // height
    cols = in_cols * out_w // width
    return planes[..., rows[:, None], cols[None, :]]


def tile_values(
    planes: np.ndarray, region: Region, size: tuple[int, int], full: tuple[int, int]
) -> np.ndarray:
    """:func:`sample` as float64, whatever the dtype of ``planes`` (signed differences follow)."""
    return sample(planes, region, size, full).astype(np.float64, copy=False)


def nearest(planes: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of the last two axes to ``height x width`` (``--upscale``)."""
    full = Region(0, 0, width, height)
    return sample(planes, full, (height, width), (height, width))


def shrink(planes: np.ndarray, region: Region, size: tuple[int, int]) -> np.ndarray:
    """Box-filtered view of ``region`` of input ``planes`` at ``size`` (for shrinking)."""
    crop = np.asarray(planes, dtype=np.float64)[
        ..., region.y : region.y + region.h, region.x : region.x + region.w
    ]
    flat = crop.reshape(-1, region.h, region.w)
    out = [
        np.asarray(
            Image.fromarray(plane.astype(np.float32)).resize(
                (size[1], size[0]), Image.Resampling.BOX
            )
        )
        for plane in flat
    ]
    return np.stack(out).reshape(*crop.shape[:-2], *size).astype(np.float64)
