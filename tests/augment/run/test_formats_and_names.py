"""Output formats decided before any work, every readable format an input, names that can be
told apart, failures named by their source (issue 11, items 4, 5, 6, 9, 11)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.cli import cli
from tests import imagefactory as factory

DATA = Path(__file__).resolve().parents[2] / "data"
IDENTITY = "pipeline:\n  - flip: {p: 0}\n"  # outputs equal their inputs


def run(*args: object):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture
def ident(tmp_path: Path) -> Path:
    path = tmp_path / "identity.yaml"
    path.write_text(IDENTITY)
    return path


def folder(tmp_path: Path, name: str = "src") -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def outputs(dst: Path) -> list[str]:
    return sorted(
        p.relative_to(dst).as_posix()
        for p in dst.rglob("*")
        if p.is_file() and p.name != MANIFEST_NAME
    )


# -- item 4: format decisions before any work ------------------------------------------------


def test_png_on_a_float_tiff_is_refused_before_work_naming_the_source(tmp_path):
    src = folder(tmp_path)
    Image.fromarray(np.zeros((5, 6, 3), np.uint8)).save(src / "a.png")
    Image.fromarray(np.linspace(0, 1, 30, dtype=np.float32).reshape(5, 6)).save(src / "f32.tif")
    Image.fromarray(np.zeros((5, 6, 3), np.uint8)).save(src / "z.png")
    dst = tmp_path / "out"
    result = run("augment", src, dst, "--format", "png", "--seed", 1, "--json")
    assert result.exit_code == 2
    assert "f32.tif: PNG cannot store 32-bit float images" in result.stderr
    assert "--format tiff" in result.stderr and TEMP not in result.stderr
    assert not dst.exists()
    assert json.loads(result.stdout)["exit_code"] == 2
    advised = run("augment", src, dst, "--format", "tiff", "--seed", 1, "--copies", 1)
    assert advised.exit_code == 0 and outputs(dst) == ["a_aug0.tif", "f32_aug0.tif", "z_aug0.tif"]


TEMP = ".augcli-tmp-"


def test_same_writes_an_rgba_bmp_as_png_and_says_so(tmp_path, ident):
    src = folder(tmp_path)
    rgba = np.random.default_rng(2).integers(0, 256, (5, 7, 4), dtype=np.uint8)
    factory.make_rgba_bmp(src / "alpha.bmp", rgba)  # a BMP whose bit fields hold alpha
    Image.fromarray(rgba[..., :3]).save(src / "plain.bmp")
    dst = tmp_path / "out"
    result = run("augment", src, dst, "-c", ident, "--seed", 1, "--copies", 1, "--json")
    assert result.exit_code == 0, result.output
    assert outputs(dst) == ["alpha_aug0.png", "plain_aug0.bmp"]
    with Image.open(dst / "alpha_aug0.png") as im:
        np.testing.assert_array_equal(np.asarray(im), rgba)
    converted = json.loads(result.stdout)["converted"]
    assert converted == [
        {"reason": "BMP cannot store an alpha channel (mode RGBA)", "written_as": ".png",
         "count": 1}
    ]  # fmt: skip
    assert "1 input(s) written as .png: BMP cannot store an alpha channel" in result.stderr


def test_a_name_ending_in_jpg_refuses_alpha_inputs_and_writes_jpeg_otherwise(tmp_path):
    src = folder(tmp_path)
    Image.fromarray(np.zeros((8, 8, 4), np.uint8)).save(src / "rgba.png")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(src / "rgb.png")
    dst = tmp_path / "out"
    refused = run("augment", src, dst, "--name", "{stem}_{index}.jpg", "--copies", 2, "--seed", 1)
    assert refused.exit_code == 2
    assert "--name ending in .jpg cannot hold 1 input(s)" in refused.stderr
    assert "rgba.png: JPEG cannot store an alpha channel" in refused.stderr
    assert not dst.exists()
    (src / "rgba.png").unlink()
    ok = run("augment", src, dst, "--name", "{stem}_{index}.jpg", "--copies", 2, "--seed", 1)
    assert ok.exit_code == 0 and outputs(dst) == ["rgb_0.jpg", "rgb_1.jpg"]
    assert (dst / "rgb_0.jpg").read_bytes()[:2] == b"\xff\xd8"  # JPEG, not PNG named .jpg
    clash = run("augment", src, tmp_path / "o2", "--name", "{stem}_{index}.jpg",
                "--format", "png", "--seed", 1)  # fmt: skip
    assert clash.exit_code == 2 and "--name ends in .jpg but --format is png" in clash.stderr


@pytest.mark.parametrize("template", ["{stem}_{index}", "{stem}_{index}.bak", "{stem}{index}.tx"])
def test_a_name_without_an_image_extension_is_a_usage_error(tmp_path, template):
    src = folder(tmp_path)
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(src / "a.png")
    result = run("augment", src, tmp_path / "o", "--name", template, "--seed", 1)
    assert result.exit_code == 2 and "no image extension" in result.stderr
    assert not (tmp_path / "o").exists()


def test_an_encoder_failure_fails_that_input_by_its_source_and_the_run_goes_on(
    tmp_path, monkeypatch
):
    src = folder(tmp_path)
    for name, side in (("a.png", 4), ("b.png", 5), ("c.png", 4)):
        Image.fromarray(np.zeros((side, side, 3), np.uint8)).save(src / name)
    real_save = Image.Image.save

    def save(self, fp, *args, **kwargs):
        if self.size == (5, 5):  # b.png's output
            raise OSError("encoder error -2 when writing image file")  # no errno: the encoder
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save)
    dst = tmp_path / "out"
    result = run("augment", src, dst, "--seed", 1, "--copies", 1, "--workers", 1, "--json")
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["written"] == 2 and summary["failed"] == 1
    failure = summary["failures"][0]
    assert failure["path"] == str(src / "b.png")
    assert failure["reason"].startswith(f"{src / 'b.png'}: cannot write {dst / 'b_aug0.png'}")
    assert TEMP not in failure["reason"] and "encoder" in failure["reason"]
    assert outputs(dst) == ["a_aug0.png", "c_aug0.png"]


# -- item 5: every still-image format Pillow reads is an input --------------------------------


def test_real_files_in_other_formats_are_inputs_and_keep_their_format_where_possible(
    tmp_path, ident
):
    src = folder(tmp_path)
    for path in DATA.iterdir():
        if path.suffix not in (".py", ".md"):
            (src / path.name).write_bytes(path.read_bytes())
    dst = tmp_path / "out"
    name = "{stem}_{srcext}{ext}"  # astronaut.ico and astronaut.psd share a stem
    result = run("augment", src, dst, "-c", ident, "--seed", 1, "--copies", 1, "--json",
                 "--name", name)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert outputs(dst) == sorted([
        "astronaut_ico.png", "astronaut_pcx.pcx", "astronaut_psd.png", "camera_pgm.pgm",
        "camera_16bit_pgm.pgm", "chelsea_jp2.jp2", "chelsea_alpha_tga.tga",
        "chelsea_exif6_jpg.jpg", "coffee_dds.dds", "coffee_ppm.ppm", "coffee_sgi.sgi",
    ])  # fmt: skip
    converted = {c["reason"]: c["count"] for c in json.loads(result.stdout)["converted"]}
    assert converted == {"augcli does not write ICO files": 1, "augcli does not write PSD files": 1}
    for out, inp in (
        ("camera_16bit_pgm.pgm", "camera_16bit.pgm"),
        ("coffee_sgi.sgi", "coffee.sgi"),
        ("chelsea_alpha_tga.tga", "chelsea_alpha.tga"),
        ("astronaut_psd.png", "astronaut.psd"),
    ):
        with Image.open(dst / out) as a, Image.open(src / inp) as b:  # identity pipeline
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=out)


def test_a_single_ppm_is_a_source(tmp_path, ident):
    dst = tmp_path / "out"
    result = run("augment", DATA / "coffee.ppm", dst, "-c", ident, "--seed", 1, "--copies", 1)
    assert result.exit_code == 0, result.output
    with Image.open(dst / "coffee_aug0.ppm") as out, Image.open(DATA / "coffee.ppm") as inp:
        assert out.format == "PPM"
        np.testing.assert_array_equal(np.asarray(out), np.asarray(inp))


# -- item 6: names that can be told apart -----------------------------------------------------


@pytest.mark.parametrize(
    ("files", "extra", "expected"),
    [
        (["a.png", "a.jpg"], ["--format", "png"], ["a_jpg_aug0.png", "a_png_aug0.png"]),
        (["hopper.png", "hopper.gif"], [], ["hopper_gif_aug0.png", "hopper_png_aug0.png"]),
        (["x.PNG", "x.png"], ["--name", "{stem}-{index}{ext}", "--format", "tiff"],
         ["x_PNG-0.tif", "x_png-0.tif"]),
        (["a.png", "a.jpg"], ["--format", "png", "--include-original"],
         ["a_jpg.png", "a_jpg_aug0.png", "a_png.png", "a_png_aug0.png"]),
    ],
)  # fmt: skip
def test_a_collision_suggests_a_name_that_works(tmp_path, files, extra, expected):
    src = folder(tmp_path)
    for name in files:
        Image.fromarray(np.zeros((4, 4), np.uint8)).save(src / name)
    dst = tmp_path / "out"
    refused = run("augment", src, dst, "--seed", 1, "--copies", 1, *extra)
    assert refused.exit_code == 2 and "would both be written to" in refused.stderr
    suggestion = re.search(r"--name '([^']+)'", refused.stderr).group(1)
    assert "{srcext}" in suggestion
    args = [a for a in extra]
    if "--name" in args:
        i = args.index("--name")
        del args[i : i + 2]
    ok = run("augment", src, dst, "--seed", 1, "--copies", 1, *args, "--name", suggestion)
    assert ok.exit_code == 0, ok.output
    assert outputs(dst) == sorted(expected, key=str)
    assert shlex.split(f"--name '{suggestion}'")[1] == suggestion  # pastes into a shell as is


# -- item 9: every failure line names its source --------------------------------------------


def test_a_step_that_does_not_fit_an_input_names_the_input(tmp_path):
    src = folder(tmp_path)
    Image.fromarray(np.zeros((6, 6, 4), np.uint8)).save(src / "rgba.png")
    Image.fromarray(np.zeros((6, 6, 3), np.uint8)).save(src / "rgb.png")
    config = tmp_path / "c.yaml"
    config.write_text("pipeline:\n  - rotate: {angle: 30, fill: constant, cval: [1, 0, 0]}\n")
    result = run("augment", src, tmp_path / "o", "-c", config, "--seed", 1, "--copies", 2)
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert failed == [
        f"failed: {src / 'rgba.png'}: step 1 (rotate): cval has 3 values but the image has 4 "
        "channel(s)"
    ]


# -- item 11: smaller promises ---------------------------------------------------------------


def test_parent_at_the_src_root_is_the_src_folder_name(tmp_path):
    src = folder(tmp_path, "flowers")
    (src / "roses").mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(src / "top.png")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(src / "roses" / "r.png")
    dst = tmp_path / "out"
    name = "{parent}_{stem}_{index}{ext}"
    assert run("augment", src, dst, "--name", name, "--seed", 1, "--copies", 1).exit_code == 0
    assert outputs(dst) == ["flowers_top_0.png", "roses/roses_r_0.png"]
    single = tmp_path / "single"
    assert run("augment", src / "top.png", single, "--name", name, "--seed", 1,
               "--copies", 1).exit_code == 0  # fmt: skip
    assert outputs(single) == ["flowers_top_0.png"]


def test_include_original_writes_an_exif_rotated_jpeg_upright(tmp_path, ident):
    src = folder(tmp_path)
    stored = factory.make_exif_rotated_jpeg(src / "turned.jpg", orientation=6)
    factory.make_image(src / "plain.jpg", factory.asymmetric_rgb(8, 16), quality=95)
    dst = tmp_path / "out"
    result = run("augment", src, dst, "-c", ident, "--include-original", "--seed", 1,
                 "--copies", 1)  # fmt: skip
    assert result.exit_code == 0, result.output
    upright = np.rot90(stored, k=-1)
    for name in ("turned.jpg", "turned_aug0.jpg"):
        with Image.open(dst / name) as im:
            assert im.getexif().get(0x0112, 1) == 1
            pixels = np.asarray(im).astype(int)
        assert pixels.shape == upright.shape
        error = np.abs(pixels - upright).mean()  # JPEG re-encoding blurs colour edges
        wrong_way = np.abs(pixels - np.rot90(stored, k=1)).mean()
        assert error < 10 and error < wrong_way / 4
    assert (dst / "plain.jpg").read_bytes() == (src / "plain.jpg").read_bytes()  # byte copy


def test_decoder_warnings_are_notes_naming_the_input(tmp_path, ident):
    src = folder(tmp_path)
    pixels = factory.make_png_with_decoder_warning(src / "odd.png")
    dst = tmp_path / "out"
    result = run("augment", src, dst, "-c", ident, "--seed", 1, "--copies", 1, "--json")
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert notes == [
        f"note: {src / 'odd.png'}: Invalid APNG, will use default PNG image if possible"
    ]
    assert json.loads(result.stdout)["notes"] == 1
    with Image.open(dst / "odd_aug0.png") as im:
        np.testing.assert_array_equal(np.asarray(im), pixels)
