"""COCO annotation files: load and validate before any work, index by file, write the result.

A COCO file is refused (exit 2, nothing written) unless it is a JSON object with lists
``images``, ``annotations`` and ``categories`` whose ids are unique integers, whose
annotations point at existing images and categories, and whose boxes, polygons, RLE masks and
keypoints are well-formed; the message names the first few problems. A file that is not JSON,
too deeply nested or too large for memory is refused the same way, never with a traceback.

The output keeps ``info``, ``licenses`` and ``categories``; ``images`` has one entry per
output (ids 1.. in the order of the outputs' paths, ``file_name`` relative to DST, the source
entry's id and file name as ``source_id`` and ``source_file_name``, its other keys kept) and
``annotations`` the moved annotations of each (ids 1.. in the same order).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image

from augcli.augment.labels import rle
from augcli.augment.labels.wholebody import part_problems
from augcli.core.atomic import atomic_write
from augcli.core.errors import InputError, UsageError
from augcli.core.gate import open_regular
from augcli.core.stores import is_url, read_url, write_url
from augcli.images.decoding import pillow_pixel_limit
from augcli.images.reading import DEFAULT_MAX_PIXELS, ORIENTATION_TAG

MAX_PROBLEMS = 5
MAX_COCO_BYTES = 2 << 30
"""Size cap of a ``--coco`` file: 2 GiB, four times COCO 2017's largest (instances_train,
448 MB) and above LVIS v1 train (1.1 GB); parsing 2 GiB of JSON already takes tens of GB of
memory, so a larger file would fail anyway, later and less clearly."""


@dataclass
class CocoIndex:
    """A validated COCO file: what the output copies, and each image's payload by file name."""

    path: str
    meta: dict[str, Any]
    payloads: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    sizes: dict[str, tuple[int, str, int, int]] = field(default_factory=dict)
    """Key -> the image entry's ``(id, file_name, width, height)``."""
    mismatches: list[str] = field(default_factory=list)
    mismatch_count: int = 0
    annotations: int = 0
    """How many annotations the file holds."""

    def payload(self, key: str) -> str:
        """The JSON payload of the image at relative path ``key`` (no entry: no annotations)."""
        found = self.payloads.get(key)
        if found is None:
            return json.dumps({"image": None, "annotations": [], "swaps": {}})
        self.used.add(key)
        return found

    def unmatched(self) -> list[str]:
        """File names of image entries no input matched (sorted)."""
        return sorted(set(self.payloads) - self.used)

    def check_size(self, key: str, path: str | os.PathLike[str]) -> None:
        """Compare the entry of ``key`` with the real file at ``path`` (header only).

        A mismatch is kept in :attr:`mismatches` (see :meth:`refuse_mismatches`); a file
        whose header cannot be read is left to the worker, which fails it with its reason.
        """
        entry = self.sizes.get(key)
        if entry is None:
            return
        image_id, name, width, height = entry
        real = header_size(path)
        if real is None or real == (width, height):
            return
        self.mismatch_count += 1
        if len(self.mismatches) < MAX_PROBLEMS:
            self.mismatches.append(
                f"  {name!r} (image id {image_id}): the entry says {width}x{height}, "
                f"the file {os.fspath(path)} is {real[0]}x{real[1]}"
            )

    def refuse_mismatches(self) -> None:
        """Refuse the run (exit 2) when an image entry's size is not its file's.

        Annotations are in the entry's pixel grid; moved on another grid they would land in
        the wrong place or be lost, so nothing runs.
        """
        if not self.mismatch_count:
            return
        more = self.mismatch_count - len(self.mismatches)
        raise UsageError(
            f"--coco {self.path}: {self.mismatch_count} image entr(ies) give a width x height "
            "that is not their file's (after EXIF orientation):\n"
            + "\n".join(self.mismatches)
            + (f"\n  ... and {more} more" if more > 0 else "")
            + "\nfix the entries' width and height, or the files"
        )

    def refuse_no_match(self, src: Path, keys: list[str]) -> None:
        """Refuse the run (exit 2) when no image entry names a file under SRC.

        ``keys`` are the inputs' paths relative to SRC. Every annotation would be lost
        silently; the message suggests the SRC that would match when the file names carry a
        folder SRC already is (``val2017/x.jpg`` with SRC ``.../val2017``) or lack one SRC has
        (``x.jpg`` with SRC ``.../coco`` holding ``val2017/x.jpg``), else the prefix to strip.
        """
        if not self.payloads or not keys or self.used:
            return
        names = sorted(self.payloads)
        hint = _prefix_hint(names, set(keys), src)
        raise UsageError(
            f"--coco {self.path}: none of its {len(names)} image entries names a file under "
            f"SRC {src} (file_name is read relative to SRC; e.g. {names[0]!r}, while SRC holds "
            f"{sorted(keys)[0]!r}); {hint}"
        )


