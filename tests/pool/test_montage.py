"""The ``.npy`` feature-map montage: rows, channel tiles, one shared colour scale, diff rows."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.measure import block_reduce

from augcli.pool.arrays import Source, load_source
from augcli.pool.display import SEQUENTIAL, colormap, diverging
from augcli.pool.montage import MONTAGE_TILE, legend_lines, make_montage, montage_rows
from augcli.pool.options import make_options
from augcli.pool.run import pool_source


def montage_inputs(tmp_path, array, methods, **picture):
    path = tmp_path / "feats.npy"
    np.save(path, array)
    layout = picture.pop("layout", None)
    source = load_source(path, layout)
    options = make_options(methods, layout=layout, **picture)
    results = {
        m: pool_source(source, m, options, np.random.default_rng(0)) for m in options.methods
    }
    return source, results, options


def test_rows_hold_the_first_k_channels_enlarged_by_nearest(tmp_path):
    x = np.random.default_rng(0).normal(size=(10, 6, 8)).astype(np.float32)
    source, results, options = montage_inputs(tmp_path, x, ("max,avg",), layout="chw", channels=4)
    rows, diffs, _ = montage_rows(source, results, options)
    assert diffs is None
    assert [caption for caption, _ in rows] == ["original 8x6", "max -> 4x3", "avg -> 4x3"]
    factor = MONTAGE_TILE // 8  # 12 pixels per input pixel
    np.testing.assert_array_equal(rows[0][1], np.kron(x[:4], np.ones((1, factor, factor))))
    cells = np.ones((1, 2 * factor, 2 * factor))
    np.testing.assert_allclose(rows[1][1], np.kron(block_reduce(x[:4], (1, 2, 2), np.max), cells))
    np.testing.assert_allclose(
        rows[2][1], np.kron(block_reduce(x[:4], (1, 2, 2), np.mean), cells), rtol=1e-6
    )


def test_one_colour_scale_spans_everything_shown(tmp_path):
    cv2 = pytest.importorskip("cv2")
    x = np.random.default_rng(4).random((3, 4, 4)).astype(np.float32)  # distinct tiles
    x[0, 0, 0] = 5.0  # the maximum: yellow in the original and in max's first cell
    x[2, 3, 3] = -1.0  # the minimum: dark in the original only (max and avg lift it)
    source, results, options = montage_inputs(tmp_path, x, ("max,avg",), layout="chw")
    rows, _, _ = montage_rows(source, results, options)
    sheet = make_montage(source, results, options)
    lo, hi = -1.0, 5.0
    positions = []
    for _, values in rows:
        coloured = colormap((values - lo) / (hi - lo), SEQUENTIAL)
        row = []
        for c in range(3):
            scores = cv2.matchTemplate(sheet, coloured[c], cv2.TM_SQDIFF)
            y, x0 = np.unravel_index(int(np.argmin(scores)), scores.shape)
            h, w = coloured[c].shape[:2]
            np.testing.assert_array_equal(sheet[y : y + h, x0 : x0 + w], coloured[c])
            row.append((int(y), int(x0)))
        positions.append(row)
    np.testing.assert_array_equal(colormap(np.array(1.0), SEQUENTIAL), SEQUENTIAL[-1])
    for row in positions:  # channels left to right on one line
        assert row[0][0] == row[1][0] == row[2][0] and row[0][1] < row[1][1] < row[2][1]
    columns = [[row[c][1] for row in positions] for c in range(3)]
    assert all(len(set(col)) == 1 for col in columns)  # a channel keeps its column
    assert positions[0][0][0] < positions[1][0][0] < positions[2][0][0]  # rows top to bottom


def test_batch_shows_the_first_sample_and_says_so(tmp_path):
    x = np.random.default_rng(1).random((2, 3, 4, 4))
    source, results, options = montage_inputs(tmp_path, x, ("max",), layout="nchw")
    rows, _, region = montage_rows(source, results, options)
    f = MONTAGE_TILE // 4  # 4x4 maps enlarged by the largest whole factor
    np.testing.assert_array_equal(rows[0][1], np.kron(x[0], np.ones((1, f, f))))
    lines = legend_lines(source, options, region, 3, (0.0, 1.0), 1.0)
    assert lines[0] == "input 2x3x4x4 (nchw); channels 0-2 of 3, sample 0 of 2"


def test_diff_rows_follow_each_row_per_channel(tmp_path):
    x = np.random.default_rng(2).random((5, 4, 6))
    source, results, options = montage_inputs(
        tmp_path, x, ("max,avg",), layout="chw", diff="avg", channels=2
    )
    rows, diffs, _ = montage_rows(source, results, options, results["avg"])
    assert [caption for caption, _ in diffs] == ["  - avg"] * 3
    f = MONTAGE_TILE // 6  # 4x6 maps: pixels of f x f, pooled cells of 2f x 2f
    avg = np.kron(block_reduce(x[:2], (1, 2, 2), np.mean), np.ones((1, 2 * f, 2 * f)))
    mx = np.kron(block_reduce(x[:2], (1, 2, 2), np.max), np.ones((1, 2 * f, 2 * f)))
    np.testing.assert_allclose(diffs[1][1], mx - avg, atol=1e-12)
    assert not diffs[2][1].any()
    original = np.kron(x[:2], np.ones((1, f, f)))
    np.testing.assert_allclose(diffs[0][1], original - avg, atol=1e-12)
    tall = make_montage(source, results, options, results["avg"])
    plain = make_montage(source, results, make_options(("max,avg",), layout="chw", channels=2))
    assert tall.shape[0] - plain.shape[0] >= 3 * 4 * f  # three diff rows of 4f-px tiles
    scale = np.abs(np.concatenate([d.ravel() for _, d in diffs])).max()
    np.testing.assert_array_equal(diverging(np.array(scale), scale), diverging(np.array(1.0), 1.0))


def test_zoom_applies_to_the_montage(tmp_path):
    x = np.arange(2 * 8 * 8, dtype=np.float64).reshape(2, 8, 8)
    source, results, options = montage_inputs(tmp_path, x, ("max",), layout="chw", zoom="2,4,4,2")
    rows, _, region = montage_rows(source, results, options)
    assert (region.x, region.y, region.w, region.h) == (2, 4, 4, 2)
    f = MONTAGE_TILE // 4  # the 4x2 region
    np.testing.assert_array_equal(rows[0][1], np.kron(x[:, 4:6, 2:6], np.ones((1, f, f))))


def test_integer_planes_give_signed_differences_without_wrapping():
    x = np.array([[[0, 200], [10, 30]]], dtype=np.uint8)  # one 2x2 channel
    source = Source(x, "chw", False, 1.0, x.dtype, x.shape)
    max_cells = np.array([[[200]]], dtype=np.uint8)  # integer results, as max may keep
    options = make_options(("max",), layout="chw", diff="original")
    rows, diffs, _ = montage_rows(source, {"max": max_cells}, options)
    f = MONTAGE_TILE // 2
    expect = np.kron(np.full((1, 2, 2), 200.0) - x, np.ones((1, f, f)))
    np.testing.assert_array_equal(diffs[1][1], expect)
    assert rows[1][1].dtype == np.float64


def test_many_channels_continue_in_blocks_below():
    x = np.random.default_rng(9).random((40, 4, 4))
    source = Source(x, "chw", False, 1.0, x.dtype, x.shape)
    results = {"max": block_reduce(x, (1, 2, 2), np.max)}
    wide = make_montage(source, results, make_options(("max",), layout="chw", channels=40))
    narrow = make_montage(source, results, make_options(("max",), layout="chw", channels=16))
    assert wide.shape[1] == narrow.shape[1]  # 16 columns at most
    assert wide.shape[0] > 2.5 * 2 * MONTAGE_TILE  # three blocks of two rows
