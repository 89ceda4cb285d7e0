"""YOLO-pose label files: ``class cx cy w h`` then K keypoints ``x y`` or ``x y v``, normalized.

The keypoint layout ``kpt_shape: [K, D]`` and the left/right permutation ``flip_idx`` come as
Ultralytics' data.yaml gives them: ``--data-yaml``, else a ``data.yaml`` found in the label
folder or up to two folders above it, else ``--kpt-shape K,D`` and ``--flip-idx``. Every line
must have exactly ``5 + K*D`` values: a pose line is never read as a polygon.

Keypoints move with the box (:class:`~augcli.augment.labels.instances.Instances`): one that
leaves the image, or was not visible (``v = 0``; with D = 2 the point ``0 0``), is written
``0 0`` (and ``v = 0``); a mirroring map swaps left and right by ``flip_idx``. The box is
written as the enclosing box of its moved outline, like ``--yolo`` boxes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from augcli.augment.labels.datayaml import (
    find_data_yaml,
    load_data_yaml,
    parse_flip_idx,
    parse_kpt_shape,
    read_classes_txt,
)
from augcli.augment.labels.draw import draw_keypoints, draw_shapes
from augcli.augment.labels.formats.base import LabelFormat, Setting, digest, write_text_file
from augcli.augment.labels.formats.yolo import (
    MAX_LINE_CHARS,
    TOLERANCE,
    YOLO_EXTENSION,
    ZERO,
    _fmt,
    _shown,
    instance_shapes,
    label_folder,
    parse_class,
    read_label_text,
)
from augcli.augment.labels.geometry import box_corners
from augcli.augment.labels.instances import Instances, move_instances
from augcli.core.errors import InputError, UsageError


def parse_pose(
    text: str, path: str, size: tuple[int, int], kpt_shape: tuple[int, int],
    flip_idx: Sequence[int] | None = None,
) -> Instances:  # fmt: skip
    """Parse a YOLO-pose file for an image of ``size = (height, width)``.

    Raises
    ------
    InputError
        ``path:line: ...`` for the first malformed line: a token count other than
        ``5 + K*D`` (the message says "pose" and the expected count), not a number, a bad
        class, a coordinate outside [0, 1], a visibility that is not 0, 1 or 2.
    """
    height, width = size
    k, d = kpt_shape
    expected = 5 + k * d
    classes, polygons, keypoints = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}:{number}"
        if len(line) > MAX_LINE_CHARS:
            raise InputError(f"{where}: line longer than {MAX_LINE_CHARS} characters")
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != expected:
            raise InputError(
                f"{where}: {len(tokens)} values; a YOLO-pose line with kpt_shape [{k}, {d}] has "
                f"{expected} (class cx cy w h, then {k} keypoints of {d} values)"
            )
        cls = parse_class(tokens[0], where)
        values = []
        for t in tokens[1:]:
            try:
                values.append(float(t))
            except ValueError:
                raise InputError(f"{where}: {_shown(t)} is not a number") from None
        for n, v in enumerate(values, start=2):
            is_vis = d == 3 and n > 5 and (n - 6) % 3 == 2
            if is_vis:
                if v not in (0.0, 1.0, 2.0):
                    raise InputError(
                        f"{where}: value {n} is {_shown(tokens[n - 1], quote=False)}; a pose "
                        "keypoint's visibility must be 0, 1 or 2"
                    )
            elif not math.isfinite(v) or v < -TOLERANCE or v > 1 + TOLERANCE:
                raise InputError(
                    f"{where}: value {n} is {_shown(tokens[n - 1], quote=False)}; "
                    "normalized coordinates must be within [0, 1]"
                )
        cx, cy, w, h = values[:4]
        box = box_corners(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2) * [width, height]
        kps = np.asarray(values[4:], dtype=np.float64).reshape(k, d)
        if d == 2:  # no visibility: the point 0 0 is "not labelled", as Ultralytics writes it
            vis = np.where((kps[:, 0] == 0) & (kps[:, 1] == 0), 0.0, 2.0)
            kps = np.column_stack([kps, vis])
        kps[:, 0] *= width
        kps[:, 1] *= height
        classes.append(cls)
        polygons.append([box])
        keypoints.append(kps)
    flip = np.asarray(flip_idx) if flip_idx is not None else None
    return Instances(
        np.array(classes, dtype=np.int64),
        polygons,
        np.ones(len(classes), bool),
        keypoints=np.asarray(keypoints, dtype=np.float64).reshape(len(classes), k, 3),
        flip_idx=flip,
    )


def pose_lines(instances: Instances, out_size: tuple[int, int], dims: int) -> list[str]:
    """The lines of a YOLO-pose file: the box as in ``--yolo``, then each keypoint.

    A box whose written width or height would be 0 is left out with its keypoints.
    """
    height, width = out_size
    lines = []
    for cls, box, kps in zip(
        instances.classes,
        instances.boxes,
        instances.keypoints,
        strict=True,  # type: ignore[arg-type]
    ):
        x0, y0, x1, y1 = box
        values = [(x0 + x1) / 2 / width, (y0 + y1) / 2 / height, (x1 - x0) / width]
        values.append((y1 - y0) / height)
        texts = [_fmt(float(v)) for v in values]
        if ZERO in texts[2:]:
            continue  # a box with no width or no height is never written
        for u, v, vis in kps:
            if vis <= 0:
                texts += [ZERO, ZERO] + (["0"] if dims == 3 else [])
            else:
                texts += [_fmt(u / width), _fmt(v / height)]
                texts += [str(int(vis))] if dims == 3 else []
        lines.append(" ".join([str(int(cls)), *texts]))
    return lines


def _shape_of(options: Any) -> tuple[int, int]:
    shape = options.setting("kpt_shape")
    if shape is None:  # resolve() refuses a run without one; a direct caller must give it
        raise InputError("YOLO-pose labels need kpt_shape (data.yaml, or --kpt-shape K,D)")
    return shape


class PoseFormat(LabelFormat):
    """``--yolo-pose SRC DST``: one ``.txt`` per image, a box and K keypoints per line."""

    name = "yolo-pose"
    key = "yolo_pose"
    extension = YOLO_EXTENSION
    ultralytics_rule = True
    companions = ("classes.txt",)
    help = (
        "YOLO-pose label folder mirroring SRC (box then K keypoints per line; kpt_shape and "
        "flip_idx from --data-yaml, a data.yaml found beside the labels, or --kpt-shape) and "
        "where the moved labels go."
    )
    preview_help = "YOLO-pose label file of IMAGE (a .txt, or a folder holding one)."
    summary = "Ultralytics YOLO-pose `.txt`: box + K keypoints (`kpt_shape`, `flip_idx`)"
    example = "--yolo-pose labels/ out_labels/ --kpt-shape 17,3"
    settings = (
        Setting(
            "--kpt-shape", "kpt_shape", "K,D",
            "YOLO-pose keypoints per object and values per keypoint (2: x y, 3: x y v), when "
            "no data.yaml gives kpt_shape.",
            lambda text: parse_kpt_shape(text, "--kpt-shape"),
        ),
        Setting(
            "--flip-idx", "flip_idx", "I,J,...",
            "YOLO-pose left/right permutation of the keypoints (as data.yaml's flip_idx), "
            "applied when a map mirrors.",
            lambda text: parse_flip_idx(text, None, "--flip-idx"),
        ),
    )  # fmt: skip

    def resolve(self, pair: tuple[str, ...], options: Any) -> None:
        """kpt_shape and flip_idx from the options, else from a data.yaml; refuse without."""
        settings = options.settings
        data = settings.get("data_yaml")
        folder = label_folder(pair[0])
        if data is None and settings.get("kpt_shape") is None and folder is not None:
            found = find_data_yaml(folder)
            data = load_data_yaml(found, "data.yaml") if found is not None else None
        if data is not None:
            if settings.get("kpt_shape") is None:
                settings["kpt_shape"] = data.kpt_shape
            if settings.get("flip_idx") is None:
                settings["flip_idx"] = data.flip_idx
            if not settings.get("names"):
                settings["names"] = data.names
        if settings.get("kpt_shape") is None:
            raise UsageError(
                f"--yolo-pose {pair[0]}: no kpt_shape known; give --data-yaml (with kpt_shape) "
                "or --kpt-shape K,D (e.g. 17,3)"
            )
        flip = settings.get("flip_idx")
        if flip is not None and len(flip) != settings["kpt_shape"][0]:
            raise UsageError(
                f"--flip-idx has {len(flip)} entries, kpt_shape {list(settings['kpt_shape'])} "
                f"says {settings['kpt_shape'][0]} keypoints"
            )
        if not settings.get("names"):
            settings["names"] = read_classes_txt(folder) if folder is not None else {}

    def read(self, source: str, size: tuple[int, int], options: Any, max_pixels: int | None):
        """The file's objects with their keypoints (no file: none)."""
        return parse_pose(
            read_label_text(source, self.flag), source, size, _shape_of(options),
            options.setting("flip_idx"),
        )  # fmt: skip

    def write(self, data, warps, out_size, options, temp, rel, output_name) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        """Move boxes and keypoints, write their lines; count what was kept and dropped."""
        moved, dropped = move_instances(
            data, warps, out_size, options.min_visibility, options.min_area
        )
        lines = pose_lines(moved, out_size, _shape_of(options)[1])
        dropped += len(moved) - len(lines)
        write_text_file(temp, "".join(line + "\n" for line in lines))
        return {"file": rel, "kept": len(lines), "dropped": dropped, **digest(temp)}

    def draw(self, rgb, data, warps: Sequence, options, names) -> np.ndarray:  # type: ignore[no-untyped-def]
        """Each moved box and its visible keypoints, coloured by their index."""
        moved, _ = move_instances(
            data, warps, rgb.shape[:2], options.min_visibility, options.min_area
        )
        rgb = draw_shapes(rgb, instance_shapes(moved, names))
        if moved.keypoints is not None:
            for points in moved.keypoints:
                rgb = draw_keypoints(rgb, points)
        return rgb
