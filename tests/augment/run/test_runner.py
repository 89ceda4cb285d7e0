"""augcli augment end to end (library and CLI): determinism, layout, manifest, modes, policies."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.config import parse_pipeline
from augcli.augment.pipeline import Pipeline
from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.augment.run.runner import RunAborted, augment_tree
from augcli.augment.tasks import AugmentOptions
from augcli.cli import cli
from augcli.core.atomic import TEMP_PREFIX
from augcli.images.reading import read_image
from tests import imagefactory as factory

PIPELINE = """
seed: 3
copies: 2
pipeline:
  - flip: {p: 0.5}
  - rotate: {angle: [-20, 20], fill: reflect}
  - crop: {size: [0.7, 1.0]}
  - gaussian_noise: {std: 0.03, p: 0.5}
  - salt_and_pepper: {amount: 0.01}
"""


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Two classes, PNG and JPEG, RGB, RGBA, L and 16-bit, plus a non-image file."""
    src = tmp_path / "src"
    (src / "cats").mkdir(parents=True)
    (src / "dogs" / "puppies").mkdir(parents=True)
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(src / "cats" / "a.png")
    Image.fromarray(rgb[::-1]).save(src / "cats" / "b.jpg", quality=90)
    rgba = rng.integers(0, 256, (20, 18, 4), dtype=np.uint8)
    Image.fromarray(rgba).save(src / "dogs" / "c.png")
    Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(src / "dogs" / "d.png")
    deep = rng.integers(0, 65536, (12, 14), dtype=np.uint16)
    Image.fromarray(deep).save(src / "dogs" / "puppies" / "e.png")
    (src / "notes.txt").write_text("not an image")
    (src / ".hidden.png").write_bytes(b"skip me")
    return src


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    path.write_text(PIPELINE)
    return path


def run_cli(*args: str) -> object:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def test_workers_1_and_3_give_byte_identical_outputs(dataset, config, tmp_path):
    one, three = tmp_path / "one", tmp_path / "three"
    assert (
        run_cli("augment", str(dataset), str(one), "-c", str(config), "--workers", "1").exit_code
        == 0
    )
    assert (
        run_cli("augment", str(dataset), str(three), "-c", str(config), "--workers", "3").exit_code
        == 0
    )
    a, b = _tree_digest(one), _tree_digest(three)
    a.pop(MANIFEST_NAME), b.pop(MANIFEST_NAME)
    assert a == b and len(a) == 10
    lines = lambda d: sorted((d / MANIFEST_NAME).read_text().splitlines())  # noqa: E731
    assert lines(one) == lines(three)


