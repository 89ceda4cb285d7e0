"""Every op in the registry: identity cases, dtype/channel hygiene, parameter bounds, direction.

``OP_CASES`` must have an entry for every op in ``augcli.augment.ops.OPS``: the registry-wide test
fails for an op added without tests here.
"""

from __future__ import annotations

import numpy as np
import pytest

from augcli.augment.config import parse_pipeline
from augcli.augment.kernels.fill import FILL_MODES
from augcli.augment.ops import OPS
from augcli.augment.pipeline import Pipeline
from tests.conftest import DTYPES, FULL
from tests.conftest import random_image as _uniform_image
from tests.imagefactory import asymmetric_gray, asymmetric_rgb

SHAPES = [(6, 9), (6, 9, 1), (6, 9, 2), (6, 9, 3), (6, 9, 4)]

# name -> YAML of configs that must leave the image unchanged, and one that changes it.
OP_CASES: dict[str, dict[str, list[str] | str]] = {
    "flip": {
        "identity": [],  # no identity parameter: covered by p=0
        "active": "flip: {direction: both}",
    },
    "rotate": {
        "identity": ["rotate: {angle: 0}", "rotate: {angle: 360, fill: wrap}"],
        "active": "rotate: {angle: [10, 40], fill: reflect}",
    },
    "scale": {
        "identity": ["scale: {factor: 1}", "scale: {factor: [1, 1], fill: edge}"],
        "active": "scale: {factor: [0.6, 0.8], fill: constant, cval: 0.5}",
    },
    "crop": {
        "identity": ["crop: {size: 1.0}", "crop: {height: 6, width: 9, resize: false}"],
        "active": "crop: {size: [0.5, 0.7]}",
    },
    "translate": {
        "identity": ["translate: {}", "translate: {x: 0, y: 0, units: pixels}"],
        "active": "translate: {x: [0.2, 0.3], y: -0.25, fill: symmetric}",
    },
    "gaussian_noise": {
        "identity": ["gaussian_noise: {std: 0}", "gaussian_noise: {std: 0, per_channel: false}"],
        "active": "gaussian_noise: {std: 0.2}",
    },
    "salt_and_pepper": {
        "identity": ["salt_and_pepper: {amount: 0}"],
        "active": "salt_and_pepper: {amount: 0.5}",
    },
}


def make_op(step_yaml: str):
    return parse_pipeline(f"pipeline:\n  - {step_yaml}\n").steps[0].op


def run_op(step_yaml: str, image: np.ndarray, seed: int = 0) -> np.ndarray:
    op = make_op(step_yaml)
    return op.apply(image, op.sample(np.random.default_rng(seed), image.shape))


def random_image(shape, dtype, seed=0) -> np.ndarray:
    """Pixels kept off the extremes, so that noise and fills visibly change them."""
    return _uniform_image(shape, dtype, seed, low=0.05, high=0.95)


# -- registry-wide -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_registered_op_has_test_cases(name):
    assert name in OP_CASES, f"op {name!r} has no entry in OP_CASES of tests/ops/test_ops.py"


def test_no_stale_test_cases():
    assert set(OP_CASES) <= set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_identity_cases(name, dtype, shape):
    image = random_image(shape, dtype)
    for text in OP_CASES[name]["identity"]:
        out = run_op(text, image)
        assert out.dtype == dtype and out is not image, text
        np.testing.assert_array_equal(out, image, err_msg=text)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_p_zero_leaves_the_image_unchanged(name, dtype):
    text = OP_CASES[name]["active"]
    head, body = text.split(":", 1)
    body = body.strip()
    step = f"{head}: {{p: 0, {body[1:]}" if body != "{}" else f"{head}: {{p: 0}}"
    spec = parse_pipeline(f"pipeline:\n  - {step}\n")
    assert spec.steps[0].p == 0.0
    image = random_image((6, 9, 3), dtype)
    for seed in range(10):
        out, records = Pipeline(spec).run(image, seed, "a.png", 0)
        np.testing.assert_array_equal(out, image)
        assert out is not image
        assert [(r.op, r.applied) for r in records] == [(name, False)]


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_active_case_changes_image_keeps_dtype_channels_and_input(name, dtype, shape):
    image = random_image(shape, dtype)
    before = image.copy()
    out = run_op(OP_CASES[name]["active"], image)
    assert out.dtype == dtype
    assert out.ndim == image.ndim and out.shape[2:] == image.shape[2:]
    assert not np.array_equal(out, image) if out.shape == image.shape else True
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize("name", sorted(OPS))
def test_sample_draws_only_from_the_given_generator(name):
    op = make_op(OP_CASES[name]["active"])
    a = op.sample(np.random.default_rng(123), (6, 9, 3))
    np.random.default_rng(999).random(5)  # unrelated draws elsewhere change nothing
    b = op.sample(np.random.default_rng(123), (6, 9, 3))
    assert a == b


