"""COCO-WholeBody part boxes and keypoints move with the body; geometry augcli cannot move is
refused before any work. Expected values are computed by hand (a flip maps u to W - u)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.kernels import affine
from augcli.augment.labels.annotations import move_annotation
from augcli.augment.labels.geometry import Warp
from augcli.cli import cli

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

H, W = 60, 80
FLIP = [Warp(affine.flip("horizontal", (H, W)), "constant", (H, W))]


def hand(x0: float, y0: float, v: int = 2) -> list[float]:
    """21 hand points on a 7 x 3 grid from ``(x0, y0)``."""
    return [c for k in range(21) for c in (x0 + k % 7, y0 + k // 7, v)]


def person() -> dict:
    return {
        "id": 1,
        "image_id": 1,
        "category_id": 1,
        "iscrowd": 0,
        "bbox": [10, 5, 50, 50],
        "keypoints": [20, 10, 2, 40, 10, 2],
        "num_keypoints": 2,
        "face_box": [25, 6, 10, 8],
        "lefthand_box": [50, 30, 8, 4],
        "righthand_box": [12, 30, 8, 4],
        "lefthand_kpts": hand(50, 30),
        "righthand_kpts": hand(12, 30),
        "face_kpts": [c for k in range(68) for c in (26 + k % 8, 7 + k // 17, 1)],
        "foot_kpts": [30, 50, 2, 31, 51, 2, 32, 52, 2, 40, 50, 2, 41, 51, 2, 42, 52, 2],
        "face_valid": True,
        "lefthand_valid": True,
        "righthand_valid": False,
        "foot_valid": True,
        "width": W,
        "height": H,
    }


def mirrored_points(values: list[float]) -> np.ndarray:
    rows = np.asarray(values, dtype=np.float64).reshape(-1, 3)
    rows[:, 0] = W - rows[:, 0]
    return rows


def test_a_flip_mirrors_part_boxes_and_swaps_the_hands_with_their_flags():
    ann = person()
    out = move_annotation(ann, FLIP, (H, W), swap=[1, 0])
    assert out["face_box"] == [W - 35, 6, 10, 8]
    assert out["righthand_box"] == [W - 58, 30, 8, 4]  # the left hand, mirrored, is a right hand
    assert out["lefthand_box"] == [W - 20, 30, 8, 4]
    assert (out["lefthand_valid"], out["righthand_valid"]) == (False, True)
    right = np.asarray(out["righthand_kpts"]).reshape(-1, 3)
    left = np.asarray(out["lefthand_kpts"]).reshape(-1, 3)
    np.testing.assert_array_equal(right, mirrored_points(ann["lefthand_kpts"]))
    np.testing.assert_array_equal(left, mirrored_points(ann["righthand_kpts"]))


def test_a_flip_swaps_left_and_right_foot_points_and_mirrored_face_landmarks():
    ann = person()
    out = move_annotation(ann, FLIP, (H, W), swap=[1, 0])
    feet = np.asarray(out["foot_kpts"]).reshape(-1, 3)
    np.testing.assert_array_equal(feet, mirrored_points(ann["foot_kpts"])[[3, 4, 5, 0, 1, 2]])
    face = np.asarray(out["face_kpts"]).reshape(-1, 3)
    source = mirrored_points(ann["face_kpts"])
    # iBUG 68: jaw 0 <-> 16, eye corners 36 <-> 45, mouth corners 48 <-> 54, nose tip 30 stays
    for a, b in ((0, 16), (36, 45), (48, 54), (30, 30), (8, 8)):
        np.testing.assert_array_equal(face[a], source[b])


def test_a_crop_that_loses_a_hand_writes_zeros_and_clears_its_flag_and_rewrites_the_size():
    ann = person()
    crop = [Warp(affine.crop((0, 0, 60, 45), (60, 45)), "constant", (H, W))]  # x 0..45
    out = move_annotation(ann, crop, (60, 45))
    assert out["lefthand_box"] == [0.0, 0.0, 0.0, 0.0] and out["lefthand_valid"] is False
    assert out["righthand_box"] == [12, 30, 8, 4]
    assert out["face_box"] == [25, 6, 10, 8] and out["face_valid"] is True
    assert not np.asarray(out["lefthand_kpts"]).any()  # every point left the image
    assert (out["width"], out["height"]) == (45, 60)
    assert out["bbox"] == [10, 5, 35, 50]


def test_a_lost_body_takes_its_parts_with_it():
    crop = [Warp(affine.crop((0, 0, 8, 8), (8, 8)), "constant", (H, W))]
    assert move_annotation(person(), crop, (8, 8)) is None


def _dataset(tmp_path: Path, ann: dict) -> tuple[Path, Path]:
    images = tmp_path / "images"
    images.mkdir()
    Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(images / "p.png")
    coco = {
        "images": [{"id": 1, "file_name": "p.png", "width": W, "height": H}],
        "annotations": [ann],
        "categories": [
            {"id": 1, "name": "person", "keypoints": ["left_eye", "right_eye"], "skeleton": []}
        ],
    }
    path = tmp_path / "wholebody.json"
    path.write_text(json.dumps(coco))
    config = tmp_path / "flip.yaml"
    config.write_text("seed: 0\ncopies: 1\npipeline:\n  - flip: {p: 1.0}\n")
    return images, path


def _augment(tmp_path: Path, images: Path, coco: Path):
    out = tmp_path / "out"
    args = ["augment", str(images), str(out), "-c", str(tmp_path / "flip.yaml"), "-q"]
    args += ["--workers", "1", "--coco", str(coco), str(tmp_path / "moved.json")]
    result = CliRunner().invoke(cli, args)
    assert "Traceback" not in result.output, result.output
    return result


def test_the_cli_moves_wholebody_parts_with_the_body(tmp_path):
    images, coco = _dataset(tmp_path, person())
    result = _augment(tmp_path, images, coco)
    assert result.exit_code == 0, result.output
    [out] = json.loads((tmp_path / "moved.json").read_text())["annotations"]
    assert out["face_box"] == [W - 35, 6, 10, 8]
    assert out["righthand_box"] == [W - 58, 30, 8, 4]
    assert out["righthand_valid"] is True and out["lefthand_valid"] is False
    assert out["keypoints"] == [W - 40, 10, 2, W - 20, 10, 2]


@pytest.mark.parametrize(
    ("key", "value", "what"),
    [
        ("head_box", [1, 2, 3, 4], "a box"),
        ("person_bbox", [1.5, 2, 3, 4], "a box"),
        ("tail_kpts", [1, 2, 2, 3, 4, 2], "keypoints"),
        ("hand_keypoints", [1, 2, 2], "keypoints"),
    ],
)
def test_geometry_augcli_cannot_move_is_refused_before_work_naming_the_key(
    tmp_path, key, value, what
):
    ann = {**person(), key: value}
    images, coco = _dataset(tmp_path, ann)
    result = _augment(tmp_path, images, coco)
    assert result.exit_code == 2
    assert f"key {key!r} looks like {what}" in result.output
    assert "annotations[0] (id 1)" in result.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "moved.json").exists()


def test_a_malformed_part_box_is_refused_naming_it(tmp_path):
    images, coco = _dataset(tmp_path, {**person(), "face_box": [1, 2, 3]})
    result = _augment(tmp_path, images, coco)
    assert result.exit_code == 2 and "face_box must be [x, y, width, height]" in result.output
