"""augcli.augment.kernels.affine: output-to-input matrices against hand-computed ones."""

from __future__ import annotations

import math

import numpy as np

from augcli.augment.kernels import affine

H, W = 23, 31


def test_expand_grows_canvas_to_hand_computed_size():
    # 10 x 20 by 30 deg: width 20 cos30 + 10 sin30 = 22.32 -> 22, height 20 sin30 + 10 cos30
    # = 18.66 -> 19.
    assert affine.rotate(30, (10, 20), expand=True).out_shape == (19, 22)
    assert affine.rotate(90, (10, 20), expand=True).out_shape == (20, 10)
    assert affine.rotate(30, (10, 20), expand=False).out_shape == (10, 20)


def test_composition_of_rotations_adds_angles():
    a = affine.rotate(25, (H, W)).then(affine.rotate(40, (H, W)))
    np.testing.assert_allclose(a.matrix, affine.rotate(65, (H, W)).matrix, atol=1e-12)
    four = affine.rotate(90, (H, H))
    total = four.then(four).then(four).then(four)
    np.testing.assert_allclose(total.matrix, np.eye(3), atol=1e-12)


def test_rotation_keeps_the_centre_and_is_exact_at_right_angles():
    t = affine.rotate(90, (5, 9))
    centre = np.array([4.0, 2.0, 1.0])  # (x, y) of the centre of a 5 x 9 image
    np.testing.assert_array_equal(t.matrix @ centre, centre)
    assert set(np.abs(t.matrix[:2, :2]).ravel().tolist()) == {0.0, 1.0}
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    np.testing.assert_allclose(affine.rotate(30, (5, 9)).matrix[:2, :2], [[c, -s], [s, c]])


def test_crop_maps_pixel_areas_onto_pixel_areas():
    # A 4-wide window from column 2 resized to 8 columns: output x samples 2 + (x + .5)/2 - .5
    t = affine.crop((1, 2, 3, 4), (6, 8))
    expected = np.array([[0.5, 0.0, 1.75], [0.0, 0.5, 0.75], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(t.matrix, expected)
    assert t.out_shape == (6, 8)


def test_flip_translate_scale_matrices():
    np.testing.assert_array_equal(
        affine.flip("both", (4, 6)).matrix, [[-1, 0, 5], [0, -1, 3], [0, 0, 1]]
    )
    np.testing.assert_array_equal(
        affine.translate(2, -3, (4, 6)).matrix, [[1, 0, -2], [0, 1, 3], [0, 0, 1]]
    )
    # zoom 2 about the centre (2.5, 1.5): input = centre + (output - centre) / 2
    np.testing.assert_allclose(
        affine.scale(2.0, (4, 6)).matrix, [[0.5, 0, 1.25], [0, 0.5, 0.75], [0, 0, 1]]
    )


def test_identity_is_identity_only_for_its_shape():
    assert affine.identity((3, 4)).is_identity((3, 4))
    assert not affine.identity((3, 4)).is_identity((4, 3))
    assert not affine.translate(1e-6, 0, (3, 4)).is_identity((3, 4))
