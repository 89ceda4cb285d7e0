"""The comparison picture of ``augcli pool`` on an image: tiles, zoom, difference rows, legend.

Each panel is a caption (method, non-default parameters, seed, output WxH, display mapping)
above a tile showing the same input region: the original, then every method's result enlarged
by nearest neighbour, so single pooled cells stay visible. With ``--diff`` each tile has a
signed difference image under it (tile minus the reference, mean over channels) with its colour
bar. A legend under the grid gives the geometry, the zoom region and the conventions once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from augcli.images.contact_sheet import make_sheet
from augcli.pool.arrays import Source
from augcli.pool.display import (
    DIVERGING,
    Mapping,
    colour_bar,
    colour_planes,
    diverging,
    intensity_mapping,
    number,
    stack,
    symmetric_scale,
    text_lines,
    to_rgb,
)
from augcli.pool.options import PoolOptions
from augcli.pool.region import Region, detail_region, shrink, tile_size, tile_values
from augcli.pool.registry import METHODS

GRID_TILE = 384  # longest side of a grid tile, in pixels
ZOOM_BOX = (230, 0, 0)
LEGEND_FONT = 16


@dataclass
class Panel:
    """One tile of the picture: its caption, pixels, and signed difference (tile size, or None).

    ``mapping`` says how the tile's values became ``pixels``.
    """

    caption: str
    pixels: np.ndarray
    mapping: Mapping | None = None
    diff: np.ndarray | None = None


def common_geometry(options: PoolOptions) -> tuple[str, dict[str, str]]:
    """The geometry most methods share, and the methods that differ from it (own defaults)."""
    described = {m: g.describe() for m in options.methods if (g := options.geometry(m)) is not None}
    if not described:
        return "", {}
    values = list(described.values())
    common = max(dict.fromkeys(values), key=values.count)
    return common, {m: d for m, d in described.items() if d != common}


def label(method: str, options: PoolOptions, out_shape: tuple[int, ...]) -> str:
    """``mixed lam=0.3 seed 1 -> 6x5``: the method, its non-default parameters, seed, WxH."""
    spec = METHODS[method]
    params = options.params.get(method, {})
    parts = [method]
    for key, value in params.items():
        if value != spec.params[key].default:
            parts.append(f"{key}={value}")
    parts.extend(
        f"{extra.caption}={path.name}" for extra, path in options.inputs(method) if extra.caption
    )
    if spec.draws(params):
        parts.append(f"seed {options.seed}")
    different = common_geometry(options)[1]
    if method in different:
        parts.append(different[method])
    return " ".join(parts) + f" -> {out_shape[-1]}x{out_shape[-2]}"


def choose_region(
    source: Source, results: dict[str, np.ndarray], options: PoolOptions, name: str
) -> Region:
    """The input region every tile shows: ``--zoom``, the detail region, or the whole input."""
    height, width = source.planes.shape[-2:]
    if isinstance(options.zoom, Region):
        options.zoom.check(height, width, name)
        return options.zoom
    whole = Region(0, 0, width, height)
    if options.zoom is None:
        return whole
    cells = [
        max(math.ceil(height / r.shape[-2]), math.ceil(width / r.shape[-1]))
        for r in results.values()
        if r.shape[-2:] != (1, 1)
    ]
    region = detail_region(source.planes, max(cells, default=1))
    return whole if (region.w, region.h) == (width, height) else region


def _reduce(diff: np.ndarray) -> np.ndarray:
    """A signed difference ``(C, H, W)`` -> ``(H, W)``: the mean over colour channels."""
    diff = colour_planes(diff)
    return diff.mean(axis=0) if diff.ndim == 3 else diff


def make_panels(
    source: Source,
    results: dict[str, np.ndarray],
    options: PoolOptions,
    reference: np.ndarray | None = None,
    name: str = "input",
) -> tuple[list[Panel], Region]:
    """The panels of the picture (without the overview) and the region they show.

    Parameters
    ----------
    source : Source
        The image.
    results : dict
        Method -> pooled planes ``(..., Ho, Wo)``.
    options : PoolOptions
        ``zoom`` and ``diff`` are used here.
    reference : numpy.ndarray, optional
        Pooled planes of the ``--diff`` reference (``max`` or ``avg``); ignored for
        ``original`` and without ``--diff``.
    name : str
        The input, for messages.

    Returns
    -------
    (list of Panel, Region)
    """
    planes = source.planes
    full = planes.shape[-2:]
    region = choose_region(source, results, options, name)
    size = tile_size(region, GRID_TILE)
    if size[0] >= region.h:
        original = tile_values(planes, region, size, full)
    else:
        original = shrink(planes, region, size)
    whole = (region.w, region.h) == (full[1], full[0])
    title = f"original {full[1]}x{full[0]}"
    if not whole:
        title = f"original, zoom {region.describe()}" + (" (auto)" if region.auto else "")
    shown = [(title, planes, original)]
    for method, result in results.items():
        shown.append(
            (label(method, options, result.shape), result, tile_values(result, region, size, full))
        )
    ref = None
    if options.diff == "original":
        ref = original
    elif options.diff is not None and reference is not None:
        ref = tile_values(reference, region, size, full)
    panels = []
    for caption, values_all, values in shown:
        mapping = intensity_mapping(values_all)
        diff = None if ref is None else _reduce(values - ref)
        panels.append(
            Panel(
                f"{caption}\n{mapping.caption(source.scale)}",
                mapping.to_uint8(values),
                mapping,
                diff,
            )
        )
    return panels, region


def overview(source: Source, region: Region) -> Panel:
    """The whole original, small, with the zoom region outlined."""
    height, width = source.planes.shape[-2:]
    whole = Region(0, 0, width, height)
    size = tile_size(whole, GRID_TILE)
    if size[0] >= height:
        values = tile_values(source.planes, whole, size, (height, width))
    else:
        values = shrink(source.planes, whole, size)
    mapping = intensity_mapping(source.planes)
    image = Image.fromarray(to_rgb(mapping.to_uint8(values)))
    fy, fx = size[0] / height, size[1] / width
    box = (
        math.floor(region.x * fx),
        math.floor(region.y * fy),
        math.ceil((region.x + region.w) * fx) - 1,
        math.ceil((region.y + region.h) * fy) - 1,
    )
    ImageDraw.Draw(image).rectangle(box, outline=ZOOM_BOX, width=2)
    caption = f"original {width}x{height}, red box = zoom\n{mapping.caption(source.scale)}"
    return Panel(caption, np.asarray(image))


def diff_scale(diff: np.ndarray, unit: float) -> float:
    """The symmetric scale of one difference image: its largest ``|d|``, so nothing saturates;
    at least half a step of the input's units (``0.5 / unit``), so round-off stays white."""
    return max(symmetric_scale(diff), 0.5 / unit if unit > 1.0 else 1e-6)


