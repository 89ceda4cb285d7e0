"""augcli preview: a labelled sheet of the original and n samples, each op captioning itself."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from skimage.measure import label, regionprops

from augcli.augment.config import parse_pipeline
from augcli.augment.ops import OPS
from augcli.augment.ops.base import DrawnParams
from augcli.augment.ops.geometric import (
    CropParams,
    FlipParams,
    RotateParams,
    ScaleParams,
    TranslateParams,
)
from augcli.augment.ops.noise import GaussianNoiseParams, SaltAndPepperParams
from augcli.augment.pipeline import OpRecord
from augcli.augment.preview import preview_sheet, to_display
from augcli.cli import cli
from augcli.images.reading import read_image
from tests import imagefactory as factory


def _vivid(height: int, width: int, seed: int = 0) -> np.ndarray:
    """RGB with red far above green and blue everywhere: no pixel is grey like caption text
    or white like the sheet, and interpolation or mild noise keeps it so."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
    image[..., 0] = rng.integers(200, 256, (height, width), dtype=np.uint8)
    return image


def _tiles(sheet: np.ndarray) -> list[tuple[tuple[int, int], np.ndarray]]:
    """Every image tile of a sheet as ``((top, left), pixels)``, in reading order: the
    connected regions of non-grey pixels (background is white and captions are grey)."""
    coloured = (sheet[..., 0] != sheet[..., 1]) | (sheet[..., 1] != sheet[..., 2])
    found = []
    for region in regionprops(label(coloured, connectivity=2)):
        top, left, bottom, right = region.bbox
        found.append(((top, left), sheet[top:bottom, left:right]))
    return sorted(found, key=lambda item: item[0])


@pytest.mark.parametrize(
    ("params", "caption"),
    [
        (FlipParams("vertical"), "flip v"),
        (FlipParams("both"), "flip b"),
        (RotateParams(-12.34, False), "rotate -12.3°"),
        (RotateParams(7.0, True), "rotate +7.0° exp"),
        (ScaleParams(1.155), "scale 1.16"),
        (CropParams(1, 2, 30, 40, 50, 60), "crop 40x30"),
        (TranslateParams(3.4, -2.6), "translate +3,-3px"),
        (GaussianNoiseParams(0.04, 0.0, True, 9), "noise std 0.040"),
        (SaltAndPepperParams(0.0205, 0.5, 9), "s&p 0.021"),
    ],
)
def test_applied_step_is_captioned_by_its_params(params, caption):
    assert OpRecord("any", True, params).describe() == caption


def test_skipped_step_has_no_caption():
    assert OpRecord("flip", False).describe() is None


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_registered_op_describes_its_params(name):
    """A new op fails here until its drawn-parameters class captions itself."""
    cls = OPS[name]
    assert issubclass(cls.params_cls, DrawnParams)
    assert "describe" in vars(cls.params_cls), f"{cls.params_cls.__name__} lacks describe()"
    spec = parse_pipeline(f"pipeline: [{cls.example}]")
    params = spec.steps[0].op.sample(np.random.default_rng(0), (32, 48, 3))
    caption = params.describe()
    assert isinstance(caption, str) and caption.strip()


def test_to_display_scales_each_dtype():
    assert to_display(np.array([[0, 65535]], np.uint16)).tolist() == [[0, 255]]
    assert to_display(np.array([[-1.0, 0.5, 2.0]], np.float32)).tolist() == [[0, 128, 255]]


def test_sheet_holds_original_and_samples(tmp_path):
    path = tmp_path / "img.png"
    original = _vivid(120, 400)  # wider than a tile: the sheet shows a thumbnail
    Image.fromarray(original).save(path)
    spec = parse_pipeline("pipeline: [flip: {p: 0.5}, rotate: {angle: [-10, 10], fill: reflect}]")
    sheet = preview_sheet(spec, path, 5, seed=3)
    assert sheet.dtype == np.uint8 and sheet.ndim == 3 and sheet.shape[2] == 3
    thumb = Image.fromarray(original)
    thumb.thumbnail((256, 256), Image.Resampling.LANCZOS)
    expected_first = np.asarray(thumb)
    tiles = _tiles(sheet)
    assert len(tiles) == 6  # the original and 5 samples
    # ceil(sqrt(6)) = 3 columns: two rows of three, same-sized tiles in a regular grid
    tops = sorted({top for (top, _), _ in tiles})
    lefts = sorted({left for (_, left), _ in tiles})
    assert len(tops) == 2 and len(lefts) == 3
    assert [pos for pos, _ in tiles] == [(t, x) for t in tops for x in lefts]
    assert all(pixels.shape == expected_first.shape for _, pixels in tiles)
    np.testing.assert_array_equal(tiles[0][1], expected_first)


def test_cli_writes_the_sheet(tmp_path):
    path = tmp_path / "img.png"
    Image.fromarray(factory.asymmetric_rgb(40, 60)).save(path)
    out = tmp_path / "sheet.png"
    result = CliRunner().invoke(
        cli, ["preview", str(path), "-n", "4", "--seed", "2", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.mode == "RGB" and im.width > 60
    missing = CliRunner().invoke(cli, ["preview", str(tmp_path / "nope.png"), "-o", str(out)])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_samples_are_the_augment_copies(tmp_path):
    """Sample i of the preview is copy i that `augcli augment` writes for a file of that name
    with the same seed (tiles are smaller than the thumbnail size, so only enlarged)."""
    pipeline = (
        "pipeline:\n"
        "  - flip: {p: 0.5}\n"
        "  - rotate: {angle: [-40, 40], fill: reflect}\n"
        "  - gaussian_noise: {std: 0.02, p: 0.5}\n"
    )
    config = tmp_path / "pipe.yaml"
    config.write_text(pipeline)
    src = tmp_path / "src"
    src.mkdir()
    Image.fromarray(_vivid(40, 60, seed=1)).save(src / "img.png")
    n, seed = 4, 5
    result = CliRunner().invoke(
        cli,
        ["augment", str(src), str(tmp_path / "out"), "-c", str(config), "--seed", str(seed),
         "--copies", str(n), "--workers", "1", "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    copies = [read_image(tmp_path / "out" / f"img_aug{i}.png").array for i in range(n)]
    assert not np.array_equal(copies[0], copies[1])  # the copies differ from each other

    sheet = preview_sheet(parse_pipeline(pipeline), src / "img.png", n, seed=seed)
    samples = [pixels for _, pixels in _tiles(sheet)][1:]
    assert len(samples) == n
    factor = 3  # 60 px wide, under 128: enlarged by ceil(128 / 60), nearest neighbour
    for i in range(n):
        expected = np.repeat(np.repeat(copies[i], factor, axis=0), factor, axis=1)
        np.testing.assert_array_equal(samples[i], expected, err_msg=f"sample {i}")
