"""The label contract: for every op and for two- and three-group pipelines, with every fill
mode, every label format says what the moved pixels say.

Each object is rendered into its own mask and that mask is moved with the image kernels
(nearest neighbour, pixels from outside are background): the oracle. Then:

* a box equals the enclosing box of its moved mask, within one pixel (a polygon's box is its
  outline's, and the outline is checked by IoU: a sharp vertex scaled up lies more than a
  pixel beyond the last pixel centre it covers); after several groups the mask's own rounding
  in each group, zoomed by the groups after it, is allowed on top (:func:`_tolerance`);
* a polygon covers its moved mask (IoU >= 0.95 for objects over 20 pixels across, in both
  directions: smaller ones are mostly boundary pixels; after several groups, pixels within
  the earlier groups' rounding of the outline are left out);
* a keypoint lands on its moved dot;
* an object whose mask is gone is gone from every format (YOLO box and polygon, COCO bbox,
  polygon and keypoints).
"""

from __future__ import annotations

import numpy as np
import pytest
import skimage.draw
from scipy import ndimage

from augcli.augment.config import parse_pipeline
from augcli.augment.kernels.fill import FILL_MODES
from augcli.augment.labels.annotations import move_annotation
from augcli.augment.labels.geometry import Warp
from augcli.augment.labels.instances import Instances, move_instances
from augcli.augment.labels.masks import Mask, warp_mask
from augcli.augment.ops import OPS
from augcli.augment.pipeline import Pipeline

pytestmark = pytest.mark.filterwarnings("error")

H, W = 96, 104
RECT = (50, 10, 90, 36)  # x0, y0, x1, y1 (pixels [x0, x1) x [y0, y1))
POLY = np.array([[8.0, 40.0], [44.0, 36.0], [54.0, 70.0], [30.0, 88.0], [6.0, 76.0]])
DOT = (80, 60)  # the centre pixel of a 3x3 dot; its keypoint is that pixel's centre
COPIES = 6

# One pipeline step per op in the registry ({fill} is replaced by each fill mode).
STEPS = {
    "flip": "flip: {{direction: both, p: 0.5}}",
    "rotate": "rotate: {{angle: [-60, 60], fill: {fill}}}",
    "scale": "scale: {{factor: [0.6, 1.5], fill: {fill}}}",
    "crop": "crop: {{size: [0.4, 0.9], padding: 8, fill: {fill}}}",
    "translate": "translate: {{x: [-0.6, 0.6], y: [-0.6, 0.6], fill: {fill}}}",
    "gaussian_noise": "gaussian_noise: {{std: 0.05}}",
    "salt_and_pepper": "salt_and_pepper: {{amount: 0.05}}",
}
GROUPS = {
    "two": ["rotate", "translate"],
    "three": ["scale", "rotate", "crop"],
    "out_and_back": ["translate", "translate"],
}


def _masks() -> dict[str, np.ndarray]:
    rect = np.zeros((H, W), np.uint8)
    x0, y0, x1, y1 = RECT
    rect[y0:y1, x0:x1] = 1
    poly = np.zeros((H, W), np.uint8)
    rr, cc = skimage.draw.polygon(POLY[:, 1] - 0.5, POLY[:, 0] - 0.5, (H, W))
    poly[rr, cc] = 1
    dot = np.zeros((H, W), np.uint8)
    dot[DOT[1] - 1 : DOT[1] + 2, DOT[0] - 1 : DOT[0] + 2] = 1
    return {"rect": rect, "poly": poly, "dot": dot}


MASKS = _masks()


def _moved(mask: np.ndarray, warps: list[Warp]) -> np.ndarray:
    constant = [Warp(w.transform, "constant", w.in_shape) for w in warps]
    return warp_mask(Mask(mask), constant, 0).array.astype(bool)


def _pixel_box(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=float)


def _raster(polys: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape, bool)
    for p in polys:
        rr, cc = skimage.draw.polygon(p[:, 1] - 0.5, p[:, 0] - 0.5, shape)
        out[rr, cc] = True
    return out


def _pipelines() -> list[tuple[str, str]]:
    out = []
    for fill in FILL_MODES:
        for name in OPS:
            out.append((f"{name}-{fill}", STEPS[name].format(fill=fill)))
        for label, names in GROUPS.items():
            # a different fill per step, so each step is its own resampling group
            fills = [FILL_MODES[(FILL_MODES.index(fill) + k) % len(FILL_MODES)] for k in range(3)]
            steps = [STEPS[n].format(fill=f) for n, f in zip(names, fills, strict=False)]
            out.append((f"{label}-{fill}", "\n".join(steps)))
    return out


