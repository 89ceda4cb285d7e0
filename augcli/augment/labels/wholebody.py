"""COCO-WholeBody's extra geometry on an annotation: part boxes and part keypoints, moved with it.

COCO-WholeBody (Jin et al., ECCV 2020) adds to a person annotation ``face_box``,
``lefthand_box`` and ``righthand_box`` (``[x, y, width, height]``, all zeros when the part is not
annotated), ``foot_kpts`` (6 points), ``face_kpts`` (68), ``lefthand_kpts`` and
``righthand_kpts`` (21 each) as ``[x1, y1, v1, ...]``, and ``*_valid`` flags. They are moved
with the body through the same maps: each box as its four corners, clipped and filtered like any
box (one that leaves the image is written as zeros and its ``*_valid`` becomes false); the part
keypoints ride with the body's keypoints. A mirroring map swaps the left and right hand (boxes,
keypoints and flags), the feet's left and right points and the face's mirrored landmarks
(the 68-point iBUG layout).

Any other key that looks like geometry (a list of 4 numbers named ``*_box``/``*bbox``, or of
3k numbers named ``*_kpts``/``*keypoints``) cannot be moved: :func:`part_problems` names it and
the COCO file is refused before any work.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from augcli.augment.labels.geometry import box_corners
from augcli.augment.labels.instances import Instances

BOX_PARTS = ("face_box", "lefthand_box", "righthand_box")
KEYPOINT_PARTS = ("foot_kpts", "face_kpts", "lefthand_kpts", "righthand_kpts")
VALID = {
    "face_box": "face_valid",
    "lefthand_box": "lefthand_valid",
    "righthand_box": "righthand_valid",
    "foot_kpts": "foot_valid",
}
MIRRORED_KEYS = (
    ("lefthand_box", "righthand_box"),
    ("lefthand_valid", "righthand_valid"),
)
MOVED_KEYS = ("bbox", "segmentation", "keypoints", *BOX_PARTS, *KEYPOINT_PARTS)
"""Annotation keys whose geometry augcli moves (everything else is copied unchanged)."""


def _face_mirror() -> list[int]:
    """The 68-point iBUG face layout's mirror: jaw, brows, nose, eyes and mouth left <-> right."""
    pairs = [(k, 16 - k) for k in range(8)]  # jaw 0..16
    pairs += [(17 + k, 26 - k) for k in range(5)]  # brows 17..26
    pairs += [(31, 35), (32, 34)]  # nostrils
    pairs += [(36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46)]  # eyes
    pairs += [(48, 54), (49, 53), (50, 52), (55, 59), (56, 58)]  # outer lips
    pairs += [(60, 64), (61, 63), (65, 67)]  # inner lips
    perm = list(range(68))
    for a, b in pairs:
        perm[a], perm[b] = b, a
    return perm


PART_MIRRORS = {"foot_kpts": [3, 4, 5, 0, 1, 2], "face_kpts": _face_mirror()}
"""Within-part left/right permutations for the standard point counts (feet: left big toe,
small toe, heel, then the right ones)."""


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _numbers(value: Any) -> bool:
    return isinstance(value, list) and all(_is_num(v) for v in value)


def part_problems(where: str, ann: dict[str, Any]) -> list[str]:
    """What is wrong with an annotation's part geometry, and geometry augcli cannot move.

    ``where`` starts each problem (``annotations[3] (id 7)``).
    """
    out = []
    for key in BOX_PARTS:
        if key in ann and not (_numbers(ann[key]) and len(ann[key]) == 4):
            out.append(f"{where}: {key} must be [x, y, width, height]")
        elif key in ann and (ann[key][2] < 0 or ann[key][3] < 0):
            out.append(f"{where}: {key} {ann[key]} has a negative width or height")
    for key in KEYPOINT_PARTS:
        if key in ann and not (_numbers(ann[key]) and len(ann[key]) % 3 == 0):
            out.append(f"{where}: {key} must be [x1, y1, v1, ...]")
    hands = [ann.get(k) for k in ("lefthand_kpts", "righthand_kpts")]
    if all(isinstance(h, list) for h in hands) and len(hands[0]) != len(hands[1]):  # type: ignore[arg-type]
        out.append(
            f"{where}: lefthand_kpts and righthand_kpts have different lengths "
            f"({len(hands[0])} and {len(hands[1])}); a mirroring map swaps them"  # type: ignore[arg-type]
        )
    for key, value in ann.items():
        if key in MOVED_KEYS or not isinstance(key, str) or not _numbers(value) or not value:
            continue
        name = key.lower()
        if name.endswith(("_box", "bbox")) and len(value) == 4:
            what = "a box"
        elif name.endswith(("_kpts", "keypoints")) and len(value) % 3 == 0:
            what = "keypoints"
        else:
            continue
        out.append(
            f"{where}: key {key!r} looks like {what}, which augcli does not know how to move "
            f"(it moves {', '.join(MOVED_KEYS)}); remove the key or convert it"
        )
    return out


