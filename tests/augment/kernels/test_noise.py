"""augcli.augment.kernels.noise: statistics against the requested distribution, exact invariants.

Random words come from a numpy Generator created here, so every test is deterministic.
Statistical tolerances are stated in standard errors (SE) of the estimate for the sample
size used, at >= 5 SE so that a correct kernel essentially never fails:

* std of N samples: SE ~ std / sqrt(2 N); N = 65536 gives 0.28 % -> tolerance 2 %;
  the quantile table is a normal truncated at +-4.32 sigma, which lowers the std by < 0.1 %.
* mean: SE = std / sqrt(N) = 0.4 % of std -> tolerance 2.5 % of std (plus rounding to levels).
* a proportion p of n: SE = sqrt(p (1 - p) / n) -> tolerance 5 SE.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from augcli.augment.kernels import noise
from tests.conftest import DTYPES, FULL

N_SIDE = 256  # 65536 pixels


def _words(n: int, dtype: type, seed: int = 0) -> np.ndarray:
    return noise.uniform_words(np.random.default_rng(seed), n, dtype)


def _grey(dtype, shape=(N_SIDE, N_SIDE), level=0.5):
    value = level * FULL[dtype]
    return np.full(shape, value if dtype == np.float32 else round(value), dtype=dtype)


def _gauss(image, std, mean=0.0, per_channel=True, seed=0):
    n = noise.gaussian_noise_words(image, per_channel)
    return noise.gaussian_noise(image, std, mean, per_channel, _words(n, np.uint16, seed))


def _snp(image, amount, salt_vs_pepper=0.5, seed=0):
    n = noise.salt_and_pepper_words(image)
    return noise.salt_and_pepper(image, amount, salt_vs_pepper, _words(n, np.uint32, seed))


# -- gaussian_noise ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 1), (5, 7, 3), (5, 7, 4), (5, 7, 2)])
@pytest.mark.parametrize("per_channel", [True, False])
def test_std_zero_is_identity(dtype, shape, per_channel):
    image = (np.random.default_rng(1).random(shape) * FULL[dtype]).astype(dtype)
    out = _gauss(image, 0.0, 0.0, per_channel)
    assert out.dtype == dtype and out is not image
    np.testing.assert_array_equal(out, image)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("std", [0.02, 0.08])
def test_empirical_std_and_mean_match_request(dtype, std):
    image = _grey(dtype)
    mean = 0.03
    delta = (_gauss(image, std, mean).astype(np.float64) - image) / FULL[dtype]
    # Integer results are rounded to levels: variance + 1/12 level^2 (negligible here).
    expected_std = np.hypot(std, 0.0 if dtype == np.float32 else 1 / (np.sqrt(12) * FULL[dtype]))
    assert abs(delta.std() / expected_std - 1) < 0.02
    assert abs(delta.mean() - mean) < 0.025 * std + 0.5 / FULL[dtype]


def test_noise_is_normally_shaped():
    # Fractions within 1 and 2 sigma against the normal CDF (proportion SE ~ 0.2 %).
    image = _grey(np.float32)
    delta = (_gauss(image, 0.05).astype(np.float64) - 0.5) / 0.05
    for k in (1.0, 2.0):
        expected = NormalDist().cdf(k) - NormalDist().cdf(-k)
        assert abs(np.mean(np.abs(delta) <= k) - expected) < 0.01


@pytest.mark.parametrize("dtype", DTYPES)
def test_clipping_to_valid_range(dtype):
    image = (np.random.default_rng(2).random((64, 64, 3)) * FULL[dtype]).astype(dtype)
    out = _gauss(image, 1.0)  # std = full range: most values clip
    assert out.dtype == dtype
    assert out.min() >= 0 and out.max() <= FULL[dtype]
    assert np.mean(out == 0) > 0.1 and np.mean(out == FULL[dtype]) > 0.1
    # A mean of +-full range with no spread saturates every pixel.
    np.testing.assert_array_equal(_gauss(image, 0.0, 1.0), np.full_like(image, FULL[dtype]))
    np.testing.assert_array_equal(_gauss(image, 0.0, -1.0), np.zeros_like(image))


def test_integer_noise_is_added_exactly_without_wraparound():
    # uint8 at 250 with mean +0.1 (25.5 -> 26 levels): 250 + 26 clips to 255, never wraps.
    image = np.array([[0, 100, 250]], np.uint8)
    np.testing.assert_array_equal(_gauss(image, 0.0, 0.1), [[26, 126, 255]])
    np.testing.assert_array_equal(_gauss(image, 0.0, -0.5), [[0, 0, 122]])


def test_float32_stays_in_unit_interval():
    image = np.random.default_rng(3).random((64, 64, 3)).astype(np.float32)
    out = _gauss(image, 0.5, 0.2)
    assert out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_shared_noise_is_identical_in_every_colour_channel(dtype):
    image = _grey(dtype, (64, 64, 3))
    out = _gauss(image, 0.05, per_channel=False)
    assert not np.array_equal(out, image)
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    per = _gauss(image, 0.05, per_channel=True)
    assert np.mean(per[..., 0] != per[..., 1]) > 0.5


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", [2, 4])
@pytest.mark.parametrize("per_channel", [True, False])
def test_gaussian_noise_leaves_alpha_untouched(dtype, channels, per_channel):
    rng = np.random.default_rng(4)
    image = (rng.random((32, 32, channels)) * FULL[dtype]).astype(dtype)
    out = _gauss(image, 0.2, 0.1, per_channel)
    np.testing.assert_array_equal(out[..., -1], image[..., -1])
    assert np.mean(out[..., 0] != image[..., 0]) > 0.5


@pytest.mark.parametrize("dtype", DTYPES)
def test_noise_word_counts(dtype):
    assert noise.gaussian_noise_words(np.zeros((3, 5), dtype), True) == 15
    assert noise.gaussian_noise_words(np.zeros((3, 5, 4), dtype), True) == 15 * 3
    assert noise.gaussian_noise_words(np.zeros((3, 5, 4), dtype), False) == 15
    assert noise.salt_and_pepper_words(np.zeros((3, 5, 4), dtype)) == 15


def test_uniform_words_are_uniform_and_seeded():
    a = noise.uniform_words(np.random.default_rng(9), 100_001, np.uint16)
    b = noise.uniform_words(np.random.default_rng(9), 100_001, np.uint16)
    assert a.dtype == np.uint16 and a.shape == (100_001,) and np.array_equal(a, b)
    counts = np.bincount(a >> 12, minlength=16)  # 16 bins of 4096 values
    expected = a.size / 16
    assert np.abs(counts - expected).max() < 6 * np.sqrt(expected)
    w32 = noise.uniform_words(np.random.default_rng(9), 7, np.uint32)
    assert w32.dtype == np.uint32 and w32.shape == (7,)


# -- salt_and_pepper -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("amount", [0.02, 0.3])
@pytest.mark.parametrize("salt_vs_pepper", [0.2, 0.5, 0.9])
def test_hit_fraction_and_salt_share(dtype, amount, salt_vs_pepper):
    image = _grey(dtype, (N_SIDE, N_SIDE, 3))
    out = _snp(image, amount, salt_vs_pepper)
    assert out.dtype == dtype
    salt = np.all(out == FULL[dtype], axis=-1)
    pepper = np.all(out == 0, axis=-1)
    unchanged = np.all(out == image, axis=-1)
    assert np.all(salt | pepper | unchanged)
    n = salt.size
    hits = salt.sum() + pepper.sum()
    se = np.sqrt(amount * (1 - amount) / n)
    assert abs(hits / n - amount) < 5 * se
    se_share = np.sqrt(salt_vs_pepper * (1 - salt_vs_pepper) / hits)
    assert abs(salt.sum() / hits - salt_vs_pepper) < 5 * se_share


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_pixels_in_every_colour_channel_and_alpha_untouched(dtype):
    rng = np.random.default_rng(5)
    # Colour values strictly inside the range so a hit always changes a channel.
    image = (rng.uniform(0.1, 0.9, (64, 64, 4)) * FULL[dtype]).astype(dtype)
    out = _snp(image, 0.25)
    changed = out[..., :3] != image[..., :3]
    assert changed.any()
    np.testing.assert_array_equal(changed[..., 0], changed[..., 1])
    np.testing.assert_array_equal(changed[..., 0], changed[..., 2])
    np.testing.assert_array_equal(out[..., 3], image[..., 3])
    hit = changed[..., 0]
    # A hit pixel is all-max or all-zero in its colour channels.
    colours = out[..., :3][hit]
    assert np.all((colours == 0).all(axis=-1) | (colours == FULL[dtype]).all(axis=-1))


def test_la_image_alpha_untouched():
    image = np.full((32, 32, 2), 100, np.uint8)
    out = _snp(image, 0.5)
    np.testing.assert_array_equal(out[..., 1], image[..., 1])
    assert (out[..., 0] != 100).any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_salt_and_pepper_extremes(dtype):
    image = _grey(dtype, (16, 16, 3))
    np.testing.assert_array_equal(_snp(image, 0.0), image)
    np.testing.assert_array_equal(_snp(image, 1.0, 1.0), np.full_like(image, FULL[dtype]))
    np.testing.assert_array_equal(_snp(image, 1.0, 0.0), np.zeros_like(image))
    both = _snp(image, 1.0, 0.5)
    assert np.all((both == 0) | (both == FULL[dtype]))


def test_float32_salt_and_pepper_values():
    image = _grey(np.float32, (64, 64))
    out = _snp(image, 0.5)
    assert out.dtype == np.float32
    assert set(np.unique(out).tolist()) == {0.0, 0.5, 1.0}


# -- kernel hygiene ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(9, 8), (9, 8, 3), (9, 8, 4)])
def test_kernels_do_not_modify_input_and_keep_dtype(dtype, shape):
    image = (np.random.default_rng(6).random(shape) * FULL[dtype]).astype(dtype)
    before = image.copy()
    for out in (_gauss(image, 0.3, 0.1), _gauss(image, 0.3, 0.0, False), _snp(image, 0.5)):
        assert out.dtype == dtype and out.shape == image.shape
        assert not np.shares_memory(out, image)
    np.testing.assert_array_equal(image, before)


# -- in place, a band at a time --------------------------------------------------------------


def _reference_gauss(image, std, mean, per_channel, words):
    """The whole-image formula (all words at once, int16/int32 or float32 sums), from the docs."""
    nc = (
        image.shape[2] - 1
        if image.ndim == 3 and image.shape[2] in (2, 4)
        else (image.shape[2] if image.ndim == 3 else 1)
    )
    image3 = image.reshape(image.shape[0], image.shape[1], -1)
    w = words.reshape(image.shape[0], image.shape[1], nc if per_channel else 1)
    full = FULL[image.dtype.type]
    q = np.array([NormalDist().inv_cdf((i + 0.5) / 65536) for i in range(65536)])
    table = (mean + std * q) * full
    out = image3.copy()
    if image.dtype == np.float32:
        out[..., :nc] = np.clip(image3[..., :nc] + table.astype(np.float32)[w], 0, 1)
    else:
        itable = np.clip(np.rint(table), -2 * full, 2 * full).astype(np.int64)
        out[..., :nc] = np.clip(image3[..., :nc].astype(np.int64) + itable[w], 0, full)
    return out.reshape(image.shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(37, 13), (37, 13, 3), (29, 11, 4), (30, 7, 2)])
@pytest.mark.parametrize("per_channel", [True, False])
def test_banded_gaussian_draws_the_words_of_one_whole_image_draw(
    monkeypatch, dtype, shape, per_channel
):
    monkeypatch.setattr(noise, "CHUNK_PIXELS", 50)  # bands of 4 rows, a short last band
    image = (np.random.default_rng(2).random(shape) * FULL[dtype]).astype(dtype)
    words = _words(noise.gaussian_noise_words(image, per_channel), np.uint16, seed=7)
    expected = _reference_gauss(image, 0.3, 0.1, per_channel, words)
    out = image.copy()
    stream = noise.word_stream(np.random.default_rng(7), np.uint16)
    noise.add_gaussian_noise(out, 0.3, 0.1, per_channel, stream)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(
        noise.gaussian_noise(image, 0.3, 0.1, per_channel, words), expected
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(37, 13), (37, 13, 3), (31, 9, 4)])
def test_banded_salt_and_pepper_draws_the_words_of_one_whole_image_draw(monkeypatch, dtype, shape):
    monkeypatch.setattr(noise, "CHUNK_PIXELS", 30)  # bands of 2 rows, a short last band
    image = (np.random.default_rng(3).random(shape) * FULL[dtype]).astype(dtype)
    u = _words(shape[0] * shape[1], np.uint32, seed=8).reshape(shape[:2]).astype(np.float64)
    expected = image.reshape(shape[0], shape[1], -1).copy()
    nc = expected.shape[2] - 1 if expected.shape[2] in (2, 4) else expected.shape[2]
    expected[(u < 0.4 * 2**32) & (u < 0.4 * 0.3 * 2**32), :nc] = FULL[dtype]
    expected[(u < 0.4 * 2**32) & (u >= 0.4 * 0.3 * 2**32), :nc] = 0
    out = image.copy()
    noise.add_salt_and_pepper(out, 0.4, 0.3, noise.word_stream(np.random.default_rng(8), np.uint32))
    np.testing.assert_array_equal(out, expected.reshape(shape))


def test_words_are_the_same_drawn_in_bands_or_at_once():
    whole = noise.uniform_words(np.random.default_rng(4), 4 * 1001 + 3, np.uint16)
    stream = noise.word_stream(np.random.default_rng(4), np.uint16)
    banded = np.concatenate([stream(n) for n in (4, 400, 3596, 7)])
    np.testing.assert_array_equal(banded, whole)


def test_too_few_words_is_a_value_error():
    with pytest.raises(ValueError, match="words: 5 given, 6 needed"):
        noise.gaussian_noise(np.zeros((2, 3), np.uint8), 0.1, 0.0, True, np.zeros(5, np.uint16))
