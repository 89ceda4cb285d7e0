"""Planning a labelled run: label sources per task, clashes and existing label outputs."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augcli.augment.labels.files import LabelOptions
from augcli.augment.run.plan import make_plan
from augcli.augment.tasks import AugmentOptions
from augcli.core.errors import UsageError


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for sub in ("img/x", "masks/x", "yolo/x"):
        (tmp_path / sub).mkdir(parents=True)
    Image.fromarray(np.zeros((4, 5), np.uint8)).save(tmp_path / "img" / "x" / "a.png")
    Image.fromarray(np.zeros((4, 5), np.uint8)).save(tmp_path / "masks" / "x" / "a.tif")
    (tmp_path / "yolo" / "x" / "a.txt").write_text("")  # a label folder holds label files
    return tmp_path


def options(root: Path, **kw) -> AugmentOptions:
    labels = LabelOptions(
        masks=(str(root / "masks"), str(root / "out_m")),
        yolo=(str(root / "yolo"), str(root / "out_y")),
    )
    return AugmentOptions(copies=2, labels=labels, **kw)


def test_a_labelled_task_names_its_label_sources_and_stays_small_and_picklable(tree):
    task = next(make_plan(tree / "img", tree / "out", options(tree)).tasks())
    labels = task.labels
    assert labels.source("masks") == str(tree / "masks" / "x" / "a.tif")  # any extension
    assert labels.source("yolo") == str(tree / "yolo" / "x" / "a.txt")
    assert labels.outputs("a_aug1.png") == {
        "mask": (str(tree / "out_m" / "x" / "a_aug1.png"), "x/a_aug1.png"),
        "yolo": (str(tree / "out_y" / "x" / "a_aug1.txt"), "x/a_aug1.txt"),
    }
    assert pickle.loads(pickle.dumps(task)) == task
    values = [v for row in labels.sources for v in row]
    assert all(v is None or isinstance(v, str) for v in values)


def test_two_masks_for_one_image_make_it_fail_naming_both(tree):
    Image.fromarray(np.zeros((4, 5), np.uint8)).save(tree / "masks" / "x" / "a.png")
    task = next(make_plan(tree / "img", tree / "out", options(tree)).tasks())
    (_, source, problem, _), _ = task.labels.sources
    assert source is None
    assert "several masks" in problem and "a.tif" in problem


def test_outputs_whose_labels_would_share_a_name_are_refused(tree):
    Image.fromarray(np.zeros((4, 5), np.uint8)).save(tree / "img" / "x" / "a.jpg")
    with pytest.raises(UsageError, match="would both write labels named x/a_aug0"):
        make_plan(tree / "img", tree / "out", options(tree))


def test_resume_redoes_an_output_whose_label_file_is_missing(tree):
    (tree / "out" / "x").mkdir(parents=True)
    (tree / "out_m" / "x").mkdir(parents=True)
    (tree / "out_y" / "x").mkdir(parents=True)
    for name in ("a_aug0.png", "a_aug1.png"):
        (tree / "out" / "x" / name).write_bytes(b"")
        (tree / "out_m" / "x" / name).write_bytes(b"")
    (tree / "out_y" / "x" / "a_aug0.txt").write_text("")
    empty = hashlib.sha256(b"").hexdigest()
    lines = [json.dumps({"output": f"x/a_aug{i}.png", "size": 0, "sha256": empty}) for i in (0, 1)]
    (tree / "out" / "augcli-manifest.jsonl").write_text("\n".join(lines) + "\n")  # vouches
    plan = make_plan(tree / "img", tree / "out", options(tree, existing="resume"))
    assert [o.name for o in list(plan.tasks())[0].outputs] == ["a_aug1.png"]
    assert list(plan.tasks())[0].skipped == 1


def test_a_mask_destination_equal_to_dst_is_refused(tree):
    opts = AugmentOptions(labels=LabelOptions(masks=(str(tree / "masks"), str(tree / "out"))))
    with pytest.raises(UsageError, match="--masks destination"):
        make_plan(tree / "img", tree / "out", opts)
