"""Rebuild sample_labelled/: three photographs with hand-made masks, YOLO labels and COCO JSON.

Run from the repository root: ``python tools/make_sample_labelled.py``. The photographs
are public-domain / CC0 files bundled with scikit-image (``skimage.data.astronaut``,
``chelsea``, ``coffee``; no download); the labels are polygons drawn by hand on a 50 px grid
(approximate outlines, made for trying augcli, not for training). Licences:
sample_labelled/README.md.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from skimage import data

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from augcli.augment.labels import rle  # noqa: E402

OUT = ROOT / "sample_labelled"
LONG_SIDE = 512
JPEG_QUALITY = 90
CATEGORIES = ["face", "eye", "nose", "helmet", "spacecraft", "cup", "saucer", "spoon"]
# Mask colours by category (value = category index + 1; 0 is background).
PALETTE = [
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200),
    (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230),
]  # fmt: skip


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 16) -> list[tuple[float, float]]:
    """A polygon of ``n`` vertices on an ellipse."""
    return [
        (round(cx + rx * math.cos(2 * math.pi * k / n), 1),
         round(cy + ry * math.sin(2 * math.pi * k / n), 1))
        for k in range(n)
    ]  # fmt: skip


# image -> (folder, skimage.data loader, objects); an object is (category, polygon, options):
# "rle" writes a COCO RLE (iscrowd 1),
# "keypoints" adds COCO keypoints (left_eye, right_eye, nose) as (x, y) triples.
SAMPLES = {
    "astronaut": ("space", data.astronaut, [
        ("face", [(175, 75), (200, 55), (250, 55), (270, 80), (268, 130), (250, 165),
                  (225, 178), (200, 165), (182, 135)],
         {"keypoints": [(240, 118), (205, 118), (222, 138)]}),
        ("spacecraft", [(355, 230), (380, 130), (395, 60), (410, 5), (425, 5), (440, 60),
                        (450, 130), (470, 230), (470, 275), (370, 275)], {}),
        ("helmet", [(285, 430), (300, 385), (340, 355), (390, 345), (440, 355), (480, 385),
                    (500, 430), (512, 470), (512, 512), (280, 512)], {"rle": True}),
    ]),
    "chelsea": ("animals", data.chelsea, [
        ("face", [(60, 0), (400, 0), (400, 300), (60, 300)],
         {"keypoints": [(318, 135), (170, 115), (262, 240)]}),
        ("eye", ellipse(170, 115, 35, 30), {}),
        ("eye", ellipse(318, 135, 27, 30), {}),
        ("nose", [(240, 230), (270, 225), (290, 235), (275, 250), (260, 262), (245, 245)], {}),
    ]),
    "coffee": ("everyday", data.coffee, [
        ("saucer", ellipse(240, 225, 170, 100, 24), {"rle": True}),
        ("cup", [(150, 75), (175, 35), (250, 18), (330, 30), (355, 75), (345, 150), (330, 195),
                 (300, 230), (240, 245), (200, 235), (170, 250), (168, 215), (180, 200),
                 (160, 150)], {}),
        ("spoon", [(270, 210), (290, 200), (320, 195), (345, 100), (355, 60), (362, 62),
                   (352, 120), (340, 210), (345, 240), (330, 270), (300, 278), (280, 260),
                   (275, 235)], {}),
    ]),
}  # fmt: skip


def _fit(image: Image.Image) -> Image.Image:
    scale = LONG_SIDE / max(image.size)
    if scale >= 1:
        return image
    size = (round(image.width * scale), round(image.height * scale))
    return image.resize(size, Image.Resampling.LANCZOS)


def _render(polygon, size: tuple[int, int]) -> np.ndarray:
    """Pixels whose centre is inside ``polygon`` (continuous coordinates)."""
    im = Image.new("1", size)
    ImageDraw.Draw(im).polygon([(x - 0.5, y - 0.5) for x, y in polygon], fill=1)
    return np.array(im)


def main() -> None:
    """Write images/, masks/, labels/, boxes/, voc/, pose/, annotations.json and data.yaml
    under sample_labelled/."""
    images, annotations = [], []
    for image_id, (name, (folder, loader, objects)) in enumerate(SAMPLES.items(), start=1):
        photo = _fit(Image.fromarray(loader()).convert("RGB"))
        w, h = photo.size
        for sub in ("images", "masks", "labels"):
            (OUT / sub / folder).mkdir(parents=True, exist_ok=True)
        photo.save(OUT / "images" / folder / f"{name}.jpg", quality=JPEG_QUALITY)
        mask = np.zeros((h, w), np.uint8)
        lines, box_lines, voc_objects, pose_lines = [], [], [], []
        for category, polygon, opts in objects:
            cls = CATEGORIES.index(category)
            pixels = _render(polygon, (w, h))
            mask[pixels] = cls + 1
            pts = np.clip(np.asarray(polygon, dtype=float), 0, [w, h])
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            # YOLO-seg (labels/) gets the polygon, YOLO detection (boxes/) the box: Ultralytics
            # refuses a file that mixes the two kinds of row.
            box = [(x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h]
            lines.append(f"{cls} " + " ".join(f"{v:.6f}" for v in (pts / [w, h]).ravel()))
            box_lines.append(f"{cls} " + " ".join(f"{v:.6f}" for v in box))
            voc_objects.append(_voc_object(category, x0, y0, x1, y1))
            if "keypoints" in opts:
                kps = [f"{x / w:.6f} {y / h:.6f} 2" for x, y in opts["keypoints"]]
                pose_lines.append("0 " + " ".join(f"{v:.6f}" for v in box) + " " + " ".join(kps))
            ann = {
                "id": len(annotations) + 1,
                "image_id": image_id,
                "category_id": cls + 1,
                "bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
            }
            if opts.get("rle"):
                counts = rle.encode(pixels)
                ann.update(
                    iscrowd=1,
                    area=float(rle.area(counts)),
                    segmentation={"size": [h, w], "counts": rle.compress(counts)},
                )
            else:
                x, y = pts[:, 0], pts[:, 1]
                area = abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2
                ann.update(
                    iscrowd=0, area=round(float(area), 2), segmentation=[pts.ravel().tolist()]
                )
            if "keypoints" in opts:
                ann["keypoints"] = [v for x, y in opts["keypoints"] for v in (x, y, 2)]
                ann["num_keypoints"] = len(opts["keypoints"])
            annotations.append(ann)
        im = Image.frombytes("P", (w, h), mask.tobytes())
        im.putpalette([c for rgb in [(0, 0, 0), *PALETTE] for c in rgb])
        im.save(OUT / "masks" / folder / f"{name}.png")
        (OUT / "labels" / folder / f"{name}.txt").write_text("\n".join(lines) + "\n")
        for sub in ("voc", "pose", "boxes"):
            (OUT / sub / folder).mkdir(parents=True, exist_ok=True)
        (OUT / "voc" / folder / f"{name}.xml").write_text(
            _voc(folder, f"{name}.jpg", w, h, voc_objects)
        )
        (OUT / "boxes" / folder / f"{name}.txt").write_text("\n".join(box_lines) + "\n")
        (OUT / "pose" / folder / f"{name}.txt").write_text("".join(p + "\n" for p in pose_lines))
        images.append(
            {"id": image_id, "file_name": f"{folder}/{name}.jpg", "width": w, "height": h}
        )
    categories = []
    for k, name in enumerate(CATEGORIES, start=1):
        cat = {"id": k, "name": name, "supercategory": "object"}
        if name == "face":
            cat["keypoints"] = ["left_eye", "right_eye", "nose"]
            cat["skeleton"] = [[1, 3], [2, 3]]
        categories.append(cat)
    coco = {
        "info": {
            "description": "augcli sample_labelled: hand-made labels on scikit-image photographs",
            "version": "1.0",
        },
        "licenses": [
            {
                "id": 1,
                "name": "CC0 1.0",
                "url": "https://creativecommons.org/publicdomain/zero/1.0/",
            },
            {"id": 2, "name": "Public domain (NASA)", "url": "https://www.nasa.gov/"},
        ],
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }
    (OUT / "annotations.json").write_text(json.dumps(coco, indent=1) + "\n")
    (OUT / "data.yaml").write_text(
        "# Ultralytics data.yaml of images/ + labels/ (YOLO-seg): augcli augment --yolo-data\n"
        "path: .\ntrain: images\nval: images\nnames:\n"
        + "".join(f"  {k}: {name}\n" for k, name in enumerate(CATEGORIES))
    )
    (OUT / "pose" / "data.yaml").write_text(
        "# YOLO-pose labels of the faces: keypoints left_eye, right_eye, nose\n"
        "names:\n  0: face\nkpt_shape: [3, 3]\nflip_idx: [1, 0, 2]\n"
    )


def _voc_object(category: str, x0: float, y0: float, x1: float, y1: float) -> str:
    """One Pascal VOC <object>: 1-based inclusive pixel box (xmin = x0 + 1, xmax = x1)."""
    xmin, ymin, xmax, ymax = round(x0) + 1, round(y0) + 1, round(x1), round(y1)
    return (
        f"  <object>\n    <name>{category}</name>\n    <pose>Unspecified</pose>\n"
        "    <truncated>0</truncated>\n    <difficult>0</difficult>\n    <bndbox>\n"
        f"      <xmin>{xmin}</xmin>\n      <ymin>{ymin}</ymin>\n"
        f"      <xmax>{xmax}</xmax>\n      <ymax>{ymax}</ymax>\n    </bndbox>\n  </object>\n"
    )


def _voc(folder: str, filename: str, w: int, h: int, objects: list[str]) -> str:
    """A Pascal VOC annotation file."""
    return (
        f"<annotation>\n  <folder>{folder}</folder>\n  <filename>{filename}</filename>\n"
        f"  <size>\n    <width>{w}</width>\n    <height>{h}</height>\n"
        "    <depth>3</depth>\n  </size>\n  <segmented>0</segmented>\n"
        + "".join(objects)
        + "</annotation>\n"
    )


if __name__ == "__main__":
    main()
