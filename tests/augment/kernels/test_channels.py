"""augcli.augment.kernels.channels: channel counts and HxW handled as HxWx1."""

from __future__ import annotations

import numpy as np

from augcli.augment.kernels.channels import channel_count, preserve_channel_dim


def test_channel_count():
    assert channel_count(np.zeros((2, 3))) == 1
    assert channel_count(np.zeros((2, 3, 1))) == 1
    assert channel_count(np.zeros((2, 3, 4))) == 4


def test_preserve_channel_dim_hands_the_kernel_three_axes():
    seen = []

    @preserve_channel_dim
    def kernel(image: np.ndarray, offset: int) -> np.ndarray:
        seen.append(image.shape)
        return image + offset

    grey = np.arange(6).reshape(2, 3)
    out = kernel(grey, 1)
    np.testing.assert_array_equal(out, grey + 1)
    assert out.shape == (2, 3) and out.flags.c_contiguous
    rgb = np.zeros((2, 3, 3))
    assert kernel(rgb, offset=2).shape == (2, 3, 3)
    assert seen == [(2, 3, 1), (2, 3, 3)]
