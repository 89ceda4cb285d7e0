"""Rebuild the README's figures: ``python docs/make_figures.py`` (writes docs/*.png)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from augcli.augment.config import parse_pipeline
from augcli.augment.pipeline import Pipeline
from augcli.augment.preview import thumbnail
from augcli.contact_sheet import make_sheet
from augcli.imagefiles import read_image, write_image

HERE = Path(__file__).parent
SAMPLE = HERE.parent / "sample_images" / "animals" / "chelsea.jpg"


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


if __name__ == "__main__":
    picture = thumbnail(read_image(SAMPLE).array, 200)
    fill_modes(picture)
    groups(picture)
