"""Hostile and odd image trees: readable inputs are augmented, broken ones reported, SRC untouched.

The tree is built by the tests (``tests/imagefactory.py`` plus a few makers here): truncated,
empty, random and text files under image names, a decompression-bomb header, every odd mode,
tiny and extreme shapes, upper-case extensions, spaces, non-ASCII and non-UTF-8 names, and a
symlink loop. Checks run the real CLI in a subprocess with a worker pool and in-process.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageFile

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.cli import cli
from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import InputError
from augcli.images.reading import read_image
from tests import imagefactory as f

ROOT = Path(__file__).resolve().parents[2]
NON_UTF8 = os.fsdecode(b"raw\xffbytes.png")
NON_UTF8_BROKEN = os.fsdecode(b"broken\xfe.jpg")

# broken input -> a word its reason must contain
BROKEN = {
    "truncated.jpg": "truncated",
    "truncated.png": "truncated",
    "empty.png": "empty",
    "random.jpg": "identify",
    "text.jpg": "identify",
    "bomb.png": "decompression bomb",
    "sub/int32_negative.tif": "65535",
    NON_UTF8_BROKEN: "identify",
}


def build_tree(src: Path) -> dict[str, tuple[str, tuple[int, int]]]:
    """Write the hostile tree; return readable input -> (expected output mode, (w, h))."""
    src.mkdir()
    (src / "sub").mkdir()
    f.make_truncated_jpeg(src / "truncated.jpg")
    f.make_truncated_png(src / "truncated.png")
    f.make_empty_file(src / "empty.png")
    f.make_random_bytes(src / "random.jpg")
    f.make_text_file(src / "text.jpg")
    f.make_bomb_png(src / "bomb.png")
    f.make_int32_tiff(src / "sub" / "int32_negative.tif", np.array([[-5, 3], [7, 70000]]))
    (src / NON_UTF8_BROKEN).write_bytes(b"\xff\xd8 not really a jpeg")
    ramp16 = (np.arange(24 * 40, dtype=np.uint32).reshape(24, 40) * 67 % 65536).astype(np.uint16)
    readable = {
        "cmyk.jpg": ("RGB", f.make_cmyk_jpeg(src / "cmyk.jpg").shape[1::-1]),
        "gray16.png": ("I;16", f.make_image(src / "gray16.png", ramp16).shape[::-1]),
        "gray16.tif": ("I;16", f.make_image(src / "gray16.tif", ramp16).shape[::-1]),
        "float.tif": ("F", (40, 24)),
        "palette_alpha.png": ("RGBA", (5, 3)),
        "la.png": ("LA", (9, 7)),
        "bilevel.png": ("L", (7, 5)),
        "exif_rotated.jpg": ("RGB", (16, 24)),  # stored 24x16, displayed rotated
        "animated.gif": ("L", (6, 4)),
        "one_pixel.png": ("RGB", (1, 1)),
        "wide.png": ("RGB", (2000, 8)),
        "UPPER.JPG": ("RGB", (16, 16)),
        "Mixed.PnG": ("RGBA", (8, 8)),
        "with space é ü 猫.png": ("RGB", (8, 6)),
        NON_UTF8: ("L", (6, 4)),
        "sub/nested.jpeg": ("L", (6, 4)),
    }
    f.make_image(src / "float.tif", np.linspace(-1, 2, 24 * 40, dtype=np.float32).reshape(24, 40))
    f.make_palette_png(src / "palette_alpha.png", transparent=True)
    Image.new("LA", (9, 7), (120, 200)).save(src / "la.png")
    f.make_bilevel_png(src / "bilevel.png")
    f.make_exif_rotated_jpeg(src / "exif_rotated.jpg")
    f.make_animated_gif(src / "animated.gif")
    f.make_image(src / "one_pixel.png", np.array([[[10, 20, 30]]], dtype=np.uint8))
    f.make_image(src / "wide.png", f.asymmetric_rgb(8, 2000))
    f.make_image(src / "UPPER.JPG", f.asymmetric_rgb(16, 16), format="JPEG")
    Image.new("RGBA", (8, 8), (1, 2, 3, 4)).save(src / "Mixed.PnG", format="PNG")
    f.make_image(src / "with space é ü 猫.png", f.asymmetric_rgb(6, 8))
    f.make_image(src / NON_UTF8, f.asymmetric_gray(4, 6))
    f.make_image(src / "sub" / "nested.jpeg", f.asymmetric_gray(4, 6), format="JPEG")
    (src / "sub" / "loop").symlink_to("..")  # a symlink loop: walked at most once
    (src / "notes.txt").write_text("not an image\n")
    return readable


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> content hash (or symlink target) of everything under ``root``."""
    digest = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = os.fsencode(path.relative_to(root)).hex()
            if path.is_symlink():
                digest[rel] = "link:" + os.readlink(path)
            elif path.is_file():
                digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def output_name(rel: str, copy: int) -> str:
    stem, ext = os.path.splitext(rel)
    return f"{stem}_aug{copy}{'.png' if ext.lower() == '.gif' else ext}"


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "augcli", *args],
        capture_output=True,
        env=env,
        timeout=timeout,
    )


