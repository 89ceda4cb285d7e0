"""The bundled sample_images/ tree is what its README promises."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from augcli.images.formats import IMAGE_EXTENSIONS
from augcli.images.reading import read_image

SAMPLES = Path(__file__).resolve().parents[2] / "sample_images"


def _images() -> list[Path]:
    return sorted(p for p in SAMPLES.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)


def test_sample_images_tree():
    images = _images()
    assert len(images) == 8
    assert len({p.parent for p in images}) == 3
    assert {p.suffix for p in images} == {".jpg", ".png"}
    assert sum(p.stat().st_size for p in images) < 2_000_000
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for path in images:
        assert f"`{path.relative_to(SAMPLES).as_posix()}`" in readme


def test_sample_images_modes_and_sizes():
    modes = set()
    for path in _images():
        data = read_image(path)
        assert max(data.array.shape[:2]) <= 512
        assert data.array.dtype == np.uint8
        modes.add(data.mode)
        if data.mode == "RGBA":
            alpha = data.array[..., 3]
            assert alpha.min() == 0 and alpha.max() == 255 and len(np.unique(alpha)) > 2
    assert {"L", "RGB", "RGBA"} <= modes
