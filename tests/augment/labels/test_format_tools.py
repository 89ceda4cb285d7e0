"""The label outputs pass the formats' own tools: Ultralytics' label verification and supervision.

``augcli augment`` runs geometric pipelines of several resampling groups and fill modes on the
bundled ``sample_labelled/`` and on a small dataset whose objects touch the borders (boxes on
the edges, a polygon in a corner, keypoints on the border and one not labelled). Then:

* ``ultralytics.data.utils.verify_image_label``, the check Ultralytics runs on every image and
  label before training, finds no corrupt label, no duplicate and no repaired image in the YOLO
  (detection), YOLO-seg and YOLO-pose outputs, and reads as many rows as each file has lines;
* supervision's ``DetectionDataset.from_yolo``, ``from_coco`` and ``from_pascal_voc`` load every
  output with the expected number of images and of detections per image.

The expected counts are counted independently of both tools and of augcli: the output images on
disk, the non-empty lines of each ``.txt``, the annotations per ``image_id`` in the JSON and the
``<object>`` elements of each XML. Ultralytics needs torch and supervision needs OpenCV; CI
installs both (``.ci/run``), elsewhere these tests are skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

from augcli.cli import cli

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "sample_labelled"
IMAGE_SUFFIXES = {".jpg", ".png"}
KPT_SHAPE = (3, 3)

# Several resampling groups (a group ends where the fill mode changes), every fill mode, crops
# with and without resize, rotations by right angles that change the output size.
PIPELINES = {
    "fills": """
pipeline:
  - flip: {direction: horizontal, p: 0.5}
  - rotate: {angle: [-40, 40], fill: constant}
  - scale: {factor: [0.6, 1.4], fill: edge}
  - translate: {x: [-0.3, 0.3], y: [-0.3, 0.3], fill: reflect}
  - crop: {size: [0.5, 0.9], padding: 8, fill: symmetric}
  - translate: {x: 0.25, fill: wrap}
""",
    "shapes": """
pipeline:
  - flip: {direction: both, p: 0.5}
  - rotate: {angle: {choice: [0, 90, 180, 270]}, expand: true, fill: edge}
  - translate: {x: [-0.4, 0.4], y: [-0.4, 0.4], fill: constant}
  - crop: {size: [0.6, 0.9], resize: false, fill: reflect}
""",
}


# Ultralytics is run in a child process: importing it changes the importing process (it
# replaces PIL.Image.open with a version that tries to install pi-heif on an unidentified file,
# sets numpy's print options, OpenCV's thread count and environment variables), which would
# leak into every later test.
VERIFY = """
import json, sys
from ultralytics.data.utils import verify_image_label
results = []
for args in json.loads(open(sys.argv[1]).read()):
    _, lb, shape, segments, kpts, nm, nf, ne, nc, msg = verify_image_label(tuple(args))
    results.append({
        "missing": nm, "found": nf, "empty": ne, "corrupt": nc, "msg": msg,
        "labels": None if lb is None else list(lb.shape),
        "shape": None if shape is None else list(shape),
        "segments": None if segments is None else [len(s) for s in segments],
        "keypoints": None if kpts is None else list(kpts.shape),
    })
open(sys.argv[2], "w").write(json.dumps(results))
"""


@pytest.fixture(scope="module")
def verify_image_label(tmp_path_factory):
    """``verify(jobs)``: Ultralytics' ``verify_image_label`` on each argument tuple
    ``(im_file, lb_file, prefix, keypoint, num_cls, nkpt, ndim, single_cls)``, run offline in a
    child process (its settings file in a temporary folder); a dict per job: the counts
    ``missing``, ``found``, ``empty``, ``corrupt``, the message, and the shapes of what it read."""
    for module in ("ultralytics", "torch"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(
                f"needs {module}: CI installs ultralytics after torch (.ci/run); elsewhere "
                "pip install --no-deps ultralytics torchvision"
            )
    folder = tmp_path_factory.mktemp("ultralytics")
    env = dict(os.environ, YOLO_OFFLINE="True", YOLO_VERBOSE="False", YOLO_CONFIG_DIR=str(folder))

    def verify(jobs: list[tuple]) -> list[dict]:
        (folder / "jobs.json").write_text(json.dumps(jobs))
        done = subprocess.run(
            [sys.executable, "-c", VERIFY, str(folder / "jobs.json"), str(folder / "out.json")],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads((folder / "out.json").read_text())

    return verify


@pytest.fixture(scope="module")
def sv():
    """The supervision package."""
    return pytest.importorskip(
        "supervision",
        reason="needs supervision: CI installs it (.ci/run), "
        "pip install --no-deps supervision pydeprecate defusedxml elsewhere",
    )


# --- the border dataset --------------------------------------------------------------------

H, W = 48, 64
BORDER_NAMES = ["edge_box", "corner_box", "top_triangle", "wide"]


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)


def _border_objects(i: int) -> list[tuple[int, np.ndarray, list[tuple[float, float, int]]]]:
    """Image ``i``'s objects: class, polygon (pixels) and keypoints ``(x, y, v)`` (pose only)."""
    d = i % 3
    return [
        (0, _rect(0, 10 + d, 14, 30), [(1.0, 12.0 + d, 2), (13.0, 12.0 + d, 2), (0.0, 0.0, 0)]),
        (1, _rect(50 - d, 36, 64, 48), [(52.0, 40.0, 1), (63.5, 47.5, 2), (60.0, 38.0, 2)]),
        (2, np.array([[20.0 + d, 0.0], [40.0, 0.0], [30.0, 12.0]]), []),
        (3, _rect(2, 2, 62 - d, 46), []),
    ]


