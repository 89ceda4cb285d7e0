"""Regions of pool pictures: ``--zoom`` parsing, the automatic detail region, tile sampling."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.measure import block_reduce

from augcli.core.errors import InputError, UsageError
from augcli.pool.region import (
    DETAIL_CELLS,
    Region,
    detail_region,
    nearest,
    parse_zoom,
    sample,
    tile_size,
)


def test_parse_zoom_reads_x_y_w_h():
    assert parse_zoom("4,8,16,2") == Region(4, 8, 16, 2)


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "0,0,0,4", "-1,0,4,4", "1,2,3,4,5"])
def test_parse_zoom_refuses_malformed_regions(text):
    with pytest.raises(UsageError, match="--zoom must be X,Y,W,H"):
        parse_zoom(text)


def test_region_outside_the_input_is_refused_with_the_sizes():
    with pytest.raises(InputError, match=r"photo.png: --zoom 10,0,8,4 .* 16x12 input"):
        Region(10, 0, 8, 4).check(12, 16, "photo.png")
    Region(8, 8, 8, 4).check(12, 16, "photo.png")  # touching the edge is fine


@pytest.mark.parametrize(
    ("region", "longest", "size"),
    [
        (Region(0, 0, 48, 48), 384, (384, 384)),  # enlarged x8
        (Region(0, 0, 100, 50), 384, (150, 300)),  # x3, the largest whole factor
        (Region(0, 0, 1000, 500), 384, (192, 384)),  # shrunk to fit
    ],
)
def test_tile_size_enlarges_by_a_whole_factor_or_shrinks_to_fit(region, longest, size):
    assert tile_size(region, longest) == size


def test_sample_of_the_input_is_the_region_enlarged_by_repetition():
    x = np.arange(12 * 16, dtype=float).reshape(12, 16)
    region = Region(4, 8, 4, 2)
    got = sample(x, region, (6, 12), (12, 16))
    np.testing.assert_array_equal(got, np.kron(x[8:10, 4:8], np.ones((3, 3))))


def test_sample_of_a_pooled_result_shows_its_cells_over_the_region():
    x = np.random.default_rng(0).random((2, 12, 16))
    pooled = block_reduce(x, (1, 2, 2), np.max)  # (2, 6, 8), cell = 2x2 input pixels
    region = Region(4, 8, 4, 2)  # input cols 4..7, rows 8..9 = pooled cols 2..3, row 4
    got = sample(pooled, region, (6, 12), (12, 16))
    np.testing.assert_array_equal(got, np.kron(pooled[:, 4:5, 2:4], np.ones((1, 6, 6))))


def test_nearest_is_repetition_for_whole_factors():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(nearest(x, 4, 6), x.repeat(2, 0).repeat(2, 1))


def test_detail_region_finds_the_textured_square_of_a_flat_image():
    image = np.full((3, 200, 160), 0.5)
    checker = (np.indices((48, 48)).sum(0) % 2).astype(float)
    image[:, 96:144, 64:112] = checker  # the only detail, 48x48 at x=64, y=96
    region = detail_region(image, cell=2)
    assert region.auto
    assert (region.w, region.h) == (2 * DETAIL_CELLS, 2 * DETAIL_CELLS)
    assert (region.x, region.y) == (64, 96)
    assert region.x % 2 == 0 and region.y % 2 == 0


def test_detail_region_of_a_small_input_is_the_whole_square_side():
    region = detail_region(np.zeros((10, 30)), cell=2)
    assert (region.w, region.h) == (10, 10) and region.y == 0
