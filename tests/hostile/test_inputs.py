"""One input never stops a run, and labels are never read silently wrong (issue 21, items 13-15)."""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import pytest

from tests.hostile.helpers import (
    coco_doc,
    make_src,
    make_yolo,
    regular_files,
    write_json,
)

AUG = ("--seed", "1", "--workers", "1", "--copies", "1", "-q")
DATA = Path(__file__).resolve().parents[1] / "data"


def unimplemented_dds(path):
    """A DDS file whose DX10 header names a DXGI format Pillow does not implement."""
    header = (
        struct.pack("<7I44s", 124, 0x1007, 8, 8, 0, 0, 0, b"\0" * 44)
        + struct.pack("<2I4s5I", 32, 4, b"DX10", 0, 0, 0, 0, 0)
        + struct.pack("<5I", 0x1000, 0, 0, 0, 0)
    )
    path.write_bytes(b"DDS " + header + struct.pack("<5I", 999, 3, 0, 1, 0) + b"\0" * 256)
    return path


# item 13 / one input never stops a run


def test_13_a_dds_pillow_cannot_decode_fails_alone(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src)
    unimplemented_dds(src / "odd.dds")
    scene.watch(src)
    result = scene.run("augment", src, dst, *AUG, "--json", expect=1)
    assert result.json["written"] == 3 and len(result.json["failures"]) == 1
    assert "odd.dds" in json.dumps(result.json["failures"])
    assert {f"im{i}_aug0.png" for i in range(3)} <= regular_files(dst)


