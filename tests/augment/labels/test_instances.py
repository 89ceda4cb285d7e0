"""The label container: maps, clipping without border slivers, the area and visibility filters,
keypoint swaps on mirroring maps, and fields kept aligned."""

from __future__ import annotations

import numpy as np

from augcli.augment.kernels import affine
from augcli.augment.labels.geometry import Warp
from augcli.augment.labels.instances import (
    Instances,
    drop_border_slivers,
    map_points,
    move_instances,
)


def test_projective_map_divides_by_w():
    m = np.array([[2.0, 0, 0], [0, 2.0, 0], [0, 0, 2.0]])  # the identity, projectively
    pts = np.array([[3.0, 4.0], [1.5, -2.0]])
    assert np.allclose(map_points(m, pts), pts)


def test_spike_along_the_border_is_removed_and_box_shrinks():
    # a clipped outline: a real square (0..4, 2..6) plus a zero-area run up the left border to 0
    pts = np.array([[0, 2], [4, 2], [4, 6], [0, 6], [0, 0]], dtype=float)
    clean = drop_border_slivers(pts, 10, 10)
    assert clean.min(axis=0).tolist() == [0.0, 2.0]
    assert len(clean) == 4


def test_vertices_off_the_border_are_never_removed():
    pts = np.array([[1, 1], [2, 1], [3, 1], [3, 3], [1, 3]], dtype=float)  # collinear, inside
    assert np.array_equal(drop_border_slivers(pts, 10, 10), pts)


def test_polygon_leaving_round_a_corner_gets_the_box_of_its_area():
    # the inside part is the rectangle x 0..8, y 4..8; the outline also runs outside, round the
    # top-left corner, which Sutherland–Hodgman turns into a zero-area run down x = 0 to (0, 0)
    poly = np.array(
        [(1, 4), (8, 4), (8, 8), (-2, 8), (-2, -3), (5, -3), (5, -1), (-1, -1), (-1, 4)], float
    )
    inst = Instances(np.array([0]), [[poly]], np.array([False]))
    moved, dropped = move_instances(inst, [], (20, 20))
    assert dropped == 0
    assert moved.boxes[0].tolist() == [0.0, 4.0, 8.0, 8.0]
    assert moved.areas[0] == 32.0


def test_min_area_drops_small_and_degenerate_shapes():
    inst = Instances.from_boxes([0, 1, 2], [[0, 0, 0.5, 0.5], [2, 2, 2, 9], [3, 3, 8, 8]])
    moved, dropped = move_instances(inst, [], (20, 20), min_area=1.0)
    assert dropped == 2 and moved.classes.tolist() == [2]


def test_min_visibility_is_cumulative_over_groups():
    # two crops, each moving the frame 2 px right: 4 of the box's 8 px of width stay
    box = Instances.from_boxes([0], [[0, 0, 8, 8]])
    shift = affine.crop((0, 2, 10, 10), (10, 10))  # x from 2: the box keeps 6 of 8
    shift2 = affine.crop((0, 2, 10, 10), (10, 10))  # x from 2 again: keeps 4 of 8
    warps = [Warp(shift, "constant", (10, 12)), Warp(shift2, "edge", (10, 10))]
    kept, _ = move_instances(box, warps, (10, 10), min_visibility=0.5)
    gone, _ = move_instances(box, warps, (10, 10), min_visibility=0.51)
    assert len(kept) == 1 and kept.boxes[0].tolist() == [0.0, 0.0, 4.0, 8.0]
    assert len(gone) == 0


def test_mirroring_map_swaps_keypoints_by_flip_idx_and_fields_stay_aligned():
    kps = np.array([[[2.0, 5.0, 2.0], [8.0, 5.0, 1.0]], [[1.0, 1.0, 2.0], [3.0, 1.0, 2.0]]])
    inst = Instances.from_boxes(
        [0, 1],
        [[1, 1, 9, 9], [30, 30, 40, 40]],  # the second is outside a 20x20 image
        keypoints=kps,
        flip_idx=np.array([1, 0]),
        fields=[{"name": "a"}, {"name": "b"}],
    )
    flip = Warp(affine.flip("horizontal", (20, 20)), "constant", (20, 20))
    moved, dropped = move_instances(inst, [flip], (20, 20))
    assert dropped == 1 and moved.fields == [{"name": "a"}]
    # u -> 20 - u, then left/right swapped
    assert moved.keypoints[0].tolist() == [[12.0, 5.0, 1.0], [18.0, 5.0, 2.0]]


def test_keypoint_outside_becomes_zero_and_stays_zero():
    inst = Instances.from_boxes([0], [[0, 0, 10, 10]], keypoints=[[[9.5, 5.0, 2.0]]])
    out = Warp(affine.crop((0, 0, 10, 5), (10, 5)), "constant", (10, 10))
    moved, _ = move_instances(inst, [out], (10, 5))
    assert moved.keypoints[0].tolist() == [[0.0, 0.0, 0.0]]
