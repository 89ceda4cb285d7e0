"""Every format Pillow writes, in every mode it takes, plus broken files (issue 21, "Done when").

The tree is built here: for each format of ``Image.SAVE`` every extension Pillow registers for
it (all nine modes 1, L, LA, P, RGB, RGBA, I;16, I, F for its first extension, where the format
takes them), the real files of tests/data, a crafted DDS Pillow does not decode, an ICO next to
a TGA (identification must not depend on what was opened first), a PNG named .jpg, and broken
files. ``augcli augment`` runs over it to the end in a fresh process. The oracle is Pillow
itself, asked in another fresh process whether ``Image.open(f, formats=[by extension]).load()``
succeeds (any format for a file its extension's format does not recognise): every file it loads
is written, every other image-named file is reported failed with its path, and no traceback.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.images.formats import IMAGE_EXTENSIONS
from tests import imagefactory as factory

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I", "F")
BROKEN = {
    "broken/truncated.png": factory.make_truncated_png,
    "broken/truncated.jpg": factory.make_truncated_jpeg,
    "broken/empty.jpg": factory.make_empty_file,
    "broken/random.png": factory.make_random_bytes,
    "broken/text.tif": factory.make_text_file,
    "broken/float.dds": factory.make_dds_unimplemented_dxgi,
}


def _image(mode: str) -> Image.Image:
    """A tiny 7x5 image in ``mode`` with varied pixels (values 0..255 for the integer modes)."""
    ramp = (np.arange(35).reshape(5, 7) * 7 % 256).astype(np.uint8)
    rgb = np.dstack([ramp, ramp[::-1], ramp[:, ::-1]])
    if mode in ("I;16", "I", "F"):
        dtype = {"I;16": np.uint16, "I": np.int32, "F": np.float32}[mode]
        return Image.fromarray(ramp.astype(dtype) * (257 if mode == "I;16" else 1))
    if mode in ("L", "1", "P"):
        base = Image.fromarray(rgb) if mode == "P" else Image.fromarray(ramp)
        return base.convert(mode)
    if mode == "LA":
        return Image.fromarray(np.dstack([ramp, ramp[::-1]]))
    return Image.fromarray(rgb).convert(mode)


def _save(path: Path, fmt: str, mode: str) -> bool:
    """Write one file; False (and no file) where the format does not take the mode."""
    try:
        _image(mode).save(path, format=fmt)
    except Exception:  # noqa: BLE001 - the format does not take this mode: not in the tree
        path.unlink(missing_ok=True)
        return False
    return True


def build(src: Path) -> list[str]:
    """Write the corpus; return every file's path relative to ``src``."""
    by_format: dict[str, list[str]] = {}
    for ext, fmt in Image.registered_extensions().items():
        if fmt in Image.SAVE:
            by_format.setdefault(fmt, []).append(ext)
    for fmt, exts in sorted(by_format.items()):
        folder = src / fmt.lower()
        folder.mkdir(parents=True)
        for i, ext in enumerate(sorted(exts)):
            for mode in MODES if i == 0 else ("RGB", "L"):
                if _save(folder / f"{mode.replace(';', '')}_{ext[1:]}{ext}", fmt, mode) and i:
                    break
    (src / "real").mkdir()
    for file in sorted(DATA.iterdir()):
        if file.suffix.lower() in IMAGE_EXTENSIONS:
            shutil.copyfile(file, src / "real" / file.name)
    (src / "history").mkdir()
    _image("RGBA").save(src / "history" / "a.tga")
    factory.make_tga_lookalike_ico(src / "history" / "b.ico")
    (src / "mislabelled").mkdir()
    _image("RGB").save(src / "mislabelled" / "png_bytes.jpg", format="PNG")
    (src / "broken").mkdir()
    for name, make in BROKEN.items():
        make(src / name)
    return sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())


def _writes(fmt: str) -> bool:
    """Whether Pillow writes ``fmt`` in some mode (into memory)."""
    for mode in MODES:
        try:
            _image(mode).save(io.BytesIO(), format=fmt)
        except Exception:  # noqa: BLE001, S112 - this mode is not taken: try the next
            continue
        return True
    return False


ORACLE = """
import json, sys
from PIL import Image, UnidentifiedImageError
Image.init()
result = {}
for path in sys.argv[1:]:
    fmt = Image.registered_extensions().get("." + path.rsplit(".", 1)[-1].lower())
    try:
        try:
            if fmt not in Image.OPEN:
                raise UnidentifiedImageError(fmt)
            with Image.open(path, formats=[fmt]) as im:
                im.load()
        except UnidentifiedImageError:
            with Image.open(path) as im:
                im.load()
        result[path] = True
    except Exception:
        result[path] = False
print(json.dumps(result))
"""


def _fresh(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[str], dict[str, bool]]:
    src = tmp_path_factory.mktemp("pillow_corpus") / "src"
    files = build(src)
    oracle = _fresh("-c", textwrap.dedent(ORACLE), *(str(src / f) for f in files))
    assert oracle.returncode == 0, oracle.stderr
    loads = {os.path.relpath(k, src): v for k, v in json.loads(oracle.stdout).items()}
    return src, files, loads


def test_corpus_covers_every_writable_format_mode_and_broken_kind(corpus):
    src, files, loads = corpus
    folders = {f.split("/")[0] for f in files}
    registered = set(Image.registered_extensions().values())
    writable = {fmt.lower() for fmt in Image.SAVE if fmt in registered and _writes(fmt)}
    assert writable <= folders, writable - folders
    assert len(writable) >= 20  # the stubs (BUFR, GRIB, HDF5, WMF) write nothing
    assert {f"png/{m.replace(';', '')}_apng.apng" for m in ("RGB",)} <= set(files)
    assert len([f for f in files if f.startswith("tiff/")]) >= 9  # every mode + .tiff
    assert not any(loads[name] for name in BROKEN)
    assert loads["history/b.ico"] and loads["mislabelled/png_bytes.jpg"]
    assert all(loads[f"real/{p.name}"] for p in DATA.iterdir() if p.suffix in IMAGE_EXTENSIONS)


def test_augment_runs_to_the_end_over_every_format_pillow_writes(corpus, tmp_path):
    src, files, loads = corpus
    dst = tmp_path / "dst"
    done = _fresh("-m", "augcli", "augment", str(src), str(dst), "--seed", "5", "--copies", "1",
                  "--workers", "1", "--json", "-q",
                  "--name", "{stem}_{srcext}_aug{index}{ext}")  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    doc = json.loads(done.stdout)  # one JSON object
    assert done.returncode == 1, done.stderr  # the broken files
    images = {f for f in files if os.path.splitext(f)[1].lower() in IMAGE_EXTENSIONS}
    # augcli reads every extension of a file Pillow loads: none is ignored as "not an image"
    assert not [f for f in set(files) - images if loads[f]]
    written = {
        json.loads(line)["source"] for line in (dst / MANIFEST_NAME).read_text().splitlines()
    }
    failed = {os.path.relpath(i["path"], src): i["reason"] for i in doc["failures"]}
    assert written == {f for f in images if loads[f]}, "a file Pillow loads was not written"
    assert set(failed) == {f for f in images if not loads[f]}
    assert set(BROKEN) <= set(failed)
    for name, reason in failed.items():
        assert str(src / name) in reason and "\n" not in reason, reason
    assert "Unimplemented DXGI format" in failed["broken/float.dds"]
    assert doc["inputs"] == len(images) and doc["written"] == len(written)
