"""Label geometry against independent oracles: masks rendered and warped, skimage, hand maps."""

from __future__ import annotations

import math

import numpy as np
import pytest
import skimage.draw
import skimage.transform

from augcli.augment.config import parse_pipeline
from augcli.augment.kernels import affine
from augcli.augment.labels.geometry import (
    Warp,
    apply_matrix,
    box_corners,
    clip_polygon,
    compose,
    enclosing_box,
    move_shape,
    polygon_area,
)
from augcli.augment.labels.masks import Mask, warp_mask
from augcli.augment.pipeline import Pipeline

H, W = 30, 44

# Exact ops, as pipelines: flips, right angles (expand keeps them exact on any shape),
# whole-pixel shifts and crops without resize.
EXACT_PIPELINES = {
    "flip_h": "- flip: {direction: horizontal}",
    "flip_v": "- flip: {direction: vertical}",
    "flip_both": "- flip: {direction: both}",
    "rot90": "- rotate: {angle: 90, expand: true}",
    "rot180": "- rotate: {angle: 180}",
    "rot270": "- rotate: {angle: -90, expand: true}",
    "shift": "- translate: {x: 7, y: -5, units: pixels}",
    "crop": "- crop: {height: 17, width: 25, resize: false}",
    "crop_rot90_flip": (
        "- crop: {height: 20, width: 31, resize: false}\n"
        "- rotate: {angle: 90, expand: true}\n"
        "- flip: {direction: horizontal}"
    ),
}


