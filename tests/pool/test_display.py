"""Value -> pixel mapping of pool pictures: intensity clip, min-max scaling, colormaps, bars."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.pool.display import (
    BAR_HEIGHT,
    DIVERGING,
    NAN_COLOUR,
    SEQUENTIAL,
    Mapping,
    colormap,
    colour_bar,
    diverging,
    intensity_mapping,
    symmetric_scale,
)


def test_values_inside_unit_range_are_an_intensity_shown_as_is():
    values = np.array([[0.0, 0.25], [0.5, 1.0]])
    mapping = intensity_mapping(values)
    assert mapping == Mapping(0.0, 1.0, scaled=False)
    np.testing.assert_array_equal(mapping.to_uint8(values), [[0, 64], [128, 255]])
    assert mapping.caption(255.0) == "clip [0,255]"


@pytest.mark.parametrize("outside", [1.5, -0.25])
def test_any_value_outside_unit_range_is_min_max_scaled_with_its_range(outside):
    values = np.array([0.25, 0.5, outside, np.nan])
    mapping = intensity_mapping(values)
    lo, hi = min(0.25, outside), max(0.5, outside)
    assert mapping == Mapping(lo, hi, scaled=True)
    expect = np.rint((values[:3] - lo) / (hi - lo) * 255)
    np.testing.assert_array_equal(mapping.to_uint8(values)[:3], expect)
    assert mapping.to_uint8(values).min() == 0 and mapping.to_uint8(values).max() == 255
    assert mapping.caption(1.0) == f"min-max [{lo:.3g},{hi:.3g}]"


def test_channel_planes_become_height_width_channels():
    planes = np.zeros((3, 2, 5))
    planes[1] = 1.0
    pixels = Mapping().to_uint8(planes)
    assert pixels.shape == (2, 5, 3)
    assert (pixels[..., 1] == 255).all() and (pixels[..., [0, 2]] == 0).all()


def test_diverging_map_is_blue_white_red_at_minus_zero_plus_scale():
    got = diverging(np.array([-2.0, 0.0, 2.0, 4.0, np.nan]), 2.0)
    np.testing.assert_array_equal(got[0], DIVERGING[0])
    np.testing.assert_array_equal(got[1], DIVERGING[len(DIVERGING) // 2])
    np.testing.assert_array_equal(got[2], DIVERGING[-1])
    np.testing.assert_array_equal(got[3], DIVERGING[-1])  # only reachable past the scale
    np.testing.assert_array_equal(got[4], NAN_COLOUR)
    assert got[0][2] > got[0][0] and got[2][0] > got[2][2]  # blue below, red above


def test_colormap_interpolates_linearly_between_anchors():
    anchors = np.array([[0, 0, 0], [200, 100, 50]], dtype=float)
    got = colormap(np.array([0.0, 0.5, 1.0]), anchors)
    np.testing.assert_array_equal(got, [[0, 0, 0], [100, 50, 25], [200, 100, 50]])


def test_symmetric_scale_is_the_largest_finite_magnitude():
    assert symmetric_scale(np.array([0.1, -0.7, np.inf]), np.array([0.3])) == 0.7
    assert symmetric_scale(np.zeros(3)) == 0.0
    np.testing.assert_array_equal(diverging(np.zeros(2), 0.0)[0], DIVERGING[5])


@pytest.mark.parametrize("anchors", [DIVERGING, SEQUENTIAL])
def test_colour_bar_runs_from_first_to_last_anchor_over_its_width(anchors):
    bar = colour_bar(200, anchors, ("-1", "0", "+1"))
    assert bar.shape[1] == 200 and bar.shape[0] > BAR_HEIGHT
    np.testing.assert_array_equal(bar[0, 0], anchors[0])
    np.testing.assert_array_equal(bar[0, -1], anchors[-1])
    assert (bar[BAR_HEIGHT:] < 128).any()  # labels are drawn under the strip
