"""Writes over inputs or outside DST (issue 21, items 1-7 and 10, and the gate's write rules)."""

from __future__ import annotations

import json
import os

import pytest

from tests.hostile.helpers import (
    MANIFEST,
    coco_doc,
    make_image,
    make_src,
    make_yolo,
    manifest_lines,
    regular_files,
    write_json,
)

AUG = ("--seed", "1", "--workers", "1", "--copies", "1", "-q")


def first_run(scene, src, dst, *extra):
    """A clean run that fills DST (the state every later attack starts from)."""
    scene.run("augment", src, dst, *AUG, *extra, expect=0)


# item 1: DST's manifest followed through a symlink or a hard link


@pytest.mark.parametrize("how", ["symlink", "hardlink"])
def test_1_overwrite_refuses_a_manifest_linked_outside_dst(scene, how):
    src, dst = scene.root / "src", scene.root / "dst"
    scene.watch(src)
    make_src(src)
    first_run(scene, src, dst)
    manifest = dst / MANIFEST
    scene.sentinel.write_bytes(manifest.read_bytes())  # a plausible manifest, outside DST
    scene.sentinel_sha = __import__("hashlib").sha256(scene.sentinel.read_bytes()).hexdigest()
    manifest.unlink()
    (os.symlink if how == "symlink" else os.link)(scene.sentinel, manifest)
    scene.run("augment", src, dst, *AUG, "--overwrite", expect=2)


@pytest.mark.parametrize("how", ["symlink", "hardlink"])
def test_1_overwrite_refuses_a_manifest_linked_to_an_input_image(scene, how):
    src, dst = scene.root / "src", scene.root / "dst"
    scene.watch(src)
    images = make_src(src)
    first_run(scene, src, dst)
    (dst / MANIFEST).unlink()
    (os.symlink if how == "symlink" else os.link)(images[0], dst / MANIFEST)
    scene.run("augment", src, dst, *AUG, "--overwrite", expect=2)


