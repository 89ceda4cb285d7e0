"""Labels follow the image group by group: what one resampling group moves out of the image is
gone for every label format, even when a later group moves the frame back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from PIL import Image

from augcli.cli import cli

SIZE = 40
RECT = (24, 10, 34, 30)  # x0, y0, x1, y1: wholly in the right half

OUT_AND_BACK = """
pipeline:
  - translate: {x: 0.5, fill: constant}
  - translate: {x: -0.5, fill: edge}
"""


def _dataset(root: Path) -> dict[str, Path]:
    for sub in ("images", "masks", "labels"):
        (root / sub).mkdir(parents=True)
    Image.fromarray(np.full((SIZE, SIZE, 3), 90, np.uint8)).save(root / "images" / "a.png")
    mask = np.zeros((SIZE, SIZE), np.uint8)
    x0, y0, x1, y1 = RECT
    mask[y0:y1, x0:x1] = 1
    Image.fromarray(mask).save(root / "masks" / "a.png")
    cx, cy = (x0 + x1) / 2 / SIZE, (y0 + y1) / 2 / SIZE
    w, h = (x1 - x0) / SIZE, (y1 - y0) / SIZE
    poly = " ".join(f"{x / SIZE} {y / SIZE}" for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))
    (root / "labels" / "a.txt").write_text(f"0 {cx} {cy} {w} {h}\n1 {poly}\n")
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "width": SIZE, "height": SIZE}],
        "categories": [{"id": 1, "name": "thing"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
             "bbox": [x0, y0, x1 - x0, y1 - y0], "area": float((x1 - x0) * (y1 - y0))},
            {"id": 2, "image_id": 1, "category_id": 1, "iscrowd": 0,
             "segmentation": [[x0, y0, x1, y0, x1, y1, x0, y1]]},
        ],
    }  # fmt: skip
    (root / "coco.json").write_text(json.dumps(coco))
    return {"root": root}


def test_object_moved_out_by_one_group_and_back_by_the_next_leaves_every_format(tmp_path):
    root = tmp_path / "in"
    _dataset(root)
    config = tmp_path / "pipe.yaml"
    config.write_text(OUT_AND_BACK)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "augment", str(root / "images"), str(out / "images"), "-c", str(config), "-q",
            "--masks", str(root / "masks"), str(out / "masks"),
            "--yolo", str(root / "labels"), str(out / "labels"),
            "--coco", str(root / "coco.json"), str(out / "coco.json"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    masks = list((out / "masks").glob("*.png"))
    assert len(masks) == 1
    assert int((np.asarray(Image.open(masks[0])) > 0).sum()) == 0  # the image kernels agree
    (labels,) = (out / "labels").glob("*.txt")
    assert labels.read_text() == ""
    assert json.loads((out / "coco.json").read_text())["annotations"] == []