def _norm(values: np.ndarray) -> str:
    return " ".join(f"{v:.6f}" for v in np.asarray(values, float).ravel())


def _make_border_dataset(root: Path) -> dict[str, Path]:
    """YOLO (boxes/), YOLO-seg (labels/), YOLO-pose (pose/), COCO and VOC for six images."""
    names = {k: v for k, v in enumerate(BORDER_NAMES)}
    images, anns = [], []
    for i in range(6):
        folder = "a" if i < 3 else "b"
        for sub in ("images", "boxes", "labels", "pose", "voc"):
            (root / sub / folder).mkdir(parents=True, exist_ok=True)
        picture = Image.fromarray(np.full((H, W, 3), 30 * i, np.uint8))
        draw = ImageDraw.Draw(picture)
        boxes, polys, poses, voc = [], [], [], []
        for cls, poly, kps in _border_objects(i):
            draw.polygon([tuple(p) for p in poly], fill=(40 * cls + 60, 255 - 50 * cls, 90))
            (x0, y0), (x1, y1) = poly.min(axis=0), poly.max(axis=0)
            box = [(x0 + x1) / 2 / W, (y0 + y1) / 2 / H, (x1 - x0) / W, (y1 - y0) / H]
            boxes.append(f"{cls} {_norm(box)}")
            polys.append(f"{cls} {_norm(poly / [W, H])}")
            if kps:
                pts = [(x / W, y / H, v) for x, y, v in kps]
                poses.append(
                    f"0 {_norm(box)} " + " ".join(f"{x:.6f} {y:.6f} {v}" for x, y, v in pts)
                )
            voc.append(
                f"<object><name>{names[cls]}</name><truncated>0</truncated>"
                f"<difficult>{cls % 2}</difficult><bndbox><xmin>{round(x0) + 1}</xmin>"
                f"<ymin>{round(y0) + 1}</ymin><xmax>{round(x1)}</xmax><ymax>{round(y1)}</ymax>"
                "</bndbox></object>"
            )
            ann = {
                "id": len(anns) + 1, "image_id": i + 1, "category_id": cls + 1, "iscrowd": 0,
                "bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                "area": float((x1 - x0) * (y1 - y0)), "segmentation": [poly.ravel().tolist()],
            }  # fmt: skip
            if kps:
                ann["keypoints"] = [float(v) for kp in kps for v in kp]
                ann["num_keypoints"] = sum(v > 0 for _, _, v in kps)
            anns.append(ann)
        suffix = ".jpg" if i == 4 else ".png"
        picture.save(root / "images" / folder / f"im{i}{suffix}")
        images.append(
            {"id": i + 1, "file_name": f"{folder}/im{i}{suffix}", "width": W, "height": H}
        )
        (root / "boxes" / folder / f"im{i}.txt").write_text("\n".join(boxes) + "\n")
        (root / "labels" / folder / f"im{i}.txt").write_text("\n".join(polys) + "\n")
        (root / "pose" / folder / f"im{i}.txt").write_text("\n".join(poses) + "\n")
        (root / "voc" / folder / f"im{i}.xml").write_text(
            f"<annotation><filename>im{i}{suffix}</filename><size><width>{W}</width>"
            f"<height>{H}</height><depth>3</depth></size>{''.join(voc)}</annotation>\n"
        )
    categories = [{"id": k + 1, "name": n, "supercategory": "shape"} for k, n in names.items()]
    for cat in categories[:2]:
        cat["keypoints"] = ["left_eye", "right_eye", "nose"]
    (root / "annotations.json").write_text(
        json.dumps({"images": images, "annotations": anns, "categories": categories})
    )
    (root / "data.yaml").write_text(
        json.dumps({"path": ".", "train": "images", "val": "images", "names": BORDER_NAMES})
    )
    (root / "pose" / "data.yaml").write_text(
        "names: {0: thing}\nkpt_shape: [3, 3]\nflip_idx: [1, 0, 2]\n"
    )
    return {"root": root, "names": BORDER_NAMES}