def test_1_dangling_manifest_symlink_creates_nothing_outside_dst(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    scene.watch(src)
    make_src(src)
    dst.mkdir()
    target = scene.root / "outside" / "created-by-augcli.jsonl"
    os.symlink(target, dst / MANIFEST)
    scene.run("augment", src, dst, *AUG, expect=2)
    assert not os.path.lexists(target)
    assert os.readlink(dst / MANIFEST) == str(target)


def test_1_shard_manifest_symlink_is_refused(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    scene.watch(src)
    make_src(src)
    dst.mkdir()
    os.symlink(scene.sentinel, dst / "augcli-manifest.0-of-2.jsonl")
    scene.run("augment", src, dst, *AUG, "--shard", "0/2", "--overwrite", expect=2)
    assert os.readlink(dst / "augcli-manifest.0-of-2.jsonl") == str(scene.sentinel)


# item 2: --coco JSON OUT never checked


def coco_world(scene):
    src, dst, labels = scene.root / "src", scene.root / "dst", scene.root / "labels"
    images = make_src(src)
    make_yolo(labels, images)
    coco = write_json(scene.root / "coco.json", coco_doc(images))
    scene.watch(src, labels, coco)
    return src, dst, labels, coco, images


@pytest.mark.parametrize("mode", ["--overwrite", "--resume"])
@pytest.mark.parametrize(
    "target", ["input image", "yolo label", "dst manifest", "dst image", "hard link to the json"]
)
def test_2_coco_out_over_an_input_or_owned_file_is_refused(scene, target, mode):
    src, dst, labels, coco, images = coco_world(scene)
    first_run(scene, src, dst)
    out = {
        "input image": images[0],
        "yolo label": labels / "im0.txt",
        "dst manifest": dst / MANIFEST,
        "dst image": dst / "im0_aug0.png",
        "hard link to the json": scene.root / "coco-link.json",
    }[target]
    if target == "hard link to the json":
        os.link(coco, out)
    scene.watch(dst / MANIFEST, dst / "im0_aug0.png")
    scene.run("augment", src, dst, *AUG, mode, "--coco", coco, out, expect=2)


# item 3: preview -o over its input


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link"])
def test_3_preview_output_that_is_the_image_is_refused(scene, how):
    image = make_image(scene.root / "in" / "photo.png")
    scene.watch(image.parent)
    out = {
        "same path": image,
        "symlink": scene.root / "sheet.png",
        "hard link": scene.root / "sheet.png",
    }[how]
    if how == "symlink":
        os.symlink(image, out)
    elif how == "hard link":
        os.link(image, out)
    scene.run("preview", image, "-o", out, "-n", "2", "--seed", "1", expect=2)


def test_3_preview_output_that_is_the_mask_is_refused(scene):
    image = make_image(scene.root / "in" / "photo.png")
    mask = make_image(scene.root / "in" / "photo_mask.png", mode="L")
    scene.watch(image.parent)
    scene.run("preview", image, "--masks", mask, "-o", mask, "-n", "2", "--seed", "1", expect=2)


# item 4: SRC inside DST and a manifest line naming a SRC file


def test_4_overwrite_never_deletes_a_src_file_listed_in_dsts_manifest(scene):
    dst = scene.root / "dst"
    src = dst / "src"
    images = make_src(src)
    scene.watch(src)
    first_run(scene, src, dst)
    lines = manifest_lines(dst)
    forged = dict(lines[0])
    forged["output"] = "src/im1.png"
    forged["size"] = images[1].stat().st_size
    forged["sha256"] = __import__("hashlib").sha256(images[1].read_bytes()).hexdigest()
    forged["copy"] = 1
    with open(dst / MANIFEST, "a") as handle:
        handle.write(json.dumps(forged) + "\n")
    result = scene.run("augment", src, dst, *AUG, "--overwrite", expect=0)
    assert "im1.png" in result.stderr and "kept" in result.stderr  # reported, not deleted


# item 5: loss --per-row through a symlink, or '-'


def loss_input(scene):
    table = scene.root / "preds.csv"
    table.write_text("y_true,y_pred\n1,0.9\n0,0.2\n1,0.4\n")
    scene.watch(table)
    return table


def test_5_per_row_symlink_is_refused_not_replaced(scene):
    table = loss_input(scene)
    link = scene.root / "rows.csv"
    os.symlink(scene.sentinel, link)
    scene.run("loss", table, "--per-row", link, expect=2)
    assert os.readlink(link) == str(scene.sentinel)


def test_5_per_row_dash_never_writes_a_file_named_dash(scene):
    table = loss_input(scene)
    result = scene.run("loss", table, "--per-row", "-", expect=0)
    assert not os.path.lexists(scene.root / "-")
    assert "line," in result.stdout  # '-' is standard output


# item 6: --yolo SRC DST with DST inside SRC


def test_6_yolo_dst_inside_the_yolo_src_is_refused(scene):
    src, dst, labels = scene.root / "src", scene.root / "dst", scene.root / "labels"
    images = make_src(src)
    make_yolo(labels, images)
    scene.watch(src, labels)
    scene.run("augment", src, dst, *AUG, "--yolo", labels, labels / "out", expect=2)
    assert not (labels / "out").exists()


def test_6_yolo_dst_inside_src_is_refused(scene):
    src, dst, labels = scene.root / "src", scene.root / "dst", scene.root / "labels"
    images = make_src(src)
    make_yolo(labels, images)
    scene.watch(src, labels)
    scene.run("augment", src, dst, *AUG, "--yolo", labels, src / "moved", expect=2)


# item 7: --name producing the temporary prefix


@pytest.mark.parametrize(
    "name",
    [
        ".augcli-tmp-0of1-{stem}{ext}",
        ".augcli-tmp-{stem}_{index}{ext}",
        "sub/.augcli-tmp-{stem}{ext}",
    ],
)
def test_7_a_name_with_the_temporary_prefix_is_a_usage_error(scene, name):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src)
    scene.watch(src)
    scene.run("augment", src, dst, *AUG, "--name", name, expect=2)
    assert regular_files(dst) == set()


# item 10: --copies 2 with labels, then --copies 1 --overwrite


def test_10_overwrite_removes_the_earlier_runs_label_files_and_masks(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    labels, masks = scene.root / "labels", scene.root / "masks"
    images = make_src(src)
    make_yolo(labels, images)
    for image in images:
        make_image(masks / image.name, mode="L", seed=7)
    scene.watch(src, labels, masks)
    ydst, mdst = scene.root / "ydst", scene.root / "mdst"
    common = ("--yolo", labels, ydst, "--masks", masks, mdst)
    scene.run(
        "augment",
        src,
        dst,
        "--seed",
        "1",
        "--workers",
        "1",
        "--copies",
        "2",
        "-q",
        *common,
        expect=0,
    )
    assert any("aug1" in name for name in regular_files(ydst))
    scene.run("augment", src, dst, *AUG, "--overwrite", *common, expect=0)
    assert not [
        n for n in regular_files(dst) | regular_files(ydst) | regular_files(mdst) if "aug1" in n
    ]
    assert {n for n in regular_files(ydst)} == {f"im{i}_aug0.txt" for i in range(3)}


# the gate's write rules


def test_gate_dst_reaching_an_input_through_a_symlink_is_refused_naming_both(scene):
    src = scene.root / "src"
    make_src(src)
    (src / "sub").mkdir()
    scene.watch(src)
    link = scene.root / "dst"
    os.symlink(src / "sub", link)
    result = scene.run("augment", "src", "dst", *AUG, expect=2)
    assert "'dst'" in result.stderr and "'src'" in result.stderr


@pytest.mark.parametrize("kind", ["symlink", "hard link", "fifo"])
def test_gate_an_owned_output_name_that_is_a_link_or_special_is_refused_not_followed(scene, kind):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src)
    scene.watch(src)
    dst.mkdir()
    owned = dst / "im0_aug0.png"
    if kind == "symlink":
        os.symlink(scene.sentinel, owned)
    elif kind == "hard link":
        os.link(scene.sentinel, owned)
    else:
        os.mkfifo(owned)
    scene.watch(owned)
    scene.run("augment", src, dst, *AUG, "--overwrite", expect=2, timeout=30)


def test_gate_pool_output_that_is_the_input_is_refused(scene):
    image = make_image(scene.root / "in" / "photo.png", size=(16, 16))
    scene.watch(image.parent)
    link = scene.root / "grid.png"
    os.symlink(image, link)
    scene.run("pool", image, "-m", "max", "-o", link, expect=2)
    assert os.readlink(link) == str(image)


def test_gate_label_dst_equal_to_an_input_through_a_link_is_refused(scene):
    src, dst, labels = scene.root / "src", scene.root / "dst", scene.root / "labels"
    images = make_src(src)
    make_yolo(labels, images)
    scene.watch(src, labels)
    link = scene.root / "ydst"
    os.symlink(labels, link)
    scene.run("augment", src, dst, *AUG, "--yolo", labels, link, expect=2)
