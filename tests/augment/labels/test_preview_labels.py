"""augcli preview with labels: the mask overlay and the outlines land where the labels moved."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from PIL import Image

from augcli.augment.kernels import affine
from augcli.augment.labels.apply import LabelInputs
from augcli.augment.labels.draw import COLOURS, MASK_ALPHA, keypoint_colour
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


ROTATE = "seed: 3\ncopies: 1\npipeline:\n  - rotate: {angle: 30, fill: constant}\n"
H, W = 60, 80


def _augmented(tmp_path: Path, *labels: str) -> tuple[Path, list]:
    """Run ``augcli augment`` (rotate 30 degrees) on one black image; return DST and the warps
    the run used (the pipeline replayed with the run's seed, key and copy)."""
    from augcli.augment.config import load_pipeline
    from augcli.augment.pipeline import Pipeline

    src = tmp_path / "img"
    src.mkdir(exist_ok=True)
    Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(src / "p.png")
    config = tmp_path / "rot.yaml"
    config.write_text(ROTATE)
    out = tmp_path / "out"
    args = ["augment", str(src), str(out / "images"), "-c", str(config), "-q", "--workers", "1"]
    result = CliRunner().invoke(cli, args + list(labels))
    assert result.exit_code == 0, result.output
    _, _, warps = Pipeline(load_pipeline(config)).run_traced(
        np.zeros((H, W, 3), np.uint8), 3, "p.png", 0
    )
    return out, warps


def _near(mask: np.ndarray, x: float, y: float) -> bool:
    """Whether ``mask`` is set within one pixel of the pixel holding ``(x, y)``."""
    col = min(max(int(np.floor(x)), 0), mask.shape[1] - 1)
    row = min(max(int(np.floor(y)), 0), mask.shape[0] - 1)
    return bool(mask[max(row - 1, 0) : row + 2, max(col - 1, 0) : col + 2].any())


def test_preview_draws_the_yolo_box_the_file_holds_not_its_rotated_outline(tmp_path):
    labels = tmp_path / "yolo"
    labels.mkdir()
    (labels / "p.txt").write_text("0 0.5 0.5 0.4 0.3\n")
    out, warps = _augmented(tmp_path, "--yolo", str(labels), str(tmp_path / "out" / "labels"))
    cls, cx, cy, bw, bh = map(float, (out / "labels" / "p_aug0.txt").read_text().split())
    x0, x1 = (cx - bw / 2) * W, (cx + bw / 2) * W
    y0, y1 = (cy - bh / 2) * H, (cy + bh / 2) * H
    objs = parse_yolo((labels / "p.txt").read_text(), "p.txt", (H, W))
    inputs = LabelInputs({"yolo": yolo_instances(objs)})
    drawn = draw_sample(np.zeros((H, W, 3), np.uint8), inputs, warps, {}, LabelOptions())
    coloured = (drawn == COLOURS[0]).all(axis=2)
    for x, y in ((x1, y0), (x0, y1), (x1, y1), ((x0 + x1) / 2, y1), (x1, (y0 + y1) / 2)):
        assert _near(coloured, x, y), (x, y)  # the corners and edges of the written box
    ys, xs = np.nonzero(coloured[int(y0) + 2 :])  # below the caption
    assert xs.min() >= x0 - 1.5 and xs.max() <= x1 + 0.5 and ys.max() + int(y0) + 2 <= y1 + 0.5


def test_preview_draws_a_coco_annotations_bbox_polygon_and_keypoints_as_written(tmp_path):
    from augcli.augment.labels.coco import load_coco

    triangle = [20, 15, 60, 15, 20, 45]
    coco = {
        "images": [{"id": 1, "file_name": "p.png", "width": W, "height": H}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 4, "iscrowd": 0, "segmentation": [triangle],
             "bbox": [20, 15, 40, 30], "area": 600, "keypoints": [28, 24, 2, 30, 34, 2, 0, 0, 0]}
        ],
        "categories": [{"id": 4, "name": "tri", "keypoints": ["a", "b", "c"]}],
    }  # fmt: skip
    path = tmp_path / "ann.json"
    path.write_text(json.dumps(coco))
    out, warps = _augmented(tmp_path, "--coco", str(path), str(tmp_path / "moved.json"))
    [written] = json.loads((tmp_path / "moved.json").read_text())["annotations"]
    payload = json.loads(load_coco(path).payload("p.png"))
    inputs = LabelInputs({"coco": payload})
    drawn = draw_sample(np.zeros((H, W, 3), np.uint8), inputs, warps, {4: "tri"}, LabelOptions())
    coloured = (drawn == COLOURS[4]).all(axis=2)
    x, y, w, h = written["bbox"]
    for corner in ((x + w, y), (x, y + h), (x + w, y + h)):
        assert _near(coloured, *corner), corner  # the bbox, not only the polygon
    points = np.asarray(written["keypoints"]).reshape(-1, 3)
    assert points[2, 2] == 0
    for k, (u, v, _) in enumerate(points[:2]):
        dot = (drawn == keypoint_colour(k)).all(axis=2)
        assert dot[int(v), int(u)], (u, v)  # a dot on each visible keypoint, in its index's colour


