"""Labels that would not travel are said, never silent: YOLO files without an image, images
without a YOLO file or COCO entry, a --yolo folder with no label file; --skip-unlabelled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from augcli.cli import cli
from tests.augment.labels.labelled import make_labelled

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

PIPELINE = "seed: 1\ncopies: 1\npipeline:\n  - flip: {p: 1.0}\n"


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    paths = make_labelled(tmp_path / "in", n=6, unlisted=2)
    paths["config"] = tmp_path / "pipe.yaml"
    paths["config"].write_text(PIPELINE)
    return paths


def augment(data, out: Path, *labels: str):
    args = ["augment", str(data["images"]), str(out / "images"), "-c", str(data["config"])]
    result = CliRunner().invoke(cli, [*args, "-q", "--workers", "1", "--json", *labels])
    assert "Traceback" not in result.output, result.output
    return result


def yolo(data, out: Path) -> list[str]:
    return ["--yolo", str(data["labels"]), str(out / "labels")]


def notes(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("note:")]


def test_yolo_label_files_without_an_image_get_one_counted_note_naming_a_few(data, tmp_path):
    for name in ("zz1", "zz2"):
        (data["labels"] / "a" / f"{name}.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    (data["labels"] / "classes.txt").write_text("rect\ntriangle\n")  # a companion, not an orphan
    out = tmp_path / "out"
    result = augment(data, out, *yolo(data, out))
    assert result.exit_code == 0, result.output
    lines = [n for n in notes(result) if "have no image" in n]
    assert len(lines) == 1
    assert "2 label file(s)" in lines[0] and "a/zz1.txt" in lines[0] and "a/zz2.txt" in lines[0]
    assert "classes.txt" not in lines[0]
    summary = json.loads(result.stdout)
    assert summary["labels"]["yolo_files_without_image"] == 2
    assert summary["notes"] == len(notes(result)) >= 1


def test_images_without_a_yolo_file_get_a_note_with_their_count(data, tmp_path):
    (data["labels"] / "b" / "im03.txt").unlink()
    (data["labels"] / "a" / "im04.txt").unlink()
    out = tmp_path / "out"
    result = augment(data, out, *yolo(data, out))
    assert result.exit_code == 0, result.output
    [line] = [n for n in notes(result) if "no label file" in n]
    assert line.startswith("note: 2 image(s) under SRC have no label file")
    assert json.loads(result.stdout)["labels"]["yolo_unlabelled_images"] == 2
    assert (out / "labels" / "b" / "im03_aug0.txt").read_text() == ""  # still augmented


def test_a_yolo_folder_holding_no_label_file_is_refused_naming_it_and_what_it_holds(data, tmp_path):
    voc = tmp_path / "VOC" / "Annotations"
    voc.mkdir(parents=True)
    for i in range(3):
        (voc / f"im{i:02d}.xml").write_text("<annotation/>")
    out = tmp_path / "out"
    result = augment(data, out, "--yolo", str(voc), str(out / "labels"))
    assert result.exit_code == 2
    message = json.loads(result.stdout)["error"]
    assert f"--yolo {voc}: holds no YOLO label file" in message
    assert "3 .xml file(s)" in message
    assert not out.exists()


def test_an_empty_yolo_folder_is_refused(data, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    result = augment(data, out, "--yolo", str(empty), str(out / "labels"))
    assert result.exit_code == 2 and "it holds nothing" in result.output


def test_skip_unlabelled_leaves_out_images_without_a_yolo_file(data, tmp_path):
    (data["labels"] / "b" / "im03.txt").unlink()
    (data["labels"] / "a" / "im04.txt").write_text("")  # empty: labelled, no objects
    out = tmp_path / "out"
    result = augment(data, out, *yolo(data, out), "--skip-unlabelled")
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(out / "images").as_posix() for p in out.rglob("*.png"))
    assert "b/im03_aug0.png" not in written and "a/im04_aug0.png" in written
    assert len(written) == 5
    summary = json.loads(result.stdout)
    assert summary["inputs"] == 5 and summary["labels"]["unlabelled_skipped"] == 1
    assert any("1 image(s) without labels left out" in n for n in notes(result))
    assert not any("no label file" in n for n in notes(result))


def test_skip_unlabelled_leaves_out_images_without_a_coco_entry(data, tmp_path):
    out = tmp_path / "out"
    coco = ["--coco", str(data["coco"]), str(out / "coco.json")]
    result = augment(data, out, *coco, "--skip-unlabelled")
    assert result.exit_code == 0, result.output
    names = {im["source_file_name"] for im in json.loads((out / "coco.json").read_text())["images"]}
    assert names == {f"{'a' if i % 2 == 0 else 'b'}/im{i:02d}.png" for i in range(4)}
    assert not (out / "images" / "a" / "im04_aug0.png").exists()
    assert json.loads(result.stdout)["labels"]["unlabelled_skipped"] == 2


def test_skip_unlabelled_needs_yolo_or_coco(data, tmp_path):
    out = tmp_path / "out"
    masks = ["--masks", str(data["masks"]), str(out / "masks")]
    result = augment(data, out, *masks, "--skip-unlabelled")
    assert result.exit_code == 2 and "--skip-unlabelled needs --yolo or --coco" in result.output
