"""Opening images (issue 21): by the extension's format first, any decoder exception one
input's failure, and never a read of anything but a regular file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from augcli.core.errors import InputError
from augcli.images.decoding import identification_order, open_image
from augcli.images.reading import probe_mode, read_image
from tests import imagefactory as factory

ROOT = Path(__file__).resolve().parents[2]


def _in_fresh_process(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )


def test_ico_after_tga_in_one_process_is_still_an_ico(tmp_path: Path):
    # Pillow moves a format asked for by extension to the front of its list: after a .tga,
    # this ICO's header passes TGA's check and used to fail ("cannot load this image").
    Image.new("RGBA", (8, 6), (1, 2, 3, 4)).save(tmp_path / "a.tga")
    factory.make_tga_lookalike_ico(tmp_path / "b.ico")
    done = _in_fresh_process(
        f"""
        from augcli.images.reading import read_image
        read_image({str(tmp_path / "a.tga")!r})
        data = read_image({str(tmp_path / "b.ico")!r})
        print(data.format, data.array.shape, data.array[0, 0].tolist())
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ICO", "(128,", "128,", "4)", "[40,", "90,", "160,", "255]"]


def test_identification_order_is_fixed_and_signature_formats_come_first():
    order = identification_order()
    assert order == identification_order()
    assert {"PNG", "JPEG", "TGA", "ICO", "DDS"} <= set(order)
    assert order.index("TGA") > order.index("ICO")  # TGA checks no signature
    unsigned = [f for f in order if Image.OPEN[f][1] is None]
    assert order[-len(unsigned) :] == tuple(unsigned)


def test_mislabelled_png_named_jpg_decodes_through_the_fallback(tmp_path: Path):
    array = np.arange(24, dtype=np.uint8).reshape(4, 6)
    Image.fromarray(array).save(tmp_path / "real_png.jpg", format="PNG")
    data = read_image(tmp_path / "real_png.jpg")
    assert data.format == "PNG"
    np.testing.assert_array_equal(data.array, array)  # lossless: not read as a JPEG


def test_extension_format_is_asked_first(tmp_path: Path, monkeypatch):
    Image.new("RGB", (3, 2)).save(tmp_path / "x.tga")
    asked: list[object] = []
    real_open = Image.open

    def spy(fp, mode="r", formats=None):
        asked.append(formats)
        return real_open(fp, mode, formats)

    monkeypatch.setattr(Image, "open", spy)
    with open_image(tmp_path / "x.tga") as im:
        assert im.format == "TGA"
    assert asked == [["TGA"]]


def test_dds_with_unimplemented_dxgi_format_is_an_input_error(tmp_path: Path):
    path = tmp_path / "float.dds"
    factory.make_dds_unimplemented_dxgi(path)
    for call in (read_image, probe_mode):
        with pytest.raises(InputError) as caught:
            call(path)
        message = str(caught.value)
        assert str(path) in message and "Unimplemented DXGI format 2" in message
        assert "\n" not in message


@pytest.mark.parametrize(
    "error",
    [
        NotImplementedError("no such variant"),
        ZeroDivisionError("division by zero"),
        RuntimeError("decoder state"),
        MemoryError(),
        type("PluginError", (Exception,), {})("a plugin's own error"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_any_decoder_exception_is_an_input_error(tmp_path: Path, monkeypatch, error):
    factory.make_image(tmp_path / "ok.png", factory.asymmetric_gray())

    def broken(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(ImageFile.ImageFile, "load", broken)
    with pytest.raises(InputError) as caught:
        read_image(tmp_path / "ok.png")
    message = str(caught.value)
    assert message.startswith(f"cannot read image {tmp_path / 'ok.png'}: ") and "\n" not in message
    Image.new("P", (2, 2)).save(tmp_path / "p.png")
    monkeypatch.setattr(Image.Image, "getpalette", broken)  # probe_mode of a P image
    with pytest.raises(InputError, match="p.png"):
        probe_mode(tmp_path / "p.png")


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_interrupts_are_not_swallowed(tmp_path: Path, monkeypatch, error):
    factory.make_image(tmp_path / "ok.png", factory.asymmetric_gray())

    def interrupted(self, *args, **kwargs):
        raise error()

    monkeypatch.setattr(ImageFile.ImageFile, "load", interrupted)
    with pytest.raises(error):
        read_image(tmp_path / "ok.png")


def test_fifo_named_png_is_refused_without_blocking(tmp_path: Path):
    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    done = _in_fresh_process(
        f"""
        from augcli.core.errors import InputError
        from augcli.images.reading import read_image, probe_mode
        for call in (read_image, probe_mode):
            try:
                call({str(fifo)!r})
            except InputError as exc:
                print(exc)
        """,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all("is a FIFO" in line and str(fifo) in line for line in lines)
