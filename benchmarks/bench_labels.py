"""The cost of labels: augcli augment with and without masks + YOLO boxes, side by side.

Run from the repository root: ``python benchmarks/bench_labels.py --repeats 3``. Uses the
240-image set of ``bench_augment.py`` (``benchmarks/_data/photos_240``, built once) and adds,
once, a mask (mode L, 3 objects) and a YOLO file (3 boxes and 1 polygon) per image under
``benchmarks/_data/labels_240``. Then runs, in rotating order, each as a fresh child process
with the same pipeline, seed, copies and workers:

- **images**: ``augcli augment SRC DST -c benchmarks/geometric.yaml ...`` (no labels);
- **images + boxes + masks**: the same with ``--masks`` and ``--yolo``;
- **images + boxes + masks + COCO**: the same plus ``--coco`` (polygons).

It prints the median wall and CPU times and their ratio to the run without labels, and writes
them to ``benchmarks/results/labels.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
from bench_augment import OUT
from bench_data import DATA, HERE, make_dataset
from bench_procs import run_child
from PIL import Image, ImageDraw
from results import start_benchmark, write_result

LABELS_VERSION = "1"


def make_labels(images: Path) -> Path:
    """Masks, YOLO files and a COCO file for every image of ``images`` (built once)."""
    root = DATA / f"labels_{images.name.split('_')[1]}"
    stamp = root / ".complete"
    if stamp.exists() and stamp.read_text() == LABELS_VERSION:
        return root
    (root / "masks").mkdir(parents=True, exist_ok=True)
    (root / "yolo").mkdir(parents=True, exist_ok=True)
    coco = {
        "images": [],
        "annotations": [],
        "categories": [{"id": k, "name": f"c{k}"} for k in (1, 2, 3, 4)],
    }
    for i, path in enumerate(sorted(images.glob("*.jpg")), start=1):
        with Image.open(path) as im:
            w, h = im.size
        rng = np.random.default_rng([7, i])
        mask = Image.new("L", (w, h))
        draw = ImageDraw.Draw(mask)
        lines = []
        coco["images"].append({"id": i, "file_name": path.name, "width": w, "height": h})
        for cls in range(3):
            bw, bh = rng.uniform(0.1, 0.4) * w, rng.uniform(0.1, 0.4) * h
            x0, y0 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            draw.ellipse((x0, y0, x0 + bw, y0 + bh), fill=cls + 1)
            lines.append(
                f"{cls} {(x0 + bw / 2) / w:.6f} {(y0 + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}"
            )
            angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
            poly = np.column_stack(
                [x0 + bw / 2 * (1 + np.cos(angles)), y0 + bh / 2 * (1 + np.sin(angles))]
            )
            coco["annotations"].append({
                "id": len(coco["annotations"]) + 1, "image_id": i, "category_id": cls + 1,
                "iscrowd": 0, "bbox": [x0, y0, bw, bh], "area": float(np.pi * bw * bh / 4),
                "segmentation": [poly.ravel().round(2).tolist()],
            })  # fmt: skip
        tri = rng.uniform(0.05, 0.95, 6)
        lines.append("3 " + " ".join(f"{v:.6f}" for v in tri))
        mask.save(root / "masks" / (path.stem + ".png"))
        (root / "yolo" / (path.stem + ".txt")).write_text("\n".join(lines) + "\n")
    (root / "annotations.json").write_text(json.dumps(coco))
    stamp.write_text(LABELS_VERSION)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=240)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--pipeline", default="geometric")
    args = parser.parse_args()
    start_benchmark()
    src = make_dataset(args.images)
    labels = make_labels(src)
    dst = OUT / "labels"
    base = [sys.executable, "-m", "augcli", "augment", str(src), str(dst / "images")]
    base += ["-c", str(HERE / f"{args.pipeline}.yaml"), "--workers", str(args.workers)]
    base += ["--copies", str(args.copies), "--quality", "90", "--seed", "1", "-q", "--no-manifest"]
    boxes_masks = ["--masks", str(labels / "masks"), str(dst / "masks")]
    boxes_masks += ["--yolo", str(labels / "yolo"), str(dst / "yolo")]
    coco = ["--coco", str(labels / "annotations.json"), str(dst / "annotations.json")]
    contenders = {
        "images": base,
        "images + boxes + masks": base + boxes_masks,
        "images + boxes + masks + COCO": base + boxes_masks + coco,
    }
    runs: dict[str, list] = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(args.repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            runs[name].append(run_child(name, args.pipeline, contenders[name], dst))
    print(
        f"{args.images} images x {args.copies} copies, {args.workers} workers, pipeline "
        f"{args.pipeline}, medians of {args.repeats}"
    )
    print("| run | wall s | CPU s | wall / images | CPU / images |")
    print("|---|---:|---:|---:|---:|")
    ref_wall = statistics.median(r.wall for r in runs["images"])
    ref_cpu = statistics.median(r.cpu for r in runs["images"])
    rows, raw = [], {}
    for name in names:
        wall = statistics.median(r.wall for r in runs[name])
        cpu = statistics.median(r.cpu for r in runs[name])
        row = [name, f"{wall:.2f}", f"{cpu:.2f}", f"{wall / ref_wall:.2f}", f"{cpu / ref_cpu:.2f}"]
        print("| " + " | ".join(row) + " |")
        rows.append(row)
        raw[name] = {"wall_s": [round(r.wall, 3) for r in runs[name]],
                     "cpu_s": [round(r.cpu, 2) for r in runs[name]]}  # fmt: skip
    outputs = args.images * args.copies
    label_cpu = statistics.median(r.cpu for r in runs[names[1]]) - ref_cpu
    table = {
        "title": f"The cost of labels, {args.images} images x {args.copies} copies, "
        f"{args.workers} workers, pipeline {args.pipeline}",
        "columns": ["run", "median wall s", "median CPU s", "wall / images", "CPU / images"],
        "rows": rows,
        "notes": f"Medians of {args.repeats} in rotating order, each a fresh child process; CPU "
        "is user + sys of the run's process tree. Labels: a mask (mode L, 3 objects) and a "
        "YOLO file (3 boxes, 1 polygon) per image; COCO adds the same objects as polygons. "
        f"Boxes and masks cost {1000 * label_cpu / outputs:.1f} "
        f"ms of CPU per output on top of {1000 * ref_cpu / outputs:.1f} ms.",
    }  # fmt: skip
    path = write_result(
        "labels", raw, tables=[table],
        settings={"images": args.images, "copies": args.copies, "workers": args.workers,
                  "pipeline": args.pipeline},
    )  # fmt: skip
    print(f"written {path}")


if __name__ == "__main__":
    main()
