"""augcli preview with labels: the mask overlay and the outlines land where the labels moved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner
from PIL import Image

from augcli.augment.kernels import affine
from augcli.augment.labels.apply import LabelInputs
from augcli.augment.labels.draw import COLOURS, MASK_ALPHA
from augcli.augment.labels.files import LabelOptions
from augcli.augment.labels.formats.yolo import parse_yolo, yolo_instances
from augcli.augment.labels.geometry import Warp
from augcli.augment.labels.masks import Mask
from augcli.augment.labels.sample import draw_sample
from augcli.cli import cli

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "sample_labelled"


def test_a_flipped_mask_is_tinted_where_its_object_moved():
    mask = np.zeros((40, 60), np.uint8)
    mask[5:15, 2:12] = 1
    inputs = LabelInputs({"masks": Mask(mask)})
    flip = [Warp(affine.flip("horizontal", (40, 60)), "constant", (40, 60))]
    out = draw_sample(np.zeros((40, 60, 3), np.uint8), inputs, flip, {}, LabelOptions())
    tint = np.rint(MASK_ALPHA * np.asarray(COLOURS[0])).astype(np.uint8)
    assert (out[5:15, 48:58] == tint).all()  # columns 60-12 .. 60-2
    assert (out[:, :48] == 0).all() and (out[15:] == 0).all()


def test_a_yolo_box_is_outlined_in_its_class_colour_where_it_moved():
    objs = yolo_instances(parse_yolo("2 0.25 0.5 0.2 0.5\n", "l.txt", (40, 60)))  # x 9..21
    flip = [Warp(affine.flip("horizontal", (40, 60)), "constant", (40, 60))]
    inputs = LabelInputs({"yolo": objs})
    out = draw_sample(np.zeros((40, 60, 3), np.uint8), inputs, flip, {}, LabelOptions())
    coloured = (out == COLOURS[2]).all(axis=2)
    ys, xs = np.nonzero(coloured)
    assert xs.max() <= 52 and xs.min() >= 38  # the flipped box spans x 39..51
    assert coloured[20, 51] or coloured[20, 50]  # its right edge, mid-height
    assert not coloured[:, :30].any()


def test_preview_cli_draws_every_label_format_of_the_sample(tmp_path):
    out = tmp_path / "sheet.png"
    args = [
        "preview",
        str(SAMPLE / "images" / "space" / "astronaut.jpg"),
        "-n",
        "2",
        "-o",
        str(out),
    ]
    args += ["--masks", str(SAMPLE / "masks" / "space"), "--yolo", str(SAMPLE / "labels" / "space")]
    args += ["--coco", str(SAMPLE / "annotations.json")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    with Image.open(out) as sheet:
        assert sheet.size[0] > 0


def test_preview_with_a_mask_that_does_not_exist_is_a_clean_error(tmp_path):
    args = [
        "preview",
        str(SAMPLE / "images" / "space" / "astronaut.jpg"),
        "-o",
        str(tmp_path / "s.png"),
    ]
    result = CliRunner().invoke(cli, args + ["--masks", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no such file or folder" in result.output
    assert "Traceback" not in result.output
