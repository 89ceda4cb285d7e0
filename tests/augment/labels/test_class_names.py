"""Class names: read from ``classes.txt`` or data.yaml ``names``, drawn by ``preview``,
copied to the label destination (``classes.txt``) and written into ``--yolo-data``'s data.yaml."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from augcli.augment.config import load_pipeline
from augcli.augment.labels.files import LabelOptions
from augcli.augment.preview import preview_sheet
from augcli.cli import cli
from tests.augment.labels.ultralytics import BOXES, POSE, make_dataset

IDENTITY = "copies: 1\npipeline:\n  - flip: {direction: horizontal, p: 0}\n"


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def captions(monkeypatch, module: str) -> list[list[str]]:
    """Record the captions each ``draw_shapes`` call of ``module`` draws."""
    import importlib

    mod = importlib.import_module(f"augcli.augment.labels.formats.{module}")
    seen: list[list[str]] = []
    real = mod.draw_shapes

    def spy(rgb, shapes):
        seen.append([s.caption for s in shapes])
        return real(rgb, shapes)

    monkeypatch.setattr(mod, "draw_shapes", spy)
    return seen


def labelled(tmp_path: Path, text: str) -> tuple[Path, Path]:
    (tmp_path / "labels").mkdir()
    image = tmp_path / "a.png"
    Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(image)
    (tmp_path / "labels" / "a.txt").write_text(text)
    (tmp_path / "config.yaml").write_text(IDENTITY)
    return image, tmp_path / "labels"


@pytest.mark.parametrize("as_file", [False, True])
def test_preview_draws_yolo_class_names_from_classes_txt(tmp_path, monkeypatch, as_file):
    image, labels = labelled(tmp_path, BOXES)
    (labels / "classes.txt").write_text("cat\ndog\n")
    seen = captions(monkeypatch, "yolo")
    source = str(labels / "a.txt") if as_file else str(labels)
    spec = load_pipeline(tmp_path / "config.yaml")
    preview_sheet(spec, image, 2, 0, labels=LabelOptions(yolo=(source,)))
    assert seen == [["cat", "dog"]] * 3  # the original and two samples


def test_preview_draws_pose_class_names_from_classes_txt_beside_the_file(tmp_path, monkeypatch):
    image, labels = labelled(tmp_path, POSE)
    (labels / "classes.txt").write_text("person\n")
    seen = captions(monkeypatch, "pose")
    spec = load_pipeline(tmp_path / "config.yaml")
    options = LabelOptions(yolo_pose=(str(labels / "a.txt"),), kpt_shape=(3, 3))
    preview_sheet(spec, image, 1, 0, labels=options)
    assert seen == [["person"]] * 2


def test_preview_takes_names_from_a_data_yaml_before_classes_txt(tmp_path, monkeypatch):
    image, labels = labelled(tmp_path, BOXES)
    (labels / "classes.txt").write_text("cat\ndog\n")
    (tmp_path / "data.yaml").write_text("names: {0: tabby, 1: terrier}\n")
    seen = captions(monkeypatch, "yolo")
    result = run("preview", image, "-c", tmp_path / "config.yaml", "-n", 1, "--yolo", labels,
                 "-o", tmp_path / "sheet.png")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert seen == [["tabby", "terrier"]] * 2


def test_a_run_copies_classes_txt_to_the_label_destination(tmp_path):
    image, labels = labelled(tmp_path, BOXES)
    (labels / "classes.txt").write_text("cat\ndog\n")
    args = ["augment", image, tmp_path / "out", "-c", tmp_path / "config.yaml", "--seed", 1,
            "--yolo", labels, tmp_path / "out_labels", "-q"]  # fmt: skip
    assert run(*args).exit_code == 0
    assert (tmp_path / "out_labels" / "classes.txt").read_text() == "cat\ndog\n"
    assert run(*args, "--resume").exit_code == 0  # the same bytes: left as they are
    (labels / "classes.txt").write_text("cat\nwolf\n")
    refused = run(*args, "--resume")
    assert refused.exit_code == 2
    assert "classes.txt exists with other content; use --overwrite" in refused.output
    assert run(*args, "--overwrite").exit_code == 0
    assert (tmp_path / "out_labels" / "classes.txt").read_text() == "cat\nwolf\n"


def test_yolo_data_keeps_the_names_of_its_data_yaml(tmp_path):
    data_yaml = make_dataset(tmp_path / "ds", pose=False)
    assert run("augment", "--yolo-data", data_yaml, tmp_path / "out", "--seed", 1, "-q",
               "--copies", 1).exit_code == 0  # fmt: skip
    written = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
    assert written == {"train": "images/train", "val": "images/val", "names": ["cat", "dog"]}


def test_yolo_data_writes_names_from_classes_txt_when_its_data_yaml_has_none(tmp_path):
    data_yaml = make_dataset(tmp_path / "ds", pose=False)
    data_yaml.write_text("path: .\ntrain: images/train\nval: images/val\n")
    for split in ("train", "val"):
        (tmp_path / "ds" / "labels" / split / "classes.txt").write_text("cat\ndog\n")
    result = run("augment", "--yolo-data", data_yaml, tmp_path / "out", "--seed", 1, "-q",
                 "--copies", 1)  # fmt: skip
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
    assert written == {"train": "images/train", "val": "images/val", "names": {0: "cat", 1: "dog"}}
    for split in ("train", "val"):  # augmented (a companion) and copied
        assert (tmp_path / "out" / "labels" / split / "classes.txt").read_text() == "cat\ndog\n"


def test_a_classes_txt_that_is_a_fifo_is_refused_before_dst_is_made(tmp_path):
    image, labels = labelled(tmp_path, BOXES)
    os.mkfifo(labels / "classes.txt")
    result = run("augment", image, tmp_path / "out", "--seed", 1, "--yolo", labels,
                 tmp_path / "out_labels", "-q")  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: --yolo {labels / 'classes.txt'}: not a regular file; augcli copies classes.txt "
        "to the label destination and reads only regular files"
    )
    assert not (tmp_path / "out").exists() and not (tmp_path / "out_labels").exists()
