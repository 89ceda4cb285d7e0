"""augcli augment with --masks, --yolo and --coco end to end: determinism, resume, atomicity,
the manifest's labels, refusals."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

pytest.importorskip("pycocotools", reason="needs pycocotools: pip install '.[test]'")

from pycocotools import mask as coco_mask
from pycocotools.coco import COCO

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.cli import cli
from tests.augment.labels.labelled import make_labelled
from tests.augment.test_faults import (
    TIMEOUT,
    augcli_cmd,
    env,
    group_alive,
    procs,  # noqa: F401  (fixture)
    start,
    temps,
    wait_for,
    wait_for_outputs,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

PIPELINE = """
seed: 4
copies: 2
pipeline:
  - flip: {p: 0.5}
  - rotate: {angle: [-25, 25], fill: reflect}
  - gaussian_noise: {std: 0.02}
  - crop: {size: [0.7, 0.95], resize: false}
"""


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    paths = make_labelled(tmp_path / "in")
    config = tmp_path / "pipe.yaml"
    config.write_text(PIPELINE)
    paths["config"] = config
    return paths


def label_args(data: dict[str, Path], out: Path) -> list[str]:
    return [
        "--masks", str(data["masks"]), str(out / "masks"),
        "--yolo", str(data["labels"]), str(out / "labels"),
        "--coco", str(data["coco"]), str(out / "annotations.json"),
    ]  # fmt: skip


def run(data, out: Path, *extra: str):
    args = ["augment", str(data["images"]), str(out / "images"), "-c", str(data["config"]), "-q"]
    result = CliRunner().invoke(cli, args + label_args(data, out) + list(extra))
    assert "Traceback" not in result.output, result.output
    return result


def _load(path: Path) -> Image.Image:
    with Image.open(path) as im:
        return im.copy()


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file; the manifest by its sorted lines (its order is completion order)."""
    found = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name == MANIFEST_NAME:
                data = b"".join(sorted(data.splitlines(keepends=True)))
            found[p.relative_to(root).as_posix()] = hashlib.sha256(data).hexdigest()
    return found


def test_workers_1_and_2_give_byte_identical_images_masks_labels_and_coco(data, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run(data, one, "--workers", "1").exit_code == 0
    assert run(data, two, "--workers", "2").exit_code == 0
    first = digests(one)
    assert first == digests(two)
    kinds = {rel.split("/")[0] for rel in first}
    assert kinds == {"images", "masks", "labels", "annotations.json"}
    assert sum(rel.startswith("masks/") for rel in first) == 24
    assert sum(rel.startswith("labels/") for rel in first) == 24


def test_each_output_has_its_mask_and_label_file_and_manifest_labels(data, tmp_path):
    out = tmp_path / "out"
    assert run(data, out, "--workers", "1").exit_code == 0
    entries = [json.loads(x) for x in (out / "images" / MANIFEST_NAME).read_text().splitlines()]
    assert len(entries) == 24
    for entry in entries:
        stem = os.path.splitext(entry["output"])[0]
        labels = entry["labels"]
        assert set(labels["mask"]) == {"file", "size", "sha256"}
        assert labels["mask"]["file"] == stem + ".png"
        assert labels["yolo"]["file"] == stem + ".txt"
        for kind, folder in (("mask", "masks"), ("yolo", "labels")):
            written = (out / folder / labels[kind]["file"]).read_bytes()
            assert labels[kind]["size"] == len(written)
            assert labels[kind]["sha256"] == hashlib.sha256(written).hexdigest()
        assert labels["yolo"]["kept"] + labels["yolo"]["dropped"] == 2
        lines = (out / "labels" / labels["yolo"]["file"]).read_text().splitlines()
        assert len(lines) == labels["yolo"]["kept"]
        image = _load(out / "images" / entry["output"])
        mask = _load(out / "masks" / labels["mask"]["file"])
        assert image.size == mask.size


def test_masks_keep_mode_and_palette_and_invent_no_values(data, tmp_path):
    out = tmp_path / "out"
    assert run(data, out, "--workers", "1").exit_code == 0
    for path in (out / "masks" / "a").iterdir():
        im = _load(path)
        assert im.mode == "P" and im.getpalette()[:9] == [0, 0, 0, 255, 0, 0, 0, 255, 0]
        assert set(np.unique(np.array(im))) <= {0, 1, 2}
    for path in (out / "masks" / "b").iterdir():
        assert _load(path).mode == "L"


def test_coco_output_is_valid_coco_with_new_ids_and_moved_rle(data, tmp_path):
    out = tmp_path / "out"
    result = run(data, out, "--workers", "1", "--include-original")
    assert result.exit_code == 0
    assert "1 image(s) under SRC have no entry" in result.output
    assert "have no file under SRC" in result.output and "a/gone.png" in result.output
    coco = COCO(str(out / "annotations.json"))
    names = {im["file_name"] for im in coco.dataset["images"]}
    assert names == {
        p.relative_to(out / "images").as_posix() for p in (out / "images").rglob("*.png")
    }
    assert len(names) == 36
    assert coco.dataset["categories"][0]["keypoints"] == ["left_eye", "right_eye"]
    assert coco.dataset["info"] == {"description": "test"}
    entries = {
        e["output"]: e
        for e in map(json.loads, (out / "images" / MANIFEST_NAME).read_text().splitlines())
    }
    for image in coco.dataset["images"]:
        anns = coco.loadAnns(coco.getAnnIds(imgIds=image["id"]))
        mask_file = entries[image["file_name"]]["labels"]["mask"]["file"]
        mask = np.array(_load(out / "masks" / mask_file))
        for ann in anns:
            if ann["iscrowd"]:
                # The moved RLE is the moved mask's class-2 pixels (reflect fill aside: the
                # RLE moves with background outside, the mask with reflected content).
                decoded = coco_mask.decode(coco.annToRLE(ann)).astype(bool)
                assert decoded.shape == mask.shape
                assert ann["area"] == decoded.sum()
                assert not (decoded & (mask != 2)).any()
    unlisted = [im for im in coco.dataset["images"] if "im11" in im["file_name"]]
    assert len(unlisted) == 3 and not coco.getAnnIds(imgIds=[u["id"] for u in unlisted])


def test_a_horizontal_flip_swaps_left_and_right_keypoints(data, tmp_path):
    data["config"].write_text("seed: 1\ncopies: 1\npipeline:\n  - flip: {direction: horizontal}\n")
    out = tmp_path / "out"
    assert run(data, out, "--workers", "1").exit_code == 0
    coco = json.loads((out / "annotations.json").read_text())
    source = json.loads(data["coco"].read_text())
    src_kp = {
        (a["bbox"][0], a["bbox"][1]): a["keypoints"]
        for a in source["annotations"]
        if "keypoints" in a
    }
    w = 64
    for ann in coco["annotations"]:
        if "keypoints" not in ann:
            continue
        x0 = w - ann["bbox"][0] - ann["bbox"][2]  # the source box's left edge
        (lx, ly, lv, rx, ry, rv) = src_kp[(x0, ann["bbox"][1])]
        # left_eye of the flipped face is the mirrored right_eye, and vice versa
        assert ann["keypoints"] == [w - rx, ry, rv, w - lx, ly, lv]


def test_a_missing_mask_fails_that_input_and_writes_nothing_for_it(data, tmp_path):
    (data["masks"] / "a" / "im04.png").unlink()
    out = tmp_path / "out"
    result = run(data, out, "--workers", "1")
    assert result.exit_code == 1
    assert "no mask" in result.output and "im04" in result.output
    assert not list(out.rglob("im04*"))
    assert temps(out) == []


def test_a_malformed_yolo_line_fails_that_input_naming_file_and_line(data, tmp_path):
    bad = data["labels"] / "b" / "im03.txt"
    bad.write_text("0 0.5 0.5 0.1 0.1\n0 0.5 0.5 zero 0.1\n")
    out = tmp_path / "out"
    result = run(data, out, "--workers", "1")
    assert result.exit_code == 1
    assert f"{bad}:2: 'zero' is not a number" in result.output
    assert not list(out.rglob("im03*"))


def test_a_missing_yolo_file_means_no_objects(data, tmp_path):
    (data["labels"] / "b" / "im03.txt").unlink()
    out = tmp_path / "out"
    assert run(data, out, "--workers", "1").exit_code == 0
    assert (out / "labels" / "b" / "im03_aug0.txt").read_text() == ""


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.pop("categories"), "key 'categories' is missing"),
        (lambda c: c["annotations"][0].update(image_id=5), "image_id 5 is not an image's id"),
        (lambda c: c["images"][1].update(id=c["images"][0]["id"]), "duplicate image id"),
        (
            lambda c: c["annotations"][1].update(id=c["annotations"][0]["id"]),
            "duplicate annotation id",
        ),
    ],
)
def test_invalid_coco_is_refused_before_any_work(data, tmp_path, mutate, message):
    coco = json.loads(data["coco"].read_text())
    mutate(coco)
    data["coco"].write_text(json.dumps(coco))
    out = tmp_path / "out"
    result = run(data, out)
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


