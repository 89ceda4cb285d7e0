"""The worker side of labels: read an input's labels once, write each output's label files.

Each output's label files go to temporary names beside their destination; the run's writer
renames them into place before the image (so an image that exists always has its labels)
and records :func:`write_labels`'s summary in the output's manifest line under ``labels``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from augcli.augment.labels.annotations import move_annotation
from augcli.augment.labels.files import LabelOptions, LabelTask, temp_path
from augcli.augment.labels.geometry import Warp
from augcli.augment.labels.instances import move_instances
from augcli.augment.labels.masks import Mask, read_mask, warp_mask, write_mask
from augcli.augment.labels.yolo import YoloObject, parse_yolo, yolo_instances, yolo_lines
from augcli.augment.record.manifest import file_digest
from augcli.core.errors import InputError
from augcli.core.gate import read_text

MAX_YOLO_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class LabelInputs:
    """An input's labels, read once for all its outputs."""

    mask: Mask | None
    yolo: list[YoloObject] | None
    coco: dict[str, Any] | None


def read_labels(task: LabelTask, size: tuple[int, int], max_pixels: int | None) -> LabelInputs:
    """Read the mask, YOLO file and COCO payload of an image of ``size = (height, width)``.

    Raises
    ------
    InputError
        A missing or unreadable mask, a mask of another size, a malformed YOLO file.
    """
    mask = None
    if task.mask_problem is not None:
        raise InputError(task.mask_problem)
    if task.mask_src is not None:
        mask = read_mask(task.mask_src, max_pixels)
        if mask.array.shape != size:
            raise InputError(
                f"mask {task.mask_src} is {mask.array.shape[1]}x{mask.array.shape[0]}, its image "
                f"{size[1]}x{size[0]}"
            )
    yolo = None
    if task.yolo_src is not None:
        yolo = parse_yolo(_read_text(task.yolo_src), task.yolo_src, size)
    coco = json.loads(task.coco) if task.coco is not None else None
    return LabelInputs(mask, yolo, coco)


def _read_text(path: str) -> str:
    """A YOLO file's text through the gate (a regular file of at most :data:`MAX_YOLO_BYTES`).

    No file at that name means no objects; a dangling symlink, a FIFO, a device or a folder
    fails the input (a FIFO is never opened for a blocking read).
    """
    if not os.path.lexists(path):
        return ""  # no label file: no objects
    return read_text(path, "--yolo", cap=MAX_YOLO_BYTES)


def write_labels(
    task: LabelTask,
    inputs: LabelInputs,
    output_name: str,
    warps: Sequence[Warp],
    out_size: tuple[int, int],
    options: LabelOptions,
    tag: str = "",
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Move an input's labels for one output and write them to temporary files.

    ``tag`` goes into the temporary names (the task's shard and attempt, see ``Task.temp_tag``).

    Returns
    -------
    labels : dict
        The manifest line's ``labels`` entry: per kind, the file written (relative to that
        label DST) with its ``size`` and ``sha256``, and the objects kept and dropped; for
        COCO the moved annotations.
    files : list of (str, str)
        ``(temporary, final)`` paths, for the writer to rename.
    """
    finals = task.outputs(output_name)
    info: dict[str, Any] = {}
    files: list[tuple[str, str]] = []
    if inputs.mask is not None:
        final, rel = finals["mask"]
        temp = temp_path(final, tag)
        files.append((temp, final))
        write_mask(warp_mask(inputs.mask, warps, options.mask_fill), temp)
        info["mask"] = {"file": rel, **_digest(temp)}
    if inputs.yolo is not None:
        final, rel = finals["yolo"]
        moved, dropped = move_instances(
            yolo_instances(inputs.yolo),
            warps,
            out_size,
            options.min_visibility,
            options.min_area,
        )
        lines = yolo_lines(moved, out_size)
        dropped += len(moved.classes) - len(lines)  # zero-area boxes are never written
        temp = temp_path(final, tag)
        files.append((temp, final))
        with open(temp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write("".join(line + "\n" for line in lines))
        info["yolo"] = {"file": rel, "kept": len(lines), "dropped": dropped, **_digest(temp)}
    if inputs.coco is not None:
        info["coco"] = _coco_entry(inputs.coco, warps, out_size, options)
    return info, files


def source_image_keys(image: dict[str, Any]) -> dict[str, Any]:
    """What an output's COCO image entry keeps of its source entry: ``id`` and ``file_name``
    as ``source_id`` and ``source_file_name``, every other key but ``width`` and ``height``."""
    kept = {k: v for k, v in image.items() if k not in ("id", "file_name", "width", "height")}
    kept.update(source_id=image["id"], source_file_name=image["file_name"])
    return kept


def _digest(path: str) -> dict[str, Any]:
    """A written label file's ``size`` and ``sha256``, the proof ``--overwrite`` checks."""
    size, sha = file_digest(path)
    return {"size": size, "sha256": sha}


def _coco_entry(
    payload: dict[str, Any],
    warps: Sequence[Warp],
    out_size: tuple[int, int],
    options: LabelOptions,
) -> dict[str, Any]:
    moved, dropped = [], 0
    for ann in payload["annotations"]:
        swap = payload["swaps"].get(str(ann["category_id"]))
        try:
            out = move_annotation(
                ann, warps, out_size, options.min_visibility, swap, options.min_area
            )
        except ValueError as exc:  # an RLE whose counts do not fit its size
            raise InputError(
                f"{payload['image']['file_name']}: annotation {ann['id']}: {exc}"
            ) from None
        if out is None:
            dropped += 1
        else:
            moved.append(out)
    entry: dict[str, Any] = {"width": out_size[1], "height": out_size[0]}
    image = payload["image"]
    if image is None:
        entry["unlisted"] = True
    else:
        entry["image"] = source_image_keys(image)
    entry.update(annotations=moved, kept=len(moved), dropped=dropped)
    return entry
