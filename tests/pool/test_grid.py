"""The image comparison picture: tiles, zoom region, difference rows, display mapping, legend.

Inputs are synthetic images whose correct picture is known: a checkerboard of 4x4 squares
(every 2x2 window uniform, so max = avg) with two single-pixel dots where max and avg pooling
must differ, and a ramp whose power-sum pooling leaves [0, 1] and must be min-max scaled.
Oracles: ``skimage.measure.block_reduce`` and ``np.kron`` (nearest enlargement).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image
from skimage.measure import block_reduce

from augcli.pool.arrays import load_source
from augcli.pool.display import DIVERGING, diverging
from augcli.pool.grid import (
    GRID_TILE,
    ZOOM_BOX,
    diff_scale,
    legend_lines,
    make_grid,
    make_panels,
    overview,
)
from augcli.pool.options import make_options
from augcli.pool.region import Region
from augcli.pool.run import pool_source

WHITE = DIVERGING[len(DIVERGING) // 2]


def checkerboard() -> np.ndarray:
    """16x16 uint8: 4x4 squares of 0/255, a bright dot at (5, 6), a dark dot at (1, 5)."""
    rows, cols = np.indices((16, 16))
    image = (((rows // 4 + cols // 4) % 2) * 255).astype(np.uint8)
    image[5, 6] = 255  # in a dark square: cell (2, 3) max 255, avg 63.75
    image[1, 5] = 0  # in a bright square: cell (0, 2) max 255, avg 191.25
    return image


def picture_inputs(tmp_path, image, methods, **picture):
    path = tmp_path / "in.png"
    Image.fromarray(image).save(path)
    source = load_source(path)
    options = make_options(methods, seed=0, **picture)
    results = {
        m: pool_source(source, m, options, np.random.default_rng(0)) for m in options.methods
    }
    return source, results, options


def test_checkerboard_max_and_avg_differ_exactly_at_the_dotted_cells(tmp_path):
    image = checkerboard()
    source, results, options = picture_inputs(
        tmp_path, image, ("max,avg",), no_zoom=True, diff="avg"
    )
    panels, region = make_panels(source, results, options, results["avg"])
    assert region == Region(0, 0, 16, 16)
    factor = GRID_TILE // 16  # 24 display pixels per input pixel, 48 per pooled cell
    original, max_panel, avg_panel = panels
    np.testing.assert_array_equal(original.pixels, np.kron(image, np.ones((factor, factor))))
    max_cells = block_reduce(image, (2, 2), np.max)
    avg_cells = np.rint(block_reduce(image.astype(float), (2, 2), np.mean))
    blocks = np.ones((2 * factor, 2 * factor))
    np.testing.assert_array_equal(max_panel.pixels, np.kron(max_cells, blocks))
    np.testing.assert_array_equal(avg_panel.pixels, np.kron(avg_cells, blocks))
    expect = np.zeros((8, 8))
    expect[2, 3], expect[0, 2] = 191.25 / 255, 63.75 / 255
    np.testing.assert_allclose(max_panel.diff, np.kron(expect, blocks), atol=1e-12)
    assert not avg_panel.diff.any()  # the reference against itself
    colours = diverging(max_panel.diff, diff_scale(max_panel.diff, 255.0))
    np.testing.assert_array_equal(colours[2 * 48 + 5, 3 * 48 + 5], DIVERGING[-1])  # the peak
    partial = colours[0 * 48 + 5, 2 * 48 + 5]  # a third of the peak: lighter red
    assert partial[0] > partial[2] and partial[1] > DIVERGING[-1][1]
    np.testing.assert_array_equal(colours[300, 300], WHITE)


def test_zoom_region_shows_input_pixels_and_pooled_cells_enlarged(tmp_path):
    image = checkerboard()
    source, results, options = picture_inputs(tmp_path, image, ("max",), zoom="4,4,4,4")
    panels, region = make_panels(source, results, options)
    assert region == Region(4, 4, 4, 4)
    original, max_panel = panels
    assert original.pixels.shape == (GRID_TILE, GRID_TILE)
    np.testing.assert_array_equal(original.pixels, np.kron(image[4:8, 4:8], np.ones((96, 96))))
    max_cells = block_reduce(image, (2, 2), np.max)[2:4, 2:4]
    np.testing.assert_array_equal(max_panel.pixels, np.kron(max_cells, np.ones((192, 192))))
    assert original.caption.startswith("original, zoom x=4 y=4 4x4\n")


def test_zoom_outside_the_input_names_the_file(tmp_path):
    source, results, options = picture_inputs(tmp_path, checkerboard(), ("max",), zoom="10,0,8,8")
    with pytest.raises(Exception, match=r"in.png: --zoom 10,0,8,8 reaches outside the 16x16"):
        make_panels(source, results, options, name="in.png")


def test_ramp_power_sum_is_min_max_scaled_and_says_its_range(tmp_path):
    image = np.tile((np.arange(16) * 17).astype(np.uint8), (8, 1))  # 0..255 left to right
    source, results, options = picture_inputs(tmp_path, image, ("avg,power",), no_zoom=True)
    panels, _ = make_panels(source, results, options)
    x = image / 255.0
    power = np.sqrt(block_reduce(x**2, (2, 2), np.sum))  # p=2, sum: up to 2 > 1
    lo, hi = power.min(), power.max()
    assert hi > 1.0
    power_panel = panels[2]
    assert power_panel.mapping.scaled
    np.testing.assert_allclose([power_panel.mapping.lo, power_panel.mapping.hi], [lo, hi])
    expect = np.rint((power - lo) / (hi - lo) * 255)
    np.testing.assert_array_equal(power_panel.pixels, np.kron(expect, np.ones((48, 48))))
    assert power_panel.caption.endswith(f"min-max [{lo * 255:.3g},{hi * 255:.3g}]")
    assert not panels[1].mapping.scaled and panels[1].caption.endswith("clip [0,255]")


def test_captions_give_output_width_x_height_and_levels_accumulate(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (13, 22), dtype=np.uint8)
    source, results, options = picture_inputs(tmp_path, image, ("max,lip",), levels=2)
    # floor rule per level: 22 -> 11 -> 5 wide, 13 -> 6 -> 3 high; lip k3 s2 p1: 22->11->6, 13->7->4
    np.testing.assert_array_equal(
        results["max"], block_reduce(image[:12, :20] / 255.0, (4, 4), np.max)
    )
    panels, _ = make_panels(source, results, options)
    assert panels[1].caption.startswith("max -> 5x3\n")
    assert panels[2].caption.startswith("lip k3 s2 p1 -> 6x4\n")


def test_diff_rows_sit_under_their_tiles_in_the_sheet(tmp_path):
    cv2 = pytest.importorskip("cv2")
    image = checkerboard()
    source, results, options = picture_inputs(
        tmp_path, image, ("max,avg",), zoom="0,0,8,8", diff="avg"
    )
    sheet = make_grid(source, results, options, results["avg"])
    panels, _ = make_panels(source, results, options, results["avg"])

    def locate(part: np.ndarray) -> tuple[int, int]:
        rgb = np.repeat(part[:, :, None], 3, 2) if part.ndim == 2 else part
        scores = cv2.matchTemplate(sheet, rgb, cv2.TM_SQDIFF)
        y, x = np.unravel_index(int(np.argmin(scores)), scores.shape)
        h, w = rgb.shape[:2]
        np.testing.assert_array_equal(sheet[y : y + h, x : x + w], rgb)  # found exactly
        return int(y), int(x)

    positions = []
    for panel in panels[1:]:  # the pooled tiles (the original equals its zoom of max here)
        ty, tx = locate(panel.pixels)
        dy, dx = locate(diverging(panel.diff, diff_scale(panel.diff, 255.0)))
        assert (dy, dx) == (ty + panel.pixels.shape[0] + 4, tx)
        positions.append((ty, tx))
    assert positions[0][0] == positions[1][0] and positions[0][1] < positions[1][1]
    assert (sheet[-40:] < 128).any()  # a legend closes the sheet


def test_auto_zoom_picks_the_detail_and_an_overview_comes_first(tmp_path):
    image = np.full((200, 160, 3), 128, np.uint8)
    checker = (np.indices((48, 48)).sum(0) % 2 * 255).astype(np.uint8)
    image[96:144, 64:112] = checker[:, :, None]
    source, results, options = picture_inputs(tmp_path, image, ("max,avg",))
    panels, region = make_panels(source, results, options)
    assert region == Region(64, 96, 48, 48, auto=True)
    assert panels[0].caption.startswith("original, zoom x=64 y=96 48x48 (auto)\n")
    np.testing.assert_array_equal(panels[1].pixels[:8, :8], 255)  # max of a checker window
    no_zoom = dataclasses.replace(options, zoom=None)
    assert make_panels(source, results, no_zoom)[1] == Region(0, 0, 160, 200)
    first = overview(source, region)  # the whole input (x1: 384 // 200), the region outlined
    assert first.pixels.shape[:2] == (200, 160)
    x0, y0, x1, y1 = 64, 96, 64 + 48 - 1, 96 + 48 - 1
    for y, x in [(y0, x0), (y1, x1), (y0, (x0 + x1) // 2), ((y0 + y1) // 2, x1)]:
        np.testing.assert_array_equal(first.pixels[y, x], ZOOM_BOX)
    assert "red box = zoom" in first.caption


def test_colour_diff_is_the_mean_over_channels(tmp_path):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    source, results, options = picture_inputs(
        tmp_path, image, ("max",), no_zoom=True, diff="original"
    )
    panels, _ = make_panels(source, results, options)
    x = image / 255.0
    pooled = block_reduce(x, (2, 2, 1), np.max)
    up = pooled.repeat(2, 0).repeat(2, 1)
    expect = (up - x).mean(axis=2)
    np.testing.assert_allclose(panels[1].diff, np.kron(expect, np.ones((48, 48))), atol=1e-12)
    assert not panels[0].diff.any()


def test_legend_gives_the_geometry_once_and_captions_do_not_repeat_it(tmp_path):
    image = checkerboard()
    source, results, options = picture_inputs(
        tmp_path, image, ("max,avg,lip",), zoom="0,0,8,8", diff="max", levels=2
    )
    panels, region = make_panels(source, results, options, results["max"])
    lines = legend_lines(source, options, region)
    assert lines[0] == (
        "input 16x16; geometry k2 s2 (lip: k3 s2 p1), applied 2 times in a row; "
        "tiles enlarged by nearest neighbour"
    )
    assert lines[1].startswith("zoom x=0 y=0 8x8 (given by --zoom)")
    assert "tile - max, mean over channels" in lines[2]
    assert [p.caption.split("\n")[0] for p in panels] == [
        "original, zoom x=0 y=0 8x8",
        "max -> 4x4",
        "avg -> 4x4",
        "lip k3 s2 p1 -> 4x4",
    ]