@pytest.mark.parametrize("text", ["{", "[1, 2]", "[" * 100000 + "]" * 100000])
def test_hostile_or_broken_json_is_refused_cleanly(data, tmp_path, text):
    data["coco"].write_text(text)
    result = run(data, tmp_path / "out")
    assert result.exit_code == 2 and "--coco" in result.output


def test_existing_label_outputs_are_refused_without_overwrite(data, tmp_path):
    out = tmp_path / "out"
    (out / "labels" / "a").mkdir(parents=True)
    (out / "labels" / "a" / "im00_aug0.txt").write_text("mine")
    result = run(data, out)
    assert result.exit_code == 2 and "already holds" in result.output
    assert (out / "labels" / "a" / "im00_aug0.txt").read_text() == "mine"


def test_a_mask_folder_inside_src_is_refused(data, tmp_path):
    args = ["augment", str(data["images"].parent), str(tmp_path / "o"), "-c", str(data["config"])]
    args += ["--masks", str(data["masks"]), str(tmp_path / "m")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "inside SRC" in result.output


def test_kill_9_then_resume_gives_the_uninterrupted_result(tmp_path, procs):  # noqa: F811
    data = make_labelled(tmp_path / "in", n=60)
    config = tmp_path / "pipe.yaml"
    config.write_text(PIPELINE)
    data["config"] = config
    reference = tmp_path / "ref"
    args = ["-c", str(config), "--workers", "2", "-q"]
    full = subprocess.run(
        augcli_cmd("augment", str(data["images"]), str(reference / "images"), *args,
                   *label_args(data, reference)),
        env=env(), capture_output=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert full.returncode == 0, full.stderr
    out = tmp_path / "out"
    cmd = ["augment", str(data["images"]), str(out / "images"), *args, *label_args(data, out)]
    proc = start(procs, *cmd)
    wait_for_outputs(proc, out / "images", 6)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(TIMEOUT)
    wait_for(lambda: not group_alive(proc.pid), "the workers to exit", 20, 0.05)
    proc.communicate(timeout=TIMEOUT)
    assert not (out / "annotations.json").exists()
    done = subprocess.run(
        augcli_cmd(*cmd, "--resume"), env=env(), capture_output=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    assert digests(out) == digests(reference)
    assert temps(out) == []
