"""The public Python API: README's example runs, and each function agrees with its command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import augcli
from augcli.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def test_readme_use_from_python_example_runs(monkeypatch):
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Use from Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md:Use from Python", "exec"), {})


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
