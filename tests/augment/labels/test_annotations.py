"""Moving single COCO annotations: hand-computed flips and crops, pycocotools for RLE."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pycocotools", reason="needs pycocotools: pip install '.[test]'")

from pycocotools import mask as coco_mask

from augcli.augment.kernels import affine
from augcli.augment.labels.annotations import move_annotation
from augcli.augment.labels.geometry import Warp

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

H, W = 30, 40
FLIP = [Warp(affine.flip("horizontal", (H, W)), "reflect", (H, W))]


def test_a_flipped_polygon_is_mirrored_with_its_box_and_area():
    ann = {"id": 1, "image_id": 1, "category_id": 3, "iscrowd": 0, "extra": "kept",
           "segmentation": [[2, 3, 12, 3, 12, 9]], "bbox": [0, 0, 1, 1], "area": 1}  # fmt: skip
    out = move_annotation(ann, FLIP, (H, W))
    pts = np.asarray(out["segmentation"][0]).reshape(-1, 2)
    assert sorted(map(tuple, pts)) == sorted([(38, 3), (28, 3), (28, 9)])
    assert out["bbox"] == [28, 3, 10, 6] and out["area"] == 30  # 10 x 6 / 2
    assert out["category_id"] == 3 and out["iscrowd"] == 0 and out["extra"] == "kept"
    assert "id" not in out and "image_id" not in out


def test_a_box_only_annotation_is_clipped_by_a_crop():
    crop = [Warp(affine.crop((5, 10, 20, 20), (20, 20)), "constant", (H, W))]
    ann = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [4, 8, 10, 4]}  # x 4..14, y 8..12
    out = move_annotation(ann, crop, (20, 20))
    assert out["bbox"] == [0, 3, 4, 4] and out["area"] == 16


def test_an_annotation_outside_the_crop_is_dropped():
    crop = [Warp(affine.crop((0, 0, 10, 10), (10, 10)), "constant", (H, W))]
    ann = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [20, 20, 5, 5]}
    assert move_annotation(ann, crop, (10, 10)) is None


@pytest.mark.parametrize("compressed", [True, False])
def test_a_flipped_rle_decodes_to_the_mirrored_mask_in_its_own_form(compressed):
    mask = np.zeros((H, W), np.uint8)
    mask[4:11, 3:17] = 1
    mask[20:25, 30:33] = 1
    encoded = coco_mask.encode(np.asfortranarray(mask))
    if compressed:
        counts = encoded["counts"].decode("ascii")
    else:
        flat = mask.ravel(order="F")
        edges = np.flatnonzero(np.diff(flat)) + 1
        counts = np.diff(np.concatenate([[0], edges, [flat.size]])).tolist()
    ann = {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 1,
           "segmentation": {"size": [H, W], "counts": counts}}  # fmt: skip
    out = move_annotation(ann, FLIP, (H, W))
    seg = out["segmentation"]
    assert isinstance(seg["counts"], str) == compressed
    rle = (
        coco_mask.frPyObjects(seg, H, W)
        if not compressed
        else dict(seg, counts=seg["counts"].encode())
    )
    assert np.array_equal(coco_mask.decode(rle), mask[:, ::-1])
    assert out["area"] == mask.sum()
    assert out["bbox"] == [
        float(v) for v in coco_mask.toBbox(coco_mask.encode(np.asfortranarray(mask[:, ::-1])))
    ]


def test_keypoints_that_leave_the_image_become_zero_and_are_not_counted():
    crop = [Warp(affine.crop((0, 0, 20, 20), (20, 20)), "constant", (H, W))]
    ann = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 30, 10],
           "keypoints": [5, 5, 2, 25, 5, 2, 8, 8, 0], "num_keypoints": 2}  # fmt: skip
    out = move_annotation(ann, crop, (20, 20))
    assert out["keypoints"] == [5, 5, 2, 0, 0, 0, 0, 0, 0] and out["num_keypoints"] == 1


def test_a_flip_swaps_left_and_right_keypoints_by_the_permutation():
    ann = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 30, 10],
           "keypoints": [5, 5, 2, 25, 5, 1, 15, 8, 2]}  # fmt: skip
    out = move_annotation(ann, FLIP, (H, W), swap=[1, 0, 2])
    assert out["keypoints"] == [15, 5, 1, 35, 5, 2, 25, 8, 2]
