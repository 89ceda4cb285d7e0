"""YOLO files: parsing with file:line errors, and boxes against Albumentations' "yolo" format."""

from __future__ import annotations

import pytest

pytest.importorskip("albumentations", reason="needs Albumentations: pip install '.[test]'")

import albumentations as A
import numpy as np

from augcli.augment.kernels import affine
from augcli.augment.labels.formats.yolo import parse_yolo, yolo_instances, yolo_lines
from augcli.augment.labels.geometry import Warp
from augcli.augment.labels.instances import move_instances
from augcli.core.errors import InputError

H, W = 40, 60


def move_yolo(objects, warps, out_shape, min_visibility=0.0):
    moved, dropped = move_instances(yolo_instances(objects), warps, out_shape, min_visibility)
    return yolo_lines(moved, out_shape), dropped


BOXES = [[0.3, 0.4, 0.2, 0.2], [0.85, 0.15, 0.3, 0.3], [0.5, 0.5, 1.0, 1.0], [0.1, 0.9, 0.1, 0.2]]


def _ours(warps: list[Warp], out_shape: tuple[int, int], boxes=BOXES) -> np.ndarray:
    text = "".join(f"{k} " + " ".join(map(str, b)) + "\n" for k, b in enumerate(boxes))
    lines, _ = move_yolo(parse_yolo(text, "l.txt", (H, W)), warps, out_shape)
    return np.array([[float(t) for t in line.split()] for line in lines])


def _albumentations(transform, boxes=BOXES) -> np.ndarray:
    pipe = A.Compose(
        [transform], bbox_params=A.BboxParams(format="yolo", label_fields=["cls"]), seed=0
    )
    out = pipe(image=np.zeros((H, W, 3), np.uint8), bboxes=boxes, cls=list(range(len(boxes))))
    return np.column_stack([out["cls"], np.asarray(out["bboxes"])])


@pytest.mark.parametrize(
    ("direction", "transform"),
    [
        ("horizontal", A.HorizontalFlip(p=1.0)),
        ("vertical", A.VerticalFlip(p=1.0)),
        ("both", A.Compose([A.HorizontalFlip(p=1.0), A.VerticalFlip(p=1.0)])),
    ],
)
def test_flipped_boxes_agree_with_albumentations(direction, transform):
    warps = [Warp(affine.flip(direction, (H, W)), "constant", (H, W))]
    assert np.allclose(_ours(warps, (H, W)), _albumentations(transform), atol=1e-5)


class _FixedRotate90(A.RandomRotate90):
    """Albumentations' RandomRotate90 with its drawn number of quarter turns fixed to ``k``."""

    def __init__(self, k: int) -> None:
        super().__init__(p=1.0)
        self.k = k

    def get_params(self) -> dict:
        return {"factor": self.k}


@pytest.mark.parametrize(("angle", "k"), [(90, 1), (180, 2), (-90, 3)])
def test_right_angle_rotations_agree_with_albumentations(angle, k):
    t = affine.rotate(angle, (H, W), expand=True)
    rot = _FixedRotate90(k)
    expected = _albumentations(rot)
    assert np.allclose(_ours([Warp(t, "constant", (H, W))], t.out_shape), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("x0", "y0", "x1", "y1"), [(5, 3, 45, 33), (0, 0, 30, 20), (20, 10, 60, 40)]
)
def test_crops_agree_with_albumentations(x0, y0, x1, y1):
    t = affine.crop((y0, x0, y1 - y0, x1 - x0), (y1 - y0, x1 - x0))
    expected = _albumentations(A.Crop(x_min=x0, y_min=y0, x_max=x1, y_max=y1))
    assert np.allclose(_ours([Warp(t, "constant", (H, W))], t.out_shape), expected, atol=1e-5)


def test_a_box_outside_the_crop_is_dropped_and_counted():
    t = affine.crop((0, 0, 20, 20), (20, 20))
    text = "0 0.9 0.9 0.1 0.1\n1 0.1 0.1 0.1 0.1\n"
    lines, dropped = move_yolo(
        parse_yolo(text, "l.txt", (H, W)), [Warp(t, "constant", (H, W))], (20, 20)
    )
    assert dropped == 1 and [line.split()[0] for line in lines] == ["1"]


def test_polygon_lines_stay_polygons_clipped_to_the_image():
    # Triangle half outside a crop of the left half: clipped on x = 0.5 of the input.
    text = "3 0.25 0.25 0.75 0.25 0.25 0.75\n"
    t = affine.crop((0, 0, H, W // 2), (H, W // 2))
    lines, _ = move_yolo(
        parse_yolo(text, "l.txt", (H, W)), [Warp(t, "constant", (H, W))], (H, W // 2)
    )
    values = [float(v) for v in lines[0].split()[1:]]
    pts = np.array(values).reshape(-1, 2)
    assert lines[0].split()[0] == "3"
    assert pts[:, 0].max() == 1.0 and len(pts) == 4  # cut along the right border


def test_output_coordinates_have_six_decimals():
    lines, _ = move_yolo(parse_yolo("0 0.333333333 0.5 0.1 0.1\n", "l.txt", (H, W)), [], (H, W))
    assert lines == ["0 0.333333 0.500000 0.100000 0.100000"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 0.5 0.5 0.1\n", "l.txt:1: 4 values"),
        ("0 0.5 0.5 0.1 0.1\n1 0.1 0.2 0.3 0.4 0.5 0.6 0.7\n", "l.txt:2: 8 values"),
        ("\n0 0.5 abc 0.1 0.1\n", "l.txt:2: 'abc' is not a number"),
        ("0 0.5 0.5 1.2 0.1\n", "l.txt:1: value 4 is 1.2"),
        ("0 0.5 nan 0.1 0.1\n", "l.txt:1: value 3 is nan"),
        ("-1 0.5 0.5 0.1 0.1\n", "l.txt:1: class '-1'"),
        ("cat 0.5 0.5 0.1 0.1\n", "l.txt:1: class 'cat'"),
    ],
)
def test_malformed_lines_are_refused_with_file_and_line(text, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        parse_yolo(text, "l.txt", (H, W))


def test_coordinates_just_outside_zero_one_are_tolerated():
    objs = parse_yolo("0 1.0005 -0.0005 0.1 0.1\n", "l.txt", (H, W))
    assert len(objs) == 1


def test_a_binary_label_file_fails_its_input_cleanly(tmp_path):
    from augcli.augment.labels.apply import read_labels
    from augcli.augment.labels.files import LabelTask

    path = tmp_path / "x.txt"
    path.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_labels(LabelTask("", (("yolo", str(path), None, None),)), (H, W), None)