def test_every_registered_op_has_a_contract_step():
    assert set(STEPS) == set(OPS)


def _tolerance(warps: list[Warp]) -> float:
    """One pixel, plus what the mask's rounding in each earlier group grows to.

    Each nearest-neighbour resampling of the mask moves its edge by up to half a pixel; a later
    group that zooms by ``s`` makes that ``s / 2`` (the labels themselves are moved exactly).
    """
    tol, zoom = 1.0, 1.0
    for w in reversed(warps[1:]):
        zoom *= float(np.linalg.svd(np.linalg.inv(w.transform.matrix[:2, :2]))[1].max())
        tol += 0.5 * zoom
    return tol


def _check(case: str, warps: list[Warp], out_size: tuple[int, int]) -> None:
    x0, y0, x1, y1 = RECT
    kx, ky = DOT[0] + 0.5, DOT[1] + 0.5
    inst = Instances(
        np.array([0, 1]),
        [[np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)], [POLY]],
        np.array([True, False]),
        keypoints=np.array([[[kx, ky, 2.0]], [[0.0, 0.0, 0.0]]]),
        fields=[{"name": "rect"}, {"name": "poly"}],
    )
    moved, _ = move_instances(inst, warps, out_size)
    names = [f["name"] for f in moved.fields]
    coco = {
        "rect": move_annotation(
            {"bbox": [x0, y0, x1 - x0, y1 - y0], "keypoints": [kx, ky, 2]}, warps, out_size
        ),
        "poly": move_annotation({"segmentation": [POLY.ravel().tolist()]}, warps, out_size),
    }
    for name in ("rect", "poly"):
        truth = _moved(MASKS[name], warps)
        where = f"{case}: {name}"
        if not truth.any():
            assert name not in names, f"{where}: mask gone, label kept"
            assert coco[name] is None, f"{where}: mask gone, COCO annotation kept"
            continue
        if truth.sum() <= 2:
            continue  # a sliver: one or two pixel centres; either answer is right
        assert name in names, f"{where}: {truth.sum()} pixels left, label dropped"
        assert coco[name] is not None, f"{where}: {truth.sum()} pixels left, COCO dropped"
        k = names.index(name)
        box = moved.boxes[k]
        if name == "rect":
            expected = _pixel_box(truth)
            off = np.abs(box - expected).max()
            assert off <= _tolerance(warps), f"{where}: box {box} vs mask {expected}"
        bx, by, bw, bh = coco[name]["bbox"]
        coco_box = np.array([bx, by, bx + bw, by + bh])
        assert np.abs(coco_box - box).max() <= 1e-3, f"{where}: COCO bbox differs from YOLO's"
        if name == "poly" and min(np.ptp(np.nonzero(truth), axis=1)) >= 20:
            drawn = _raster(moved.polygons[k], truth.shape)
            # pixels within the earlier groups' rounding of the outline count for neither side
            edge = np.where(drawn, ndimage.distance_transform_edt(drawn), 0.0)
            edge += np.where(drawn, 0.0, ndimage.distance_transform_edt(~drawn))
            settled = (edge > _tolerance(warps) - 1.0) | (drawn == truth)
            iou = (drawn & truth).sum() / ((drawn | truth) & settled).sum()
            assert iou >= 0.95, f"{where}: polygon IoU {iou:.3f}"
    dot = _moved(MASKS["dot"], warps)
    if "rect" in names:
        u, v, vis = moved.keypoints[names.index("rect"), 0]
        if vis > 0:
            assert dot.any(), f"{case}: keypoint visible at ({u}, {v}), dot gone"
            ys, xs = np.nonzero(dot)
            near = np.hypot(xs + 0.5 - u, ys + 0.5 - v).min()
            assert near <= 1.0, f"{case}: keypoint ({u}, {v}) is {near:.2f} px off its dot"
        else:
            centre = dot[min(int(v), out_size[0] - 1), min(int(u), out_size[1] - 1)]
            assert not (dot.sum() >= 9 and centre), f"{case}: whole dot visible, keypoint not"


@pytest.mark.parametrize(("case", "yaml_steps"), _pipelines(), ids=[c for c, _ in _pipelines()])
def test_labels_follow_the_rendered_objects(case, yaml_steps):
    steps = "\n".join("  - " + line for line in yaml_steps.splitlines())
    pipe = Pipeline(parse_pipeline(f"pipeline:\n{steps}\n"))
    image = np.zeros((H, W), np.uint8)
    for copy in range(COPIES):
        out, _, warps = pipe.run_traced(image, 7, "a.png", copy)
        _check(f"{case} copy {copy}", warps, out.shape[:2])
