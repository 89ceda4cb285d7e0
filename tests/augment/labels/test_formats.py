"""VOC, YOLO-pose and --yolo-data from the CLI, checked against hand-written parsers.

supervision and ultralytics are not installed here: the oracles are independent parsers written
in this file (xml.etree for VOC, str.split for YOLO-pose, yaml for data.yaml) and hand-computed
expected coordinates; pycocotools (installed) checks the COCO output.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from augcli.augment.labels.formats import FORMATS, docs_table
from augcli.cli import cli
from tests.augment.labels.ultralytics import make_dataset, manifest_lines

ROOT = Path(__file__).resolve().parents[3]
H, W = 40, 60
FLIP = "copies: 1\npipeline:\n  - flip: {direction: horizontal, p: 1}\n"
SHIFT = "copies: 1\npipeline:\n  - translate: {x: 0.5, y: 0, fill: constant}\n"
VOC = """<annotation><folder>x</folder><filename>{name}</filename><path>/abs/{name}</path>
<size><width>60</width><height>40</height><depth>3</depth></size>
<object><name>cat</name><truncated>1</truncated><difficult>1</difficult>
<bndbox><xmin>5</xmin><ymin>3</ymin><xmax>20</xmax><ymax>30</ymax></bndbox></object>
<object><name>dog</name><truncated>0</truncated><difficult>0</difficult>
<bndbox><xmin>50</xmin><ymin>3</ymin><xmax>60</xmax><ymax>10</ymax></bndbox></object>
</annotation>"""
POSE = "0 0.25 0.5 0.2 0.5 0.2 0.4 2 0.3 0.4 1 0 0 0\n"


def make(root: Path, n: int = 2) -> None:
    for sub in ("img", "voc", "pose"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (H, W, 3), dtype=np.uint8)).save(
            root / "img" / f"a{i}.png"
        )
        (root / "voc" / f"a{i}.xml").write_text(VOC.format(name=f"a{i}.png"))
        (root / "pose" / f"a{i}.txt").write_text(POSE)
    (root / "flip.yaml").write_text(FLIP)
    (root / "shift.yaml").write_text(SHIFT)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def voc_objects(path: Path) -> list[dict]:
    """Independent VOC reader: name, flags, box as written."""
    root = ET.parse(path).getroot()
    out = []
    for obj in root.findall("object"):
        box = obj.find("bndbox")
        out.append(
            {
                "name": obj.findtext("name"),
                "truncated": obj.findtext("truncated"),
                "difficult": obj.findtext("difficult"),
                "box": tuple(int(box.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")),
            }
        )
    return out


def pose_rows(path: Path, dims: int) -> list[tuple[int, list[float], np.ndarray]]:
    """Independent YOLO-pose reader."""
    rows = []
    for line in path.read_text().splitlines():
        values = line.split()
        kps = np.array([float(v) for v in values[5:]]).reshape(-1, dims)
        rows.append((int(values[0]), [float(v) for v in values[1:5]], kps))
    return rows


def test_voc_flip_mirrors_boxes_keeps_flags_and_rewrites_size_and_filename(tmp_path):
    make(tmp_path, 1)
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "-c", tmp_path / "flip.yaml",
        "--voc", tmp_path / "voc", tmp_path / "outv", "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 0, out
    xml = tmp_path / "outv" / "a0_aug0.xml"
    objs = voc_objects(xml)
    # cat: pixels 5..20 (1-based) -> columns 4..19 -> mirrored 40..55 -> 41..56 1-based
    assert objs[0] == {"name": "cat", "truncated": "1", "difficult": "1", "box": (41, 3, 56, 30)}
    assert objs[1]["box"] == (1, 3, 11, 10)
    root = ET.parse(xml).getroot()
    assert root.findtext("filename") == "a0_aug0.png" and root.findtext("path") == "a0_aug0.png"
    assert (root.findtext("size/width"), root.findtext("size/height")) == ("60", "40")


def test_voc_identity_run_keeps_integer_boxes(tmp_path):
    make(tmp_path, 1)
    (tmp_path / "id.yaml").write_text("copies: 1\npipeline:\n  - flip: {p: 0}\n")
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "-c", tmp_path / "id.yaml",
        "--voc", tmp_path / "voc", tmp_path / "outv", "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 0, out
    boxes = [o["box"] for o in voc_objects(tmp_path / "outv" / "a0_aug0.xml")]
    assert boxes == [(5, 3, 20, 30), (50, 3, 60, 10)]


def test_voc_object_moved_out_of_the_image_is_dropped(tmp_path):
    make(tmp_path, 1)
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "-c", tmp_path / "shift.yaml",
        "--voc", tmp_path / "voc", tmp_path / "outv", "--seed", "1", "-q",
        "--min-visibility", "0.5",
    )  # fmt: skip
    assert code == 0, out
    objs = voc_objects(tmp_path / "outv" / "a0_aug0.xml")
    # shift right by 30 px: cat 4..20 -> 34..50 (inside), dog 49..60 -> 79..90 (gone)
    assert [o["name"] for o in objs] == ["cat"] and objs[0]["box"] == (35, 3, 50, 30)


@pytest.mark.parametrize("decl", [b"<!DOCTYPE a [<!ENTITY x 'y'>]>", b"<!ENTITY x 'y'>"])
def test_voc_with_a_dtd_or_entity_fails_its_input_unparsed(tmp_path, decl):
    make(tmp_path, 1)
    (tmp_path / "voc" / "a0.xml").write_bytes(decl + b"<annotation></annotation>")
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "--voc", tmp_path / "voc",
        tmp_path / "outv", "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 1 and "DOCTYPE" in out and "Traceback" not in out


def test_pose_flip_mirrors_keypoints_and_swaps_them_by_flip_idx(tmp_path):
    make(tmp_path, 1)
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "-c", tmp_path / "flip.yaml",
        "--yolo-pose", tmp_path / "pose", tmp_path / "outp", "--kpt-shape", "3,3",
        "--flip-idx", "1,0,2", "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 0, out
    ((cls, box, kps),) = pose_rows(tmp_path / "outp" / "a0_aug0.txt", 3)
    assert cls == 0 and box == pytest.approx([0.75, 0.5, 0.2, 0.5])
    # keypoint 0 was (0.2, 0.4, v2), 1 was (0.3, 0.4, v1): mirrored, then swapped
    np.testing.assert_allclose(kps, [[0.7, 0.4, 1], [0.8, 0.4, 2], [0, 0, 0]], atol=1e-6)


def test_pose_keypoint_that_leaves_the_image_is_written_0_0_0(tmp_path):
    make(tmp_path, 1)
    (tmp_path / "pose" / "a0.txt").write_text("0 0.5 0.5 0.9 0.5 0.9 0.4 2 0.3 0.4 2 0 0 0\n")
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "-c", tmp_path / "shift.yaml",
        "--yolo-pose", tmp_path / "pose", tmp_path / "outp", "--kpt-shape", "3,3",
        "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 0, out
    ((_, _, kps),) = pose_rows(tmp_path / "outp" / "a0_aug0.txt", 3)
    np.testing.assert_allclose(kps, [[0, 0, 0], [0.8, 0.4, 2], [0, 0, 0]], atol=1e-6)


def test_a_2d_pose_line_is_never_read_as_a_polygon(tmp_path):
    make(tmp_path, 1)
    line = "0 0.5 0.5 0.4 0.4 " + " ".join(["0.4 0.4"] * 16 + ["0 0"]) + "\n"
    assert len(line.split()) == 39
    (tmp_path / "pose" / "a0.txt").write_text(line)
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "--yolo", tmp_path / "pose",
        tmp_path / "outy", "--kpt-shape", "17,2", "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 2 and "--yolo-pose" in out and not (tmp_path / "out").exists()
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "-c", tmp_path / "flip.yaml",
        "--yolo-pose", tmp_path / "pose", tmp_path / "outp", "--kpt-shape", "17,2",
        "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 0, out
    ((_, _, kps),) = pose_rows(tmp_path / "outp" / "a0_aug0.txt", 2)
    assert kps.shape == (17, 2) and (kps[16] == 0).all()  # the unlabelled point stays 0 0
    np.testing.assert_allclose(kps[:16], [[0.6, 0.4]] * 16, atol=1e-6)


def test_a_3d_pose_line_with_a_wrong_count_says_pose(tmp_path):
    make(tmp_path, 1)
    (tmp_path / "pose" / "a0.txt").write_text("0 0.5 0.5 0.4 0.4 0.1 0.1 2 0.2\n")
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "--yolo-pose", tmp_path / "pose",
        tmp_path / "outp", "--kpt-shape", "2,3", "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 1 and "YOLO-pose" in out and "a0.txt:1" in out and "11" in out


def test_pose_without_a_kpt_shape_is_refused_before_work(tmp_path):
    make(tmp_path, 1)
    code, out = run(
        "augment", tmp_path / "img", tmp_path / "out", "--yolo-pose", tmp_path / "pose",
        tmp_path / "outp", "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 2 and "kpt_shape" in out and not (tmp_path / "out").exists()


def digests(*folders: Path) -> dict[str, str]:
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.endswith(".jsonl"):
                found[str(path.relative_to(folder.parent))] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return found


def cmd(*args) -> list[str]:
    return [sys.executable, "-m", "augcli", *map(str, args)]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def label_args(root: Path, tag: str) -> list:
    return [
        "--voc", root / "voc", root / f"{tag}v", "--yolo-pose", root / "pose", root / f"{tag}p",
        "--kpt-shape", "3,3", "--flip-idx", "1,0,2", "--seed", "4", "--copies", "2", "-q",
        "-c", ROOT / "configs" / "all-fill-modes.yaml",
    ]  # fmt: skip


def test_voc_and_pose_outputs_are_identical_for_1_and_2_workers(tmp_path):
    make(tmp_path, 6)
    for tag, workers in (("w1", "1"), ("w2", "2")):
        done = subprocess.run(
            cmd("augment", tmp_path / "img", tmp_path / tag, *label_args(tmp_path, tag),
                "--workers", workers),
            env=env(), capture_output=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    one = digests(tmp_path / "w1", tmp_path / "w1v", tmp_path / "w1p")
    two = digests(tmp_path / "w2", tmp_path / "w2v", tmp_path / "w2p")
    assert len(one) == 6 * 2 * 3
    assert {k.replace("w1", "w2", 1): v for k, v in one.items()} == two
    assert manifest_lines(tmp_path / "w1") == manifest_lines(tmp_path / "w2")


def kill_group_after(proc: subprocess.Popen, folder: Path, outputs: int) -> None:
    """SIGKILL the process group of ``proc`` (started with ``start_new_session=True``, so its
    group is its own pid) once ``folder`` holds ``outputs`` augmented PNGs."""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the run ended before it could be killed"
            if len(list(folder.glob("*_aug*.png"))) >= outputs:
                break
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_kill_9_then_resume_matches_an_uninterrupted_run_with_voc_and_pose(tmp_path):
    make(tmp_path, 60)
    ref = subprocess.run(
        cmd("augment", tmp_path / "img", tmp_path / "r", *label_args(tmp_path, "r"),
            "--workers", "2"),
        env=env(), capture_output=True, timeout=300,
    )  # fmt: skip
    assert ref.returncode == 0, ref.stderr
    proc = subprocess.Popen(
        cmd("augment", tmp_path / "img", tmp_path / "k", *label_args(tmp_path, "k"),
            "--workers", "2"),
        env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    kill_group_after(proc, tmp_path / "k", 8)
    assert 0 < len(list((tmp_path / "k").glob("*_aug*.png"))) < 120
    done = subprocess.run(
        cmd("augment", tmp_path / "img", tmp_path / "k", *label_args(tmp_path, "k"),
            "--workers", "2", "--resume"),
        env=env(), capture_output=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    want = digests(tmp_path / "r", tmp_path / "rv", tmp_path / "rp")
    got = digests(tmp_path / "k", tmp_path / "kv", tmp_path / "kp")
    assert {k.replace("r", "k", 1): v for k, v in want.items()} == got
    assert manifest_lines(tmp_path / "r") == manifest_lines(tmp_path / "k")


def test_yolo_data_augments_train_copies_val_and_writes_a_data_yaml_that_trains(tmp_path):
    ds = tmp_path / "ds"
    make_dataset(ds)
    (tmp_path / "flip.yaml").write_text(FLIP)
    out = tmp_path / "out"
    code, text = run(
        "augment", "--yolo-data", ds / "data.yaml", out, "-c", tmp_path / "flip.yaml",
        "--seed", "1", "-q",
    )  # fmt: skip
    assert code == 0, text
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert "path" not in data and data["kpt_shape"] == [3, 3] and data["names"] == {0: "person"}
    for split in ("train", "val"):  # every split resolves relative to OUT/data.yaml's folder
        assert sorted(p.suffix for p in (out / data[split]).glob("*.png")) == [".png"] * 2
    ((_, _, kps),) = pose_rows(out / "labels" / "train" / "im0_aug0.txt", 3)
    np.testing.assert_allclose(kps[0], [0.7, 0.4, 1], atol=1e-6)  # flipped and swapped
    for name in ("images/val/im0.png", "labels/val/im1.txt"):
        assert (out / name).read_bytes() == (ds / name).read_bytes()  # copied, not augmented


def yolo_data_args(data_yaml: Path, out: Path, workers: str) -> list[str]:
    return cmd(
        "augment", "--yolo-data", data_yaml, out, "--splits", "train,val", "--seed", "3",
        "--copies", "2", "-q", "--workers", workers, "-c", ROOT / "configs" / "all-fill-modes.yaml",
    )  # fmt: skip


def test_yolo_data_outputs_are_identical_for_1_and_2_workers(tmp_path):
    data_yaml = make_dataset(tmp_path / "ds", n=5, splits=("train", "val", "test"))
    for tag, workers in (("w1", "1"), ("w2", "2")):
        done = subprocess.run(yolo_data_args(data_yaml, tmp_path / tag, workers), env=env(),
                              capture_output=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
    one, two = digests(tmp_path / "w1"), digests(tmp_path / "w2")
    assert len(one) == 1 + 2 * (5 * 2 * 2) + 5 * 2  # data.yaml, 2 splits augmented, test copied
    assert {k.replace("w1", "w2", 1): v for k, v in one.items()} == two
    lines = manifest_lines(tmp_path / "w1")
    assert len(lines) == 2 * 5 * 2 and lines == manifest_lines(tmp_path / "w2")


def test_kill_9_then_resume_matches_an_uninterrupted_run_with_yolo_data(tmp_path):
    data_yaml = make_dataset(tmp_path / "ds", n=40, splits=("train", "val", "test"))
    ref = subprocess.run(yolo_data_args(data_yaml, tmp_path / "r", "2"), env=env(),
                         capture_output=True, timeout=300)  # fmt: skip
    assert ref.returncode == 0, ref.stderr
    proc = subprocess.Popen(
        yolo_data_args(data_yaml, tmp_path / "k", "2"), env=env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    kill_group_after(proc, tmp_path / "k" / "images" / "train", 8)
    assert 0 < len(list((tmp_path / "k" / "images" / "train").glob("*_aug*.png"))) < 80
    assert not (tmp_path / "k" / "data.yaml").exists()  # written last
    done = subprocess.run([*yolo_data_args(data_yaml, tmp_path / "k", "2"), "--resume"],
                          env=env(), capture_output=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    want, got = digests(tmp_path / "r"), digests(tmp_path / "k")
    assert len(want) == 1 + 2 * (40 * 2 * 2) + 40 * 2
    assert {k.replace("r", "k", 1): v for k, v in want.items()} == got
    assert manifest_lines(tmp_path / "r") == manifest_lines(tmp_path / "k")


def test_every_registered_format_is_in_the_docs_table_and_has_a_flag():
    table = docs_table()
    for fmt in FORMATS.values():
        assert f"`{fmt.flag} {fmt.metavar}`" in table
    help_text = CliRunner().invoke(cli, ["augment", "--help"]).output
    assert all(fmt.flag in help_text for fmt in FORMATS.values())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pycocotools' numpy 2 notice
def test_coco_output_of_the_sample_loads_in_pycocotools_and_masks_match_boxes(tmp_path):
    from pycocotools.coco import COCO

    sample = ROOT / "sample_labelled"
    code, text = run(
        "augment", sample / "images", tmp_path / "out", "--coco", sample / "annotations.json",
        tmp_path / "out.json", "-c", ROOT / "configs" / "all-fill-modes.yaml", "--seed", "2",
        "-q",
    )  # fmt: skip
    assert code == 0, text
    coco = COCO(str(tmp_path / "out.json"))
    assert coco.getAnnIds()
    for ann in coco.loadAnns(coco.getAnnIds()):
        if "segmentation" not in ann or not ann["segmentation"]:
            continue
        mask = coco.annToMask(ann)
        ys, xs = np.nonzero(mask)
        if not len(xs):
            continue
        x, y, w, h = ann["bbox"]
        assert xs.min() >= np.floor(x) - 1 and xs.max() <= np.ceil(x + w) + 1
        assert ys.min() >= np.floor(y) - 1 and ys.max() <= np.ceil(y + h) + 1
    assert json.loads((tmp_path / "out.json").read_text())["images"]


def test_the_sample_voc_and_pose_files_augment_and_preview(tmp_path):
    sample = ROOT / "sample_labelled"
    code, text = run(
        "augment", sample / "images", tmp_path / "img", "--voc", sample / "voc",
        tmp_path / "voc", "--yolo-pose", sample / "pose", tmp_path / "pose", "--seed", "1",
        "-q", "-c", ROOT / "configs" / "all-fill-modes.yaml",
    )  # fmt: skip
    assert code == 0, text  # kpt_shape found in sample_labelled/pose/data.yaml
    assert len(list((tmp_path / "voc").rglob("*.xml"))) == len(
        list((tmp_path / "img").rglob("*.jpg"))
    )
    for path in (tmp_path / "pose").rglob("*.txt"):
        assert all(len(line.split()) == 14 for line in path.read_text().splitlines())
    code, text = run(
        "preview", sample / "images" / "space" / "astronaut.jpg", "-n", "2", "-o",
        tmp_path / "p.png", "--yolo-pose", sample / "pose" / "space", "--voc",
        sample / "voc" / "space",
    )  # fmt: skip
    assert code == 0, text


def dry_run_args(root: Path) -> list:
    return [
        "augment", root / "img", root / "out", "--voc", root / "voc", root / "ov",
        "--yolo-pose", root / "pose", root / "op", "--kpt-shape", "3,3", "--seed", "1",
        "--copies", "2", "--dry-run",
    ]  # fmt: skip


def test_dry_run_lists_voc_and_pose_label_files_found_and_missing(tmp_path):
    make(tmp_path, 4)
    (tmp_path / "voc" / "a1.xml").unlink()
    (tmp_path / "pose" / "a2.txt").unlink()
    (tmp_path / "pose" / "a3.txt").unlink()
    code, text = run(*dry_run_args(tmp_path))
    assert code == 0, text
    lines = text.splitlines()
    start = lines.index("labels:")
    assert lines[start + 1 : start + 3] == [
        f"  --yolo-pose {tmp_path / 'pose'} -> {tmp_path / 'op'}: 2 input(s) have a label file, "
        "2 have none (no objects)",
        f"  --voc {tmp_path / 'voc'} -> {tmp_path / 'ov'}: 3 input(s) have a label file, "
        "1 have none (no objects)",
    ]
    assert not (tmp_path / "out").exists() and not (tmp_path / "ov").exists()


def test_dry_run_json_lists_voc_and_pose_label_files_found_and_missing(tmp_path):
    make(tmp_path, 3)
    (tmp_path / "voc" / "a0.xml").unlink()
    code, text = run(*dry_run_args(tmp_path), "--json")
    assert code == 0, text
    labels = json.loads(text)["labels"]
    assert labels == {
        "yolo-pose": {"source": str(tmp_path / "pose"), "destination": str(tmp_path / "op"),
                      "found": 3, "missing": 0, "missing_examples": []},
        "voc": {"source": str(tmp_path / "voc"), "destination": str(tmp_path / "ov"),
                "found": 2, "missing": 1, "missing_examples": ["a0.png"]},
    }  # fmt: skip
    assert not (tmp_path / "out").exists()
