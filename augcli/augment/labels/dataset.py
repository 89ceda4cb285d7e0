"""A whole Ultralytics dataset from its data.yaml: chosen splits augmented, others copied.

``augcli augment --yolo-data data.yaml OUT``: each chosen split (``--splits``, default
``train``) is augmented from its image folder into ``OUT/images/<split>``, its labels found by
Ultralytics' rule (``.../images/...`` -> ``.../labels/...``) and written to
``OUT/labels/<split>``: YOLO-pose when the data.yaml gives ``kpt_shape``, else YOLO
(detection and segmentation lines are told apart per line). The other splits are copied
unchanged (images and labels, byte for byte). ``OUT/data.yaml`` is the source's keys with
``train``/``val``/``test`` rewritten to ``images/<split>`` and no ``path`` (Ultralytics then
takes the splits relative to the data.yaml's folder), so the dataset trains as it is.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from augcli.augment.labels.companions import copy_file
from augcli.augment.labels.datayaml import (
    SPLITS,
    DataYaml,
    labels_folder,
    read_classes_txt,
    rule_folder,
)
from augcli.augment.labels.files import LabelOptions
from augcli.core.atomic import atomic_write
from augcli.core.errors import UsageError
from augcli.core.gate import open_regular, write_refusal


def parse_splits(text: str, data: DataYaml) -> list[str]:
    """``--splits train,val`` checked against the splits the data.yaml gives."""
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    for split in chosen:
        if split not in SPLITS:
            raise UsageError(f"--splits: {split!r} is not one of {', '.join(SPLITS)}")
        if split not in data.splits:
            raise UsageError(
                f"--splits: {data.path} gives no {split!r} split (it gives: "
                f"{', '.join(data.splits) or 'none'})"
            )
    if not chosen:
        raise UsageError("--splits: name at least one split (train, val, test)")
    return chosen


def split_labels(data: DataYaml, split: str, base: LabelOptions, out: Path) -> LabelOptions:
    """The label options of one split: its labels by Ultralytics' rule, YOLO or YOLO-pose."""
    images = Path(data.splits[split])
    labels = labels_folder(images)
    if not labels.is_dir():
        raise UsageError(
            f"{data.path}: split {split!r}: no label folder {labels} (Ultralytics' rule: "
            ".../images/... -> .../labels/...)"
        )
    pair = (str(labels), str(out / "labels" / split))
    kind = "yolo_pose" if data.kpt_shape is not None else "yolo"
    return LabelOptions(
        mask_fill=base.mask_fill,
        min_visibility=base.min_visibility,
        min_area=base.min_area,
        skip_unlabelled=base.skip_unlabelled,
        **{kind: pair},
        data_yaml=data,
        kpt_shape=data.kpt_shape,
        flip_idx=data.flip_idx,
        names=data.names,
    )


def check_out(data: DataYaml, out: Path) -> None:
    """OUT must be neither inside the dataset nor hold it."""
    real_out, root = out.resolve(), Path(data.root).resolve()
    folders = [root, *(Path(p).resolve() for p in data.splits.values())]
    for folder in folders:
        if real_out.is_relative_to(folder) or folder.is_relative_to(real_out):
            raise UsageError(
                f"OUT {out} and the dataset's folder {folder} overlap; write the augmented "
                "dataset elsewhere"
            )


def copy_split(data: DataYaml, split: str, out: Path, overwrite: bool) -> int:
    """Copy a split's images and labels unchanged; return how many files were written.

    A file already there with the same bytes is left; another one is refused (exit 2)
    unless ``overwrite``.
    """
    images = Path(data.splits[split])
    pairs = [(images, out / "images" / split)]
    labels = labels_folder(images)
    if labels.is_dir():
        pairs.append((labels, out / "labels" / split))
    written = 0
    for src_root, dst_root in pairs:
        for folder, dirs, files in os.walk(src_root):
            dirs.sort()
            rel = Path(folder).relative_to(src_root)
            for name in sorted(files):
                if name.startswith("."):
                    continue
                written += copy_file(Path(folder) / name, dst_root / rel / name, overwrite)
    return written


def new_data_yaml(data: DataYaml) -> str:
    """The output data.yaml: the source's keys, splits at ``images/<split>``, no ``path``;
    ``names`` from the first split's ``classes.txt`` when the source has none."""
    out: dict[str, Any] = {}
    for key, value in data.raw.items():
        if key in ("path", "download", *SPLITS):
            continue
        out[key] = value
    splits = {s: f"images/{s}" for s in SPLITS if s in data.splits}
    if "names" not in out:  # Ultralytics needs them: from a split's classes.txt, if any
        for split in data.splits:
            folder = rule_folder(data.splits[split])
            names = read_classes_txt(folder) if folder is not None else {}
            if names:
                out["names"] = names
                break
    return yaml.safe_dump({**splits, **out}, sort_keys=False, allow_unicode=True)


def write_data_yaml(data: DataYaml, out: Path, overwrite: bool) -> None:
    """Write OUT/data.yaml (left alone when it already says the same)."""
    text = new_data_yaml(data)
    path = out / "data.yaml"
    if os.path.lexists(path):
        reason = write_refusal(path)
        if reason:
            raise UsageError(f"{path} {reason}; augcli replaces only regular files it wrote")
        with open_regular(path, "OUT") as handle:
            if handle.read() == text.encode("utf-8"):
                return
        if not overwrite:
            raise UsageError(f"{path} exists with other content; use --overwrite to replace it")
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def run_dataset(
    data: DataYaml,
    out: Path,
    splits: list[str],
    options: Any,
    run_split: Callable[[Path, Path, Any], Any],
    copy_others: bool = True,
    write: bool = True,
) -> dict[str, Any]:
    """Augment the chosen splits (``run_split(src, dst, options)``), copy the others, write
    OUT/data.yaml last (unless ``write`` is false: a dry run); return each split's result
    (a summary, None for a dry run, or the number of files copied)."""
    check_out(data, out)
    plans = {
        split: dataclasses.replace(options, labels=split_labels(data, split, options.labels, out))
        for split in splits
    }
    results: dict[str, Any] = {}
    for split in splits:
        results[split] = run_split(Path(data.splits[split]), out / "images" / split, plans[split])
    overwrite = options.existing == "overwrite"
    if copy_others:
        for split in data.splits:
            if split not in splits:
                results[split] = copy_split(data, split, out, overwrite)
    if write:  # not for a dry run
        write_data_yaml(data, out, overwrite or options.existing == "resume")
    return results