def check_run(src, dst, readable, doc, stderr: str) -> None:
    assert "Traceback" not in stderr
    failed = {os.path.relpath(item["path"], src): item["reason"] for item in doc["failures"]}
    assert set(failed) == set(BROKEN), failed
    for rel, word in BROKEN.items():
        assert word in failed[rel], (rel, failed[rel])
        assert rel in failed[rel] or rel.split("/")[-1] in failed[rel]  # names the file
    assert doc["failed"] == len(BROKEN)
    assert doc["written"] == 2 * len(readable)
    for rel, (mode, size) in readable.items():
        for copy in range(2):
            out = dst / output_name(rel, copy)
            with Image.open(out) as im:
                im.verify()
            with Image.open(out) as im:
                im.load()
                assert im.size == size, (rel, im.size)
            assert read_image(out).mode == mode, rel
    leftovers = [n for _, _, names in os.walk(dst) for n in names if n.startswith(TEMP_PREFIX)]
    assert leftovers == []
    lines = [json.loads(line) for line in (dst / MANIFEST_NAME).read_text().splitlines()]
    outputs = [entry["output"] for entry in lines]
    assert len(outputs) == len(set(outputs)) == 2 * len(readable)
    assert not (dst / "sub" / "loop").exists()


def test_hostile_tree_pool_and_in_process(tmp_path):
    """Readable inputs augmented (modes kept), broken ones named with a reason, exit 1,
    SRC byte-identical; the pool run (subprocess, 2 workers) and the in-process run write
    byte-identical outputs."""
    src, dst_pool, dst_one = tmp_path / "src", tmp_path / "pool", tmp_path / "one"
    readable = build_tree(src)
    before = tree_digest(src)
    common = ["--seed", "7", "--copies", "2", "--json", "-q"]
    proc = run_cli("augment", str(src), str(dst_pool), "--workers", "2", *common)
    assert proc.returncode == 1, proc.stderr
    check_run(src, dst_pool, readable, json.loads(proc.stdout), proc.stderr.decode())

    result = CliRunner().invoke(cli, ["augment", str(src), str(dst_one), "--workers", "1", *common])
    assert result.exit_code == 1, result.output
    check_run(src, dst_one, readable, json.loads(result.stdout), result.stderr)

    assert tree_digest(src) == before
    pool, one = tree_digest(dst_pool), tree_digest(dst_one)
    manifest = os.fsencode(MANIFEST_NAME).hex()
    assert {k: v for k, v in pool.items() if k != manifest} == {
        k: v for k, v in one.items() if k != manifest
    }


@pytest.mark.parametrize("size", [(60000, 60000), (10000, 10000)])
def test_bomb_refused_from_header(tmp_path, monkeypatch, size):
    """Refused in well under a second and before any pixel is decoded (60000^2 trips Pillow's
    own check at open; 10000^2 passes it and must be caught by augcli's)."""
    path = tmp_path / "bomb.png"
    f.make_bomb_png(path, *size)
    loads = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda self: loads.append(1) or real_load(self)
    )
    start = time.perf_counter()
    with pytest.raises(InputError, match="decompression bomb"):
        read_image(path)
    assert time.perf_counter() - start < 0.5
    assert loads == []


