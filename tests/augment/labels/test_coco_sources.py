"""Where COCO entries meet SRC: file names with a prefix SRC lacks are refused with the SRC that
would match, panoptic files are named, the dry run checks and lists labels, and the output
keeps each source image's id, file name and other keys."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from pycocotools.coco import COCO

from augcli.cli import cli
from tests.augment.labels.labelled import make_labelled

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def coco_tree(root: Path, prefix: str = "val2017/") -> Path:
    """``root/val2017/{1,2}.jpg`` and ``root/ann.json`` naming them ``<prefix><n>.jpg``."""
    (root / "val2017").mkdir(parents=True)
    images = []
    for n in (1, 2):
        Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(root / "val2017" / f"{n}.jpg")
        images.append(
            {
                "id": 10 + n,
                "file_name": f"{prefix}{n}.jpg",
                "width": 30,
                "height": 20,
                "license": 3,
                "coco_url": f"http://images.cocodataset.org/val2017/{n}.jpg",
                "flickr_url": f"http://farm.example/{n}.jpg",
                "date_captured": "2013-11-14 17:02:52",
            }
        )
    anns = [
        {"id": 7, "image_id": 11, "category_id": 1, "bbox": [2, 3, 10, 8], "iscrowd": 0},
    ]
    data = {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "thing"}]}
    (root / "ann.json").write_text(json.dumps(data))
    return root / "ann.json"


def augment(src: Path, out: Path, *extra: str):
    args = ["augment", str(src), str(out / "images"), "--seed", "1", "--copies", "1", "-q"]
    result = CliRunner().invoke(cli, [*args, "--workers", "1", *extra])
    assert "Traceback" not in result.output, result.output
    return result


def test_file_names_carrying_the_src_folder_are_refused_suggesting_its_parent(tmp_path):
    ann = coco_tree(tmp_path / "coco")
    out = tmp_path / "out"
    result = augment(tmp_path / "coco" / "val2017", out, "--coco", str(ann), str(out / "c.json"))
    assert result.exit_code == 2
    assert "none of its 2 image entries names a file under SRC" in result.output
    assert f"give SRC {(tmp_path / 'coco').resolve()}" in result.output
    assert not out.exists()


def test_file_names_missing_a_folder_of_src_are_refused_suggesting_that_folder(tmp_path):
    ann = coco_tree(tmp_path / "coco", prefix="")
    out = tmp_path / "out"
    result = augment(tmp_path / "coco", out, "--coco", str(ann), str(out / "c.json"))
    assert result.exit_code == 2
    assert f"give SRC {tmp_path / 'coco' / 'val2017'}" in result.output


def test_a_prefix_matching_no_folder_is_named_to_strip(tmp_path):
    ann = coco_tree(tmp_path / "coco", prefix="train/")
    out = tmp_path / "out"
    result = augment(tmp_path / "coco" / "val2017", out, "--coco", str(ann), str(out / "c.json"))
    assert result.exit_code == 2
    assert "start with 'train/': strip it from every file_name" in result.output


def test_the_matching_src_runs_and_the_output_keeps_the_source_image_keys(tmp_path):
    ann = coco_tree(tmp_path / "coco")
    out = tmp_path / "out"
    result = augment(tmp_path / "coco", out, "--coco", str(ann), str(out / "c.json"))
    assert result.exit_code == 0, result.output
    dataset = COCO(str(out / "c.json")).dataset
    by_source = {im["source_file_name"]: im for im in dataset["images"]}
    assert set(by_source) == {"val2017/1.jpg", "val2017/2.jpg"}
    first = by_source["val2017/1.jpg"]
    assert first["source_id"] == 11 and first["file_name"] == "val2017/1_aug0.jpg"
    assert first["coco_url"] == "http://images.cocodataset.org/val2017/1.jpg"
    assert first["flickr_url"] == "http://farm.example/1.jpg"
    assert first["date_captured"] == "2013-11-14 17:02:52" and first["license"] == 3
    assert (first["width"], first["height"]) == (30, 20) and first["id"] in (1, 2)
    [moved] = dataset["annotations"]
    assert moved["image_id"] == first["id"]


def test_a_panoptic_file_is_named_in_one_line(tmp_path):
    (tmp_path / "img").mkdir()
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / "img" / "1.jpg")
    panoptic = {
        "images": [{"id": 1, "file_name": "1.jpg", "width": 30, "height": 20}],
        "annotations": [
            {"image_id": 1, "file_name": "1.png", "segments_info": [{"id": 5, "category_id": 1}]}
        ],
        "categories": [{"id": 1, "name": "thing", "isthing": 1}],
    }
    path = tmp_path / "panoptic_val2017.json"
    path.write_text(json.dumps(panoptic))
    out = tmp_path / "out"
    result = augment(tmp_path / "img", out, "--coco", str(path), str(out / "c.json"))
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.strip()]
    assert len(errors) == 1 and "COCO panoptic is not supported" in errors[0]


@pytest.fixture
def labelled(tmp_path: Path) -> dict[str, Path]:
    return make_labelled(tmp_path / "in", n=6, unlisted=1)


def label_args(data: dict[str, Path], out: Path) -> list[str]:
    return [
        "--masks", str(data["masks"]), str(out / "masks"),
        "--yolo", str(data["labels"]), str(out / "labels"),
        "--coco", str(data["coco"]), str(out / "c.json"),
    ]  # fmt: skip


def test_dry_run_json_counts_labels_per_kind_with_their_destinations(labelled, tmp_path):
    (labelled["masks"] / "b" / "im03.png").unlink()
    (labelled["labels"] / "a" / "im02.txt").unlink()
    (labelled["labels"] / "a" / "stray.txt").write_text("")
    out = tmp_path / "out"
    result = augment(labelled["images"], out, "--dry-run", "--json", *label_args(labelled, out))
    assert result.exit_code == 0, result.output
    labels = json.loads(result.stdout)["labels"]
    assert labels["masks"]["destination"] == str(out / "masks")
    assert (labels["masks"]["found"], labels["masks"]["missing"]) == (5, 1)
    assert "b/im03.png: no mask" in labels["masks"]["missing_examples"][0]
    yolo = labels["yolo"]
    assert yolo["destination"] == str(out / "labels") and yolo["label_files"] == 6
    assert (yolo["images_with_labels"], yolo["images_without_labels"]) == (5, 1)
    assert yolo["files_without_image_examples"] == ["a/stray.txt"]
    coco = labels["coco"]
    assert coco["destination"] == str(out / "c.json")
    assert (coco["image_entries"], coco["annotations"]) == (6, 10)  # 5 listed + a/gone.png
    assert (coco["images_listed"], coco["images_unlisted"]) == (5, 1)
    assert coco["entries_without_file_examples"] == ["a/gone.png"]
    assert not out.exists()


def test_dry_run_text_says_which_inputs_will_fail_for_a_missing_mask(labelled, tmp_path):
    (labelled["masks"] / "b" / "im03.png").unlink()
    out = tmp_path / "out"
    result = augment(labelled["images"], out, "--dry-run", *label_args(labelled, out))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert f"--masks {labelled['masks']} -> {out / 'masks'}: 5 input(s)" in text
    assert "1 have none and will fail" in text and "b/im03.png: no mask" in text
    assert f"--yolo {labelled['labels']} -> {out / 'labels'}" in text
    assert f"--coco {labelled['coco']} -> {out / 'c.json'}" in text


def test_dry_run_does_not_call_label_files_beside_the_images_ignored(tmp_path):
    src = tmp_path / "ds"
    src.mkdir()
    for n in (1, 2):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(src / f"{n}.png")
        (src / f"{n}.txt").write_text("0 0.5 0.5 0.25 0.25\n")
    (src / "notes.txt").write_text("not a label")
    (src / "meta.json").write_text("{}")
    out = tmp_path / "out"
    result = augment(src, out, "--dry-run", "--json", "--yolo", str(src), str(tmp_path / "lab"))
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["ignored"] == {".json": {"count": 1, "examples": ["meta.json"]}}
    assert plan["labels"]["yolo"]["images_with_labels"] == 2
    assert plan["labels"]["yolo"]["files_without_image_examples"] == ["notes.txt"]


def test_dry_run_refuses_what_the_run_refuses(tmp_path):
    ann = coco_tree(tmp_path / "coco")
    out = tmp_path / "out"
    src = tmp_path / "coco" / "val2017"
    result = augment(src, out, "--dry-run", "--coco", str(ann), str(out / "c.json"))
    assert result.exit_code == 2 and "names a file under SRC" in result.output