POSE_FLIP = "seed: 1\ncopies: 1\npipeline:\n  - flip: {direction: horizontal, p: 1}\n"


def _pose_preview(tmp_path: Path, line: str, kpt_shape: str) -> np.ndarray:
    """The flipped sample as ``augcli preview`` draws it with one YOLO-pose line (``--flip-idx
    1,0,2``): the pose file augmented by ``augcli augment`` with the same pipeline, and the
    drawing of the source labels moved by the warps of that run."""
    from augcli.augment.config import load_pipeline
    from augcli.augment.labels.formats.pose import parse_pose
    from augcli.augment.pipeline import Pipeline

    config = tmp_path / "flip.yaml"
    config.write_text(POSE_FLIP)
    _, _, warps = Pipeline(load_pipeline(config)).run_traced(
        np.zeros((H, W, 3), np.uint8), 1, "p.png", 0
    )
    shape = tuple(int(v) for v in kpt_shape.split(","))
    objs = parse_pose(line, "p.txt", (H, W), shape, [1, 0, 2])  # type: ignore[arg-type]
    options = LabelOptions(kpt_shape=shape, flip_idx=(1, 0, 2))
    inputs = LabelInputs({"yolo-pose": objs})
    return draw_sample(np.zeros((H, W, 3), np.uint8), inputs, warps, {}, options)


def test_a_flip_draws_each_pose_keypoint_in_its_own_colour_where_flip_idx_puts_it(tmp_path):
    # left_eye (0) at x 0.25, right_eye (1) at x 0.625, nose (2) not labelled (0 0 0)
    line = "0 0.5 0.5 0.6 0.6 0.25 0.5 2 0.625 0.5 2 0 0 0\n"
    drawn = _pose_preview(tmp_path, line, "3,3")
    left = (drawn == keypoint_colour(0)).all(axis=2)
    right = (drawn == keypoint_colour(1)).all(axis=2)
    # mirrored, the point at x 0.625 is the left eye now (x = 1 - 0.625) and the other the right
    assert left[30, int(0.375 * W)] and right[30, int(0.75 * W)]
    assert not left[:, W // 2 :].any() and not right[:, : W // 2].any()
    assert not (drawn == keypoint_colour(2)).all(axis=2).any()  # the nose is not drawn


def test_a_pose_point_0_0_without_visibility_is_not_drawn_even_flipped(tmp_path):
    # kpt_shape 3,2: left_eye at x 0.25, right_eye "0 0" (not labelled), nose at (0.5, 0.75)
    drawn = _pose_preview(tmp_path, "0 0.5 0.5 0.6 0.6 0.25 0.5 0 0 0.5 0.75\n", "3,2")
    assert not (drawn == keypoint_colour(0)).all(axis=2).any()  # left_eye is the unlabelled one
    assert (drawn[30, int(0.75 * W)] == keypoint_colour(1)).all()  # the labelled eye, mirrored
    assert (drawn[45, W // 2] == keypoint_colour(2)).all()
    assert not drawn[:8, :8].any() and not drawn[:8, -8:].any()  # not at (0, 0) nor (W, 0)
