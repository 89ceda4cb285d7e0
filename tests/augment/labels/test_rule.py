"""``--yolo-auto`` / ``--yolo-pose-auto``: label folders by Ultralytics' rule (images -> labels)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from augcli.cli import cli
from tests.augment.labels.ultralytics import make_dataset


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def ds(tmp_path: Path) -> Path:
    make_dataset(tmp_path / "ds", n=3, splits=("train",), pose=False)
    (tmp_path / "ds" / "data.yaml").unlink()  # labels only by the rule
    return tmp_path / "ds"


def test_yolo_auto_reads_and_writes_the_labels_folders_beside_the_images(ds, tmp_path):
    auto = run("augment", ds / "images/train", tmp_path / "a/images/train", "--yolo-auto",
               "--seed", 2, "--copies", 2, "--workers", 1, "-q")  # fmt: skip
    assert auto.exit_code == 0, auto.output
    given = run("augment", ds / "images/train", tmp_path / "g/images/train", "--yolo",
                ds / "labels/train", tmp_path / "g/labels/train", "--seed", 2, "--copies", 2,
                "--workers", 1, "-q")  # fmt: skip
    assert given.exit_code == 0, given.output
    got = tree(tmp_path / "a")
    assert sorted(n for n in got if n.startswith("labels/")) == [
        f"labels/train/im{i}_aug{c}.txt" for i in range(3) for c in range(2)
    ]
    assert got == tree(tmp_path / "g")


def test_yolo_auto_with_one_image_as_src_uses_its_folder(ds, tmp_path):
    result = run("augment", ds / "images/train/im1.png", tmp_path / "o/images", "--yolo-auto",
                 "--seed", 2, "--copies", 1, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "o/labels").iterdir()] == ["im1_aug0.txt"]


def test_yolo_pose_auto_finds_the_pose_labels_and_the_data_yaml(tmp_path):
    make_dataset(tmp_path / "ds", n=2, splits=("train",))
    result = run("augment", tmp_path / "ds/images/train", tmp_path / "o/images/train",
                 "--yolo-pose-auto", "--seed", 2, "--copies", 1, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "o/labels/train/im0_aug0.txt").read_text().split()
    assert len(rows) == 5 + 3 * 3  # kpt_shape [3, 3] from ds/data.yaml


@pytest.mark.parametrize("which", ["SRC", "DST"])
def test_yolo_auto_refuses_a_path_without_an_images_folder(ds, tmp_path, which):
    (tmp_path / "flat").mkdir()
    for name in ("im0.png", "im1.png"):
        (tmp_path / "flat" / name).write_bytes((ds / "images/train" / name).read_bytes())
    src = tmp_path / "flat" if which == "SRC" else ds / "images/train"
    dst = tmp_path / "o/images" if which == "SRC" else tmp_path / "plain"
    result = run("augment", src, dst, "--yolo-auto", "--seed", 1)
    assert result.exit_code == 2
    message = result.output.strip()
    assert "\n" not in message, message
    shown = tmp_path / "flat" if which == "SRC" else tmp_path / "plain"
    assert f"--yolo-auto: {which} {shown} has no 'images' folder" in message
    assert not (tmp_path / "o").exists() and not (tmp_path / "plain").exists()


def test_yolo_auto_and_yolo_src_dst_exclude_each_other(ds, tmp_path):
    result = run("augment", ds / "images/train", tmp_path / "o/images", "--yolo-auto", "--yolo",
                 ds / "labels/train", tmp_path / "l", "--seed", 1)  # fmt: skip
    assert result.exit_code == 2
    assert "--yolo-auto and --yolo SRC DST exclude each other" in result.output


def test_yolo_auto_dry_run_lists_the_folders_the_rule_gives(ds, tmp_path):
    result = run("augment", ds / "images/train", tmp_path / "o/images/train", "--yolo-auto",
                 "--seed", 1, "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("--yolo "))
    assert f"--yolo {ds / 'labels/train'} -> {tmp_path / 'o/labels/train'}: 3 label file(s)" in line


def test_the_rule_refuses_object_store_urls():
    from augcli.augment.labels.files import LabelOptions
    from augcli.augment.labels.rule import resolve_beside
    from augcli.core.errors import UsageError

    with pytest.raises(UsageError, match="--yolo-pose-auto needs SRC and DST on this machine"):
        resolve_beside(LabelOptions(beside=("yolo-pose",)), "s3://b/images/train", "o/images")
