"""``augcli augment --json`` and ``validate --json`` print exactly one JSON object on stdout
whatever happens (issue 11, item 8): success, exit 1, --fail-fast, every kind of exit 2, a dry
run; human messages stay on stderr. (SIGTERM: tests/augment/test_faults.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.cli import cli


def run(*args: object):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def one_object(result) -> dict:
    payload = json.loads(result.stdout)  # raises on text before or after the object
    assert isinstance(payload, dict)
    assert payload.get("exit_code", 0) == result.exit_code
    return payload


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    root.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.png", "b.png"):
        Image.fromarray(rng.integers(0, 256, (8, 9, 3), dtype=np.uint8)).save(root / name)
    return root


def broken(src: Path) -> Path:
    (src / "0bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return src


def test_success_and_exit_1_and_fail_fast_print_the_summary(src, tmp_path):
    ok = one_object(run("augment", src, tmp_path / "o1", "--seed", 1, "--copies", 1, "--json"))
    assert ok["written"] == 2 and ok["exit_code"] == 0
    broken(src)
    some = run("augment", src, tmp_path / "o2", "--seed", 1, "--copies", 1, "--json")
    assert some.exit_code == 1
    summary = one_object(some)
    assert summary["failed"] == 1 and summary["failures"][0]["path"].endswith("0bad.png")
    assert "failed:" in some.stderr and "failed:" not in some.stdout
    fast = run("augment", src, tmp_path / "o3", "--seed", 1, "--copies", 1, "--json",
               "--fail-fast", "--workers", 1)  # fmt: skip
    assert fast.exit_code == 1
    stopped = one_object(fast)
    assert stopped["failed"] == 1 and "0bad.png" in stopped["error"]


@pytest.mark.parametrize(
    "case",
    ["missing src", "empty path", "bad option", "bad config", "existing outputs", "cannot hold",
     "no images", "corrupt manifest", "name without extension", "collision"],
)  # fmt: skip
def test_every_exit_2_prints_one_error_object(src, tmp_path, case):
    dst = tmp_path / "out"
    args = ["augment", src, dst, "--seed", 1, "--json"]
    if case == "missing src":
        args[1] = tmp_path / "nope"
    elif case == "empty path":
        args[2] = ""
    elif case == "bad option":
        args += ["--copies", "0"]
    elif case == "bad config":
        (tmp_path / "c.yaml").write_text("pipeline:\n  - rotate: {angle: 1e308}\n")
        args += ["-c", tmp_path / "c.yaml"]
    elif case == "existing outputs":
        assert run(*args).exit_code == 0
    elif case == "cannot hold":
        Image.fromarray(np.zeros((4, 4, 4), np.uint8)).save(src / "alpha.png")
        args += ["--format", "jpeg"]
    elif case == "no images":
        args[1] = tmp_path / "empty"
        args[1].mkdir()
    elif case == "corrupt manifest":
        dst.mkdir()
        (dst / "augcli-manifest.jsonl").write_text('{"output": "../x.png"}\n')
        args += ["--overwrite"]
    elif case == "name without extension":
        args += ["--name", "{stem}_{index}", "--copies", "2"]
    elif case == "collision":
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(src / "a.jpg")
        args += ["--format", "png"]
    result = run(*args)
    assert result.exit_code == 2, result.output
    payload = one_object(result)
    assert payload["error"] and payload["exit_code"] == 2
    assert "Error" in result.stderr


def test_dry_run_json_is_the_plan(src, tmp_path):
    (src / "notes.txt").write_text("x")
    (src / "more.txt").write_text("x")
    (src / "data.csv").write_text("x")
    result = run("augment", src, tmp_path / "o", "--seed", 3, "--copies", 2, "--dry-run", "--json")
    assert result.exit_code == 0
    plan = one_object(result)
    assert plan["dry_run"] is True and plan["seed"] == 3
    assert (plan["inputs"], plan["outputs"], plan["not_images"]) == (2, 4, 3)
    assert plan["ignored"] == {
        ".csv": {"count": 1, "examples": ["data.csv"]},
        ".txt": {"count": 2, "examples": ["more.txt", "notes.txt"]},
    }
    assert not (tmp_path / "o").exists()
    text = run("augment", src, tmp_path / "o", "--seed", 3, "--dry-run")
    assert "ignored 2 .txt file(s), e.g. more.txt, notes.txt" in text.stdout


def test_validate_json(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("seed: 4\npipeline:\n  - flip: {}\n  - rotate: {angle: 5}\n")
    payload = one_object(run("validate", good, "--json"))
    assert payload == {"config": str(good), "ok": True, "steps": ["flip", "rotate"],
                       "resamplings": 1, "seed": 4, "copies": None}  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipeline:\n  - rotate: {angle: 1e308}\n")
    result = run("validate", bad, "--json")
    assert result.exit_code == 2 and "bad.yaml:2" in one_object(result)["error"]


def test_yolo_data_run_prints_one_object_for_every_split(tmp_path):
    from tests.augment.labels.ultralytics import make_dataset

    data_yaml = make_dataset(tmp_path / "ds", splits=("train", "val", "test"))
    result = run("augment", "--yolo-data", data_yaml, tmp_path / "out", "--splits", "train,val",
                 "--seed", 1, "--copies", 1, "--json", "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = one_object(result)
    assert set(payload["splits"]) == {"train", "val", "test"}
    assert payload["splits"]["train"]["written"] == 2 and payload["splits"]["val"]["written"] == 2
    assert payload["splits"]["test"] == 4  # copied: 2 images, 2 label files
    assert payload["exit_code"] == 0


def test_yolo_data_dry_run_prints_one_plan_object_and_writes_nothing(tmp_path):
    from tests.augment.labels.ultralytics import make_dataset

    data_yaml = make_dataset(tmp_path / "ds", splits=("train", "val", "test"))
    result = run("augment", "--yolo-data", data_yaml, tmp_path / "out", "--splits", "train,val",
                 "--seed", 1, "--copies", 3, "--dry-run", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = one_object(result)
    assert set(payload["splits"]) == {"train", "val"} and payload["copy_splits"] == ["test"]
    for split in ("train", "val"):
        plan = payload["splits"][split]
        assert plan["dry_run"] is True and (plan["inputs"], plan["outputs"]) == (2, 6)
        assert plan["labels"]["yolo-pose"]["found"] == 2
    assert payload["seed"] == 1
    assert not (tmp_path / "out").exists()


def test_yolo_data_with_a_failed_input_prints_one_object_and_exits_1(tmp_path):
    from tests.augment.labels.ultralytics import make_dataset

    data_yaml = make_dataset(tmp_path / "ds")
    (tmp_path / "ds" / "images" / "train" / "0bad.png").write_bytes(b"\x89PNG\r\n\x1a\n no")
    result = run("augment", "--yolo-data", data_yaml, tmp_path / "out", "--seed", 1,
                 "--copies", 1, "--json", "-q")  # fmt: skip
    assert result.exit_code == 1
    payload = one_object(result)
    assert payload["splits"]["train"]["failed"] == 1 and payload["splits"]["val"] == 4
    stopped = run("augment", "--yolo-data", data_yaml, tmp_path / "out2", "--seed", 1,
                  "--copies", 1, "--json", "-q", "--fail-fast", "--workers", 1)  # fmt: skip
    assert stopped.exit_code == 1
    payload = one_object(stopped)
    assert "0bad.png" in payload["error"] and payload["splits"]["train"]["failed"] == 1
    assert "val" not in payload["splits"]  # the run stopped before it