def test_subset_and_order_do_not_change_outputs(dataset, config, tmp_path):
    """An output depends on (seed, relative path, copy) only: not on which other inputs are in
    the run, nor on where in the run's order its input comes."""
    full = tmp_path / "full"
    assert run_cli("augment", str(dataset), str(full), "-c", str(config)).exit_code == 0
    expected = _tree_digest(full)
    manifest = set((full / MANIFEST_NAME).read_text().splitlines())
    expected.pop(MANIFEST_NAME)

    # A subset: one input alone, at the same path relative to SRC.
    sub = tmp_path / "sub"
    (sub / "cats").mkdir(parents=True)
    (sub / "cats" / "a.png").write_bytes((dataset / "cats" / "a.png").read_bytes())
    subout = tmp_path / "subout"
    assert run_cli("augment", str(sub), str(subout), "-c", str(config)).exit_code == 0
    got = _tree_digest(subout)
    got.pop(MANIFEST_NAME)
    assert sorted(got) == ["cats/a_aug0.png", "cats/a_aug1.png"]
    assert got == {name: expected[name] for name in got}

    # Another order: the inputs created in reverse order, with new inputs sorting before,
    # between and after them, so every input runs at another position in the run.
    moved = tmp_path / "moved"
    originals = sorted(p for p in dataset.rglob("*") if p.is_file())
    for path in reversed(originals):
        target = moved / path.relative_to(dataset)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    extra = np.random.default_rng(9).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    for name in ("cats/0.png", "cats/aa.png", "dogs/zz.png", "0/first.png"):
        (moved / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(extra).save(moved / name)
    movedout = tmp_path / "movedout"
    assert (
        run_cli("augment", str(moved), str(movedout), "-c", str(config), "--workers", "2").exit_code
        == 0
    )
    got = _tree_digest(movedout)
    assert len(got) == len(expected) + 1 + 2 * 4  # + manifest + 2 copies of 4 new inputs
    assert {name: got[name] for name in expected} == expected
    assert manifest <= set((movedout / MANIFEST_NAME).read_text().splitlines())


def test_layout_is_mirrored_and_src_untouched(dataset, config, tmp_path):
    before = _tree_digest(dataset)
    dst = tmp_path / "out"
    result = run_cli("augment", str(dataset), str(dst), "-c", str(config), "--json", "-q")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["inputs"] == 5 and summary["written"] == 10 and summary["not_images"] == 1
    assert summary["failed"] == 0 and summary["seed"] == 3
    expected = {
        "cats/a_aug0.png", "cats/a_aug1.png", "cats/b_aug0.jpg", "cats/b_aug1.jpg",
        "dogs/c_aug0.png", "dogs/c_aug1.png", "dogs/d_aug0.png", "dogs/d_aug1.png",
        "dogs/puppies/e_aug0.png", "dogs/puppies/e_aug1.png", MANIFEST_NAME,
    }  # fmt: skip
    assert set(_tree_digest(dst)) == expected
    assert _tree_digest(dataset) == before


def test_manifest_explains_every_output(dataset, config, tmp_path):
    dst = tmp_path / "out"
    run_cli("augment", str(dataset), str(dst), "-c", str(config))
    entries = [json.loads(line) for line in (dst / MANIFEST_NAME).read_text().splitlines()]
    assert sorted(e["output"] for e in entries) == sorted(
        p.relative_to(dst).as_posix() for p in dst.rglob("*_aug*")
    )
    pipeline = Pipeline(parse_pipeline(PIPELINE))
    for entry in entries:
        assert entry["seed"] == 3 and entry["copy"] in (0, 1)
        assert [op["op"] for op in entry["ops"]] == [
            "flip", "rotate", "crop", "gaussian_noise", "salt_and_pepper"
        ]  # fmt: skip
        if not entry["output"].endswith(".png"):
            continue  # JPEG is lossy: replay equality is checked on lossless outputs
        source = read_image(dataset / entry["source"]).array
        replayed, _ = pipeline.replay(source, entry["ops"])
        assert np.array_equal(replayed, read_image(dst / entry["output"]).array)


def test_modes_are_kept(dataset, config, tmp_path):
    dst = tmp_path / "out"
    run_cli("augment", str(dataset), str(dst), "-c", str(config))
    with Image.open(dst / "dogs" / "c_aug0.png") as im:
        assert im.mode == "RGBA"
    with Image.open(dst / "dogs" / "d_aug0.png") as im:
        assert im.mode == "L"
    with Image.open(dst / "dogs" / "puppies" / "e_aug0.png") as im:
        assert im.mode in ("I;16", "I") and np.asarray(im).max() > 255
    assert read_image(dst / "dogs" / "puppies" / "e_aug0.png").array.dtype == np.uint16


def test_exif_orientation_is_applied(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    stored = factory.make_exif_rotated_jpeg(src / "r.jpg", orientation=6)
    cfg = tmp_path / "id.yaml"
    cfg.write_text("pipeline: [flip: {p: 0}]\n")
    dst = tmp_path / "out"
    assert run_cli("augment", str(src), str(dst), "-c", str(cfg), "--copies", "1",
                   "--format", "png", "--seed", "1").exit_code == 0  # fmt: skip
    out = read_image(dst / "r_aug0.png").array
    # orientation 6: the stored pixels are shown rotated 90 degrees clockwise
    assert out.shape[:2] == stored.shape[1::-1]
    assert np.abs(out.astype(int) - np.rot90(stored, -1).astype(int)).mean() < 8
    with Image.open(dst / "r_aug0.png") as im:
        assert im.getexif().get(0x0112) in (None, 1)


def test_corrupt_files_fail_while_good_ones_are_written(dataset, config, tmp_path):
    bad = dataset / "bad"
    bad.mkdir()
    factory.make_truncated_jpeg(bad / "trunc.jpg")
    factory.make_empty_file(bad / "zero.png")
    factory.make_random_bytes(bad / "garbage.png")
    factory.make_bomb_png(bad / "bomb.png")
    dst = tmp_path / "out"
    result = run_cli("augment", str(dataset), str(dst), "-c", str(config), "--json", "-q")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["failed"] == 4 and summary["written"] == 10
    failed = {Path(f["path"]).name for f in summary["failures"]}
    assert failed == {"trunc.jpg", "zero.png", "garbage.png", "bomb.png"}
    for name in ("trunc.jpg", "zero.png", "garbage.png", "bomb.png"):
        assert name in result.stderr
    assert "decompression bomb" in result.stderr
    assert not list(dst.rglob(TEMP_PREFIX + "*"))
    assert not (dst / "bad").exists() or not any((dst / "bad").iterdir())


def test_fail_fast_stops_with_exit_1(dataset, config, tmp_path):
    factory.make_empty_file(dataset / "cats" / "0empty.png")
    result = run_cli("augment", str(dataset), str(tmp_path / "o"), "-c", str(config),
                     "--fail-fast", "--workers", "1")  # fmt: skip
    assert result.exit_code == 1
    assert "0empty.png" in result.stderr


def test_existing_outputs_refuse_resume_overwrite(dataset, config, tmp_path):
    dst = tmp_path / "out"
    run_cli("augment", str(dataset), str(dst), "-c", str(config))
    first = _tree_digest(dst)
    again = run_cli("augment", str(dataset), str(dst), "-c", str(config))
    assert again.exit_code == 2
    assert "already holds 10 of the 10 outputs" in again.stderr
    assert _tree_digest(dst) == first
    # resume after losing some outputs rebuilds exactly them
    (dst / "cats" / "a_aug1.png").unlink()
    (dst / "dogs" / "puppies" / "e_aug0.png").unlink()
    resumed = run_cli("augment", str(dataset), str(dst), "-c", str(config), "--resume", "--json")
    assert resumed.exit_code == 0
    assert json.loads(resumed.stdout)["written"] == 2
    assert json.loads(resumed.stdout)["skipped"] == 8
    images = lambda d: {k: v for k, v in d.items() if k != MANIFEST_NAME}  # noqa: E731
    assert images(_tree_digest(dst)) == images(first)
    lines = (dst / MANIFEST_NAME).read_text().splitlines()
    assert sorted(json.loads(x)["output"] for x in lines) == sorted(
        p.relative_to(dst).as_posix() for p in dst.rglob("*_aug*")
    )
    # overwrite replaces and keeps one manifest line per output
    (dst / "cats" / "a_aug0.png").write_bytes(b"stale")
    over = run_cli("augment", str(dataset), str(dst), "-c", str(config), "--overwrite")
    assert over.exit_code == 0
    assert (dst / "cats" / "a_aug0.png").read_bytes() == (
        tmp_path / "out" / "cats" / "a_aug0.png"
    ).read_bytes()
    assert {k: v for k, v in _tree_digest(dst).items() if k != MANIFEST_NAME} == {
        k: v for k, v in first.items() if k != MANIFEST_NAME
    }
    assert len((dst / MANIFEST_NAME).read_text().splitlines()) == 10


def test_resume_takes_the_seed_from_the_manifest(dataset, tmp_path):
    dst = tmp_path / "out"
    first = run_cli("augment", str(dataset), str(dst), "--copies", "1")
    assert "seed" in first.stderr
    (dst / "cats" / "a_aug0.png").unlink()
    before = _tree_digest(dst)
    resumed = run_cli("augment", str(dataset), str(dst), "--copies", "1", "--resume")
    assert resumed.exit_code == 0
    after = _tree_digest(dst)
    assert set(after) - set(before) == {"cats/a_aug0.png"}
    mismatch = run_cli(
        "augment", str(dataset), str(dst), "--copies", "1", "--resume", "--seed", "999999"
    )
    assert mismatch.exit_code == 2 and "vs 999999" in mismatch.stderr


def test_dst_inside_src_is_refused_before_any_work(dataset, config):
    dst = dataset / "augmented"
    result = run_cli("augment", str(dataset), str(dst), "-c", str(config))
    assert result.exit_code == 2 and "inside the input SRC" in result.stderr
    assert not dst.exists()


def test_src_equal_dst_and_dst_file_are_refused(dataset, config, tmp_path):
    same = run_cli("augment", str(dataset), str(dataset), "-c", str(config))
    assert same.exit_code == 2 and "is SRC" in same.stderr
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    result = run_cli("augment", str(dataset), str(afile), "-c", str(config))
    assert result.exit_code == 2 and "not a folder" in result.stderr
    missing = run_cli("augment", str(tmp_path / "nope"), str(tmp_path / "o"))
    assert missing.exit_code == 2 and "no such file or folder" in missing.stderr


def test_dry_run_writes_nothing(dataset, config, tmp_path):
    dst = tmp_path / "out"
    result = run_cli("augment", str(dataset), str(dst), "-c", str(config), "--dry-run")
    assert result.exit_code == 0
    assert "5 input image(s)" in result.stdout and "10 output(s)" in result.stdout
    assert "cats: 2 image(s)" in result.stdout and "a_aug0.png" in result.stdout
    assert not dst.exists()


def test_name_collisions_are_found_before_work(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    Image.fromarray(factory.asymmetric_rgb()).save(src / "a.png")
    Image.fromarray(factory.asymmetric_rgb()).save(src / "a.jpg")
    dst = tmp_path / "out"
    result = run_cli("augment", str(src), str(dst), "--format", "png", "--seed", "1")
    assert result.exit_code == 2
    assert "would both be written to a_aug0.png" in result.stderr
    assert not dst.exists()
    bad = run_cli("augment", str(src), str(dst), "--name", "{stem}{ext}", "--copies", "2")
    assert bad.exit_code == 2 and "needs {index}" in bad.stderr


def test_format_that_cannot_hold_alpha_is_refused_before_work(dataset, config, tmp_path):
    dst = tmp_path / "out"
    result = run_cli("augment", str(dataset), str(dst), "-c", str(config), "--format", "jpeg")
    assert result.exit_code == 2
    assert "dogs/c.png" in result.stderr and "alpha" in result.stderr
    assert not dst.exists()


def test_format_conversion_and_include_original(dataset, config, tmp_path):
    dst = tmp_path / "out"
    result = run_cli("augment", str(dataset / "cats"), str(dst), "-c", str(config),
                     "--format", "webp", "--include-original")  # fmt: skip
    assert result.exit_code == 0
    names = sorted(p.name for p in dst.glob("*.webp"))
    assert names == ["a.webp", "a_aug0.webp", "a_aug1.webp", "b.webp", "b_aug0.webp", "b_aug1.webp"]
    original = read_image(dst / "a.webp").array
    assert original.shape == (24, 32, 3)


def test_include_original_same_format_is_a_byte_copy(dataset, config, tmp_path):
    dst = tmp_path / "out"
    run_cli("augment", str(dataset / "cats"), str(dst), "-c", str(config), "--include-original")
    assert (dst / "b.jpg").read_bytes() == (dataset / "cats" / "b.jpg").read_bytes()


def test_single_image_source(dataset, config, tmp_path):
    dst = tmp_path / "one"
    result = run_cli("augment", str(dataset / "cats" / "a.png"), str(dst), "-c", str(config))
    assert result.exit_code == 0
    assert sorted(p.name for p in dst.iterdir()) == ["a_aug0.png", "a_aug1.png", MANIFEST_NAME]


def test_library_api_without_click(dataset, tmp_path):
    spec = parse_pipeline("pipeline: [flip: {direction: vertical}]")
    summary = augment_tree(spec, dataset / "cats", tmp_path / "lib", AugmentOptions(copies=1))
    assert summary.written == 2 and summary.failed == 0
    got = read_image(tmp_path / "lib" / "a_aug0.png").array
    src = read_image(dataset / "cats" / "a.png").array
    assert np.array_equal(got, src[::-1])


def test_a_source_without_images_is_refused(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "notes.txt").write_text("x")
    result = run_cli("augment", str(src), str(tmp_path / "out"), "--seed", "1")
    assert result.exit_code == 2
    assert "no images found" in result.stderr and "1 other file(s) ignored" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_stopped_run_raises_run_aborted_with_the_partial_summary(dataset, tmp_path):
    (dataset / "cats" / "bad.png").write_bytes(b"not a png")
    spec = parse_pipeline("pipeline: [flip: {}]")
    options = AugmentOptions(copies=1, fail_fast=True)
    with pytest.raises(RunAborted) as caught:
        augment_tree(spec, dataset, tmp_path / "out", options)
    aborted = caught.value
    assert aborted.exit_code == 1 and not aborted.interrupted
    assert "bad.png" in str(aborted)
    # sorted walk: cats/a.png and cats/b.jpg are written, then cats/bad.png fails and stops it
    assert aborted.summary.failed == 1 and aborted.summary.written == 2
    assert aborted.summary.failures[0][0] == str(dataset / "cats" / "bad.png")