def test_bomb_in_a_run_is_fast_and_reported(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    f.make_bomb_png(src / "bomb.png")
    f.make_image(src / "ok.png", f.asymmetric_rgb())
    start = time.perf_counter()
    result = CliRunner().invoke(
        cli, ["augment", str(src), str(tmp_path / "dst"), "--workers", "1", "--seed", "1"]
    )
    assert time.perf_counter() - start < 5
    assert result.exit_code == 1
    assert "bomb.png" in result.stderr and "decompression bomb" in result.stderr
    assert (tmp_path / "dst" / "ok_aug0.png").is_file()


def test_max_pixels_option_refuses_smaller_images(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    f.make_image(src / "big.png", f.asymmetric_rgb(40, 40))
    result = CliRunner().invoke(
        cli, ["augment", str(src), str(tmp_path / "dst"), "--workers", "1", "--max-pixels", "999"]
    )
    assert result.exit_code == 1
    assert "1,600 pixels, more than the limit of 999" in result.stderr


def test_dst_inside_src_is_refused_and_src_untouched(tmp_path):
    """Writing among the inputs is refused (exit 2) before any work: SRC stays byte-identical."""
    src = tmp_path / "src"
    src.mkdir()
    f.make_image(src / "a.png", f.asymmetric_rgb())
    dst = src / "out"
    before = tree_digest(src)
    for extra in ([], ["--overwrite"]):
        result = CliRunner().invoke(
            cli, ["augment", str(src), str(dst), "--workers", "1", "--seed", "3", "--json", *extra]
        )
        assert result.exit_code == 2, result.output
        assert "inside the input SRC" in json.loads(result.stdout)["error"]
    assert not dst.exists()
    assert tree_digest(src) == before


def test_dst_reached_by_symlink_in_src_is_not_walked(tmp_path):
    """A symlink inside SRC that leads to DST must not make outputs inputs (was a bug)."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    f.make_image(src / "a.png", f.asymmetric_rgb())
    (src / "link").symlink_to(dst)
    for extra in ([], ["--overwrite"]):
        result = CliRunner().invoke(
            cli,
            ["augment", str(src), str(dst), "--workers", "1", "--copies", "1", "--json", *extra],
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["inputs"] == 1
    assert sorted(p.name for p in dst.rglob("*")) == ["a_aug0.png", MANIFEST_NAME]


def test_src_equal_dst_refused(tmp_path):
    f.make_image(tmp_path / "a.png", f.asymmetric_rgb())
    before = tree_digest(tmp_path)
    result = CliRunner().invoke(cli, ["augment", str(tmp_path), str(tmp_path / "." / "")])
    assert result.exit_code == 2
    assert "is SRC" in result.stderr and "Traceback" not in result.output
    assert tree_digest(tmp_path) == before


def test_dst_is_a_file_refused(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    f.make_image(src / "a.png", f.asymmetric_rgb())
    (tmp_path / "dst").write_text("precious")
    result = CliRunner().invoke(cli, ["augment", str(src), str(tmp_path / "dst")])
    assert result.exit_code == 2
    assert "exists and is not a folder" in result.stderr
    assert (tmp_path / "dst").read_text() == "precious"


def test_symlinked_output_name_is_refused_not_followed(tmp_path):
    """--overwrite refuses a symlink at an output's name (exit 2); its target is never written."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    f.make_image(src / "a.png", f.asymmetric_rgb())
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"do not touch")
    (dst / "a_aug0.png").symlink_to(victim)
    result = CliRunner().invoke(
        cli, ["augment", str(src), str(dst), "--workers", "1", "--copies", "1", "--overwrite"]
    )
    assert result.exit_code == 2, result.output
    assert "a_aug0.png" in result.stderr and "symlink" in result.stderr
    assert victim.read_bytes() == b"do not touch"
    assert (dst / "a_aug0.png").is_symlink()
