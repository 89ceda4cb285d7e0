"""make_sheet: every tile appears unaltered, in reading order, with a caption drawn above it."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.images.contact_sheet import BACKGROUND, make_sheet


def _tile(h: int, w: int, marker: tuple[int, int, int], seed: int) -> np.ndarray:
    tile = np.random.default_rng(seed).integers(0, 200, size=(h, w, 3), dtype=np.uint8)
    tile[0, 0] = marker  # a colour found nowhere else locates the tile's top-left corner
    return tile


def _locate(sheet: np.ndarray, marker) -> tuple[int, int]:
    hits = np.argwhere(np.all(sheet == marker, axis=-1))
    assert len(hits) == 1, f"marker {marker} found {len(hits)} times"
    return tuple(hits[0])


def test_tiles_are_placed_unaltered_in_reading_order():
    markers = [(250, 1, 1), (1, 250, 1), (1, 1, 250), (250, 250, 1), (1, 250, 250)]
    tiles = [_tile(30, 40, m, i) for i, m in enumerate(markers)]
    sheet = make_sheet(tiles, [f"tile {i}" for i in range(5)], columns=3, min_tile=1)
    assert sheet.dtype == np.uint8 and sheet.ndim == 3 and sheet.shape[2] == 3
    corners = [_locate(sheet, m) for m in markers]
    for (y, x), tile in zip(corners, tiles, strict=True):
        np.testing.assert_array_equal(sheet[y : y + 30, x : x + 40], tile)
    (y0, x0), (y1, x1), (y2, x2), (y3, x3), (y4, x4) = corners
    assert y0 == y1 == y2 < y3 == y4  # 3 columns: two rows
    assert x0 < x1 < x2 and x3 == x0 and x4 == x1


def test_captions_are_drawn_above_tiles():
    tile = _tile(20, 120, (250, 1, 1), 0)
    blank = make_sheet([tile], [""], min_tile=1)
    text = make_sheet([tile], ["Hello sheet"], min_tile=1)
    y, x = _locate(text, (250, 1, 1))
    strip = text[:y, x : x + 120]
    assert np.any(np.all(strip < 128, axis=-1))  # dark text pixels above the tile
    assert np.all(blank[: _locate(blank, (250, 1, 1))[0]] == BACKGROUND)


def test_grey_mixed_sizes_and_alpha():
    grey = np.full((10, 12), 77, np.uint8)
    rgba = np.zeros((6, 6, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 255
    rgba[0, 0, 3] = 0  # fully transparent -> background
    sheet = make_sheet([grey, rgba], ["grey", "rgba"], columns=2, min_tile=1)
    assert np.all(sheet == (77, 77, 77), axis=-1).sum() == 120
    assert np.all(sheet == (200, 0, 0), axis=-1).sum() == 35


def test_small_tiles_are_enlarged_nearest_by_one_whole_factor():
    """The largest tile is 20x30 (< 128): every tile is enlarged by ceil(128 / 30) = 5, each
    pixel a 5x5 block (oracle: numpy.kron), so relative sizes are kept."""
    big = _tile(20, 30, (250, 1, 1), 0)
    small = _tile(6, 8, (1, 250, 1), 1)
    sheet = make_sheet([big, small], ["big", "small"], columns=2)
    for tile in (big, small):
        marker = tuple(int(v) for v in tile[0, 0])
        hits = np.argwhere(np.all(sheet == marker, axis=-1))
        assert len(hits) == 25
        y, x = hits.min(axis=0)
        expected = np.kron(tile, np.ones((5, 5, 1), np.uint8))
        h, w = expected.shape[:2]
        np.testing.assert_array_equal(sheet[y : y + h, x : x + w], expected)
    large = _tile(130, 20, (250, 1, 1), 2)
    assert len(np.argwhere(np.all(make_sheet([large], ["l"]) == (250, 1, 1), axis=-1))) == 1


def test_captions_wrap_and_no_text_is_cut():
    """A caption longer than a line, and a word longer than a line, take more lines; the
    characters drawn are all there (ink grows with the text, never an ellipsis)."""
    tile = np.zeros((128, 128, 3), np.uint8)
    one = make_sheet([tile], ["crop"])
    word = make_sheet([tile], ["x" * 80])  # one word wider than the cell
    many = make_sheet([tile], ["rotate +12.3°, scale 1.05, crop 120x96, translate +3,-2px " * 4])
    assert word.shape[0] > one.shape[0] and many.shape[0] > one.shape[0]
    assert word.shape[1] == one.shape[1] == many.shape[1]
    from PIL import Image, ImageDraw

    from augcli.images.contact_sheet import _font, _wrap  # the drawn lines, joined, are the caption

    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    lines = _wrap("x" * 80, _font(12), 100, draw)
    assert "".join(lines) == "x" * 80 and len(lines) > 1


def test_long_labels_wrap_without_growing_the_cell_width():
    tile = np.zeros((16, 100, 3), np.uint8)
    short = make_sheet([tile], ["x"])
    long = make_sheet([tile], ["a very long caption " * 20])
    assert long.shape[1] == short.shape[1]
    assert long.shape[0] > short.shape[0]


@pytest.mark.parametrize(
    ("tiles", "labels", "message"),
    [
        ([], [], "at least one"),
        ([np.zeros((2, 2), np.uint8)], [], "labels"),
        ([np.zeros((2, 2), np.float32)], ["f"], "uint8"),
        ([np.zeros((2, 2, 2), np.uint8)], ["c"], "shape"),
    ],
)
def test_bad_arguments(tiles, labels, message):
    with pytest.raises(ValueError, match=message):
        make_sheet(tiles, labels)