# -- parameter bounds over many seeds --------------------------------------------------------

SEEDS = range(200)


def _draws(text, shape=(40, 60, 3)):
    op = make_op(text)
    return [op.sample(np.random.default_rng(s), shape) for s in SEEDS]


def test_rotate_angle_within_range_and_spread():
    angles = [p.angle for p in _draws("rotate: {angle: [-15, 25]}")]
    assert min(angles) >= -15 and max(angles) <= 25
    assert min(angles) < -13 and max(angles) > 23  # reaches both ends (uniform)
    picks = {p.angle for p in _draws("rotate: {angle: {choice: [0, 90, 270]}}")}
    assert picks == {0, 90, 270}


def test_scale_factor_within_range():
    factors = [p.factor for p in _draws("scale: {factor: [0.8, 1.25]}")]
    assert min(factors) >= 0.8 and max(factors) <= 1.25
    assert min(factors) < 0.82 and max(factors) > 1.22


def test_translate_within_range_in_fractions_and_pixels():
    draws = _draws("translate: {x: [-0.1, 0.2], y: [0.05, 0.1]}", (40, 60))
    assert all(-6 <= p.dx <= 12 and 2 <= p.dy <= 4 for p in draws)
    draws = _draws("translate: {x: [-3, 3], y: 7, units: pixels}", (40, 60))
    assert all(-3 <= p.dx <= 3 and p.dy == 7 for p in draws)


def test_crop_fraction_window_sizes_and_positions():
    h, w = 40, 60
    draws = _draws("crop: {size: [0.5, 0.9]}", (h, w))
    for p in draws:
        assert round(0.5 * h) <= p.height <= round(0.9 * h)
        assert round(0.5 * w) <= p.width <= round(0.9 * w)
        # One fraction for both sides: the aspect ratio is kept (up to rounding).
        assert abs(p.height / h - p.width / w) <= 1 / h + 1 / w
        assert 0 <= p.top and p.top + p.height <= h
        assert 0 <= p.left and p.left + p.width <= w
        assert (p.out_height, p.out_width) == (h, w)


def test_crop_window_inside_padded_image_and_every_position_reached():
    h, w, pad = 10, 12, 3
    draws = _draws(f"crop: {{height: 8, width: 6, padding: {pad}, resize: false}}", (h, w))
    tops, lefts = set(), set()
    for p in draws:
        assert (p.height, p.width, p.out_height, p.out_width) == (8, 6, 8, 6)
        assert -pad <= p.top and p.top + p.height <= h + pad
        assert -pad <= p.left and p.left + p.width <= w + pad
        tops.add(p.top)
        lefts.add(p.left)
    # Uniform position: all 9 x 13 offsets are possible; 200 draws reach every row/column one.
    assert tops == set(range(-pad, h + pad - 8 + 1))
    assert lefts == set(range(-pad, w + pad - 6 + 1))


def test_crop_larger_than_padded_image_is_cut_down():
    for p in _draws("crop: {height: 100, width: 3, resize: false, padding: 2}", (10, 12)):
        assert (p.height, p.top) == (14, -2)
        assert p.width == 3


def test_crop_pixel_ranges():
    for p in _draws("crop: {height: [5, 8], width: {choice: [4, 9]}, resize: false}", (10, 12)):
        assert 5 <= p.height <= 8 and p.width in (4, 9)


def test_noise_parameters_within_range():
    for p in _draws("gaussian_noise: {std: [0.01, 0.05], mean: [-0.1, 0.1]}"):
        assert 0.01 <= p.std <= 0.05 and -0.1 <= p.mean <= 0.1
    draws = _draws("salt_and_pepper: {amount: [0.0, 0.2], salt_vs_pepper: [0.3, 0.4]}")
    for p in draws:
        assert 0.0 <= p.amount <= 0.2 and 0.3 <= p.salt_vs_pepper <= 0.4
    assert len({p.noise_seed for p in draws}) == len(draws)


# -- what each op does, on asymmetric fixtures -------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("horizontal", lambda a: a[:, ::-1]),
        ("vertical", lambda a: a[::-1]),
        ("both", lambda a: a[::-1, ::-1]),
    ],
)
def test_flip_direction(direction, expected):
    for image in (asymmetric_rgb(4, 6), asymmetric_gray(3, 5)):
        out = run_op(f"flip: {{direction: {direction}}}", image)
        np.testing.assert_array_equal(out, expected(image))