def _warps(yaml_steps: str, shape: tuple[int, int], copy: int = 0) -> tuple[list[Warp], tuple]:
    pipe = Pipeline(parse_pipeline("pipeline:\n" + _indent(yaml_steps)))
    out, _, warps = pipe.run_traced(np.zeros(shape, np.uint8), 5, "x.png", copy)
    return warps, out.shape


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _mask_box(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """Enclosing box (continuous coordinates) of a mask's set pixels."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return None
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


@pytest.mark.parametrize("name", sorted(EXACT_PIPELINES))
@pytest.mark.parametrize("copy", range(4))
def test_exact_ops_move_boxes_like_a_rendered_rectangle_moved_as_a_mask(name, copy):
    rng = np.random.default_rng(copy)
    x0, y0 = int(rng.integers(0, W - 5)), int(rng.integers(0, H - 5))
    x1, y1 = int(rng.integers(x0 + 1, W + 1)), int(rng.integers(y0 + 1, H + 1))
    mask = np.zeros((H, W), np.uint8)
    mask[y0:y1, x0:x1] = 1
    warps, out_shape = _warps(EXACT_PIPELINES[name], (H, W), copy)
    moved_mask = warp_mask(Mask(mask), warps, 0).array
    assert moved_mask.shape == out_shape
    expected = _mask_box(moved_mask)
    moved = move_shape(box_corners(x0, y0, x1, y1), compose(warps), out_shape)
    if expected is None:
        assert moved.points is None
    else:
        assert enclosing_box(moved.points) == expected  # exactly


@pytest.mark.parametrize(
    ("steps", "mapping"),
    [
        ("- flip: {direction: horizontal}", lambda u, v: (W - u, v)),
        ("- flip: {direction: vertical}", lambda u, v: (u, H - v)),
        ("- rotate: {angle: 90, expand: true}", lambda u, v: (v, W - u)),
        ("- rotate: {angle: -90, expand: true}", lambda u, v: (H - v, u)),
        ("- rotate: {angle: 180}", lambda u, v: (W - u, H - v)),
        ("- translate: {x: 7, y: -5, units: pixels}", lambda u, v: (u + 7, v - 5)),
    ],
)
def test_exact_ops_map_integer_vertices_to_the_exact_integers(steps, mapping):
    warps, _ = _warps(steps, (H, W))
    pts = np.array([[0, 0], [3, 7], [W, H], [11, 29], [44, 2]], dtype=np.float64)
    got = apply_matrix(compose(warps), pts)
    expected = np.array([mapping(u, v) for u, v in pts], dtype=np.float64)
    assert np.array_equal(got, expected)


def test_a_crop_without_resize_moves_vertices_by_its_window_origin_exactly():
    pipe = Pipeline(parse_pipeline("pipeline:\n  - crop: {height: 17, width: 25, resize: false}"))
    _, records, warps = pipe.run_traced(np.zeros((H, W), np.uint8), 1, "x.png", 0)
    top, left = records[0].params.top, records[0].params.left
    pts = np.array([[5.0, 9.0], [20.0, 3.0]])
    assert np.array_equal(apply_matrix(compose(warps), pts), pts - [left, top])


def _skimage_rotation(angle: float, shape: tuple[int, int], expand: bool):
    """Counter-clockwise rotation about the centre, continuous coordinates, built in skimage."""
    h, w = shape
    rad = math.radians(angle)
    if expand:
        out_w = round(abs(math.cos(rad)) * w + abs(math.sin(rad)) * h)
        out_h = round(abs(math.sin(rad)) * w + abs(math.cos(rad)) * h)
    else:
        out_h, out_w = h, w
    to_origin = skimage.transform.AffineTransform(translation=(-w / 2, -h / 2))
    # y points down, so counter-clockwise on screen is skimage's rotation by -angle.
    turn = skimage.transform.AffineTransform(rotation=-rad)
    back = skimage.transform.AffineTransform(translation=(out_w / 2, out_h / 2))
    return to_origin + turn + back, (out_h, out_w)


def _skimage_scale(factor: float, shape: tuple[int, int]):
    h, w = shape
    return (
        skimage.transform.AffineTransform(translation=(-w / 2, -h / 2))
        + skimage.transform.AffineTransform(scale=factor)
        + skimage.transform.AffineTransform(translation=(w / 2, h / 2))
    )


@pytest.mark.parametrize("angle", [13.0, -37.5, 71.2, 123.0])
@pytest.mark.parametrize("expand", [False, True])
def test_rotation_moves_points_like_skimage_affine_transform(angle, expand):
    warps = [Warp(affine.rotate(angle, (H, W), expand), "constant", (H, W))]
    oracle, _ = _skimage_rotation(angle, (H, W), expand)
    pts = np.random.default_rng(0).uniform(-5, 50, (20, 2))
    assert np.allclose(apply_matrix(compose(warps), pts), oracle(pts), atol=1e-6)


@pytest.mark.parametrize("factor", [0.6, 1.37, 2.5])
def test_scale_then_rotation_moves_points_like_skimage_affine_transform(factor):
    t1 = affine.scale(factor, (H, W))
    t2 = affine.rotate(-21.0, (H, W))
    warps = [Warp(t1.then(t2), "reflect", (H, W))]
    rotation, _ = _skimage_rotation(-21.0, (H, W), False)
    oracle = _skimage_scale(factor, (H, W)) + rotation
    pts = np.random.default_rng(1).uniform(0, 44, (20, 2))
    assert np.allclose(apply_matrix(compose(warps), pts), oracle(pts), atol=1e-6)


def test_two_warps_compose_in_order_like_skimage():
    w1 = Warp(affine.rotate(30.0, (H, W), True), "constant", (H, W))
    shape2 = w1.transform.out_shape
    w2 = Warp(affine.scale(1.5, shape2), "constant", shape2)
    r, _ = _skimage_rotation(30.0, (H, W), True)
    oracle = r + _skimage_scale(1.5, shape2)
    pts = np.random.default_rng(2).uniform(0, 44, (10, 2))
    assert np.allclose(apply_matrix(compose([w1, w2]), pts), oracle(pts), atol=1e-6)


def _render(polygon: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Pixels whose centre lies inside a polygon given in continuous coordinates."""
    mask = np.zeros(shape, bool)
    rr, cc = skimage.draw.polygon(polygon[:, 1] - 0.5, polygon[:, 0] - 0.5, shape)
    mask[rr, cc] = True
    return mask


@pytest.mark.parametrize(
    "steps",
    [
        "- rotate: {angle: [-40, 40], fill: constant}",
        "- scale: {factor: [0.7, 1.4]}",
        "- rotate: {angle: [10, 80], expand: true}\n- scale: {factor: [0.8, 1.2]}",
        "- crop: {size: [0.6, 0.9]}\n- rotate: {angle: [-30, 30]}",
    ],
)
@pytest.mark.parametrize("copy", range(3))
def test_moved_polygons_overlap_the_moved_mask_with_iou_at_least_095(steps, copy):
    shape = (120, 160)
    polygon = np.array([[40.0, 30.0], [120.0, 40.0], [110.0, 95.0], [60.0, 85.0], [35.0, 60.0]])
    mask = _render(polygon, shape).astype(np.uint8)
    assert mask.sum() > 20
    warps, out_shape = _warps(steps, shape, copy)
    moved_mask = warp_mask(Mask(mask), warps, 0).array.astype(bool)
    moved = move_shape(polygon, compose(warps), out_shape)
    assert moved.points is not None
    drawn = _render(moved.points, out_shape)
    if moved_mask.sum() <= 20:
        pytest.skip("object under 20 px after the move")
    iou = (drawn & moved_mask).sum() / (drawn | moved_mask).sum()
    assert iou >= 0.95


def test_clipping_a_square_half_outside_keeps_the_inside_half():
    square = box_corners(-5, 2, 5, 12)
    clipped = clip_polygon(square, 20, 20)
    assert polygon_area(clipped) == 50.0
    assert enclosing_box(clipped) == (0.0, 2.0, 5.0, 12.0)


def test_clipping_a_triangle_across_a_corner_gives_the_hand_computed_area():
    # The triangle (-2,-2), (6,-2), (-2,6) cut to x, y >= 0 leaves the triangle (0,0), (4,0),
    # (0,4) under x + y = 4: area 8 (hand-computed).
    tri = np.array([[-2.0, -2.0], [6.0, -2.0], [-2.0, 6.0]])
    assert polygon_area(clip_polygon(tri, 10, 10)) == pytest.approx(8.0)


def test_a_polygon_entirely_outside_is_dropped():
    assert move_shape(box_corners(30, 30, 40, 40), np.eye(3), (20, 20)).points is None


@pytest.mark.parametrize(("threshold", "kept"), [(0.0, True), (0.25, True), (0.3, False)])
def test_min_visibility_drops_boxes_with_less_of_their_area_inside(threshold, kept):
    # A 10x10 box with 5x5 = 25 % inside.
    moved = move_shape(box_corners(-5, -5, 5, 5), np.eye(3), (20, 20), threshold)
    assert (moved.points is not None) == kept