def _prefix_hint(names: list[str], keys: set[str], src: Path) -> str:
    """How ``names`` (image entries' file names) could match ``keys`` (the files under SRC)."""
    sample = names[: 10 * MAX_PROBLEMS]
    for depth in range(1, 4):  # the file names carry folders SRC is already in
        parts = [PurePosixPath(n).parts for n in sample]
        if any(len(p) <= depth for p in parts):
            break
        if any(PurePosixPath(*p[depth:]).as_posix() in keys for p in parts):
            prefixes = {PurePosixPath(*p[:depth]).as_posix() for p in parts}
            prefix = prefixes.pop() if len(prefixes) == 1 else None
            if prefix is None:
                return "the file names start with different folders; strip them or fix SRC"
            real = src.resolve()
            tail = PurePosixPath(prefix).parts
            if real.is_dir() and real.parts[-len(tail) :] == tail:
                return (
                    f"the file names start with {prefix + '/'!r}, the folder SRC is: give SRC "
                    f"{real.parents[len(tail) - 1]} (the folder holding {prefix}/)"
                )
            return f"the file names start with {prefix + '/'!r}: strip it from every file_name"
    by_name: dict[str, str] = {}
    for key in keys:
        by_name.setdefault(PurePosixPath(key).name, key)
    for name in sample:  # SRC holds the files one or more folders down
        key = by_name.get(PurePosixPath(name).name)
        if key is not None and key.endswith("/" + name):
            folder = key[: -len(name) - 1]
            return f"the files are under {folder}/ in SRC: give SRC {src / folder}"
    return "make each file_name the image's path relative to SRC"