def has_parts(ann: dict[str, Any]) -> bool:
    """Whether the annotation carries any COCO-WholeBody part geometry."""
    return any(k in ann for k in (*BOX_PARTS, *KEYPOINT_PARTS))


def with_parts(
    body: Instances, ann: dict[str, Any]
) -> tuple[Instances, list[tuple[str, int, int]]]:
    """The body instance followed by one box instance per part box, all with one keypoint row.

    Returns the instances (``fields[i]["part"]`` names each part box; the body has none) and
    the keypoint layout: ``(key, first, count)`` of each part's points after the body's.
    The keypoints' ``flip_idx`` swaps left and right parts and points on a mirroring map.
    """
    n_body = 0 if body.keypoints is None else body.keypoints.shape[1]
    rows = [body.keypoints[0]] if body.keypoints is not None else []
    perm = list(range(n_body)) if body.flip_idx is None else [int(i) for i in body.flip_idx]
    layout: list[tuple[str, int, int]] = []
    first = n_body
    for key in KEYPOINT_PARTS:
        if key in ann:
            points = np.asarray(ann[key], dtype=np.float64).reshape(-1, 3)
            rows.append(points)
            layout.append((key, first, len(points)))
            first += len(points)
    starts = {key: (start, count) for key, start, count in layout}
    for key, start, count in layout:
        if key in ("lefthand_kpts", "righthand_kpts"):
            other = "righthand_kpts" if key == "lefthand_kpts" else "lefthand_kpts"
            if other in starts:
                perm += list(range(starts[other][0], starts[other][0] + count))
                continue
        mirror = PART_MIRRORS.get(key)
        local = mirror if mirror is not None and len(mirror) == count else range(count)
        perm += [start + k for k in local]
    keypoints = np.concatenate(rows)[None] if rows else None
    boxes = [key for key in BOX_PARTS if key in ann]
    n = 1 + len(boxes)
    polygons = list(body.polygons)
    for key in boxes:
        x, y, w, h = ann[key]
        polygons.append([box_corners(x, y, x + w, y + h)])
    if keypoints is not None:
        keypoints = np.concatenate([keypoints, np.zeros((n - 1, *keypoints.shape[1:]))])
    return (
        Instances(
            np.repeat(body.classes[:1], n),
            polygons,
            np.concatenate([body.is_box[:1], np.ones(n - 1, bool)]),
            keypoints=keypoints,
            flip_idx=np.asarray(perm) if keypoints is not None else None,
            fields=[{}] + [{"part": key} for key in boxes],
        ),
        layout,
    )


def write_parts(
    out: dict[str, Any],
    ann: dict[str, Any],
    moved: Instances,
    layout: list[tuple[str, int, int]],
    mirrored: bool,
    rounded: Any,
) -> None:
    """Put the moved part boxes and keypoints of ``ann`` into ``out`` (the output annotation).

    ``moved`` is :func:`with_parts`'s instances after the move (the body first); ``mirrored``
    whether the whole map mirrors; ``rounded`` the writer's rounding of a coordinate.
    """
    kept = {f.get("part"): i for i, f in enumerate(moved.fields) if f.get("part")}
    for key in BOX_PARTS:
        if key not in ann:
            continue
        if key in kept:
            x0, y0, x1, y1 = moved.boxes[kept[key]]
            out[key] = [rounded(x0), rounded(y0), rounded(x1 - x0), rounded(y1 - y0)]
        else:
            out[key] = [0.0, 0.0, 0.0, 0.0]
        if VALID[key] in ann and key not in kept:
            out[VALID[key]] = False
    if moved.keypoints is not None:
        for key, start, count in layout:
            rows = moved.keypoints[0, start : start + count]
            out[key] = [rounded(v) if k % 3 < 2 else _vis(v) for k, v in enumerate(rows.ravel())]
            if key in VALID and VALID[key] in ann and not (rows[:, 2] > 0).any():
                out[VALID[key]] = False
    if mirrored:
        for left, right in MIRRORED_KEYS:
            if left in out and right in out:
                out[left], out[right] = out[right], out[left]


def _vis(value: float) -> int | float:
    """A visibility as written: a whole number as an int, a score as it was."""
    return int(value) if float(value).is_integer() else float(value)
