"""One input never stops a run (issue 21, items 13 and 15): whatever one input raises at plan
time or in the worker fails that input, named, and the run goes on (exit 1); image-named
entries that are not regular files are reported failed without being opened; an output name
held by a folder is refused before any work, also under --overwrite."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from augcli.augment.pipeline import Pipeline
from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.cli import cli
from tests import imagefactory as f
from tests import warm

ROOT = Path(__file__).resolve().parents[2]
COMMON = ["--seed", "3", "--copies", "1", "--workers", "1", "-q", "--json"]


def run_cli(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real CLI in a process of its own (a FIFO that were read would block it: timeout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return warm.completed(args, env=env, timeout=timeout)


def invoke(*args: object):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    return result


def failures(doc: dict, src: Path) -> dict[str, str]:
    return {os.path.relpath(item["path"], src): item["reason"] for item in doc["failures"]}


def test_fifo_and_dangling_symlinks_named_png_are_reported_failed(tmp_path: Path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    f.make_image(src / "a.png", f.asymmetric_rgb())
    os.mkfifo(src / "x.png")
    (src / "y.png").symlink_to(tmp_path / "missing.png")
    os.mkfifo(tmp_path / "outside_fifo")
    (src / "z.png").symlink_to(tmp_path / "outside_fifo")
    (src / "notes.txt").symlink_to(tmp_path / "missing.txt")  # not an image name: ignored
    dry = run_cli("augment", src, dst, "--dry-run", *COMMON)
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["inputs"] == 4 and plan["not_regular"]["count"] == 3
    done = run_cli("augment", src, dst, *COMMON)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    failed = failures(doc, src)
    assert set(failed) == {"x.png", "y.png", "z.png"}
    assert "is a FIFO, not a regular file" in failed["x.png"]
    assert "is a dangling symlink" in failed["y.png"]
    assert "is a symlink to a FIFO" in failed["z.png"]
    assert all(str(src / name) in reason for name, reason in failed.items())
    assert (doc["inputs"], doc["written"], doc["failed"]) == (4, 1, 3)
    assert doc["not_images"] == 1
    assert sorted(p.name for p in dst.iterdir()) == ["a_aug0.png", MANIFEST_NAME]
    for name in ("x.png", "y.png", "z.png"):
        assert f"failed: {src / name}" in done.stderr or name in done.stderr


def test_src_that_is_a_fifo_is_refused(tmp_path: Path):
    os.mkfifo(tmp_path / "in.png")
    done = run_cli("augment", tmp_path / "in.png", tmp_path / "dst", *COMMON, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "is a FIFO" in json.loads(done.stdout)["error"]
    assert not (tmp_path / "dst").exists()


@pytest.mark.parametrize("fmt", ["same", "jpeg"])
def test_dds_raising_not_implemented_at_plan_time_fails_only_itself(tmp_path: Path, fmt):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    f.make_image(src / "a.png", f.asymmetric_rgb())
    f.make_dds_unimplemented_dxgi(src / "float.dds")
    done = run_cli("augment", src, dst, "--format", fmt, *COMMON)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    failed = failures(doc, src)
    assert list(failed) == ["float.dds"]
    assert "Unimplemented DXGI format 2" in failed["float.dds"]
    assert str(src / "float.dds") in failed["float.dds"] and "\n" not in failed["float.dds"]
    assert doc["written"] == 1


@pytest.mark.parametrize(
    "error", [RuntimeError("kernel\nstate"), MemoryError(), NotImplementedError("op")]
)
def test_any_exception_while_augmenting_fails_only_that_input(tmp_path, monkeypatch, error):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        f.make_image(src / name, f.asymmetric_rgb())
    real = Pipeline.run_traced

    def run_traced(self, image, seed, key, copy):
        if key == "b.png":
            raise error
        return real(self, image, seed, key, copy)

    monkeypatch.setattr(Pipeline, "run_traced", run_traced)
    result = invoke("augment", src, dst, *COMMON)
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    failed = failures(doc, src)
    assert list(failed) == ["b.png"]
    assert failed["b.png"].startswith(f"{src / 'b.png'}: ") and "\n" not in failed["b.png"]
    if isinstance(error, MemoryError):
        assert "out of memory" in failed["b.png"]
    else:
        assert type(error).__name__ in failed["b.png"]
    assert doc["written"] == 2


def test_any_exception_in_the_encoder_fails_the_input_not_the_run(tmp_path, monkeypatch):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    f.make_image(src / "a.png", f.asymmetric_rgb())
    f.make_image(src / "b.jpg", f.asymmetric_rgb())
    from PIL import PngImagePlugin

    def refuse(im, fp, filename, chunk=None, save_all=False):
        raise NotImplementedError("this encoder has a gap")

    monkeypatch.setitem(PngImagePlugin.Image.SAVE, "PNG", refuse)
    result = invoke("augment", src, dst, *COMMON)
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    failed = failures(doc, src)
    assert list(failed) == ["a.png"]
    assert "the PNG encoder refused it (this encoder has a gap)" in failed["a.png"]
    assert doc["written"] == 1


def test_overwrite_refuses_a_folder_at_an_output_name_before_any_work(tmp_path: Path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    for name in ("a.png", "b.png"):
        f.make_image(src / name, f.asymmetric_rgb())
    assert invoke("augment", src, dst, *COMMON).exit_code == 0
    (dst / "b_aug0.png").unlink()
    (dst / "b_aug0.png").mkdir()
    (dst / "b_aug0.png" / "keep.txt").write_text("mine")
    before = {p: p.read_bytes() for p in dst.rglob("*") if p.is_file()}
    result = invoke("augment", src, dst, *COMMON, "--overwrite", "--seed", "4")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert "b_aug0.png" in error and "is a folder" in error
    assert {p: p.read_bytes() for p in dst.rglob("*") if p.is_file()} == before


def test_overwrite_refuses_a_folder_at_a_label_output_name_before_any_work(tmp_path: Path):
    src, dst, labels, out = (tmp_path / n for n in ("src", "dst", "labels", "out"))
    src.mkdir()
    labels.mkdir()
    for name in ("a", "b"):
        f.make_image(src / f"{name}.png", f.asymmetric_rgb(16, 16))
        (labels / f"{name}.txt").write_text("0 0.5 0.5 0.25 0.25\n")
    yolo = ["--yolo", labels, out]
    assert invoke("augment", src, dst, *yolo, *COMMON).exit_code == 0
    (out / "b_aug0.txt").unlink()
    (out / "b_aug0.txt").mkdir()
    (out / "b_aug0.txt" / "keep.txt").write_text("mine")
    watched = [p for root in (dst, out) for p in root.rglob("*") if p.is_file()]
    before = {p: p.read_bytes() for p in watched}
    result = invoke("augment", src, dst, *yolo, *COMMON, "--overwrite", "--seed", "4")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert "--yolo destination" in error and "b_aug0.txt" in error and "is a folder" in error
    assert {p: p.read_bytes() for p in watched} == before