def test_13_ico_after_tga_is_read_as_ico(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    src.mkdir()
    shutil.copy(DATA / "chelsea_alpha.tga", src / "a_first.tga")
    shutil.copy(DATA / "astronaut.ico", src / "b_second.ico")
    scene.watch(src)
    result = scene.run("augment", src, dst, *AUG, "--json", expect=0)
    assert result.json["written"] == 2


@pytest.mark.parametrize("broken", ["truncated", "text", "empty"])
def test_gate_one_broken_input_never_stops_the_run(scene, broken):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src)
    data = (src / "im0.png").read_bytes()
    (src / "bad.png").write_bytes(
        {"truncated": data[: len(data) // 2], "text": b"hello", "empty": b""}[broken]
    )
    scene.watch(src)
    result = scene.run("augment", src, dst, *AUG, expect=1)
    assert "bad.png" in result.stderr
    assert {f"im{i}_aug0.png" for i in range(3)} <= regular_files(dst)


# item 15 / special and dangling inputs counted; folders at output names refused before work


@pytest.mark.parametrize("kind", ["dangling symlink", "fifo", "symlink to a fifo"])
def test_15_special_or_dangling_png_is_counted_not_skipped(scene, kind):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src)
    odd = src / "odd.png"
    if kind == "dangling symlink":
        os.symlink(scene.root / "nowhere.png", odd)
    elif kind == "fifo":
        os.mkfifo(odd)
    else:
        os.mkfifo(scene.root / "pipe")
        os.symlink(scene.root / "pipe", odd)
    scene.watch(src)
    result = scene.run("augment", src, dst, *AUG, "--json", expect=1, timeout=20)
    assert result.json["written"] == 3 and result.json["failed"] == 1
    assert "odd.png" in json.dumps(result.json["failures"])


def test_15_overwrite_with_a_folder_at_an_output_name_is_refused_before_work(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src)
    scene.watch(src)
    scene.run("augment", src, dst, *AUG, expect=0)
    before = {n: (dst / n).read_bytes() for n in regular_files(dst)}
    (dst / "im1_aug0.png").unlink()
    (dst / "im1_aug0.png").mkdir()
    result = scene.run("augment", src, dst, *AUG, "--overwrite", expect=2)
    assert "im1_aug0.png" in result.stderr
    after = {n: (dst / n).read_bytes() for n in regular_files(dst)}
    assert after == {n: b for n, b in before.items() if n != "im1_aug0.png"}  # nothing done


# item 14 / labels


def coco_world(scene, **changes):
    src, dst = scene.root / "src", scene.root / "dst"
    images = make_src(src)
    doc = coco_doc(images)
    for key, value in changes.items():
        value(doc) if callable(value) else doc.update({key: value})
    coco = write_json(scene.root / "coco.json", doc)
    scene.watch(src, coco)
    return src, dst, coco


def run_coco(scene, src, dst, coco, expect):
    out = scene.root / "out.json"
    result = scene.run("augment", src, dst, *AUG, "--coco", coco, out, expect=expect)
    if expect == 2:
        assert regular_files(dst) == set() and not out.exists()
    return result


def test_14_coco_size_differing_from_the_real_file_is_refused_naming_it(scene):
    def wrong(doc):
        doc["images"][1]["width"] = 64

    src, dst, coco = coco_world(scene, wrong=wrong)
    result = run_coco(scene, src, dst, coco, 2)
    assert "im1.png" in result.stderr


@pytest.mark.parametrize("counts", [[-5, 10], [0, 10_000], "###", [1.5, 2]])
def test_14_malformed_rle_is_refused_before_any_work(scene, counts):
    def rle(doc):
        doc["annotations"][0].update(segmentation={"size": [24, 32], "counts": counts}, iscrowd=1)

    src, dst, coco = coco_world(scene, rle=rle)
    run_coco(scene, src, dst, coco, 2)


def test_14_the_same_file_listed_twice_is_refused(scene):
    def twice(doc):
        doc["images"].append({"id": 99, "file_name": "./im0.png", "width": 32, "height": 24})
        doc["annotations"].append(dict(doc["annotations"][0], id=99, image_id=99))

    src, dst, coco = coco_world(scene, twice=twice)
    result = run_coco(scene, src, dst, coco, 2)
    assert "im0.png" in result.stderr


@pytest.mark.parametrize("bbox", [[4.0, 4.0, -3.0, 8.0], [4.0, 4.0, 10.0, -1.0]])
def test_14_negative_size_coco_boxes_are_refused(scene, bbox):
    def negative(doc):
        doc["annotations"][0]["bbox"] = bbox

    src, dst, coco = coco_world(scene, negative=negative)
    run_coco(scene, src, dst, coco, 2)


def yolo_world(scene, text):
    src, dst, labels = scene.root / "src", scene.root / "dst", scene.root / "labels"
    images = make_src(src)
    make_yolo(labels, images)
    (labels / "im0.txt").write_bytes(text)
    scene.watch(src, labels)
    return src, dst, labels


@pytest.mark.parametrize("cls", ["²", "7" * 5000, "45.0", "-1"])
def test_14_odd_yolo_classes_fail_that_input_with_a_reason(scene, cls):
    src, dst, labels = yolo_world(scene, f"{cls} 0.5 0.5 0.2 0.2\n".encode())
    if cls == "45.0":  # either read as the class 45, or refused with a reason; never a crash
        ydst = scene.root / "ydst"
        code = (
            0
            if "45.0" not in scene.run("augment", src, dst, *AUG, "--dry-run", expect=0).stderr
            else 1
        )
        result = scene.run("augment", src, dst, *AUG, "--yolo", labels, ydst, expect=code)
        read = (ydst / "im0_aug0.txt").exists() and (ydst / "im0_aug0.txt").read_text().split()[
            :1
        ] == ["45"]
        assert read or ("im0.txt" in result.stderr and "internal error" not in result.stderr)
        return
    result = scene.run("augment", src, dst, *AUG, "--yolo", labels, scene.root / "ydst", expect=1)
    assert "im0.txt" in result.stderr and "internal error" not in result.stderr


def test_14_yolo_file_starting_with_a_bom_is_read(scene):
    src, dst, labels = yolo_world(scene, "\ufeff0 0.5 0.5 0.25 0.25\n".encode())
    ydst = scene.root / "ydst"
    scene.run("augment", src, dst, *AUG, "--yolo", labels, ydst, expect=0)
    assert len((ydst / "im0_aug0.txt").read_text().splitlines()) == 1


@pytest.mark.parametrize("value", ["nan", "inf", "-0.5"])
def test_14_min_visibility_outside_0_1_is_a_usage_error(scene, value):
    src, dst, labels = yolo_world(scene, b"0 0.5 0.5 0.25 0.25\n")
    scene.run(
        "augment",
        src,
        dst,
        *AUG,
        "--yolo",
        labels,
        scene.root / "ydst",
        "--min-visibility",
        value,
        expect=2,
    )
    assert regular_files(dst) == set()


def test_14_zero_area_yolo_boxes_are_not_kept(scene):
    src, dst, labels = yolo_world(scene, b"0 0.5 0.5 0.25 0.25\n1 0.5 0.5 0 0.2\n")
    ydst = scene.root / "ydst"
    scene.run("augment", src, dst, *AUG, "--yolo", labels, ydst, "--json", expect=0)
    kept = (ydst / "im0_aug0.txt").read_text().split("\n")
    assert [line.split()[0] for line in kept if line.strip()] == ["0"]
