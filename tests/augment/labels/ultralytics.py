"""A small Ultralytics dataset for tests: ``images/<split>``, ``labels/<split>``, ``data.yaml``.

Every image is random noise (so augmented copies differ) of :data:`H` x :data:`W`; every label
file holds :data:`POSE` (one object, three keypoints, the third not labelled) or, for a
detection dataset, :data:`BOXES`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

H, W = 40, 60
POSE = "0 0.25 0.5 0.2 0.5 0.2 0.4 2 0.3 0.4 1 0 0 0\n"
BOXES = "0 0.25 0.5 0.2 0.5\n1 0.7 0.3 0.2 0.2\n"
POSE_YAML = "names: {0: person}\nkpt_shape: [3, 3]\nflip_idx: [1, 0, 2]\n"
BOXES_YAML = "names: [cat, dog]\n"


def make_dataset(
    root: Path, n: int = 2, splits: tuple[str, ...] = ("train", "val"), pose: bool = True
) -> Path:
    """Write the dataset under ``root``; return its data.yaml."""
    rng = np.random.default_rng(7)
    for split in splits:
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(n):
            pixels = rng.integers(0, 255, (H, W, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / "images" / split / f"im{i}.png")
            (root / "labels" / split / f"im{i}.txt").write_text(POSE if pose else BOXES)
    keys = "".join(f"{s}: images/{s}\n" for s in splits)
    path = root / "data.yaml"
    path.write_text("path: .\n" + keys + (POSE_YAML if pose else BOXES_YAML))
    return path


def manifest_lines(folder: Path) -> list[str]:
    """Every manifest line under ``folder``, sorted (their order depends on the workers)."""
    return sorted(
        line for path in sorted(folder.rglob("*.jsonl")) for line in path.read_text().splitlines()
    )
