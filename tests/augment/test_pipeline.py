"""Pipeline: grouping into single resamplings, combined transforms, determinism, p coins."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from augcli.augment.config import parse_pipeline
from augcli.augment.pipeline import Pipeline, _Group, segment
from augcli.core.errors import InputError


def spec_of(*steps: str):
    return parse_pipeline("pipeline:\n" + "".join(f"  - {s}\n" for s in steps))


def shape_of(*steps: str) -> list:
    """Segments as ``[[op names of a group], 'noise op', ...]``."""
    return [
        [s.op.name for s in seg.steps] if isinstance(seg, _Group) else seg.op.name
        for seg in segment(spec_of(*steps).steps)
    ]


def grey_image(h=30, w=40, channels=3, seed=0):
    return np.random.default_rng(seed).integers(1, 255, (h, w, channels), dtype=np.uint8)


# -- grouping ------------------------------------------------------------------------------

R = "rotate: {angle: 10}"  # constant fill, cval 0, bilinear (the defaults)
SEGMENT_CASES = [
    ([R, "translate: {x: 0.1}", "scale: {factor: 1.1}"], [["rotate", "translate", "scale"]]),
    (
        [R, "translate: {x: 0.1, fill: reflect}"],
        [["rotate"], ["translate"]],
    ),
    ([R, "rotate: {angle: 5, cval: 0.5}"], [["rotate"], ["rotate"]]),
    ([R, "rotate: {angle: 5, interpolation: nearest}"], [["rotate"], ["rotate"]]),
    ([R, "gaussian_noise: {std: 0.1}", R], [["rotate"], "gaussian_noise", ["rotate"]]),
    # flip and crop without padding join any group, whatever their position
    (
        ["flip", "rotate: {angle: 3, fill: wrap}", "crop: {size: 0.5}", "flip"],
        [["flip", "rotate", "crop", "flip"]],
    ),
    (
        ["flip", "crop: {size: 0.5}", "translate: {x: 0.1, fill: edge}", R],
        [["flip", "crop", "translate"], ["rotate"]],
    ),
    (["flip", "flip: {direction: vertical}"], [["flip", "flip"]]),
    # crop with padding has a fill and splits like any other op
    (
        [R, "crop: {size: 0.5, padding: 4, fill: edge}"],
        [["rotate"], ["crop"]],
    ),
    (
        [R, "crop: {size: 0.5, padding: 4}"],
        [["rotate", "crop"]],
    ),
    (
        ["gaussian_noise: {std: 0.1}", "salt_and_pepper: {amount: 0.1}"],
        ["gaussian_noise", "salt_and_pepper"],
    ),
]


@pytest.mark.parametrize(("steps", "expected"), SEGMENT_CASES)
def test_segment(steps, expected):
    assert shape_of(*steps) == expected


def test_resamplings_count():
    assert Pipeline(spec_of(R, "gaussian_noise: {std: 0.1}", R, "flip")).resamplings == 2


def test_content_moved_out_and_back_in_one_group_is_kept():
    image = grey_image()
    spec = spec_of("translate: {x: 20, units: pixels}", "translate: {x: -20, units: pixels}")
    out, _ = Pipeline(spec).run(image, 0, "a.png", 0)
    np.testing.assert_array_equal(out, image)


def test_a_different_fill_between_splits_and_the_fill_shows():
    image = grey_image()
    spec = spec_of(
        "translate: {x: 20, units: pixels}",  # cval 0: content leaves on the right
        "translate: {x: -20, units: pixels, cval: 1.0}",  # separate group
    )
    out, _ = Pipeline(spec).run(image, 0, "a.png", 0)
    expected = np.full_like(image, 255)  # what the second group exposes on the right
    expected[:, :20] = image[:, :20]  # the first 20 columns came back
    np.testing.assert_array_equal(out, expected)


def test_group_is_resampled_once():
    # Two half-pixel shifts in one group = one whole-pixel shift: exact, no blur.
    image = grey_image()
    out, _ = Pipeline(
        spec_of("translate: {x: 0.5, units: pixels}", "translate: {x: 0.5, units: pixels}")
    ).run(image, 0, "a.png", 0)
    np.testing.assert_array_equal(out[:, 1:], image[:, :-1])


def test_crop_then_rotate_use_the_cropped_shape():
    image = grey_image(30, 40)
    out, records = Pipeline(
        spec_of("crop: {height: 10, width: 20, resize: false}", "rotate: {angle: 90, expand: true}")
    ).run(image, 3, "a.png", 0)
    crop = records[0].params
    window = image[crop.top : crop.top + 10, crop.left : crop.left + 20]
    np.testing.assert_array_equal(out, np.rot90(window))


# -- determinism and the seeding contract --------------------------------------------------

RANDOM_PIPE = (
    "flip: {p: 0.5}",
    "rotate: {angle: [-30, 30], p: 0.7}",
    "crop: {size: [0.5, 1.0]}",
    "gaussian_noise: {std: [0.01, 0.1]}",
    "salt_and_pepper: {amount: [0.0, 0.1], p: 0.5}",
)


def test_same_seed_key_copy_gives_identical_bytes():
    image = grey_image()
    a = Pipeline(spec_of(*RANDOM_PIPE)).run(image, 42, "cats/1.png", 2)
    b = Pipeline(spec_of(*RANDOM_PIPE)).run(image.copy(), 42, "cats/1.png", 2)
    assert a[0].tobytes() == b[0].tobytes()
    assert [r.to_dict() for r in a[1]] == [r.to_dict() for r in b[1]]


@pytest.mark.parametrize(
    "change", [(43, "cats/1.png", 2), (42, "cats/2.png", 2), (42, "cats/1.png", 3)]
)
def test_different_seed_key_or_copy_gives_different_output(change):
    image = grey_image()
    pipe = Pipeline(spec_of(*RANDOM_PIPE))
    base = pipe.run(image, 42, "cats/1.png", 2)[0]
    assert pipe.run(image, *change)[0].tobytes() != base.tobytes()


def test_order_of_items_does_not_matter():
    pipe = Pipeline(spec_of(*RANDOM_PIPE))
    a, b = grey_image(seed=1), grey_image(seed=2)
    first = [pipe.run(a, 5, "a", 0)[0], pipe.run(b, 5, "b", 0)[0]]
    second = [pipe.run(b, 5, "b", 0)[0], pipe.run(a, 5, "a", 0)[0]]
    np.testing.assert_array_equal(first[0], second[1])
    np.testing.assert_array_equal(first[1], second[0])


@pytest.mark.parametrize("p_first", ["0", "0.3", "1"])
def test_changing_p_of_one_op_does_not_change_the_draws_of_the_next(p_first):
    base = Pipeline(spec_of("rotate: {angle: [-30, 30], p: 0.5}", *RANDOM_PIPE[2:]))
    changed = Pipeline(spec_of(f"rotate: {{angle: [-30, 30], p: {p_first}}}", *RANDOM_PIPE[2:]))
    image = grey_image()
    for seed in range(30):
        a = base.run(image, seed, "x.png", 0)[1]
        b = changed.run(image, seed, "x.png", 0)[1]
        assert [r.to_dict() for r in a[1:]] == [r.to_dict() for r in b[1:]]


def test_p_coin_frequency():
    pipe = Pipeline(spec_of("flip: {p: 0.3}"))
    image = grey_image(4, 4)
    applied = sum(pipe.run(image, s, "k", 0)[1][0].applied for s in range(400))
    # Binomial(400, 0.3): mean 120, SE 9.2; 5 SE.
    assert abs(applied - 120) < 46


# -- inputs ----------------------------------------------------------------------------------


def test_input_is_not_modified_and_unsupported_inputs_are_refused():
    image = grey_image()
    before = image.copy()
    Pipeline(spec_of(*RANDOM_PIPE)).run(image, 1, "a", 0)
    np.testing.assert_array_equal(image, before)
    pipe = Pipeline(spec_of("flip"))
    with pytest.raises(InputError, match="dtype int32 is not supported"):
        pipe.run(np.zeros((4, 4), np.int32), 0, "a", 0)
    with pytest.raises(InputError, match=r"shape \(4,\) is not HxW or HxWxC"):
        pipe.run(np.zeros(4, np.uint8), 0, "a", 0)
    with pytest.raises(InputError, match="cval has 3 values but the image has 1 channel"):
        Pipeline(spec_of("rotate: {angle: 5, cval: [0, 0, 1]}")).run(
            np.zeros((4, 4), np.uint8), 0, "a", 0
        )


# -- property test ---------------------------------------------------------------------------

NUM = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
ANGLE = st.floats(min_value=-360, max_value=360, allow_nan=False)  # rotate's documented bound
FRACTION = st.floats(min_value=0.0, max_value=1.0)
FILL = st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"])
INTERP = st.sampled_from(["nearest", "bilinear", "bicubic"])


@st.composite
def steps(draw):
    kind = draw(
        st.sampled_from(
            ["flip", "rotate", "scale", "crop", "translate", "gaussian_noise", "salt_and_pepper"]
        )
    )
    fill = f"fill: {draw(FILL)}, cval: {draw(FRACTION)}, interpolation: {draw(INTERP)}"
    p = draw(st.sampled_from([0.0, 0.5, 1.0]))
    if kind == "flip":
        direction = draw(st.sampled_from(["horizontal", "vertical", "both"]))
        return f"flip: {{direction: {direction}, p: {p}}}", False
    if kind == "rotate":
        expand = draw(st.booleans())
        text = f"rotate: {{angle: {draw(ANGLE)}, expand: {str(expand).lower()}, {fill}, p: {p}}}"
        return text, expand and p > 0
    if kind == "scale":
        factor = draw(st.floats(min_value=0.01, max_value=20))
        return f"scale: {{factor: {factor}, {fill}, p: {p}}}", False
    if kind == "crop":
        resize = draw(st.booleans())
        size = draw(st.floats(min_value=0.01, max_value=1.0))
        pad = draw(st.integers(0, 10))
        text = f"crop: {{size: {size}, resize: {str(resize).lower()}, padding: {pad}, {fill}}}"
        return text, not resize
    if kind == "translate":
        units = draw(st.sampled_from(["fraction", "pixels"]))
        return f"translate: {{x: {draw(NUM)}, y: {draw(NUM)}, units: {units}, {fill}}}", False
    if kind == "gaussian_noise":
        std, mean = draw(st.floats(0, 2)), draw(st.floats(-1, 1))
        per = str(draw(st.booleans())).lower()
        return f"gaussian_noise: {{std: {std}, mean: {mean}, per_channel: {per}}}", False
    amount, svp = draw(FRACTION), draw(FRACTION)
    return f"salt_and_pepper: {{amount: {amount}, salt_vs_pepper: {svp}, p: {p}}}", False


@settings(max_examples=150, deadline=None)
@given(
    st.lists(steps(), min_size=1, max_size=4),
    st.integers(1, 40),
    st.integers(1, 40),
    st.sampled_from([None, 1, 2, 3, 4]),
    st.sampled_from([np.uint8, np.uint16, np.float32]),
    st.integers(0, 2**32),
)
def test_random_pipelines_keep_dtype_channels_and_shape(step_list, h, w, channels, dtype, seed):
    shape = (h, w) if channels is None else (h, w, channels)
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        image = rng.random(shape, dtype=np.float32)
    else:
        image = rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
    before = image.copy()
    spec = spec_of(*(text for text, _ in step_list))
    out, records = Pipeline(spec).run(image, seed, "k.png", 0)
    assert out.dtype == dtype
    assert out.ndim == image.ndim and out.shape[2:] == image.shape[2:]
    assert len(records) == len(step_list)
    if not any(changes_size for _, changes_size in step_list):
        assert out.shape == image.shape
    if dtype == np.float32 and not any("bicubic" in t for t, _ in step_list):
        assert np.all(np.isfinite(out)) and out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize("op", ["gaussian_noise: {std: 0.1}", "salt_and_pepper: {amount: 0.3}"])
def test_noise_in_place_after_a_warp_equals_noise_on_a_copy_and_spares_the_input(op):
    from augcli.augment.config import parse_pipeline

    image = np.random.default_rng(0).integers(0, 256, (40, 30, 3), dtype=np.uint8)
    before = image.copy()
    warped = Pipeline(parse_pipeline(f"pipeline: [rotate: {{angle: 10}}, {op}]"))
    alone = Pipeline(parse_pipeline(f"pipeline: [{op}]"))  # noise on the caller's array
    out, records = warped.run(image, 5, "a.png", 0)
    np.testing.assert_array_equal(image, before)
    params = records[1].params
    rotated, _ = Pipeline(parse_pipeline("pipeline: [rotate: {angle: 10}]")).run(
        image, 5, "a.png", 0
    )
    np.testing.assert_array_equal(out, alone.segments[0].op.apply(rotated, params))
    out2, _ = alone.run(image, 5, "a.png", 0)
    np.testing.assert_array_equal(image, before)
    assert out2 is not image