# --- the runs ------------------------------------------------------------------------------


def _sample_names() -> list[str]:
    categories = json.loads((SAMPLE / "annotations.json").read_text())["categories"]
    return [c["name"] for c in sorted(categories, key=lambda c: c["id"])]


@pytest.fixture(scope="module", params=[(d, p) for d in ("sample", "border") for p in PIPELINES])
def outputs(request, tmp_path_factory) -> dict:
    """One dataset augmented by one pipeline: every label format, two runs (YOLO detection with
    COCO, VOC and YOLO-pose; then YOLO-seg)."""
    dataset, pipeline = request.param
    tmp = tmp_path_factory.mktemp(f"{dataset}-{pipeline}")
    if dataset == "sample":
        src, names = SAMPLE, _sample_names()
    else:
        src, names = tmp / "src", BORDER_NAMES
        _make_border_dataset(src)
    config = tmp / "pipeline.yaml"
    config.write_text(PIPELINES[pipeline])
    out = tmp / "out"
    common = ["-c", str(config), "--seed", "5", "--copies", "3", "--workers", "1", "-q"]
    first = ["augment", str(src / "images"), str(out / "images"), *common]
    first += ["--yolo", str(src / "boxes"), str(out / "boxes")]
    first += ["--coco", str(src / "annotations.json"), str(out / "annotations.json")]
    first += ["--voc", str(src / "voc"), str(out / "voc")]
    first += ["--yolo-pose", str(src / "pose"), str(out / "pose")]
    second = ["augment", str(src / "images"), str(out / "seg_images"), *common]
    second += ["--yolo", str(src / "labels"), str(out / "labels")]
    for args in (first, second):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
    (out / "data.yaml").write_text(json.dumps({"names": dict(enumerate(names))}))
    (out / "pose.yaml").write_text((src / "pose" / "data.yaml").read_text())
    return {"out": out, "names": names}


def _images(folder: Path) -> list[Path]:
    found = sorted(p for p in folder.rglob("*") if p.suffix in IMAGE_SUFFIXES)
    assert found, f"no output image under {folder}"
    return found


def _rows(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.strip())


# Which images folder and label folder each YOLO flavour was written to, and its task.
YOLO_KINDS = {
    "detect": ("images", "boxes", False),
    "segment": ("seg_images", "labels", False),
    "pose": ("images", "pose", True),
}


# --- Ultralytics -----------------------------------------------------------------------------


def test_the_sample_yolo_files_are_not_corrupt_for_ultralytics(verify_image_label):
    """The bundled inputs themselves: Ultralytics refuses a file mixing box and polygon rows."""
    names = _sample_names()
    jobs = []
    for image in _images(SAMPLE / "images"):
        for labels, keypoint in (("boxes", False), ("labels", False), ("pose", True)):
            label = (SAMPLE / labels / image.relative_to(SAMPLE / "images")).with_suffix(".txt")
            nkpt, ndim = KPT_SHAPE if keypoint else (0, 0)
            jobs.append((str(image), str(label), "", keypoint, len(names), nkpt, ndim, False))
    for got in verify_image_label(jobs):
        assert (got["corrupt"], got["msg"]) == (0, ""), got["msg"]


def test_ultralytics_finds_no_corrupt_label_and_reads_every_row(verify_image_label, outputs):
    """YOLO (detection), YOLO-seg and YOLO-pose outputs, in one call of the child process."""
    out, jobs, pairs = outputs["out"], [], []
    for kind, (images, labels, keypoint) in YOLO_KINDS.items():
        num_cls = 1 if keypoint else len(outputs["names"])
        nkpt, ndim = KPT_SHAPE if keypoint else (0, 0)
        for image in _images(out / images):
            label = (out / labels / image.relative_to(out / images)).with_suffix(".txt")
            pairs.append((kind, image, label))
            jobs.append((str(image), str(label), "", keypoint, num_cls, nkpt, ndim, False))
    for (kind, image, label), got in zip(pairs, verify_image_label(jobs), strict=True):
        rows = _rows(label)
        # no corrupt label, no duplicate row removed, no repaired JPEG
        assert (got["corrupt"], got["msg"]) == (0, ""), got["msg"]
        assert (got["missing"], got["found"], got["empty"]) == (0, 1, int(rows == 0)), label
        with Image.open(image) as im:
            assert got["shape"] == [im.height, im.width]
        assert got["labels"] == [rows, 5], label
        if kind == "segment":
            assert len(got["segments"]) == rows and min(got["segments"], default=3) >= 3
        if kind == "pose":
            assert got["keypoints"] == [rows, *KPT_SHAPE], label


