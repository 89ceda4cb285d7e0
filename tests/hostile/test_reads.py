"""Unbounded reads, hangs and tracebacks (issue 21, items 11 and 12, and the gate's read rules).

A FIFO stands for every special file (``/dev/zero``, ``/dev/stdout``...) and a sparse file of
100 MB for an endless stream: both are made in the test's own folder, never taken from the
system. Every child runs with a timeout and an address-space limit, so a hang or a runaway
allocation fails the test instead of the machine.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.hostile.helpers import MANIFEST, coco_doc, make_src, make_yolo, regular_files, write_json

AUG = ("--seed", "1", "--workers", "1", "--copies", "1", "-q")
QUICK = 15  # seconds: a bounded read answers at once (a normal run takes ~1 s)


def src_world(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    images = make_src(src)
    scene.watch(src)
    return src, dst, images


def sparse(path, size=100 << 20):
    """A file of ``size`` zero bytes that uses no disk (an endless file's stand-in)."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


def fifo(path):
    os.mkfifo(path)
    return path


# item 11: numbers that size allocations


@pytest.mark.parametrize(
    "name", ["{index:>999999999}{stem}{ext}", "{stem:>99999999}{ext}", "{index:0999999999d}{ext}"]
)
def test_11_a_huge_format_width_in_name_is_a_usage_error(scene, name):
    src, dst, _ = src_world(scene)
    scene.run("augment", src, dst, *AUG, "--name", name, expect=2, timeout=QUICK)
    assert regular_files(dst) == set()


def test_11_merge_refuses_a_huge_shard_count_without_allocating(scene):
    dst = scene.root / "dst"
    dst.mkdir()
    shard = dst / "augcli-manifest.0-of-99999999999999999999.jsonl"
    shard.write_text("")
    scene.watch(shard)
    scene.run("manifest", "merge", dst, expect=2, timeout=QUICK)
    assert not (dst / MANIFEST).exists()


def test_11_coco_image_claiming_100000_squared_with_rle_is_refused_before_work(scene):
    src, dst, images = src_world(scene)
    doc = coco_doc(images[:1], size=(100000, 100000))
    doc["annotations"][0].update(
        segmentation={"size": [100000, 100000], "counts": [0, 10, 100000 * 100000 - 10]},
        iscrowd=1,
    )
    coco = write_json(scene.root / "coco.json", doc)
    scene.watch(coco)
    result = scene.run(
        "augment", src, dst, *AUG, "--coco", coco, scene.root / "out.json", expect=2, timeout=QUICK
    )
    assert "im0.png" in result.stderr
    assert regular_files(dst) == set()


# item 11: special and endless files


@pytest.mark.parametrize("kind", ["fifo", "symlink to a fifo", "endless"])
def test_11_validate_refuses_a_special_or_endless_file(scene, kind):
    target = fifo(scene.root / "pipe") if kind != "endless" else sparse(scene.root / "zero.yaml")
    path = target
    if kind == "symlink to a fifo":
        path = scene.root / "link.yaml"
        os.symlink(target, path)
    scene.run("validate", path, expect=2, timeout=QUICK)


@pytest.mark.parametrize("kind", ["fifo", "endless"])
def test_11_augment_config_that_is_special_or_endless_is_refused(scene, kind):
    src, dst, _ = src_world(scene)
    config = fifo(scene.root / "pipe.yaml") if kind == "fifo" else sparse(scene.root / "zero.yaml")
    scene.run("augment", src, dst, *AUG, "-c", config, expect=2, timeout=QUICK)
    assert regular_files(dst) == set()


@pytest.mark.parametrize("kind", ["fifo", "endless"])
def test_11_yolo_label_linked_to_a_special_or_endless_file_fails_that_input(scene, kind):
    src, dst, images = src_world(scene)
    labels = scene.root / "labels"
    make_yolo(labels, images[1:])
    target = fifo(scene.root / "pipe") if kind == "fifo" else sparse(scene.root / "zero.txt")
    os.symlink(target, labels / "im0.txt")
    scene.watch(labels)
    result = scene.run(
        "augment", src, dst, *AUG, "--yolo", labels, scene.root / "ydst", expect=1, timeout=QUICK
    )
    assert "im0" in result.stderr
    assert {"im1_aug0.png", "im2_aug0.png"} <= regular_files(dst)


def test_11_fifo_at_dsts_manifest_name_is_refused(scene):
    src, dst, _ = src_world(scene)
    dst.mkdir()
    fifo(dst / MANIFEST)
    scene.watch(dst / MANIFEST)
    scene.run("augment", src, dst, *AUG, expect=2, timeout=QUICK)
    scene.run("augment", src, dst, *AUG, "--resume", expect=2, timeout=QUICK)
    scene.run("manifest", "verify", dst, expect=2, timeout=QUICK)


def test_11_fifo_shard_manifest_is_refused_by_merge_and_shard_run(scene):
    src, dst, _ = src_world(scene)
    dst.mkdir()
    fifo(dst / "augcli-manifest.0-of-2.jsonl")
    scene.watch(dst / "augcli-manifest.0-of-2.jsonl")
    scene.run("manifest", "merge", dst, expect=2, timeout=QUICK)
    scene.run("augment", src, dst, *AUG, "--shard", "0/2", "--resume", expect=2, timeout=QUICK)


def test_11_loss_of_a_fifo_is_refused(scene):
    pipe = fifo(scene.root / "preds.csv")
    scene.watch(pipe)
    scene.run("loss", pipe, "--per-row", scene.root / "rows.csv", expect=2, timeout=QUICK)
    assert not (scene.root / "rows.csv").exists()


def test_11_loss_per_row_at_a_fifo_is_refused(scene):
    table = scene.root / "preds.csv"
    table.write_text("y_true,y_pred\n1,0.9\n0,0.2\n")
    scene.watch(table, fifo(scene.root / "rows.csv"))
    scene.run("loss", table, "--per-row", scene.root / "rows.csv", expect=2, timeout=QUICK)


# item 12: tracebacks


@pytest.mark.parametrize(
    "name", ["{stem:d}{ext}", "{index:s}{ext}", "{stem!z}{ext}", "{stem[0]}{ext}", "{nope}{ext}"]
)
def test_12_a_bad_format_spec_in_name_is_a_usage_error(scene, name):
    src, dst, _ = src_world(scene)
    scene.run("augment", src, dst, *AUG, "--name", name, expect=2)
    assert regular_files(dst) == set()


@pytest.mark.parametrize("command", ["validate", "augment"])
def test_12_a_5000_digit_seed_in_yaml_is_a_config_error(scene, command):
    config = scene.root / "pipeline.yaml"
    config.write_text("seed: " + "7" * 5000 + "\nops:\n  - flip: {}\n")
    scene.watch(config)
    if command == "validate":
        scene.run("validate", config, expect=2)
    else:
        src, dst, _ = src_world(scene)
        scene.run("augment", src, dst, "--workers", "1", "-q", "-c", config, expect=2)
        assert regular_files(dst) == set()


@pytest.mark.parametrize("content", ["[]", "{not json", "null", '"text"', "{}"])
def test_12_a_bad_scheduler_file_is_a_usage_error(scene, content):
    src, dst, _ = src_world(scene)
    scheduler = scene.root / "scheduler.json"
    scheduler.write_text(content)
    scene.watch(scheduler)
    scene.run(
        "augment",
        src,
        dst,
        *AUG,
        "--executor",
        "dask",
        "--scheduler-file",
        scheduler,
        expect=2,
        timeout=QUICK,
    )
    assert regular_files(dst) == set()


def test_12_a_scheduler_file_that_is_a_fifo_is_refused(scene):
    src, dst, _ = src_world(scene)
    pipe = fifo(scene.root / "scheduler.json")
    scene.watch(pipe)
    scene.run(
        "augment",
        src,
        dst,
        *AUG,
        "--executor",
        "dask",
        "--scheduler-file",
        pipe,
        expect=2,
        timeout=QUICK,
    )


def test_gate_reads_json_error_is_one_object(scene):
    """Bounded reads keep the --json promise: a refused config gives one object, exit 2."""
    src, dst, _ = src_world(scene)
    config = sparse(scene.root / "zero.yaml")
    result = scene.run("augment", src, dst, *AUG, "-c", config, "--json", expect=2, timeout=QUICK)
    assert "zero.yaml" in json.loads(result.stdout)["error"]
