"""Rebuild the documentation's figures: ``python docs/make_figures.py`` (writes docs/*.png, *.jpg).

The pool figures and the label previews are made by running the very commands docs/pool.md and
docs/labels.md show (:data:`POOL_FIGURES`, :data:`LABEL_FIGURES`, from the repository root);
``docs/feats.npy`` is the feature map the pool commands read.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

from augcli.augment.config import parse_pipeline
from augcli.augment.pipeline import Pipeline
from augcli.augment.preview import thumbnail
from augcli.images.contact_sheet import make_sheet
from augcli.images.reading import read_image, write_image

HERE = Path(__file__).parent
ROOT = HERE.parent
SAMPLE = ROOT / "sample_images" / "animals" / "chelsea.jpg"
FEATURES = HERE / "feats.npy"

# The commands docs/pool.md shows under its pictures, run as written from the repository root.
POOL_FIGURES = (
    "augcli pool sample_images/animals/chelsea.jpg -m max,avg,softpool,power "
    "--zoom 96,88,48,48 --diff avg -o docs/pool-zoom.png",
    "augcli pool docs/feats.npy --layout chw -m max,avg,softpool --channels 6 "
    "-o docs/pool-montage.png",
)

# The commands docs/labels.md shows under its previews, as written there (lines continued by
# a backslash), run from the repository root.
LABEL_FIGURES = (
    "augcli preview sample_labelled/images/everyday/coffee.jpg -n 3 --seed 2 \\\n"
    "  --masks sample_labelled/masks/everyday --coco sample_labelled/annotations.json "
    "-o docs/preview-labels.jpg",
    "augcli preview sample_labelled/images/space/astronaut.jpg -n 3 --seed 2 \\\n"
    "  --yolo-pose sample_labelled/pose/space -o docs/preview-pose.jpg",
)


def run(yaml: str, image: np.ndarray) -> np.ndarray:
    return Pipeline(parse_pipeline(yaml)).run(image, 0, "figure", 0)[0]


def fill_modes(image: np.ndarray) -> None:
    tiles, labels = [image], ["original"]
    for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
        yaml = (
            f"pipeline: [rotate: {{angle: 30, fill: {mode}}}, scale: {{factor: 0.7, fill: {mode}}}]"
        )
        tiles.append(run(yaml, image))
        labels.append(f"fill: {mode}")
    write_image(make_sheet(tiles, labels, columns=3), HERE / "fill-modes.png")


def groups(image: np.ndarray) -> None:
    one = "pipeline: [translate: {x: 0.4}, translate: {x: -0.4}]"
    two = "pipeline: [translate: {x: 0.4}, translate: {x: -0.4, fill: edge}]"
    tiles = [image, run(one, image), run(two, image)]
    labels = [
        "original",
        "one group: x +0.4 then -0.4, same fill: nothing lost",
        "two groups: the second has fill: edge, the content moved out is gone",
    ]
    write_image(make_sheet(tiles, labels, columns=3), HERE / "groups.png")


def feature_maps(image: np.ndarray) -> np.ndarray:
    """Six CHW float32 feature maps of the photo: ReLU of oriented edge filters, as a first
    convolution layer would give, on the grey photo reduced 8 times (37x56)."""
    grey = image[..., :3].mean(axis=2) / 255.0
    h, w = (grey.shape[0] // 8) * 8, (grey.shape[1] // 8) * 8
    small = grey[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
    kernels = [sobel, -sobel, sobel.T, -sobel.T, sobel + sobel.T, -(sobel - sobel.T)]
    padded = np.pad(small, 1, mode="edge")
    maps = []
    for kernel in kernels:
        out = sum(
            kernel[i, j] * padded[i : i + small.shape[0], j : j + small.shape[1]]
            for i in range(3)
            for j in range(3)
        )
        maps.append(np.maximum(out, 0.0))
    return np.stack(maps).astype(np.float32)


def run_commands(commands: tuple[str, ...]) -> None:
    """Run each ``augcli ...`` command as ``python -m augcli`` from the repository."""
    for command in commands:
        args = shlex.split(command.replace("\\\n", " "))[1:]
        subprocess.run([sys.executable, "-m", "augcli", *args], cwd=ROOT, check=True)


def pool_figures() -> None:
    """The feature map, then each command of :data:`POOL_FIGURES`."""
    np.save(FEATURES, feature_maps(read_image(SAMPLE).array))
    run_commands(POOL_FIGURES)


if __name__ == "__main__":
    picture = thumbnail(read_image(SAMPLE).array, 200)
    fill_modes(picture)
    groups(picture)
    pool_figures()
    run_commands(LABEL_FIGURES)
