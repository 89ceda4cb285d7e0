"""``augcli pool`` picture options end to end: --zoom, --no-zoom, --levels, --diff, --channels."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from skimage.measure import block_reduce

from augcli.cli import cli
from augcli.pool.montage import MONTAGE_TILE


def run(*args: object):
    return CliRunner().invoke(cli, ["pool", *map(str, args)])


def ok(result):
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def photo(tmp_path):
    array = np.random.default_rng(0).integers(0, 256, (40, 48, 3), dtype=np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(array).save(path)
    return path, array


def test_levels_apply_the_method_n_times_to_any_output(tmp_path):
    x = np.random.default_rng(1).normal(size=(16, 24)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    ok(run(tmp_path / "x.npy", "-m", "max", "--levels", "3", "-o", tmp_path / "y.npy"))
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), block_reduce(x, (8, 8), np.max))


def test_npy_to_an_image_is_a_montage(tmp_path):
    np.save(tmp_path / "f.npy", np.random.default_rng(2).random((12, 10, 14)))
    ok(run(tmp_path / "f.npy", "--layout", "chw", "-m", "max,avg", "-o", tmp_path / "m.png"))
    sheet = np.asarray(Image.open(tmp_path / "m.png"))
    tile = MONTAGE_TILE // 14 * 14  # 14 px wide maps enlarged by a whole factor
    # 8 channels (the default --channels) side by side, one row per method and the original
    assert sheet.ndim == 3 and sheet.shape[1] > 8 * tile and sheet.shape[0] > 3 * tile
    ok(run(tmp_path / "f.npy", "--layout", "chw", "--channels", "2", "-o", tmp_path / "n.png"))
    assert np.asarray(Image.open(tmp_path / "n.png")).shape[1] < sheet.shape[1]


def test_diff_makes_a_picture_even_for_one_method_and_any_reference(photo, tmp_path):
    path, _ = photo
    ok(run(path, "-m", "softpool", "--diff", "max", "-o", tmp_path / "d.png"))
    picture = np.asarray(Image.open(tmp_path / "d.png"))
    assert picture.shape[0] > 2 * 384  # tile + difference row, not the 20x24 pooled image
    ok(run(path, "-m", "softpool", "-o", tmp_path / "plain.png"))
    assert np.asarray(Image.open(tmp_path / "plain.png")).shape == (20, 24, 3)


def test_zoom_and_no_zoom_pictures_differ(photo, tmp_path):
    path, _ = photo
    ok(run(path, "-m", "max,avg", "--zoom", "8,8,16,16", "-o", tmp_path / "z.png"))
    ok(run(path, "-m", "max,avg", "--no-zoom", "-o", tmp_path / "n.png"))
    zoomed = np.asarray(Image.open(tmp_path / "z.png"))
    whole = np.asarray(Image.open(tmp_path / "n.png"))
    assert zoomed.shape != whole.shape


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--zoom", "1,2,3"], "--zoom must be X,Y,W,H"),
        (["--zoom", "0,0,4,4", "--no-zoom"], "not both"),
        (["--zoom", "40,0,16,16"], "photo.png: --zoom 40,0,16,16 reaches outside the 48x40"),
        (["--levels", "0"], "--levels"),
        (["--channels", "0"], "--channels"),
        (["--diff", "median"], "--diff"),
        (["-m", "max", "--upscale", "--diff", "avg"], "does not combine"),
        (["-m", "max", "--levels", "6"], "--levels 6, level 6: kernel 2"),
    ],
)
def test_bad_picture_options_exit_2_and_write_nothing(photo, tmp_path, args, message):
    path, _ = photo
    methods = [] if "-m" in args else ["-m", "max,avg"]
    result = run(path, *methods, *args, "-o", tmp_path / "out.png")
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.png").exists()


def test_importance_map_refuses_levels(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((8, 8)))
    np.save(tmp_path / "g.npy", np.ones((8, 8)))
    result = run(tmp_path / "x.npy", "-m", "lip", "--importance", tmp_path / "g.npy", "--levels", 2)
    assert result.exit_code == 2 and "--importance" in result.output


def test_zoom_outside_one_file_of_a_folder_fails_that_file_only(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 256, (40, 40), dtype=np.uint8)).save(src / "big.png")
    Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(src / "small.png")
    result = run(src, "-m", "max,avg", "--zoom", "0,0,16,16", "-o", tmp_path / "dst")
    assert result.exit_code == 1
    assert "small.png: --zoom 0,0,16,16 reaches outside the 8x8 input" in result.output
    assert (tmp_path / "dst" / "big.png").is_file()
    assert not (tmp_path / "dst" / "small.png").exists()


@pytest.mark.parametrize(
    ("mode", "array"),
    [
        (
            "LA",
            np.dstack([np.full((12, 12), 200, np.uint8), np.tile([0, 255], (12, 6))]).astype(
                np.uint8
            ),
        ),
        ("RGBA", np.random.default_rng(6).integers(0, 256, (12, 12, 4), dtype=np.uint8)),
        ("I;16", np.random.default_rng(7).integers(0, 65536, (12, 12), dtype=np.uint16)),
        ("F", np.random.default_rng(8).normal(size=(12, 12)).astype(np.float32)),
    ],
)
def test_pictures_of_alpha_deep_and_float_images(tmp_path, mode, array):
    path = tmp_path / ("in.tif" if mode == "F" else "in.png")
    Image.fromarray(array).save(path)
    ok(run(path, "-m", "max,avg,power", "--diff", "avg", "-o", tmp_path / "out.png"))
    picture = np.asarray(Image.open(tmp_path / "out.png"))
    assert picture.ndim == 3 and picture.shape[2] == 3


def test_alpha_is_composited_over_white_not_dropped():
    from augcli.pool.display import to_rgb

    la = np.array([[[200, 0], [200, 255], [100, 128]]], np.uint8)
    expect = [[255] * 3, [200] * 3, [round(100 * 128 / 255 + 255 * 127 / 255)] * 3]
    np.testing.assert_array_equal(to_rgb(la)[0], expect)
