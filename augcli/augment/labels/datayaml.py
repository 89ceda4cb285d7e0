"""Ultralytics dataset files: ``data.yaml`` (splits, names, kpt_shape, flip_idx), ``classes.txt``.

Read through the file gate (a regular file of at most :data:`MAX_YAML_BYTES`) with
``yaml.safe_load``; a key of the wrong shape is refused naming the file and the key (exit 2).
Split paths are resolved as Ultralytics does for a local dataset: relative to ``path`` when the
file gives one (itself relative to the data.yaml's folder), else to the data.yaml's folder.
A split given as a list of folders or as a ``.txt`` list of images is refused (not supported).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from augcli.core.errors import InputError, UsageError
from augcli.core.gate import read_text

MAX_YAML_BYTES = 4 * 1024 * 1024
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class DataYaml:
    """What augcli uses of a data.yaml.

    Attributes
    ----------
    path : str
        The file.
    raw : dict
        Its content (for the keys copied to a new data.yaml).
    root : str
        The folder split paths are relative to.
    splits : dict
        Split name -> its image folder (absolute), for the splits given as one folder.
    names : dict
        Class id -> name.
    kpt_shape : tuple of int or None
        ``(K, D)``, D 2 or 3 (pose datasets).
    flip_idx : tuple of int or None
        The left/right permutation of the K keypoints.
    """

    path: str
    raw: dict[str, Any]
    root: str
    splits: dict[str, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    kpt_shape: tuple[int, int] | None = None
    flip_idx: tuple[int, ...] | None = None


def parse_kpt_shape(value: Any, where: str) -> tuple[int, int]:
    """``[K, D]`` (a list or ``"K,D"``) checked: K >= 1, D 2 or 3."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
        try:
            value = [int(v) for v in value]
        except ValueError:
            raise UsageError(f"{where}: {value!r} is not K,D (e.g. 17,3)") from None
    if not (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 1 <= value[0] <= 10_000
        and value[1] in (2, 3)
    ):
        raise UsageError(
            f"{where}: kpt_shape {value!r} must be [K, D] with K keypoints (1..10000) and "
            "D 2 (x y) or 3 (x y visibility)"
        )
    return int(value[0]), int(value[1])


def parse_flip_idx(value: Any, count: int | None, where: str) -> tuple[int, ...]:
    """A permutation of ``0..K-1`` (a list or ``"0,2,1,..."``)."""
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.split(",") if v.strip()]
        except ValueError:
            raise UsageError(
                f"{where}: flip_idx must be whole numbers separated by commas"
            ) from None
    ok = isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    )
    if not ok or sorted(value) != list(range(len(value))):
        raise UsageError(f"{where}: flip_idx must be a permutation of 0..K-1, got {value!r}")
    if count is not None and len(value) != count:
        raise UsageError(f"{where}: flip_idx has {len(value)} entries, kpt_shape says {count}")
    return tuple(value)


def parse_names(value: Any, where: str) -> dict[int, str]:
    """Ultralytics ``names``: a list (id = index) or a mapping id -> name."""
    if isinstance(value, list):
        return {i: str(v) for i, v in enumerate(value)}
    if isinstance(value, dict) and all(
        isinstance(k, int) and not isinstance(k, bool) for k in value
    ):
        return {int(k): str(v) for k, v in value.items()}
    raise UsageError(f"{where}: names must be a list or a mapping of class id to name")


def load_data_yaml(path: str | os.PathLike[str], label: str = "--data-yaml") -> DataYaml:
    """Read and check an Ultralytics data.yaml.

    Raises
    ------
    UsageError
        Not a regular file, over the cap, not YAML, not a mapping, or a key of the wrong shape
        (``names``, ``kpt_shape``, ``flip_idx``, ``path``, a split), named with the file.
    """
    path = os.fspath(path)
    try:
        text = read_text(path, label, cap=MAX_YAML_BYTES)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{label} {path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{label} {path}: not a mapping of keys (train, val, names, ...)")
    base = Path(path).resolve().parent
    root = base
    if "path" in data and data["path"] not in (None, ""):
        if not isinstance(data["path"], str):
            raise UsageError(f"{label} {path}: key 'path' must be a folder")
        given = Path(data["path"])
        root = given if given.is_absolute() else (base / given)
        if not root.is_dir():
            raise UsageError(
                f"{label} {path}: key 'path' {data['path']!r} is not a folder (relative paths are "
                f"taken from the data.yaml's folder {base})"
            )
    splits = {}
    for split in SPLITS:
        value = data.get(split)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or value.endswith(".txt"):
            raise UsageError(
                f"{label} {path}: key {split!r} is {value!r}; only one image folder per split "
                "is supported (not a list, not a .txt list of images)"
            )
        splits[split] = str(Path(value) if Path(value).is_absolute() else root / value)
    names = parse_names(data["names"], f"{path}: key 'names'") if "names" in data else {}
    kpt = data.get("kpt_shape")
    kpt_shape = parse_kpt_shape(kpt, f"{path}: key 'kpt_shape'") if kpt is not None else None
    flip = data.get("flip_idx")
    flip_idx = (
        parse_flip_idx(flip, kpt_shape[0] if kpt_shape else None, f"{path}: key 'flip_idx'")
        if flip is not None
        else None
    )
    return DataYaml(path, data, str(root), splits, names, kpt_shape, flip_idx)


def read_classes_txt(folder: str | os.PathLike[str]) -> dict[int, str]:
    """Class names from ``classes.txt`` in ``folder`` (one per line; none: empty)."""
    path = Path(folder) / "classes.txt"
    if not path.is_file():
        return {}
    try:
        text = read_text(path, "classes.txt", cap=MAX_YAML_BYTES)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    return {i: line.strip() for i, line in enumerate(text.splitlines()) if line.strip()}


def find_data_yaml(folder: str | os.PathLike[str], levels: int = 2) -> Path | None:
    """A ``data.yaml`` in ``folder`` or up to ``levels`` folders above it (the first found)."""
    here = Path(folder).resolve()
    for candidate in [here, *here.parents][: levels + 1]:
        if (candidate / "data.yaml").is_file():
            return candidate / "data.yaml"
    return None


def rule_folder(images: str | os.PathLike[str]) -> Path | None:
    """Ultralytics' rule: ``images`` with its last ``images`` part made ``labels`` (None: the
    path has no ``images`` part)."""
    parts = list(Path(images).parts)
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            return Path(*parts)
    return None


def labels_folder(images: str | os.PathLike[str]) -> Path:
    """Ultralytics' rule: the last ``images`` part of a path becomes ``labels``.

    Raises
    ------
    UsageError
        The path has no ``images`` part.
    """
    found = rule_folder(images)
    if found is None:
        raise UsageError(
            f"{images}: no 'images' folder in the path, so Ultralytics' rule (.../images/... -> "
            ".../labels/...) finds no labels; give the label folder"
        )
    return found
