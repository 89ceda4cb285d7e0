"""sample_labelled/: its three formats agree with each other, and it augments cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import skimage.draw
from click.testing import CliRunner
from PIL import Image

pytest.importorskip("pycocotools", reason="needs pycocotools: pip install '.[test]'")

from pycocotools import mask as coco_mask

from augcli.cli import cli

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

SAMPLE = Path(__file__).resolve().parents[3] / "sample_labelled"
NAMES = ["space/astronaut", "animals/chelsea", "everyday/coffee"]


def _array(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.array(im)


@pytest.mark.parametrize("name", NAMES)
def test_yolo_labels_hold_the_mask_pixels_of_their_class(name):
    mask = _array(SAMPLE / "masks" / f"{name}.png")
    h, w = mask.shape
    drawn: dict[int, np.ndarray] = {}
    for line in (SAMPLE / "labels" / f"{name}.txt").read_text().splitlines():
        values = [float(v) for v in line.split()]
        cls, coords = int(values[0]), np.asarray(values[1:])
        if len(coords) == 4:
            cx, cy, bw, bh = coords * [w, h, w, h]
            pts = np.array([[cx - bw / 2, cy - bh / 2], [cx + bw / 2, cy - bh / 2],
                            [cx + bw / 2, cy + bh / 2], [cx - bw / 2, cy + bh / 2]])  # fmt: skip
        else:
            pts = coords.reshape(-1, 2) * [w, h]
        rr, cc = skimage.draw.polygon(pts[:, 1] - 0.5, pts[:, 0] - 0.5, mask.shape)
        drawn.setdefault(cls, np.zeros_like(mask, bool))[rr, cc] = True
    for cls, shapes in drawn.items():
        own = mask == cls + 1  # later objects may paint over part of an earlier one
        assert own.any()
        assert (own & shapes).sum() / own.sum() > 0.9  # Pillow also fills the outline


def test_coco_rle_objects_equal_their_mask_pixels():
    coco = json.loads((SAMPLE / "annotations.json").read_text())
    files = {im["id"]: im["file_name"] for im in coco["images"]}
    rles = [a for a in coco["annotations"] if a["iscrowd"]]
    assert rles
    for ann in rles:
        mask = _array(SAMPLE / "masks" / files[ann["image_id"]].replace(".jpg", ".png"))
        seg = dict(ann["segmentation"], counts=ann["segmentation"]["counts"].encode())
        decoded = coco_mask.decode(seg).astype(bool)
        later = mask != ann["category_id"]  # pixels later objects painted over
        assert not (decoded & ~later & (mask == 0)).any()
        assert ((mask == ann["category_id"]) <= decoded).all()


def test_the_sample_augments_with_every_label_kept(tmp_path):
    out = tmp_path / "out"
    args = ["augment", str(SAMPLE / "images"), str(out / "images"), "--seed", "3", "--copies", "2"]
    args += ["--masks", str(SAMPLE / "masks"), str(out / "masks"), "--workers", "1", "-q"]
    args += ["--yolo", str(SAMPLE / "labels"), str(out / "labels"), "--json"]
    args += ["--coco", str(SAMPLE / "annotations.json"), str(out / "annotations.json")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.splitlines()[0])
    assert summary["written"] == 6 and summary["labels"]["yolo_kept"] > 0
    assert len(json.loads((out / "annotations.json").read_text())["images"]) == 6
