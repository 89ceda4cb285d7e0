"""Hostile and malformed labels (issue 21, items 10, 11, 14): every label file read through the
gate, COCO sizes checked against the real files and bounded, malformed COCO refused before any
work, YOLO's BOM and float classes read, zero-area boxes never written, and ``--overwrite``
removing an earlier run's label files under the same proof as its image."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from augcli.augment.labels.coco import load_coco
from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.cli import cli
from augcli.core.errors import UsageError
from tests.augment.labels.labelled import SIZE, make_labelled
from tests.augment.test_faults import TIMEOUT, augcli_cmd, env

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

PIPELINE = """
seed: 3
copies: 1
pipeline:
  - rotate: {angle: [-10, 10], fill: constant}
"""


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    paths = make_labelled(tmp_path / "in", n=4, unlisted=0)
    config = tmp_path / "pipe.yaml"
    config.write_text(PIPELINE)
    paths["config"] = config
    return paths


def invoke(data, out: Path, *extra: str, labels: tuple[str, ...] = ("yolo",)):
    args = ["augment", str(data["images"]), str(out / "images"), "-c", str(data["config"])]
    for kind in labels:
        folder = {"yolo": "labels", "masks": "masks"}.get(kind)
        if kind == "coco":
            args += ["--coco", str(data["coco"]), str(out / "annotations.json")]
        else:
            args += [f"--{kind}", str(data[folder]), str(out / folder)]
    result = CliRunner().invoke(cli, [*args, "-q", *extra])
    assert "Traceback" not in result.output, result.output
    assert "internal error" not in result.output, result.output
    return result


def sha_tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def edit_coco(data, change) -> None:
    coco = json.loads(data["coco"].read_text())
    change(coco)
    data["coco"].write_text(json.dumps(coco))


# -- item 11: label files through the gate ---------------------------------------------------


@pytest.mark.parametrize("how", ["fifo", "symlink to a fifo"])
@pytest.mark.parametrize("kind", ["yolo", "masks"])
def test_a_fifo_label_file_fails_that_input_and_never_hangs(data, tmp_path, how, kind):
    folder = data["labels"] if kind == "yolo" else data["masks"]
    target = folder / "a" / ("im00.txt" if kind == "yolo" else "im00.png")
    target.unlink()
    if how == "fifo":
        os.mkfifo(target)
    else:
        os.mkfifo(tmp_path / "pipe")
        target.symlink_to(tmp_path / "pipe")
    out = tmp_path / "out"
    args = ["augment", str(data["images"]), str(out / "images"), "-c", str(data["config"])]
    args += [f"--{kind}", str(folder), str(out / kind), "--workers", "1"]
    proc = subprocess.run(
        augcli_cmd(*args), env=env(), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    failed = [line for line in proc.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1, proc.stderr
    assert "im00" in failed[0] and "FIFO" in failed[0]
    assert len(list((out / "images" / "a").iterdir())) == 1  # im02 written, im00 not


def test_a_coco_file_over_the_cap_is_refused_before_parsing(data, monkeypatch):
    monkeypatch.setattr("augcli.augment.labels.coco.MAX_COCO_BYTES", 100)
    with pytest.raises(UsageError, match=r"--coco .* bytes; the limit for this file is 100"):
        load_coco(data["coco"])


# -- items 11 and 14: COCO sizes against the real files, bounded RLE -------------------------


def _claim_size(coco: dict, width: int, height: int, rle_too: bool) -> None:
    image = coco["images"][0]
    image["width"], image["height"] = width, height
    for ann in coco["annotations"]:
        if ann["image_id"] == image["id"] and isinstance(ann.get("segmentation"), dict):
            if rle_too:
                ann["segmentation"] = {"size": [height, width], "counts": [width * height]}
            else:
                del ann["segmentation"]


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_coco_entry_of_another_size_than_its_file_is_refused_before_work(data, tmp_path, dry_run):
    edit_coco(data, lambda c: _claim_size(c, SIZE[1], SIZE[0] + 1, rle_too=True))
    out = tmp_path / "out"
    result = invoke(data, out, *(["--dry-run"] if dry_run else []), labels=("coco",))
    assert result.exit_code == 2, result.output
    h, w = SIZE
    assert f"'a/im00.png' (image id 100): the entry says {w}x{h + 1}" in result.output
    assert f"is {w}x{h}" in result.output
    assert not out.exists()


@pytest.mark.parametrize("max_pixels", [None, "20000000000"])
def test_a_coco_entry_claiming_100000_squared_is_refused_without_allocating(
    data, tmp_path, max_pixels
):
    edit_coco(data, lambda c: _claim_size(c, 100_000, 100_000, rle_too=True))
    out = tmp_path / "out"
    extra = ["--max-pixels", max_pixels] if max_pixels else []
    args = ["augment", str(data["images"]), str(out / "images"), "-c", str(data["config"])]
    args += ["--coco", str(data["coco"]), str(out / "a.json"), "--workers", "1", *extra]
    # 9.3 GiB would be needed to decode the RLE: a 2 GiB address-space limit makes it fail
    proc = subprocess.run(
        ["bash", "-c", 'ulimit -v 2000000; exec "$@"', "-", *augcli_cmd(*args)],
        env=env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 2, proc.stderr
    assert "'a/im00.png'" in proc.stderr and "100000x100000" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([5, 10], "RLE counts add up to 15, not height x width 48x64 = 3072"),
        ([3000, -1, 73], "RLE counts hold a negative run length"),
        ("0{{", "RLE counts string: character '{' is not RLE"),
        ("1", "RLE counts add up to 1, not height x width"),
        ([1.5, 3070.5], "RLE counts must be a string or a list of whole numbers"),
    ],
)
def test_malformed_rle_counts_exit_2_before_any_work_naming_the_annotation(
    data, tmp_path, counts, message
):
    def change(coco):
        coco["annotations"][1]["segmentation"]["counts"] = counts

    edit_coco(data, change)
    out = tmp_path / "out"
    result = invoke(data, out, labels=("coco",))
    assert result.exit_code == 2, result.output
    assert "annotations[1] (id 1001)" in result.output
    assert message in result.output
    assert not out.exists()


def test_the_same_file_listed_as_dot_slash_and_plain_is_refused_naming_both_ids(data, tmp_path):
    def change(coco):
        extra = dict(coco["images"][0], id=555, file_name="./" + coco["images"][0]["file_name"])
        coco["images"].append(extra)

    edit_coco(data, change)
    result = invoke(data, tmp_path / "out", labels=("coco",))
    assert result.exit_code == 2, result.output
    assert "(id 555): duplicate file_name './a/im00.png'" in result.output
    assert "the same file as 'a/im00.png' (image id 100)" in result.output


def test_a_negative_bbox_is_refused_at_load_naming_the_annotation(data, tmp_path):
    edit_coco(data, lambda c: c["annotations"][0].update(bbox=[4, 5, -3, 10]))
    result = invoke(data, tmp_path / "out", "--dry-run", labels=("coco",))
    assert result.exit_code == 2, result.output
    assert "annotations[0] (id 1000): bbox [4, 5, -3, 10] has a negative width" in result.output


# -- item 14: zero-area boxes are read, never written ----------------------------------------


def test_zero_area_coco_and_yolo_boxes_are_read_but_never_written(data, tmp_path):
    data["config"].write_text("seed: 3\ncopies: 1\npipeline:\n  - flip: {p: 1.0}\n")
    edit_coco(data, lambda c: [a.update(bbox=[10, 10, 0, 8]) for a in c["annotations"][::2]])
    for txt in data["labels"].rglob("*.txt"):
        txt.write_text("0 0.5 0.5 0.0 0.2\n1 0.5 0.5 0.3 0.2\n")
    out = tmp_path / "out"
    result = invoke(data, out, "--json", labels=("yolo", "coco"))
    assert result.exit_code == 0, result.output
    coco = json.loads((out / "annotations.json").read_text())
    assert coco["annotations"]
    assert all(a["bbox"][2] > 0 and a["bbox"][3] > 0 for a in coco["annotations"])
    lines = [x.split() for t in (out / "labels").rglob("*.txt") for x in t.read_text().splitlines()]
    assert lines and all(float(x[3]) > 0 and float(x[4]) > 0 for x in lines)
    assert all(x[0] == "1" for x in lines)
    summary = json.loads(result.stdout)
    assert summary["labels"]["yolo_dropped"] == 4


# -- item 14: YOLO files as Ultralytics reads them; clear errors -----------------------------


def test_a_yolo_file_starting_with_a_bom_is_read(data, tmp_path):
    txt = data["labels"] / "a" / "im00.txt"
    txt.write_bytes(b"\xef\xbb\xbf" + txt.read_bytes())
    out = tmp_path / "out"
    assert invoke(data, out).exit_code == 0
    assert len((out / "labels" / "a" / "im00_aug0.txt").read_text().splitlines()) == 2


def test_a_float_class_45_0_is_class_45(data, tmp_path):
    (data["labels"] / "a" / "im00.txt").write_text("45.0 0.5 0.5 0.2 0.2\n")
    out = tmp_path / "out"
    assert invoke(data, out).exit_code == 0
    line = (out / "labels" / "a" / "im00_aug0.txt").read_text()
    assert line.startswith("45 ")


@pytest.mark.parametrize("cls", ["\u00b2", "7" * 5000, "1.5", "\u0664"])
def test_an_odd_yolo_class_fails_that_input_naming_file_and_line(data, tmp_path, cls):
    path = data["labels"] / "a" / "im00.txt"
    path.write_text(f"0 0.5 0.5 0.2 0.2\n{cls} 0.5 0.5 0.2 0.2\n")
    result = invoke(data, tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert f"{path}:2: class" in result.output
    assert "is not a whole number from 0 to 2147483647" in result.output
    assert len(result.output) < 2000


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_min_visibility_nan_and_inf_are_refused(data, tmp_path, value):
    result = invoke(data, tmp_path / "out", "--min-visibility", value)
    assert result.exit_code == 2, result.output
    assert "--min-visibility" in result.output
    assert not (tmp_path / "out").exists()


# -- item 10: --overwrite removes an earlier output's label files ----------------------------


def test_overwrite_with_fewer_copies_removes_the_earlier_label_files_and_masks(data, tmp_path):
    out = tmp_path / "out"
    assert invoke(data, out, "--copies", "2", labels=("yolo", "masks")).exit_code == 0
    assert sorted(p.name for p in (out / "labels" / "a").iterdir()) == [
        "im00_aug0.txt", "im00_aug1.txt", "im02_aug0.txt", "im02_aug1.txt"
    ]  # fmt: skip
    inputs = sha_tree(tmp_path / "in")
    result = invoke(data, out, "--copies", "1", "--overwrite", labels=("yolo", "masks"))
    assert result.exit_code == 0, result.output
    for folder in ("images", "labels", "masks"):
        names = [p.name for p in (out / folder).rglob("*") if p.is_file()]
        assert not [n for n in names if "_aug1" in n], (folder, names)
        assert len([n for n in names if "_aug0" in n]) == 4, (folder, names)
    assert sha_tree(tmp_path / "in") == inputs


def test_overwrite_keeps_an_earlier_label_file_it_cannot_prove(data, tmp_path):
    out = tmp_path / "out"
    assert invoke(data, out, "--copies", "2").exit_code == 0
    changed = out / "labels" / "a" / "im00_aug1.txt"
    changed.write_text("0 0.5 0.5 0.1 0.1\n")  # edited by the user since
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("keep me")
    linked = out / "labels" / "b" / "im01_aug1.txt"
    linked.unlink()
    linked.symlink_to(sentinel)
    result = invoke(data, out, "--copies", "1", "--overwrite")
    assert result.exit_code == 0, result.output
    assert changed.read_text() == "0 0.5 0.5 0.1 0.1\n"
    assert f"kept {changed} from the earlier run: it was changed since" in result.output
    assert linked.is_symlink() and sentinel.read_text() == "keep me"
    assert not (out / "labels" / "a" / "im02_aug1.txt").exists()
    assert not (out / "images" / "a" / "im00_aug1.png").exists()


def test_overwrite_never_deletes_a_label_file_a_manifest_line_places_outside(data, tmp_path):
    out = tmp_path / "out"
    assert invoke(data, out, "--copies", "2").exit_code == 0
    victim = data["labels"] / "a" / "im00.txt"  # an input, reachable by '..'
    size, sha = victim.stat().st_size, hashlib.sha256(victim.read_bytes()).hexdigest()
    manifest = out / "images" / MANIFEST_NAME
    lines = [json.loads(x) for x in manifest.read_text().splitlines()]
    for entry in lines:
        if entry["output"].endswith("_aug1.png"):
            entry["labels"]["yolo"].update(file="../../in/labels/a/im00.txt", size=size, sha256=sha)
    manifest.write_text("".join(json.dumps(e) + "\n" for e in lines))
    result = invoke(data, out, "--copies", "1", "--overwrite")
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(victim.read_bytes()).hexdigest() == sha
    assert "outside its label DST" in result.output
