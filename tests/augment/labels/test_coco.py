"""Loading COCO files: validation messages, keypoint pairs, the output's ids."""

from __future__ import annotations

import json

import pytest

from augcli.augment.labels.coco import build_coco, keypoint_swaps, load_coco
from augcli.core.errors import UsageError


def _write(tmp_path, data) -> str:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    return str(path)


def _valid() -> dict:
    return {
        "images": [{"id": 1, "file_name": "a/x.png", "width": 8, "height": 6}],
        "annotations": [
            {"id": 5, "image_id": 1, "category_id": 2, "bbox": [1, 1, 2, 2], "iscrowd": 0}
        ],
        "categories": [{"id": 2, "name": "thing"}],
    }


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c["annotations"][0].update(bbox=[1, 2, 3]), "bbox must be [x, y, width,"),
        (lambda c: c["annotations"][0].update(segmentation=[[1, 2, 3]]), "a polygon must be"),
        (lambda c: c["annotations"][0].update(segmentation={"size": [5, 8], "counts": "0"}),
         "RLE size [5, 8] is not its image's [height, width] [6, 8]"),
        (lambda c: c["annotations"][0].update(keypoints=[1, 2]), "keypoints must be"),
        (lambda c: c["annotations"][0].update(iscrowd=True), "iscrowd must be 0 or 1"),
        (lambda c: c["images"][0].update(width=0), "positive integer width and height"),
        (lambda c: c["images"].append(dict(c["images"][0], id=2)), "duplicate file_name 'a/x.png'"),
        (lambda c: c["categories"].append({"id": 2}), "duplicate category id 2"),
    ],
)  # fmt: skip
def test_malformed_entries_are_named_with_their_index_and_id(tmp_path, mutate, message):
    data = _valid()
    mutate(data)
    with pytest.raises(UsageError) as err:
        load_coco(_write(tmp_path, data))
    assert message in str(err.value)


def test_only_the_first_five_problems_are_listed(tmp_path):
    data = _valid()
    data["annotations"] = [dict(data["annotations"][0], id=k, image_id=99) for k in range(9)]
    with pytest.raises(UsageError, match=r"\.\.\. and 4 more problem\(s\)"):
        load_coco(_write(tmp_path, data))


def test_keypoint_pairs_come_from_left_and_right_names():
    cat = {"keypoints": ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_x"]}
    assert keypoint_swaps(cat) == [0, 2, 1, 4, 3, 5]
    assert keypoint_swaps({"keypoints": ["nose"]}) is None


def test_output_ids_follow_the_outputs_sorted_paths():
    meta = {"categories": [{"id": 2}], "info": {"v": 1}}
    entries = {
        "b/y.png": {"width": 4, "height": 3, "annotations": [{"category_id": 2}]},
        "a/x.png": {"width": 5, "height": 6, "annotations": [{"category_id": 2}] * 2},
    }
    out = build_coco(meta, entries)
    assert [(i["id"], i["file_name"]) for i in out["images"]] == [(1, "a/x.png"), (2, "b/y.png")]
    assert [(a["id"], a["image_id"]) for a in out["annotations"]] == [(1, 1), (2, 1), (3, 2)]
    assert out["info"] == {"v": 1} and "licenses" not in out
