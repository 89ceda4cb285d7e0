"""augcli.augment.kernels.fill: periods, folded indices and per-channel cvals against numpy.pad."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.augment.kernels.fill import (
    FILL_MODES,
    channel_cvals,
    fill_period,
    fill_with,
    filled,
    fold_range,
)


@pytest.mark.parametrize("mode", ["reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_fill_period_is_the_smallest_period_of_numpy_pad(mode, n):
    period = fill_period(mode, n)
    padded = np.pad(np.arange(n), 4 * n + 4, mode=mode)
    assert np.array_equal(padded[period:], padded[:-period])
    assert n == 1 or all(not np.array_equal(padded[p:], padded[:-p]) for p in range(1, period))
    assert fill_period("edge", n) is None and fill_period("constant", n) is None


@pytest.mark.parametrize("mode", [m for m in FILL_MODES if m != "constant"])
@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("start", [-13, -5, -1, 0, 3, 9])
def test_fold_range_gives_the_indices_numpy_pad_puts_there(mode, n, start):
    pad = 20
    padded = np.pad(np.arange(n), pad, mode=mode)
    expected = padded[pad + start : pad + start + 7]
    np.testing.assert_array_equal(fold_range(start, 7, n, mode), expected)


def test_channel_cvals_repeats_one_value_and_refuses_a_wrong_count():
    np.testing.assert_array_equal(channel_cvals(3, 4), [3.0, 3.0, 3.0, 3.0])
    np.testing.assert_array_equal(channel_cvals([1, 2, 3], 3), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="cval has 2 values for an image with 3 channels"):
        channel_cvals([0, 1], 3)


def test_filled_and_fill_with_put_the_per_channel_cvals_everywhere():
    image = np.zeros((2, 2, 3), np.uint8)
    out = filled((4, 5), image, np.array([1.0, 2.0, 3.0]))
    assert out.shape == (4, 5, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.broadcast_to([1, 2, 3], (4, 5, 3)))
    grey = np.zeros((3, 3), np.uint16)
    fill_with(grey, np.array([7.0]))
    np.testing.assert_array_equal(grey, np.full((3, 3), 7, np.uint16))
