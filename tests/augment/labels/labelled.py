"""A small labelled dataset for end-to-end tests: images, masks, YOLO files and COCO JSON.

Each image holds two objects: a rectangle (class 0) and a triangle (class 1). The mask has
their class ids + 1 (P mode with a palette in folder ``a``, L in ``b``); the YOLO file has the
rectangle as a box and the triangle as a polygon; the COCO file has the rectangle as a bbox
annotation with keypoints (left_eye, right_eye), and the triangle as a compressed RLE.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("pycocotools", reason="needs pycocotools: pip install '.[test]'")

from pycocotools import mask as coco_mask

PALETTE = [0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * (768 - 9)
SIZE = (48, 64)  # height, width


def objects(i: int) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The rectangle ``(x0, y0, x1, y1)`` and triangle vertices of image ``i`` (pixels)."""
    x0, y0 = 4 + i % 7, 5 + i % 5
    rect = (x0, y0, x0 + 20, y0 + 12)
    tri = np.array([[36.0, 20.0 + i % 4], [60.0, 24.0], [44.0, 44.0]])
    return rect, tri


def make_labelled(root: Path, n: int = 12, unlisted: int = 1) -> dict[str, Path]:
    """Build ``root/{images,masks,labels}`` and ``root/annotations.json``; return the paths."""
    import skimage.draw

    h, w = SIZE
    rng = np.random.default_rng(0)
    images, anns = [], []
    for i in range(n):
        folder = "a" if i % 2 == 0 else "b"
        for sub in ("images", "masks", "labels"):
            (root / sub / folder).mkdir(parents=True, exist_ok=True)
        name = f"im{i:02d}"
        pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / "images" / folder / f"{name}.png")
        rect, tri = objects(i)
        mask = np.zeros((h, w), np.uint8)
        mask[rect[1] : rect[3], rect[0] : rect[2]] = 1
        rr, cc = skimage.draw.polygon(tri[:, 1] - 0.5, tri[:, 0] - 0.5, (h, w))
        mask[rr, cc] = 2
        if folder == "a":
            im = Image.frombytes("P", (w, h), mask.tobytes())
            im.putpalette(PALETTE)
            im.save(root / "masks" / folder / f"{name}.png")
        else:
            Image.fromarray(mask).save(root / "masks" / folder / f"{name}.png")
        cx, cy = (rect[0] + rect[2]) / 2 / w, (rect[1] + rect[3]) / 2 / h
        bw, bh = (rect[2] - rect[0]) / w, (rect[3] - rect[1]) / h
        poly = " ".join(f"{x / w:.6f} {y / h:.6f}" for x, y in tri)
        (root / "labels" / folder / f"{name}.txt").write_text(
            f"0 {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}\n1 {poly}\n"
        )
        if i >= n - unlisted:
            continue  # an image the COCO file does not list
        image_id = 100 + i
        images.append(
            {"id": image_id, "file_name": f"{folder}/{name}.png", "width": w, "height": h}
        )
        x0, y0, x1, y1 = rect
        anns.append(
            {
                "id": 1000 + 2 * i,
                "image_id": image_id,
                "category_id": 1,
                "iscrowd": 0,
                "bbox": [x0, y0, x1 - x0, y1 - y0],
                "area": float((x1 - x0) * (y1 - y0)),
                "keypoints": [x0 + 2, y0 + 2, 2, x1 - 2, y0 + 2, 2],
                "num_keypoints": 2,
            }
        )
        rle = coco_mask.encode(np.asfortranarray((mask == 2).astype(np.uint8)))
        anns.append(
            {
                "id": 1001 + 2 * i,
                "image_id": image_id,
                "category_id": 2,
                "iscrowd": 1,
                "bbox": [float(v) for v in coco_mask.toBbox(rle)],
                "area": float(coco_mask.area(rle)),
                "segmentation": {"size": [h, w], "counts": rle["counts"].decode("ascii")},
            }
        )
    images.append({"id": 9999, "file_name": "a/gone.png", "width": w, "height": h})
    coco = {
        "info": {"description": "test"},
        "licenses": [],
        "images": images,
        "annotations": anns,
        "categories": [
            {"id": 1, "name": "face", "keypoints": ["left_eye", "right_eye"], "skeleton": []},
            {"id": 2, "name": "blob"},
        ],
    }
    (root / "annotations.json").write_text(json.dumps(coco))
    return {
        "images": root / "images",
        "masks": root / "masks",
        "labels": root / "labels",
        "coco": root / "annotations.json",
    }
