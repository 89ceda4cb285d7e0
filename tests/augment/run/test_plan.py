"""augcli.augment.run.plan: the task list computed once, before any work (hand-built trees)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.augment.run.plan import make_plan
from augcli.augment.tasks import AugmentOptions, Output, Task
from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import UsageError


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """src/b.png, src/cats/a.jpg, src/cats/c.PNG and a text file."""
    src = tmp_path / "src"
    (src / "cats").mkdir(parents=True)
    pixels = np.zeros((4, 5, 3), np.uint8)
    Image.fromarray(pixels).save(src / "b.png")
    Image.fromarray(pixels).save(src / "cats" / "a.jpg")
    Image.fromarray(pixels).save(src / "cats" / "c.PNG", format="PNG")
    (src / "cats" / "notes.txt").write_text("x")
    return src


def test_tasks_list_every_input_with_its_key_and_outputs_in_walk_order(tree, tmp_path):
    dst = tmp_path / "dst"
    plan = make_plan(tree, dst, AugmentOptions(copies=2))
    assert [t.key for t in list(plan.tasks())] == ["b.png", "cats/a.jpg", "cats/c.PNG"]
    a = list(plan.tasks())[1]
    assert a.src == str(tree / "cats" / "a.jpg")
    assert a.rel == "cats" and a.out_dir == str(dst / "cats")
    assert a.outputs == (Output(0, "a_aug0.jpg"), Output(1, "a_aug1.jpg"))
    assert a.skipped == 0
    assert a.final_path(a.outputs[1]) == str(dst / "cats" / "a_aug1.jpg")
    assert a.temp_path(a.outputs[1]) == str(dst / "cats" / (TEMP_PREFIX + "0of1-a_aug1.jpg"))
    assert a.manifest_path(a.outputs[1]) == "cats/a_aug1.jpg"
    assert list(plan.tasks())[0].manifest_path(list(plan.tasks())[0].outputs[0]) == "b_aug0.png"
    assert (plan.inputs, plan.outputs, plan.not_images) == (3, 6, 1)
    assert not dst.exists()  # planning writes nothing


def test_include_original_comes_first_and_is_a_copy_only_when_the_extension_stays(tree, tmp_path):
    same = make_plan(tree, tmp_path / "d1", AugmentOptions(copies=1, include_original=True))
    assert next(same.tasks()).outputs == (Output(None, "b.png"), Output(0, "b_aug0.png"))
    assert all(t.copy_original for t in same.tasks())
    tiff = make_plan(
        tree, tmp_path / "d2", AugmentOptions(copies=1, include_original=True, out_format="TIFF")
    )
    assert next(tiff.tasks()).outputs[0] == Output(None, "b.tif")
    assert not any(t.copy_original for t in tiff.tasks())


def test_resume_leaves_existing_outputs_out_of_the_tasks(tree, tmp_path):
    dst = tmp_path / "dst"
    (dst / "cats").mkdir(parents=True)
    (dst / "cats" / "a_aug0.jpg").write_bytes(b"done")
    (dst / "b_aug0.png").write_bytes(b"done")
    (dst / "b_aug1.png").write_bytes(b"done")
    with pytest.raises(UsageError, match="no manifest"):
        make_plan(tree, dst, AugmentOptions(copies=2, existing="resume"))
    listed = ("cats/a_aug0.jpg", "b_aug0.png", "b_aug1.png")
    (dst / MANIFEST_NAME).write_text(
        "".join(
            json.dumps({"output": name, "size": 4, "sha256": hashlib.sha256(b"done").hexdigest()})
            + "\n"
            for name in listed
        )
    )
    plan = make_plan(tree, dst, AugmentOptions(copies=2, existing="resume"))
    b, a, c = list(plan.tasks())
    assert (b.outputs, b.skipped) == ((), 2)
    assert (a.outputs, a.skipped) == ((Output(1, "a_aug1.jpg"),), 1)
    assert (len(c.outputs), c.skipped) == (2, 0)
    assert plan.existing == 3
    overwrite = make_plan(tree, dst, AugmentOptions(copies=2, existing="overwrite"))
    assert [len(t.outputs) for t in overwrite.tasks()] == [2, 2, 2]
    with pytest.raises(UsageError, match="already holds 3 of the 6 outputs"):
        make_plan(tree, dst, AugmentOptions(copies=2))


def test_a_task_is_a_small_picklable_value(tree, tmp_path):
    task = list(make_plan(tree, tmp_path / "dst", AugmentOptions(copies=3)).tasks())[2]
    assert isinstance(task, Task)
    assert pickle.loads(pickle.dumps(task)) == task
    # plain strings and numbers only: no image, pipeline or options travel with a task
    values = [getattr(task, f.name) for f in dataclasses.fields(task) if f.name != "labels"]
    values += [v for out in task.outputs for v in (out.copy, out.name)]
    assert all(isinstance(v, str | int | bool | tuple) for v in values)
    assert task.labels is None  # no labels asked for: none travel
    with pytest.raises(AttributeError):
        task.key = "other"  # type: ignore[misc]


def test_resume_refuses_a_same_size_output_whose_sha256_differs(tree, tmp_path):
    """Proof by content: the manifest's size matches but the bytes are another file's."""
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "b_aug0.png").write_bytes(b"DONE")  # same size as b"done", other bytes
    line = {"output": "b_aug0.png", "size": 4, "sha256": hashlib.sha256(b"done").hexdigest()}
    (dst / MANIFEST_NAME).write_text(json.dumps(line) + "\n")
    with pytest.raises(UsageError, match="SHA-256 differs.*b_aug0.png"):
        make_plan(tree, dst, AugmentOptions(copies=2, existing="resume"))
