"""The labels of one image for ``augcli preview``: find them, move them, draw them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from augcli.augment.labels.apply import LabelInputs
from augcli.augment.labels.files import LabelOptions, LabelTask
from augcli.augment.labels.formats import FORMATS
from augcli.augment.labels.geometry import Warp


def sample_task(image: Path, labels: LabelOptions) -> tuple[LabelTask, Any]:
    """The label sources of ``image`` (each format's path a file, or a folder holding one of
    its stem), and the class names (by id) the sources or the options give."""
    sources = []
    names = None
    for fmt, paths in labels.given():
        fmt.resolve(paths, labels)
        source, problem, found = fmt.preview_source(paths[0], image)
        names = names or found
        sources.append((fmt.name, source, problem, None))
    return LabelTask("", tuple(sources)), names or labels.setting("names")


def draw_sample(
    rgb: np.ndarray,
    inputs: LabelInputs,
    warps: Sequence[Warp],
    names: Any,
    options: LabelOptions,
) -> np.ndarray:
    """``rgb`` (the augmented sample, uint8 HxWx3) with the moved labels drawn on it."""
    for name, data in inputs.data.items():
        rgb = FORMATS[name].draw(rgb, data, warps, options, names)
    return rgb