# --- supervision -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(YOLO_KINDS))
def test_supervision_loads_the_yolo_outputs_with_every_detection(sv, outputs, kind):
    images, labels, keypoint = YOLO_KINDS[kind]
    out = outputs["out"]
    folders = sorted({p.parent for p in _images(out / images)})
    for folder in folders:
        rel = folder.relative_to(out / images)
        ds = sv.DetectionDataset.from_yolo(
            images_directory_path=str(folder),
            annotations_directory_path=str(out / labels / rel),
            data_yaml_path=str(out / ("pose.yaml" if keypoint else "data.yaml")),
        )
        want = {
            p.name: _rows((out / labels / rel / p.name).with_suffix(".txt"))
            for p in folder.iterdir()
            if p.suffix in IMAGE_SUFFIXES
        }
        assert len(ds) == len(want)
        got = {Path(path).name: len(detections) for path, _, detections in ds}
        assert got == want


def test_supervision_loads_the_coco_output_with_every_annotation(sv, outputs):
    out = outputs["out"]
    coco = json.loads((out / "annotations.json").read_text())
    per_image = Counter(a["image_id"] for a in coco["annotations"])
    want = {
        (out / "images" / im["file_name"]).resolve(): per_image[im["id"]] for im in coco["images"]
    }
    assert set(want) == {p.resolve() for p in _images(out / "images")}
    ds = sv.DetectionDataset.from_coco(
        images_directory_path=str(out / "images"),
        annotations_path=str(out / "annotations.json"),
    )
    assert len(ds) == len(want)
    assert {Path(path): len(detections) for path, _, detections in ds} == want
    assert ds.classes == [c["name"] for c in coco["categories"]]


def test_supervision_loads_the_voc_output_with_every_object(sv, outputs):
    out = outputs["out"]
    folders = sorted({p.parent for p in _images(out / "images")})
    for folder in folders:
        rel = folder.relative_to(out / "images")
        ds = sv.DetectionDataset.from_pascal_voc(
            images_directory_path=str(folder),
            annotations_directory_path=str(out / "voc" / rel),
        )
        want = {}
        for image in folder.iterdir():
            if image.suffix in IMAGE_SUFFIXES:
                xml = ET.parse((out / "voc" / rel / image.name).with_suffix(".xml"))
                want[image.name] = len(xml.getroot().findall("object"))
        assert len(ds) == len(want)
        assert {Path(path).name: len(detections) for path, _, detections in ds} == want
        assert set(ds.classes) <= set(outputs["names"])


@pytest.mark.parametrize("dataset", ["sample", "border"])
def test_a_yolo_data_output_passes_ultralytics_and_supervision(
    verify_image_label, sv, dataset, tmp_path
):
    """``--yolo-data``: the augmented train split of images/ + labels/ (YOLO-seg), checked
    with the names of the data.yaml augcli wrote."""
    if dataset == "sample":
        data_yaml = SAMPLE / "data.yaml"
    else:
        _make_border_dataset(tmp_path / "src")
        data_yaml = tmp_path / "src" / "data.yaml"
    config = tmp_path / "pipeline.yaml"
    config.write_text(PIPELINES["fills"])
    out = tmp_path / "out"
    args = ["augment", "--yolo-data", str(data_yaml), str(out), "-c", str(config), "--seed", "2"]
    result = CliRunner().invoke(cli, [*args, "--copies", "2", "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    import yaml

    written = yaml.safe_load((out / "data.yaml").read_text())
    images, labels = out / written["train"], out / "labels" / "train"
    pairs = [
        (image, (labels / image.relative_to(images)).with_suffix(".txt"))
        for image in _images(images)
    ]
    num_cls = len(written["names"])
    jobs = [(str(i), str(lb), "", False, num_cls, 0, 0, False) for i, lb in pairs]
    for (_, label), got in zip(pairs, verify_image_label(jobs), strict=True):
        assert (got["corrupt"], got["msg"]) == (0, ""), got["msg"]
        assert got["labels"][0] == _rows(label) == len(got["segments"])
    for folder in sorted({p.parent for p in _images(images)}):
        ds = sv.DetectionDataset.from_yolo(
            images_directory_path=str(folder),
            annotations_directory_path=str(labels / folder.relative_to(images)),
            data_yaml_path=str(out / "data.yaml"),
        )
        want = {
            p.name: _rows((labels / folder.relative_to(images) / p.name).with_suffix(".txt"))
            for p in folder.iterdir()
            if p.suffix in IMAGE_SUFFIXES
        }
        assert {Path(path).name: len(detections) for path, _, detections in ds} == want
