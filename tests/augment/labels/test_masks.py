"""Masks: nearest warps that never invent values, fill modes, palettes, dtypes, bad masks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from augcli.augment.kernels import affine
from augcli.augment.labels.geometry import Warp
from augcli.augment.labels.masks import Mask, read_mask, warp_mask, write_mask
from augcli.core.errors import InputError


def _labels(shape: tuple[int, int], values: list[int], dtype=np.uint8) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.choice(np.asarray(values, dtype=dtype), size=shape)


@pytest.mark.parametrize("fill", ["constant", "reflect", "wrap", "edge", "symmetric"])
@pytest.mark.parametrize("angle", [17.0, -63.5])
def test_warped_masks_hold_only_input_values_or_the_fill(fill, angle):
    mask = _labels((33, 47), [0, 3, 7, 200])
    t = affine.rotate(angle, (33, 47)).then(affine.scale(1.3, (33, 47)))
    out = warp_mask(Mask(mask), [Warp(t, fill, (33, 47))], 255).array
    assert set(np.unique(out)) <= {0, 3, 7, 200, 255}


def test_constant_fill_uses_the_mask_fill_value():
    mask = np.ones((10, 12), np.uint8)
    t = affine.translate(4, 0, (10, 12))
    out = warp_mask(Mask(mask), [Warp(t, "constant", (10, 12))], 255).array
    expected = np.pad(mask, ((0, 0), (4, 0)), constant_values=255)[:, :12]
    assert np.array_equal(out, expected)


@pytest.mark.parametrize("fill", ["reflect", "symmetric", "wrap", "edge"])
def test_whole_pixel_shifts_reflect_labels_like_numpy_pad(fill):
    mask = _labels((9, 11), [0, 1, 2, 5])
    t = affine.translate(-3, 2, (9, 11))
    out = warp_mask(Mask(mask), [Warp(t, fill, (9, 11))], 0).array
    expected = np.pad(mask, ((2, 0), (0, 3)), mode=fill)[:9, 3:]
    assert np.array_equal(out, expected)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_right_angle_rotations_are_np_rot90(k):
    mask = _labels((7, 13), [0, 1, 2, 3])
    t = affine.rotate(90.0 * k, (7, 13), expand=True)
    out = warp_mask(Mask(mask), [Warp(t, "constant", (7, 13))], 0).array
    assert np.array_equal(out, np.rot90(mask, k))


def test_sixteen_bit_masks_keep_their_values():
    mask = _labels((20, 20), [0, 1000, 65535], np.uint16)
    t = affine.rotate(33.0, (20, 20))
    out = warp_mask(Mask(mask), [Warp(t, "constant", (20, 20))], 0).array
    assert out.dtype == np.uint16 and set(np.unique(out)) <= {0, 1000, 65535}


def test_a_mask_fill_too_large_for_an_8_bit_mask_is_refused():
    with pytest.raises(InputError, match="--mask-fill 300"):
        warp_mask(Mask(np.zeros((4, 4), np.uint8)), [], 300)


def test_palette_masks_keep_their_palette_and_indices(tmp_path):
    indices = _labels((16, 16), [0, 1, 2])
    im = Image.frombytes("P", (16, 16), indices.tobytes())
    palette = [0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * (768 - 9)
    im.putpalette(palette)
    im.save(tmp_path / "m.png")
    mask = read_mask(tmp_path / "m.png")
    assert np.array_equal(mask.array, indices)
    out = warp_mask(mask, [Warp(affine.flip("horizontal", (16, 16)), "constant", (16, 16))], 0)
    write_mask(out, tmp_path / "o.png")
    back = Image.open(tmp_path / "o.png")
    assert back.mode == "P" and back.getpalette()[:9] == palette[:9]
    assert np.array_equal(np.array(back), indices[:, ::-1])


@pytest.mark.parametrize(("mode", "dtype"), [("L", np.uint8), ("I;16", np.uint16)])
def test_grey_masks_read_and_write_back_unchanged(tmp_path, mode, dtype):
    values = _labels((8, 9), [0, 5, 250], dtype)
    Image.fromarray(values).save(tmp_path / "m.png")
    mask = read_mask(tmp_path / "m.png")
    write_mask(mask, tmp_path / "o.png")
    assert np.array_equal(np.array(Image.open(tmp_path / "o.png")), values)


def test_colour_masks_are_refused_naming_the_file_and_modes(tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "m.png")
    with pytest.raises(InputError, match=r"m\.png: mode RGB is not a single-channel mask"):
        read_mask(tmp_path / "m.png")


def test_a_mask_takes_one_nearest_warp_per_resampling_of_its_image(monkeypatch):
    import augcli.augment.labels.masks as masks_module
    from augcli.augment.config import parse_pipeline
    from augcli.augment.pipeline import Pipeline

    pipe = Pipeline(
        parse_pipeline(
            "pipeline:\n  - flip: {p: 0.5}\n  - rotate: {angle: [-30, 30], fill: reflect}\n"
            "  - scale: {factor: [0.8, 1.2], fill: reflect}\n  - crop: {size: [0.7, 1.0]}\n"
            "  - gaussian_noise: {std: 0.02}\n  - translate: {x: [-0.1, 0.1], fill: edge}\n"
        )
    )
    calls = []
    real = masks_module.warp
    monkeypatch.setattr(masks_module, "warp", lambda *a, **k: calls.append(a[4]) or real(*a, **k))
    for copy in range(5):
        _, _, warps = pipe.run_traced(np.zeros((32, 32, 3), np.uint8), 1, "a.png", copy)
        calls.clear()
        warp_mask(Mask(np.zeros((32, 32), np.uint8)), warps, 0)
        assert len(calls) == len(warps) <= pipe.resamplings == 2
        assert set(calls) <= {"nearest"}


@pytest.mark.parametrize("mode", ["L", "P", "I;16", "I", "1"])
def test_mask_read_in_bands_equals_numpy_array(tmp_path, monkeypatch, mode: str):
    import augcli.augment.labels.masks as masks_module

    monkeypatch.setattr(masks_module, "BAND_BYTES", 100)  # many bands, a short last one
    rng = np.random.default_rng(5)
    values = rng.integers(0, 4, (53, 37))
    if mode == "I;16":
        im = Image.fromarray((values * 1000).astype(np.uint16))
    elif mode == "I":
        im = Image.fromarray((values * 1000).astype(np.int32), "I")
    elif mode == "1":
        im = Image.fromarray(values.astype(bool))
    else:
        im = (
            Image.fromarray(values.astype(np.uint8)).convert(mode)
            if mode == "P"
            else (Image.fromarray(values.astype(np.uint8)))
        )
    im.load()
    oracle = np.array(im)  # numpy's own conversion through Pillow's array interface
    got = masks_module._pixels(im)
    assert got.dtype == oracle.dtype
    assert np.array_equal(got, oracle)
