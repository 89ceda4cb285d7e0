"""A real-world corpus through ``augcli augment`` (issue 11): every format Pillow reads and
writes here, every mode, alpha, 16-bit, float, palettes with transparency, EXIF orientations,
animation, duplicate stems across formats, unreadable files, and the real files of tests/data.

For ``--format same``, ``png``, ``tiff`` and ``jpeg``, with default names and with
``{srcext}`` names, every input is either written, refused before any work (exit 2, listed), or
reported failed with its path; never a stop half-way, never a traceback, and stdout is always
one JSON object.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, features

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.cli import cli
from augcli.core.atomic import TEMP_PREFIX
from tests import imagefactory as factory

DATA = Path(__file__).resolve().parents[1] / "data"
PIPELINE = "pipeline:\n  - flip: {p: 0.5}\n  - rotate: {angle: [-20, 20], fill: reflect}\n"
RNG = np.random.default_rng(11)
RGB = RNG.integers(0, 256, (6, 8, 3), dtype=np.uint8)
RGBA = np.dstack([RGB, RNG.integers(0, 256, (6, 8), dtype=np.uint8)])
GREY = RGB[..., 0].copy()
DEEP = RNG.integers(0, 65536, (6, 8), dtype=np.uint16)
FLOAT = RNG.random((6, 8)).astype(np.float32)


def _save(array: np.ndarray, mode: str | None = None, **options):
    def write(path: Path) -> None:
        image = Image.fromarray(array)
        image = image.convert(mode) if mode else image
        image.save(path, **options)

    return write


def _palette_transparent(path: Path) -> None:
    factory.make_palette_png(path, transparent=True)


def _gif_transparent(path: Path) -> None:
    image = Image.fromarray(GREY).convert("P")
    image.save(path, transparency=0)


# name -> (writer, what the pixels hold: plain | alpha | deep | float | unreadable)
CORPUS = {
    "png/grey.png": (_save(GREY), "plain"),
    "png/grey_alpha.png": (_save(np.dstack([GREY, GREY])), "alpha"),
    "png/rgb.png": (_save(RGB), "plain"),
    "png/rgba.png": (_save(RGBA), "alpha"),
    "png/deep.png": (_save(DEEP), "deep"),
    "png/bilevel.png": (factory.make_bilevel_png, "plain"),
    "png/palette_transparent.png": (_palette_transparent, "alpha"),
    "png/decoder_warning.png": (factory.make_png_with_decoder_warning, "plain"),
    "jpeg/rgb.jpg": (_save(RGB, quality=90), "plain"),
    "jpeg/grey.jpeg": (_save(GREY), "plain"),
    "jpeg/cmyk.jpg": (factory.make_cmyk_jpeg, "plain"),
    **{
        f"jpeg/exif{o}.JPG": ((lambda p, o=o: factory.make_exif_rotated_jpeg(p, o)), "plain")
        for o in range(2, 9)
    },
    "tiff/float.tif": (_save(FLOAT), "float"),
    "tiff/deep.tiff": (_save(DEEP), "deep"),
    "tiff/rgba.tif": (_save(RGBA), "alpha"),
    "tiff/int32.tif": ((lambda p: factory.make_int32_tiff(p, DEEP.astype(np.int32))), "deep"),
    "tiff/int32_negative.tif": (
        (lambda p: factory.make_int32_tiff(p, -DEEP.astype(np.int32) - 1)),
        "unreadable",
    ),
    "webp/rgb.webp": (_save(RGB, lossless=True), "plain"),
    "webp/rgba.webp": (_save(RGBA, lossless=True), "alpha"),
    "bmp/rgb.bmp": (_save(RGB), "plain"),
    "bmp/palette.bmp": (_save(RGB, "P"), "plain"),
    "bmp/rgba.bmp": ((lambda p: factory.make_rgba_bmp(p, RGBA)), "alpha"),
    "gif/animated.gif": (factory.make_animated_gif, "plain"),
    "gif/transparent.gif": (_gif_transparent, "alpha"),
    "other/grey.pgm": (_save(GREY), "plain"),
    "other/deep.pgm": (_save(DEEP), "deep"),
    "other/rgb.ppm": (_save(RGB), "plain"),
    "other/bits.pbm": (_save(GREY, "1"), "plain"),
    "other/float.pfm": (_save(FLOAT), "float"),
    "other/rgba.tga": (_save(RGBA), "alpha"),
    "other/rgb.pcx": (_save(RGB), "plain"),
    "other/rgba.sgi": (_save(RGBA), "alpha"),
    "other/rgba.qoi": (_save(RGBA), "alpha"),
    "other/rgba.ico": (_save(RGBA[:, :6], sizes=[(6, 6)]), "alpha"),
    "other/rgb.jp2": (_save(RGB), "plain"),
    "other/rgba.dds": (_save(RGBA), "alpha"),
    "other/bits.xbm": (_save(GREY, "1"), "plain"),
    "other/bits.msp": (_save(GREY, "1"), "plain"),
    "other/rgba.icns": (_save(np.zeros((32, 32, 4), np.uint8) + 9), "alpha"),
    "broken/empty.png": (factory.make_empty_file, "unreadable"),
    "broken/truncated.jpg": (factory.make_truncated_jpeg, "unreadable"),
    "broken/truncated.png": (factory.make_truncated_png, "unreadable"),
    "broken/text.tif": (factory.make_text_file, "unreadable"),
    "broken/noise.webp": (factory.make_random_bytes, "unreadable"),
    "broken/bomb.png": (factory.make_bomb_png, "unreadable"),
    # duplicate stems across formats, in one folder
    "dups/pic.png": (_save(RGB), "plain"),
    "dups/pic.jpg": (_save(RGB), "plain"),
    "dups/pic.tga": (_save(RGB), "plain"),
    "dups/pic.gif": (_save(RGB, "P"), "plain"),
}
if features.check("avif"):
    CORPUS["other/rgb.avif"] = (_save(RGB, quality=90), "plain")
REAL = {  # tests/data, by construction (see tests/data/make_data.py)
    "astronaut.ico": "alpha", "astronaut.pcx": "plain", "astronaut.psd": "plain",
    "camera.pgm": "plain", "camera_16bit.pgm": "deep", "chelsea.jp2": "plain",
    "chelsea_alpha.tga": "alpha", "chelsea_exif6.jpg": "plain", "coffee.dds": "alpha",
    "coffee.ppm": "plain", "coffee.sgi": "plain",
}  # fmt: skip
IGNORED = ["notes.txt", "dups/readme", "other/data.csv"]
HOLDS = {
    "jpeg": {"plain"},
    "png": {"plain", "alpha", "deep"},
    "tiff": {"plain", "alpha", "deep", "float"},
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("corpus") / "src"
    kinds: dict[str, str] = {}
    for name, (write, kind) in CORPUS.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
        kinds[name] = kind
    for name, kind in REAL.items():
        (root / "real").mkdir(exist_ok=True)
        shutil.copyfile(DATA / name, root / "real" / name)
        kinds[f"real/{name}"] = kind
    for name in IGNORED:
        (root / name).write_text("not an image")
    (root / ".hidden.png").write_bytes(b"skipped")
    return root, kinds


def run(*args: object):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    payload = json.loads(result.stdout)  # exactly one JSON object, whatever happened
    assert isinstance(payload, dict)
    return result, payload


def check_run(src: Path, dst: Path, kinds: dict[str, str], args: list[str]) -> dict:
    """Run and check the outcome: refused before work, or every input written or failed."""
    result, payload = run("augment", src, dst, "-c", PIPE, "--seed", 7, "--copies", 1,
                          "--workers", 1, "-q", "--json", *args)  # fmt: skip
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        assert not dst.exists() or not any(dst.iterdir()), "refused, yet something was written"
        assert payload["exit_code"] == 2 and payload["error"]
        return payload
    sources = [
        json.loads(line)["source"] for line in (dst / MANIFEST_NAME).read_text().splitlines()
    ]
    failed = {Path(f["path"]).relative_to(src).as_posix(): f["reason"] for f in payload["failures"]}
    for path, reason in failed.items():
        assert str(src / path) in reason, reason  # the failure names its source
    assert set(sources) | set(failed) == set(kinds), "an input was neither written nor failed"
    assert not set(sources) & set(failed)
    assert {k for k, v in kinds.items() if v == "unreadable"} <= set(failed)
    assert payload["inputs"] == len(kinds) and payload["written"] == len(sources)
    assert payload["ignored"][".txt"]["count"] == 1 and payload["not_images"] == len(IGNORED)
    assert not [p for p in dst.rglob(f"{TEMP_PREFIX}*")]
    assert result.exit_code == (1 if failed else 0)
    return payload


PIPE = Path()


@pytest.fixture(scope="module", autouse=True)
def pipe(tmp_path_factory):
    global PIPE
    PIPE = tmp_path_factory.mktemp("pipe") / "pipe.yaml"
    PIPE.write_text(PIPELINE)


@pytest.mark.parametrize("fmt", ["same", "png", "tiff", "jpeg"])
def test_corpus_every_input_written_refused_or_failed(corpus, tmp_path, fmt):
    src, kinds = corpus
    # Default names: inputs differing only by extension collide, refused before any work.
    payload = check_run(src, tmp_path / "default", kinds, ["--format", fmt])
    assert "would both be written to" in payload["error"] and "{srcext}" in payload["error"]
    # {srcext} names tell them apart.
    dst = tmp_path / "named"
    payload = check_run(
        src, dst, kinds, ["--format", fmt, "--name", "{stem}_{srcext}_aug{index}{ext}"]
    )
    if fmt in ("same", "tiff"):  # they hold everything: all written but the unreadable
        assert payload["exit_code"] == 1
        assert payload["written"] == len([k for k in kinds.values() if k != "unreadable"])
        return
    cannot = {k for k, v in kinds.items() if v not in HOLDS[fmt] and v != "unreadable"}
    assert f"cannot hold {len(cannot)} input(s)" in payload["error"]
    listed = [line.strip() for line in payload["error"].splitlines()[1:-1]]
    shown = {line.split(": ")[0] for line in listed if not line.startswith("...")}
    assert shown and shown <= cannot
