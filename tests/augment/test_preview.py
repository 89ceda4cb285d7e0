"""augcli preview: a labelled sheet of the original and n samples."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner
from PIL import Image

from augcli.augment.config import parse_pipeline
from augcli.augment.ops.geometric import CropParams, FlipParams, RotateParams
from augcli.augment.pipeline import OpRecord, Pipeline
from augcli.augment.preview import describe, preview_sheet, to_display
from augcli.cli import cli
from tests import imagefactory as factory


def test_describe_names_applied_ops_and_values():
    assert describe(OpRecord("flip", False)) is None
    assert describe(OpRecord("flip", True, FlipParams("vertical"))) == "flip v"
    assert describe(OpRecord("rotate", True, RotateParams(-12.34, False))) == "rotate -12.3°"
    assert describe(OpRecord("crop", True, CropParams(1, 2, 30, 40, 50, 60))) == "crop 30x40"


def test_to_display_scales_each_dtype():
    assert to_display(np.array([[0, 65535]], np.uint16)).tolist() == [[0, 255]]
    assert to_display(np.array([[-1.0, 0.5, 2.0]], np.float32)).tolist() == [[0, 128, 255]]


def test_sheet_holds_original_and_samples(tmp_path):
    path = tmp_path / "img.png"
    Image.fromarray(factory.asymmetric_rgb(40, 60)).save(path)
    spec = parse_pipeline("pipeline: [flip: {p: 0.5}, rotate: {angle: [-10, 10]}]")
    sheet = preview_sheet(spec, path, 5, seed=3)
    assert sheet.dtype == np.uint8 and sheet.ndim == 3 and sheet.shape[2] == 3
    # 6 tiles of 60 px in a 3-column grid: wider than three tiles
    assert sheet.shape[1] > 3 * 60


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
    """Sample i is copy i of the pipeline with key = the file name."""
    spec = parse_pipeline("pipeline: [rotate: {angle: [-40, 40]}]")
    image = factory.asymmetric_rgb(8, 8)
    a, _ = Pipeline(spec).run(image, 5, "img.png", 1)
    b, _ = Pipeline(spec).run(image, 5, "img.png", 1)
    c, _ = Pipeline(spec).run(image, 5, "img.png", 2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
