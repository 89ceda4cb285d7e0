"""COCO annotation files: load and validate before any work, index by file, write the result.

A COCO file is refused (exit 2, nothing written) unless it is a JSON object with lists
``images``, ``annotations`` and ``categories`` whose ids are unique integers, whose
annotations point at existing images and categories, and whose boxes, polygons, RLE masks and
keypoints are well-formed; the message names the first few problems. A file that is not JSON,
too deeply nested or too large for memory is refused the same way, never with a traceback.

The output keeps ``info``, ``licenses`` and ``categories``; ``images`` has one entry per
output (ids 1.. in the order of the outputs' paths, ``file_name`` relative to DST) and
``annotations`` the moved annotations of each (ids 1.. in the same order).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augcli.core.atomic import atomic_write
from augcli.core.errors import InputError, UsageError
from augcli.core.stores import is_url, read_url, write_url

MAX_PROBLEMS = 5


@dataclass
class CocoIndex:
    """A validated COCO file: what the output copies, and each image's payload by file name."""

    path: str
    meta: dict[str, Any]
    payloads: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(
        value
    )


def load_coco(path: str | os.PathLike[str]) -> CocoIndex:
    """Read and validate a COCO annotations file.

    Raises
    ------
    UsageError
        Not JSON, not COCO, or inconsistent (the first :data:`MAX_PROBLEMS` problems named).
    """
    path = str(path)
    try:
        if is_url(path):  # an object store's (augcli.core.stores)
            data = json.loads(read_url(path, "--coco"))
        else:
            with open(path, "rb") as handle:
                data = json.load(handle)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"--coco {path}: not valid JSON ({str(exc)[:200]})") from None
    except MemoryError:
        raise UsageError(f"--coco {path}: too large to load into memory") from None
    except OSError as exc:
        raise UsageError(f"--coco {path}: cannot read: {exc.strerror}") from None
    problems = _problems(data)
    if problems:
        more = len(problems) - MAX_PROBLEMS
        listed = "\n".join(f"  {p}" for p in problems[:MAX_PROBLEMS])
        raise UsageError(
            f"--coco {path} is not a valid COCO annotations file:\n{listed}"
            + (f"\n  ... and {more} more problem(s)" if more > 0 else "")
        )
    return _index(path, data)


def _problems(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return [f"the top level is a JSON {type(data).__name__}, not an object"]
    problems = []
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            problems.append(f"key {key!r} is missing or not a list")
    if problems:
        return problems
    images: dict[int, tuple[int, int]] = {}
    names: set[str] = set()
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
        elif name in names:
            problems.append(f"{where} (id {im['id']}): duplicate file_name {name!r}")
        else:
            names.add(name)
        w, h = im.get("width"), im.get("height")
        if not (_is_int(w) and _is_int(h) and w > 0 and h > 0):
            problems.append(f"{where} (id {im['id']}): needs positive integer width and height")
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
    seg = ann.get("segmentation")
    if isinstance(seg, dict):
        size, counts = seg.get("size"), seg.get("counts")
        shape = images.get(ann.get("image_id"))
        if not (isinstance(size, list) and len(size) == 2 and all(_is_int(v) for v in size)):
            out.append(f"{where}: RLE segmentation needs size [height, width]")
        elif shape is not None and tuple(size) != shape:
            out.append(f"{where}: RLE size {size} is not its image's [height, width] {list(shape)}")
        if not (
            isinstance(counts, str)
            or (isinstance(counts, list) and all(_is_int(v) and v >= 0 for v in counts))
        ):
            out.append(f"{where}: RLE counts must be a string or a list of counts")
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
    return out


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
    index = CocoIndex(path, meta)
    for im in data["images"]:
        anns = by_image.get(im["id"], [])
        used = {str(a["category_id"]) for a in anns}
        payload = {
            "image": {
                k: im[k] for k in ("id", "file_name", "width", "height", "license") if k in im
            },
            "annotations": anns,
            "swaps": {k: v for k, v in swaps.items() if k in used},
        }
        index.payloads[Path(im["file_name"]).as_posix()] = json.dumps(payload, sort_keys=True)
    return index


def build_coco(meta: dict[str, Any], entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The output COCO object from each output's moved annotations.

    Parameters
    ----------
    meta : dict
        ``info``, ``licenses`` (when the source had them) and ``categories``.
    entries : dict
        Output path relative to DST -> its manifest ``labels["coco"]`` entry (``width``,
        ``height``, ``annotations``, optional ``license``).
    """
    images, annotations = [], []
    for image_id, name in enumerate(sorted(entries), start=1):
        entry = entries[name]
        image = {"id": image_id, "file_name": name, "width": entry["width"]}
        image["height"] = entry["height"]
        if "license" in entry:
            image["license"] = entry["license"]
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
