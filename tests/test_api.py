"""The public Python API: each function agrees with its command (docs/api.md's examples run in
test_examples.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import augcli
from augcli.cli import cli
from augcli.core.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]


def test_import_augcli_loads_no_heavy_module():
    heavy = ("numpy", "PIL", "skimage", "tqdm", "click", "yaml")
    probe = f"import sys, augcli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves():
    for name in augcli.__all__:
        assert getattr(augcli, name) is not None
    with pytest.raises(AttributeError):
        augcli.no_such_name  # noqa: B018


def test_augment_tree_equals_the_augment_command(tmp_path):
    src = ROOT / "sample_images" / "everyday"
    augcli.augment_tree(src, tmp_path / "api", ROOT / "configs/noise.yaml", seed=3, copies=2)
    result = CliRunner().invoke(
        cli,
        [
            "augment",
            str(src),
            str(tmp_path / "cli"),
            "-c",
            str(ROOT / "configs/noise.yaml"),
            "--seed",
            "3",
            "--copies",
            "2",
            "--workers",
            "1",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "api").iterdir())
    for name in names:
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_augment_tree_with_masks_yolo_and_coco_equals_the_augment_command(tmp_path):
    data = ROOT / "sample_labelled"

    def labels(out: Path) -> dict:
        return {
            "masks": (data / "masks", out / "masks"),
            "yolo": (data / "labels", out / "labels"),
            "coco": (data / "annotations.json", out / "coco.json"),
        }

    api = tmp_path / "api"
    summary = augcli.augment_tree(
        data / "images",
        api / "images",
        seed=4,
        copies=2,
        workers=2,
        mask_fill=255,
        **labels(api),
    )
    assert summary.failed == 0 and summary.written == 6
    args = ["augment", str(data / "images"), str(tmp_path / "cli" / "images"), "--seed", "4"]
    args += ["--copies", "2", "--workers", "1", "-q", "--mask-fill", "255"]
    for flag, (source, target) in labels(tmp_path / "cli").items():
        args += [f"--{flag}", str(source), str(target)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    got, want = _tree(api), _tree(tmp_path / "cli")
    assert {name.split("/")[0] for name in got} == {"images", "masks", "labels", "coco.json"}
    assert got == want


def test_augment_tree_takes_a_shard_and_an_executor_by_name(tmp_path):
    src = ROOT / "sample_images"
    summary = augcli.augment_tree(src, tmp_path, seed=2, copies=1, shard="1/2", executor="local")
    assert (tmp_path / "augcli-manifest.1-of-2.jsonl").is_file()
    assert 0 < summary.written < 8
    with pytest.raises(UsageError, match="executor"):
        augcli.augment_tree(src, tmp_path / "x", seed=2, executor="no-such-executor")
    with pytest.raises(TypeError, match="unknown option"):
        augcli.augment_tree(src, tmp_path / "y", seed=2, colour=True)


def test_augment_image_equals_the_written_png(tmp_path):
    src = ROOT / "sample_images" / "everyday" / "clock.png"
    augcli.augment_tree(src, tmp_path, seed=9, copies=1)
    written = np.asarray(Image.open(tmp_path / "clock_aug0.png"))
    image = np.asarray(Image.open(src))
    assert np.array_equal(augcli.augment_image(image, seed=9, key="clock.png"), written)
    line = json.loads((tmp_path / "augcli-manifest.jsonl").read_text().splitlines()[0])
    assert np.array_equal(augcli.replay(image, json.dumps(line)), written)


def test_augment_tree_rejects_unknown_options(tmp_path):
    with pytest.raises(TypeError, match="unknown option"):
        augcli.augment_tree(ROOT / "sample_images", tmp_path, sed=1)


def test_pool_array_matches_hand_computed_windows():
    x = np.array([[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 1], [0, 4, 1, 1]], np.float32)
    assert augcli.pool_array(x, "max").tolist() == [[4, 8], [4, 1]]
    assert augcli.pool_array(x, "avg").tolist() == [[2.5, 6.5], [1.0, 1.0]]
    assert augcli.pool_array(x, "gap").tolist() == pytest.approx(44 / 16)
    with pytest.raises(ValueError, match="p"):
        augcli.pool_array(x, "power", p=-1)


def test_evaluate_losses_matches_sklearn():
    from sklearn.metrics import hinge_loss, log_loss

    y, p = [0, 1, 1, 0], [0.1, 0.8, 0.6, 0.3]
    values = augcli.evaluate_losses(y, p, ["log", "hinge"]).values
    assert values["log"] == pytest.approx(log_loss(y, p))
    assert values["hinge"] == pytest.approx(hinge_loss(y, 2 * np.array(p) - 1))


def _invoke(*args: object) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def test_augment_tree_with_voc_yolo_pose_and_their_settings_equals_the_augment_command(tmp_path):
    data = ROOT / "sample_labelled"
    api, ref = tmp_path / "api", tmp_path / "cli"
    summary = augcli.augment_tree(
        data / "images", api / "images", ROOT / "configs/all-fill-modes.yaml", seed=5, copies=2,
        workers=2, labels={"voc": (data / "voc", api / "voc"),
                           "yolo_pose": (data / "pose", api / "pose"),
                           "flip_idx": [0, 1, 2], "min_area": 4.0, "min_visibility": 0.1},
    )  # fmt: skip
    assert summary.failed == 0 and summary.written == 6
    _invoke(
        "augment", data / "images", ref / "images", "-c", ROOT / "configs/all-fill-modes.yaml",
        "--seed", 5, "--copies", 2, "--workers", 1, "-q", "--voc", data / "voc", ref / "voc",
        "--yolo-pose", data / "pose", ref / "pose", "--flip-idx", "0,1,2", "--min-area", 4,
        "--min-visibility", 0.1,
    )  # fmt: skip
    got, want = _tree(api), _tree(ref)
    assert {name.split("/")[0] for name in got} == {"images", "voc", "pose"}
    assert len([n for n in got if n.endswith(".xml")]) == 6
    assert got == want


def test_augment_tree_labels_take_a_labeloptions_and_the_rule_flag(tmp_path):
    from augcli.augment.labels.files import LabelOptions

    data = ROOT / "sample_labelled"
    shutil.copytree(data / "images", tmp_path / "ds" / "images")
    shutil.copytree(data / "labels", tmp_path / "ds" / "labels")
    auto = tmp_path / "auto"
    augcli.augment_tree(tmp_path / "ds/images", auto / "images", seed=1, workers=1, copies=1,
                        labels={"yolo_auto": True})  # fmt: skip
    given = tmp_path / "given"
    options = LabelOptions(yolo=(str(data / "labels"), str(given / "labels")))
    augcli.augment_tree(
        data / "images", given / "images", seed=1, workers=1, copies=1, labels=options
    )
    assert len(list((auto / "labels").rglob("*.txt"))) == 3
    assert _tree(auto) == _tree(given)


@pytest.mark.parametrize(
    ("labels", "keywords", "error", "match"),
    [
        ({"yolo_pos": ("a", "b")}, {}, TypeError, "unknown label option.*'yolo_pose'"),
        ({"yolo": ("a", "b")}, {"yolo": ("a", "b")}, TypeError, "given twice"),
        ({"voc": "a"}, {}, TypeError, "pair"),
        ({"min_visibility": 1.5}, {}, ValueError, "min_visibility"),
        ({"mask_fill": 0.5}, {}, ValueError, "whole number"),
        ({"kpt_shape": [17, 4]}, {}, UsageError, "kpt_shape"),
    ],
)
def test_augment_tree_refuses_bad_label_options_before_work(
    tmp_path, labels, keywords, error, match
):
    with pytest.raises(error, match=match):
        augcli.augment_tree(ROOT / "sample_images", tmp_path / "o", labels=labels, **keywords)
    assert not (tmp_path / "o").exists()


def test_augment_dataset_equals_the_yolo_data_command(tmp_path):
    from tests.augment.labels.ultralytics import make_dataset

    data_yaml = make_dataset(tmp_path / "ds", n=3, splits=("train", "val", "test"))
    results = augcli.augment_dataset(
        data_yaml, tmp_path / "api", ROOT / "configs/all-fill-modes.yaml", splits=["train", "val"],
        seed=2, copies=2, workers=2, labels={"min_area": 2.0},
    )  # fmt: skip
    assert results["train"].written == 6 and results["val"].written == 6 and results["test"] == 6
    _invoke(
        "augment", "--yolo-data", data_yaml, tmp_path / "cli", "-c",
        ROOT / "configs/all-fill-modes.yaml", "--splits", "train,val", "--seed", 2,
        "--copies", 2, "--workers", 1, "-q", "--min-area", 2,
    )  # fmt: skip
    got, want = _tree(tmp_path / "api"), _tree(tmp_path / "cli")
    assert "data.yaml" in got and "labels/train/im0_aug1.txt" in got
    assert got == want
    with pytest.raises(TypeError, match="dataset gives"):
        augcli.augment_dataset(data_yaml, tmp_path / "x", labels={"kpt_shape": "3,3"})