def test_flip_moves_alpha_with_the_image():
    image = random_image((4, 6, 4), np.uint8)
    np.testing.assert_array_equal(run_op("flip: {}", image), image[:, ::-1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_rotate_right_angles_are_rot90_and_move_alpha(dtype):
    image = random_image((4, 7, 4), dtype)
    for angle, k in [(90, 1), (-90, 3), (180, 2), (270, 3)]:
        out = run_op(f"rotate: {{angle: {angle}, expand: true}}", image)
        np.testing.assert_array_equal(out, np.rot90(image, k))


def test_rotate_expand_grows_and_keeps_size_otherwise():
    image = random_image((20, 30, 3), np.uint8)
    assert run_op("rotate: {angle: 45}", image).shape == (20, 30, 3)
    # 20 x 30 by 45 deg: (20 + 30) / sqrt(2) = 35.36 -> 35 each side.
    assert run_op("rotate: {angle: 45, expand: true}", image).shape == (35, 35, 3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_translate_plus_x_moves_content_right_and_plus_y_down(dtype):
    image = random_image((6, 9, 3), dtype)
    out = run_op("translate: {x: 2, units: pixels}", image)
    np.testing.assert_array_equal(out[:, 2:], image[:, :-2])
    assert np.all(out[:, :2] == 0)
    out = run_op("translate: {y: 1, units: pixels, fill: constant, cval: 1.0}", image)
    np.testing.assert_array_equal(out[1:], image[:-1])
    assert np.all(out[0] == FULL[dtype])


def test_translate_fraction_is_of_width_and_height():
    image = random_image((10, 20), np.uint8)
    out = run_op("translate: {x: 0.25, y: -0.2, fill: wrap}", image)  # 5 px right, 2 px up
    np.testing.assert_array_equal(out, np.roll(image, (-2, 5), axis=(0, 1)))


@pytest.mark.parametrize("mode", FILL_MODES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_translate_whole_pixels_equals_numpy_pad(mode, dtype):
    image = random_image((7, 8, 3), dtype)
    out = run_op(f"translate: {{x: -3, y: 4, units: pixels, fill: {mode}, cval: 0.4}}", image)
    kwargs = {"constant_values": round(0.4 * FULL[dtype], 6)} if mode == "constant" else {}
    if mode == "constant" and dtype != np.float32:
        kwargs["constant_values"] = round(0.4 * FULL[dtype])
    padded = np.pad(image, ((4, 4), (4, 4), (0, 0)), mode=mode, **kwargs)
    np.testing.assert_allclose(out, padded[0:7, 7:15], rtol=0, atol=1e-7)


def test_per_channel_cval():
    image = random_image((5, 5, 3), np.uint16)
    out = run_op("translate: {x: 5, units: pixels, cval: [0, 0.5, 1]}", image)
    np.testing.assert_array_equal(out, np.broadcast_to([0, 32768, 65535], (5, 5, 3)))


def test_scale_above_one_zooms_in():
    image = np.zeros((21, 21), np.uint8)
    image[8:13, 8:13] = 255  # 5 x 5 square at the centre
    bigger = run_op("scale: {factor: 2, interpolation: nearest}", image)
    smaller = run_op("scale: {factor: 0.5, interpolation: nearest}", image)
    assert (bigger == 255).sum() == 100  # 10 x 10, still centred
    assert bigger[10, 10] == 255 and bigger[5, 5] == 255 and bigger[4, 4] == 0
    assert 4 <= (smaller == 255).sum() <= 9 and smaller[10, 10] == 255
    assert bigger.shape == smaller.shape == image.shape


@pytest.mark.parametrize("mode", FILL_MODES)
def test_crop_without_resize_is_a_slice_of_the_padded_image(mode):
    image = random_image((10, 12, 3), np.uint8)
    text = f"crop: {{height: 7, width: 9, resize: false, padding: 2, fill: {mode}, cval: 0.2}}"
    op = make_op(text)
    kwargs = {"constant_values": 51} if mode == "constant" else {}
    padded = np.pad(image, ((2, 2), (2, 2), (0, 0)), mode=mode, **kwargs)
    for seed in range(20):
        p = op.sample(np.random.default_rng(seed), image.shape)
        out = op.apply(image, p)
        y, x = p.top + 2, p.left + 2
        np.testing.assert_array_equal(out, padded[y : y + 7, x : x + 9])


def test_crop_with_resize_returns_input_size():
    image = random_image((10, 12, 4), np.float32)
    out = run_op("crop: {size: 0.5}", image)
    assert out.shape == image.shape and out.dtype == np.float32


@pytest.mark.parametrize("name", ["gaussian_noise", "salt_and_pepper"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_noise_ops_leave_alpha(name, dtype):
    image = random_image((16, 16, 4), dtype)
    out = run_op(OP_CASES[name]["active"], image)
    np.testing.assert_array_equal(out[..., 3], image[..., 3])
    assert not np.array_equal(out[..., :3], image[..., :3])
