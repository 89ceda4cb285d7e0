"""The resampler choice end to end: pipeline key, --resampler, manifest, --resume, no OpenCV."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.config import parse_pipeline
from augcli.augment.kernels import opencv as opencv_kernels
from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.cli import cli
from augcli.core.errors import ConfigError

PIPELINE = """
seed: 5
copies: 2
{resampler}
pipeline:
  - rotate: {{angle: [-20, 20], fill: reflect}}
  - scale: {{factor: [0.8, 1.2], fill: constant, cval: [0.1, 0.5, 0.9]}}
"""


def _config(tmp_path: Path, resampler: str = "") -> Path:
    path = tmp_path / f"pipe{len(resampler)}.yaml"
    path.write_text(PIPELINE.format(resampler=resampler))
    return path


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (20, 26, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    return folder


def _run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def _digests(root: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.iterdir())
        if p.name != MANIFEST_NAME
    }


def test_pipeline_key_parses_and_defaults_to_opencv():
    assert parse_pipeline("pipeline: [flip]").resampler == "opencv"
    assert parse_pipeline("resampler: pillow\npipeline: [flip]").resampler == "pillow"
    assert parse_pipeline("resampler:\npipeline: [flip]").resampler == "opencv"


def test_unknown_resampler_is_one_located_error_naming_the_choices():
    with pytest.raises(ConfigError) as info:
        parse_pipeline("resampler: cv2\npipeline: [flip]", source="p.yaml")
    assert str(info.value) == ("p.yaml:1: resampler: got 'cv2' (string); allowed: pillow, opencv")


def test_opencv_outputs_are_byte_identical_across_workers(src, tmp_path):
    pytest.importorskip("cv2")
    config = _config(tmp_path)
    one, two = tmp_path / "one", tmp_path / "two"
    for dst, workers in ((one, "1"), (two, "2")):
        args = ["augment", str(src), str(dst), "-c", str(config), "--workers", workers]
        assert _run(*args, "--resampler", "opencv", "-q").exit_code == 0
    assert _digests(one) == _digests(two) and len(_digests(one)) == 6


def test_resampler_is_recorded_and_cli_overrides_the_file(src, tmp_path):
    pytest.importorskip("cv2")
    from_file, from_cli = tmp_path / "file", tmp_path / "cli"
    opencv_config = _config(tmp_path, "resampler: opencv")
    assert _run("augment", str(src), str(from_file), "-c", str(opencv_config), "-q").exit_code == 0
    args = ["augment", str(src), str(from_cli), "-c", str(_config(tmp_path)), "-q"]
    assert _run(*args, "--resampler", "opencv").exit_code == 0
    for dst in (from_file, from_cli):
        lines = (dst / MANIFEST_NAME).read_text().splitlines()
        assert {json.loads(line)["run"]["resampler"] for line in lines} == {"opencv"}
    assert _digests(from_file) == _digests(from_cli)
    default = tmp_path / "default"  # no key, no option: opencv, the same bytes
    args = ["augment", str(src), str(default), "-c", str(_config(tmp_path)), "-q"]
    assert _run(*args).exit_code == 0
    lines = (default / MANIFEST_NAME).read_text().splitlines()
    assert {json.loads(line)["run"]["resampler"] for line in lines} == {"opencv"}
    assert _digests(default) == _digests(from_file)
    pillow = tmp_path / "pillow"
    args = ["augment", str(src), str(pillow), "-c", str(opencv_config), "-q"]
    assert _run(*args, "--resampler", "pillow").exit_code == 0
    lines = (pillow / MANIFEST_NAME).read_text().splitlines()
    assert {json.loads(line)["run"]["resampler"] for line in lines} == {"pillow"}
    assert _digests(pillow) != _digests(from_file)  # resampled pixels differ by up to 1 level


def test_resume_refuses_a_different_resampler_naming_both(src, tmp_path):
    pytest.importorskip("cv2")
    dst, config = tmp_path / "dst", _config(tmp_path)
    assert _run("augment", str(src), str(dst), "-c", str(config), "-q").exit_code == 0
    (dst / "0_aug0.png").unlink()
    before = _digests(dst)
    result = _run(
        "augment", str(src), str(dst), "-c", str(config), "--resume", "--resampler", "pillow"
    )
    assert result.exit_code == 2
    assert "resampler: 'opencv' vs 'pillow'" in result.output or (
        "resampler: opencv vs pillow" in result.output
    )
    assert _digests(dst) == before
    assert _run("augment", str(src), str(dst), "-c", str(config), "--resume", "-q").exit_code == 0
    assert "0_aug0.png" in _digests(dst)


@pytest.fixture
def no_opencv(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # what a missing module looks like
    monkeypatch.setattr(opencv_kernels, "_CV2", [])


@pytest.mark.parametrize("how", ["option", "file", "default"])
def test_opencv_missing_exits_2_with_the_install_command_and_the_pillow_way(
    src, tmp_path, no_opencv, how
):
    dst = tmp_path / "dst"
    if how == "option":
        args = ["-c", str(_config(tmp_path)), "--resampler", "opencv"]
    elif how == "file":
        args = ["-c", str(_config(tmp_path, "resampler: opencv"))]
    else:
        args = ["-c", str(_config(tmp_path))]
    install = 'pip install "opencv-python-headless>=5" (or choose resampler pillow)'
    result = _run("augment", str(src), str(dst), *args, "-q")
    assert result.exit_code == 2
    assert install in result.output
    assert not dst.exists()
    sheet = tmp_path / "sheet.png"
    result = _run("preview", str(src / "0.png"), *args, "-o", str(sheet))
    assert result.exit_code == 2 and install in result.output
    assert not sheet.exists()


@pytest.mark.parametrize("how", ["option", "file"])
def test_pillow_runs_without_opencv(src, tmp_path, no_opencv, how):
    dst = tmp_path / "dst"
    if how == "option":
        args = ["-c", str(_config(tmp_path)), "--resampler", "pillow"]
    else:
        args = ["-c", str(_config(tmp_path, "resampler: pillow"))]
    assert _run("augment", str(src), str(dst), *args, "-q").exit_code == 0
    assert len(_digests(dst)) == 6
