"""The comparison picture of ``augcli pool`` on a ``.npy`` feature map: a channel montage.

One row per method (the original first), one tile per channel (the first ``--channels K`` of
the first sample, at most 16 side by side, then another block below), every tile enlarged by
nearest neighbour and coloured with one shared sequential colormap whose range (the minimum and
maximum of everything shown) is given by the colour bar under the montage. With ``--diff`` each
row is followed by its signed difference against the reference, per channel, on one shared
symmetric diverging scale.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from augcli.pool.arrays import Source
from augcli.pool.display import (
    DIVERGING,
    SEQUENTIAL,
    colormap,
    colour_bar,
    diverging,
    font,
    number,
    stack,
    symmetric_scale,
    text_lines,
)
from augcli.pool.grid import common_geometry, label
from augcli.pool.options import PoolOptions
from augcli.pool.region import Region, tile_size, tile_values

MONTAGE_TILE = 128  # longest side of a channel tile, in pixels
MONTAGE_COLUMNS = 16  # channels side by side; more continue in another block below
GAP = 4
MARGIN = 8
FONT_SIZE = 14


def first_sample(planes: np.ndarray) -> tuple[np.ndarray, int]:
    """Planes ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)`` -> the first sample ``(C, H, W)``
    and the sample count."""
    if planes.ndim == 2:
        return planes[None], 1
    if planes.ndim == 4:
        return planes[0], planes.shape[0]
    return planes, 1


def value_range(rows: list[np.ndarray]) -> tuple[float, float]:
    """The minimum and maximum finite value over ``rows`` ((0, 1) when none is finite)."""
    finite = [r[np.isfinite(r)] for r in rows]
    finite = [f for f in finite if f.size]
    if not finite:
        return 0.0, 1.0
    return min(float(f.min()) for f in finite), max(float(f.max()) for f in finite)


def montage_rows(
    source: Source,
    results: dict[str, np.ndarray],
    options: PoolOptions,
    reference: np.ndarray | None = None,
    name: str = "input",
) -> tuple[list[tuple[str, np.ndarray]], list[tuple[str, np.ndarray]] | None, Region]:
    """The rows of the montage as values at tile size, before colouring.

    Returns
    -------
    rows : list of (str, numpy.ndarray)
        Caption and ``(K, th, tw)`` values for the original and each method.
    diffs : list of (str, numpy.ndarray) or None
        With ``--diff``: caption and ``(K, th, tw)`` signed differences, one per row.
    region : Region
        The region shown (``--zoom``, or the whole map).
    """
    planes, _ = first_sample(source.planes)
    channels, height, width = planes.shape
    k = min(options.channels, channels)
    region = options.zoom if isinstance(options.zoom, Region) else Region(0, 0, width, height)
    region.check(height, width, name)
    size = tile_size(region, MONTAGE_TILE)
    full = (height, width)
    rows = [(f"original {width}x{height}", tile_values(planes[:k], region, size, full))]
    for method, result in results.items():
        values = tile_values(first_sample(result)[0][:k], region, size, full)
        rows.append((label(method, options, result.shape), values))
    if options.diff is None:
        return rows, None, region
    if options.diff == "original":
        ref = rows[0][1]
    else:
        ref = tile_values(first_sample(reference)[0][:k], region, size, full)
    diffs = [(f"  - {options.diff}", values - ref) for _, values in rows]
    return rows, diffs, region


def _grid(rows: list[tuple[str, np.ndarray]], header: list[str]) -> np.ndarray:
    """Rows of RGB tiles ``(K, th, tw, 3)`` with a caption column on the left, a header on top."""
    face = font(FONT_SIZE)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_w = max(int(scratch.textlength(text, font=face)) for text, _ in rows) + 2 * GAP
    k, th, tw = rows[0][1].shape[:3]
    column_w = max(tw, max(int(scratch.textlength(h, font=face)) for h in header)) + GAP
    header_h = FONT_SIZE + 8
    image = Image.new(
        "RGB", (label_w + k * column_w, header_h + len(rows) * (th + GAP)), (255, 255, 255)
    )
    draw = ImageDraw.Draw(image)
    for c, text in enumerate(header):
        draw.text((label_w + c * column_w, 2), text, fill=(0, 0, 0), font=face)
    for r, (text, tiles) in enumerate(rows):
        y = header_h + r * (th + GAP)
        draw.text((0, y + max(0, (th - FONT_SIZE) // 2)), text, fill=(0, 0, 0), font=face)
        for c in range(k):
            image.paste(Image.fromarray(tiles[c]), (label_w + c * column_w, y))
    return np.asarray(image)


def make_montage(
    source: Source,
    results: dict[str, np.ndarray],
    options: PoolOptions,
    reference: np.ndarray | None = None,
    name: str = "input",
) -> np.ndarray:
    """The montage picture of a feature map, uint8 ``H x W x 3``.

    Parameters
    ----------
    source : Source
        The ``.npy`` input.
    results : dict
        Method -> pooled planes.
    options : PoolOptions
        ``channels``, ``zoom`` (a region; no automatic zoom for feature maps) and ``diff``.
    reference : numpy.ndarray, optional
        Pooled planes of the ``--diff`` reference (``max`` or ``avg``).
    name : str
        The input, for messages.

    Returns
    -------
    numpy.ndarray
        Header, rows, colour bar(s) and legend lines.
    """
    rows, diffs, region = montage_rows(source, results, options, reference, name)
    lo, hi = value_range([values for _, values in rows])
    span = hi - lo if hi > lo else 1.0
    coloured = [(text, colormap((values - lo) / span, SEQUENTIAL)) for text, values in rows]
    scale = symmetric_scale(*(d for _, d in diffs)) if diffs else 1.0
    if diffs:
        pairs = zip(coloured, diffs, strict=True)
        coloured = [row for top, (t, d) in pairs for row in (top, (t, diverging(d, scale)))]
    k = rows[0][1].shape[0]
    blocks = [  # at most MONTAGE_COLUMNS channels side by side; more continue below
        _grid(
            [(text, tiles[start : start + MONTAGE_COLUMNS]) for text, tiles in coloured],
            [f"channel {c}" for c in range(start, min(k, start + MONTAGE_COLUMNS))],
        )
        for start in range(0, k, MONTAGE_COLUMNS)
    ]
    grid = stack(blocks, gap=2 * GAP)
    bar_w = min(grid.shape[1], 384)
    mid = number((lo + hi) / 2)
    parts = [grid, colour_bar(bar_w, SEQUENTIAL, (number(lo), mid, number(hi)))]
    if diffs:
        s = number(scale)
        parts.append(colour_bar(bar_w, DIVERGING, (f"-{s}", "0", f"+{s}")))
    parts.append(
        text_lines(legend_lines(source, options, region, k, (lo, hi), scale), grid.shape[1])
    )
    body = stack(parts, gap=6)
    framed = np.full((body.shape[0] + 2 * MARGIN, body.shape[1] + 2 * MARGIN, 3), 255, np.uint8)
    framed[MARGIN:-MARGIN, MARGIN:-MARGIN] = body
    return framed


def legend_lines(
    source: Source,
    options: PoolOptions,
    region: Region,
    k: int,
    value_span: tuple[float, float],
    scale: float,
) -> list[str]:
    """The lines under the montage: input, channels and sample shown, geometry, colour scales."""
    planes, samples = first_sample(source.planes)
    channels, height, width = planes.shape
    shape = "x".join(str(n) for n in source.shape)
    first = f"input {shape} ({source.layout}); channels 0-{k - 1} of {channels}"
    if samples > 1:
        first += f", sample 0 of {samples}"
    common, different = common_geometry(options)
    geometry = f"geometry {common}" if common else "global pooling"
    for method, described in different.items():
        geometry += f" ({method}: {described})"
    if options.levels > 1:
        geometry += f", applied {options.levels} times in a row"
    lines = [first, f"{geometry}; tiles enlarged by nearest neighbour"]
    if (region.w, region.h) != (width, height):
        lines.append(f"zoom {region.describe()} of {width}x{height}")
    lo, hi = value_span
    lines.append(
        f"one colour scale for every tile: {number(lo)} (dark) to {number(hi)} (yellow), "
        "the range of everything shown; grey = NaN"
    )
    if options.diff is not None:
        lines.append(
            f"rows '- {options.diff}': tile - {options.diff} per channel, blue below, red "
            f"above, one scale ±{number(scale)}"
        )
    return lines
