"""augcli.images.dtypes: full-scale values and casting back, against numpy's own limits."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.images.dtypes import cast_to, full_scale


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.uint8, 255.0), (np.uint16, 65535.0), (np.float32, 1.0), (np.float64, 1.0)],
)
def test_full_scale(dtype, expected):
    assert full_scale(dtype) == expected
    assert full_scale(np.dtype(dtype)) == expected


def test_cast_to_rounds_half_to_even_and_clips_integers():
    values = np.array([-3.0, 0.5, 1.5, 2.4, 254.6, 300.0])
    assert cast_to(values, np.uint8).tolist() == [0, 0, 2, 2, 255, 255]
    assert cast_to(values, np.uint8).dtype == np.uint8
    assert cast_to(np.array([70000.0]), np.uint16).tolist() == [65535]


def test_cast_to_float_is_a_plain_cast():
    values = np.array([-0.5, 1.5])
    out = cast_to(values, np.float32)
    assert out.dtype == np.float32 and out.tolist() == [-0.5, 1.5]