def header_size(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """``(width, height)`` of an image as augcli reads it (EXIF orientation applied), from
    its header only; None when it is not a regular file Pillow can identify."""
    try:
        with open_regular(path, "SRC") as handle, pillow_pixel_limit(None):
            with Image.open(handle) as im:
                width, height = im.size
                if im.getexif().get(ORIENTATION_TAG, 1) in (5, 6, 7, 8):
                    width, height = height, width  # turned a quarter: read upright
                return width, height
    except Exception:  # noqa: BLE001 - an unreadable image fails later, in its worker
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(
        value
    )


def load_coco(
    path: str | os.PathLike[str], max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> CocoIndex:
    """Read and validate a COCO annotations file.

    Parameters
    ----------
    path : str or os.PathLike
        A regular file of at most :data:`MAX_COCO_BYTES` (read through the file gate).
    max_pixels : int, optional
        Refuse image entries claiming more pixels than this (None: no limit), so no RLE
        mask is ever sized by a number nothing checked.

    Raises
    ------
    UsageError
        Not a regular file, too large, not JSON, not COCO, or inconsistent (the first
        :data:`MAX_PROBLEMS` problems named).
    """
    path = str(path)
    try:
        if is_url(path):  # an object store's (augcli.core.stores)
            data = json.loads(read_url(path, "--coco", cap=MAX_COCO_BYTES))
        else:
            data = json.loads(_read_coco(path))
    except InputError as exc:
        raise UsageError(str(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"--coco {path}: not valid JSON ({str(exc)[:200]})") from None
    except MemoryError:
        raise UsageError(f"--coco {path}: too large to load into memory") from None
    if is_panoptic(data):
        raise UsageError(
            f"--coco {path}: COCO panoptic is not supported (its annotations are "
            "'segments_info' lists over one PNG per image); give an instances or keypoints file"
        )
    problems = _problems(data, max_pixels)
    if problems:
        more = len(problems) - MAX_PROBLEMS
        listed = "\n".join(f"  {p}" for p in problems[:MAX_PROBLEMS])
        raise UsageError(
            f"--coco {path} is not a valid COCO annotations file:\n{listed}"
            + (f"\n  ... and {more} more problem(s)" if more > 0 else "")
        )
    return _index(path, data)


def is_panoptic(data: Any) -> bool:
    """Whether ``data`` is a COCO panoptic file (annotations holding ``segments_info``)."""
    anns = data.get("annotations") if isinstance(data, dict) else None
    return isinstance(anns, list) and any(
        isinstance(a, dict) and "segments_info" in a for a in anns[:100]
    )


def _read_coco(path: str) -> bytes:
    """The bytes of a ``--coco`` file through the gate (regular, at most the cap).

    Read to its size, not to the cap: a buffer of the cap is never allocated for a small file.
    """
    try:
        with open_regular(path, "--coco", cap=MAX_COCO_BYTES) as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(size + 1)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"--coco {path}: cannot read: {exc.strerror}") from None
    if len(data) > size:
        raise UsageError(f"--coco {path}: grew while it was read; run again when it is written")
    return data


def file_key(name: str) -> str:
    """The key an image entry's ``file_name`` matches inputs by (``./a.png`` is ``a.png``)."""
    return Path(name).as_posix()


def _problems(data: Any, max_pixels: int | None = None) -> list[str]:
    if not isinstance(data, dict):
        return [f"the top level is a JSON {type(data).__name__}, not an object"]
    problems = []
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            problems.append(f"key {key!r} is missing or not a list")
    if problems:
        return problems
    images: dict[int, tuple[int, int]] = {}
    names: dict[str, tuple[str, int]] = {}
    for i, im in enumerate(data["images"]):
        where = f"images[{i}]"
        if not isinstance(im, dict) or not _is_int(im.get("id")):
            problems.append(f"{where}: needs an integer 'id'")
            continue
        if im["id"] in images:
            problems.append(f"{where}: duplicate image id {im['id']}")
        name = im.get("file_name")
        if not isinstance(name, str) or not name:
            problems.append(f"{where} (id {im['id']}): needs a 'file_name'")
        elif file_key(name) in names:
            first, first_id = names[file_key(name)]
            same = "" if first == name else f", the same file as {first!r}"
            problems.append(
                f"{where} (id {im['id']}): duplicate file_name {name!r}{same} (image id "
                f"{first_id}); each file may be listed once"
            )
        else:
            names[file_key(name)] = (name, im["id"])
        w, h = im.get("width"), im.get("height")
        if not (_is_int(w) and _is_int(h) and w > 0 and h > 0):
            problems.append(f"{where} (id {im['id']}): needs positive integer width and height")
            w = h = 0
        elif max_pixels is not None and w * h > max_pixels:
            problems.append(
                f"{where} (id {im['id']}, {name!r}): width x height {w}x{h} is more than "
                f"the --max-pixels limit {max_pixels}"
            )
            w = h = 0
        images[im["id"]] = (h, w)
    categories: set[int] = set()
    for i, cat in enumerate(data["categories"]):
        if not isinstance(cat, dict) or not _is_int(cat.get("id")):
            problems.append(f"categories[{i}]: needs an integer 'id'")
        elif cat["id"] in categories:
            problems.append(f"categories[{i}]: duplicate category id {cat['id']}")
        else:
            categories.add(cat["id"])
    seen: set[int] = set()
    for i, ann in enumerate(data["annotations"]):
        if len(problems) > 4 * MAX_PROBLEMS:
            break
        problems.extend(_annotation_problems(i, ann, images, categories, seen))
    return problems


def _annotation_problems(
    i: int, ann: Any, images: dict[int, tuple[int, int]], categories: set[int], seen: set[int]
) -> list[str]:
    where = f"annotations[{i}]"
    if not isinstance(ann, dict) or not _is_int(ann.get("id")):
        return [f"{where}: needs an integer 'id'"]
    where += f" (id {ann['id']})"
    out = []
    if ann["id"] in seen:
        out.append(f"{where}: duplicate annotation id")
    seen.add(ann["id"])
    if ann.get("image_id") not in images or not _is_int(ann.get("image_id")):
        out.append(f"{where}: image_id {ann.get('image_id')!r} is not an image's id")
    if ann.get("category_id") not in categories or not _is_int(ann.get("category_id")):
        out.append(f"{where}: category_id {ann.get('category_id')!r} is not a category's id")
    if ann.get("iscrowd", 0) not in (0, 1) or isinstance(ann.get("iscrowd"), bool):
        out.append(f"{where}: iscrowd must be 0 or 1")
    bbox = ann.get("bbox")
    if bbox is not None and not (
        isinstance(bbox, list) and len(bbox) == 4 and all(_is_num(v) for v in bbox)
    ):
        out.append(f"{where}: bbox must be [x, y, width, height]")
    elif bbox is not None and (bbox[2] < 0 or bbox[3] < 0):
        out.append(
            f"{where}: bbox {bbox} has a negative width or height (allowed: 0 or more; "
            "a box of 0 width or height is read, never written)"
        )
    seg = ann.get("segmentation")
    if isinstance(seg, dict):
        out.extend(_rle_problems(where, seg, images.get(ann.get("image_id"))))
    elif isinstance(seg, list):
        for poly in seg:
            if not (
                isinstance(poly, list)
                and len(poly) >= 6
                and len(poly) % 2 == 0
                and all(_is_num(v) for v in poly)
            ):
                out.append(f"{where}: a polygon must be [x1, y1, x2, y2, x3, y3, ...]")
                break
    elif seg is not None:
        out.append(f"{where}: segmentation must be a list of polygons or an RLE object")
    if bbox is None and not seg:
        out.append(f"{where}: has neither bbox nor segmentation")
    kps = ann.get("keypoints")
    if kps is not None and not (
        isinstance(kps, list) and len(kps) % 3 == 0 and all(_is_num(v) for v in kps)
    ):
        out.append(f"{where}: keypoints must be [x1, y1, v1, ...]")
    out.extend(part_problems(where, ann))
    return out


def _rle_problems(where: str, seg: dict[str, Any], shape: tuple[int, int] | None) -> list[str]:
    """What is wrong with an RLE segmentation of an image of ``shape`` (height, width).

    The counts are checked whole (a compressed string decompressed, every run non-negative,
    their sum height x width) so that a malformed mask is refused before any work, and its
    size is its image's, whose pixel count is bounded.
    """
    size, counts = seg.get("size"), seg.get("counts")
    if not (isinstance(size, list) and len(size) == 2 and all(_is_int(v) for v in size)):
        return [f"{where}: RLE segmentation needs size [height, width]"]
    if shape is not None and tuple(size) != shape:
        return [f"{where}: RLE size {size} is not its image's [height, width] {list(shape)}"]
    if isinstance(counts, str):
        try:
            counts = rle.decompress(counts)
        except ValueError as exc:
            return [f"{where}: RLE counts string: {exc}"]
    elif not (isinstance(counts, list) and all(_is_int(v) for v in counts)):
        return [f"{where}: RLE counts must be a string or a list of whole numbers"]
    if any(v < 0 for v in counts):
        return [f"{where}: RLE counts hold a negative run length"]
    total, pixels = sum(counts), size[0] * size[1]
    if shape is not None and total != pixels:
        return [
            f"{where}: RLE counts add up to {total}, not height x width "
            f"{size[0]}x{size[1]} = {pixels}"
        ]
    return []


def keypoint_swaps(category: dict[str, Any]) -> list[int] | None:
    """The permutation that swaps ``left_*`` and ``right_*`` keypoints (None: nothing to swap)."""
    names = category.get("keypoints")
    if not isinstance(names, list):
        return None
    index = {n: k for k, n in enumerate(names) if isinstance(n, str)}
    perm = list(range(len(names)))
    for name, k in index.items():
        if name.startswith("left_") and "right_" + name[5:] in index:
            other = index["right_" + name[5:]]
            perm[k], perm[other] = other, k
    return perm if perm != list(range(len(names))) else None


def _index(path: str, data: dict[str, Any]) -> CocoIndex:
    swaps = {}
    for cat in data["categories"]:
        perm = keypoint_swaps(cat)
        if perm is not None:
            swaps[str(cat["id"])] = perm
    by_image: dict[int, list[dict[str, Any]]] = {}
    for ann in data["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann)
    meta = {k: data[k] for k in ("info", "licenses") if k in data}
    meta["categories"] = data["categories"]
    index = CocoIndex(path, meta, annotations=len(data["annotations"]))
    for im in data["images"]:
        anns = by_image.get(im["id"], [])
        used = {str(a["category_id"]) for a in anns}
        payload = {
            "image": im,
            "annotations": anns,
            "swaps": {k: v for k, v in swaps.items() if k in used},
        }
        key = file_key(im["file_name"])
        index.payloads[key] = json.dumps(payload, sort_keys=True)
        index.sizes[key] = (im["id"], im["file_name"], im["width"], im["height"])
    return index


def build_coco(meta: dict[str, Any], entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The output COCO object from each output's moved annotations.

    Parameters
    ----------
    meta : dict
        ``info``, ``licenses`` (when the source had them) and ``categories``.
    entries : dict
        Output path relative to DST -> its manifest ``labels["coco"]`` entry (``width``,
        ``height``, ``annotations``, and ``image``: the source image entry's other keys, with
        its ``id`` and ``file_name`` as ``source_id`` and ``source_file_name``).

    Notes
    -----
    An output's image entry keeps what the source entry said about the picture (``license``,
    ``coco_url``, ``date_captured``, ``flickr_url`` ...) and where it came from
    (``source_id``, ``source_file_name``); ``id``, ``file_name``, ``width`` and ``height``
    are the output's own.
    """
    images, annotations = [], []
    for image_id, name in enumerate(sorted(entries), start=1):
        entry = entries[name]
        image: dict[str, Any] = {}
        extra = entry.get("image")
        if isinstance(extra, dict):
            image.update(extra)
        if "license" in entry:  # manifests written before the whole entry was kept
            image["license"] = entry["license"]
        image.update(id=image_id, file_name=name, width=entry["width"], height=entry["height"])
        images.append(image)
        for ann in entry["annotations"]:
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, **ann})
    out = {k: meta[k] for k in ("info", "licenses") if k in meta}
    out.update(images=images, annotations=annotations, categories=meta["categories"])
    return out


def write_coco(meta: dict[str, Any], entries: dict[str, dict[str, Any]], path: str) -> None:
    """Write :func:`build_coco` to ``path`` atomically (compact, keys sorted); a URL is put
    as one object."""
    if is_url(path):
        text = json.dumps(build_coco(meta, entries), sort_keys=True, separators=(",", ":"))
        write_url(path, (text + "\n").encode("utf-8"), "--coco OUT")
        return
    with atomic_write(path, "w", encoding="utf-8") as handle:
        json.dump(build_coco(meta, entries), handle, sort_keys=True, separators=(",", ":"))
        handle.write("\n")