def legend_lines(source: Source, options: PoolOptions, region: Region) -> list[str]:
    """The lines under the grid: input size and geometry once, zoom, diff, display mapping."""
    height, width = source.planes.shape[-2:]
    common, different = common_geometry(options)
    geometry = f"geometry {common}" if common else "global pooling"
    for method, described in different.items():
        geometry += f" ({method}: {described})"
    if options.levels > 1:
        geometry += f", applied {options.levels} times in a row"
    lines = [f"input {width}x{height}; {geometry}; tiles enlarged by nearest neighbour"]
    if (region.w, region.h) != (width, height):
        how = "chosen: most gradient energy" if region.auto else "given by --zoom"
        lines.append(f"zoom {region.describe()} ({how}); --no-zoom shows whole tiles")
    if options.diff is not None:
        units = f"input units, 0-{number(source.scale)}" if source.scale != 1.0 else "values"
        lines.append(
            f"under each tile: tile - {options.diff}, mean over channels; blue below, red above; "
            f"each on its own scale ({units}), given by the bar under it"
        )
    lines.append(
        "clip [a,b]: an intensity shown as is; min-max [a,b]: not an intensity, scaled from a to b"
    )
    if np.isnan(source.planes).any():
        lines.append("NaN values are shown black in tiles and grey in differences")
    return lines


def make_grid(
    source: Source,
    results: dict[str, np.ndarray],
    options: PoolOptions,
    reference: np.ndarray | None = None,
    name: str = "input",
) -> np.ndarray:
    """The labelled comparison picture of an image, uint8 ``H x W x 3``.

    Parameters
    ----------
    source, results, options, reference, name
        As in :func:`make_panels`.

    Returns
    -------
    numpy.ndarray
        The sheet: panels (an overview of the whole original first when zoomed), then the
        legend lines under it.
    """
    panels, region = make_panels(source, results, options, reference, name)
    cells, captions = [], []
    if (region.w, region.h) != tuple(source.planes.shape[-1:-3:-1]):
        first = overview(source, region)
        cells.append(first.pixels)
        captions.append(first.caption)
    for panel in panels:
        parts = [panel.pixels]
        if panel.diff is not None:
            scale = diff_scale(panel.diff, source.scale)
            s = number(scale * source.scale)
            parts.append(diverging(panel.diff, scale))
            labels = (f"-{s}", "0", f"+{s}") if panel.diff.any() else ("", "no difference", "")
            bar = colour_bar(panel.pixels.shape[1], DIVERGING, labels, 14)
            parts.append(bar)
        cells.append(stack(parts))
        captions.append(panel.caption)
    sheet = make_sheet(cells, captions)
    legend = text_lines(legend_lines(source, options, region), sheet.shape[1] - 16, LEGEND_FONT)
    return _with_legend(sheet, legend)


def _with_legend(sheet: np.ndarray, legend: np.ndarray) -> np.ndarray:
    """The sheet with the legend under it, indented like the sheet's margin."""
    return stack([sheet, stack([legend], left=8), np.full((8, 1, 3), 255, np.uint8)], gap=0)
