"""Rebuild sample_images/ from the public-domain / CC0 photographs bundled with scikit-image.

Run from the repository root: ``python tools/make_sample_images.py``. Uses only files that
ship inside the scikit-image wheel (no download). Sources and licenses: sample_images/README.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

LONG_SIDE = 512
JPEG_QUALITY = 90
OUT = Path(__file__).resolve().parent.parent / "sample_images"


def _fit(image: Image.Image) -> Image.Image:
    """Shrink so the long side is at most LONG_SIDE (never enlarge)."""
    scale = LONG_SIDE / max(image.size)
    if scale >= 1:
        return image
    size = (round(image.width * scale), round(image.height * scale))
    return image.resize(size, Image.Resampling.LANCZOS)


def _cutout(rgb: np.ndarray, top: int, left: int, side: int, feather: float) -> Image.Image:
    """A square crop with a soft circular alpha mask (opaque centre, feathered rim)."""
    crop = rgb[top : top + side, left : left + side]
    yy, xx = np.mgrid[:side, :side] + 0.5
    radius = np.hypot(yy - side / 2, xx - side / 2)
    alpha = np.clip((side / 2 - radius) / feather, 0.0, 1.0)
    return Image.fromarray(np.dstack([crop, np.round(alpha * 255).astype(np.uint8)]))


def main() -> None:
    """Write the eight sample images."""
    jpegs = {
        "animals/chelsea.jpg": data.chelsea(),
        "space/astronaut.jpg": data.astronaut(),
        "space/rocket.jpg": data.rocket(),
        "space/hubble_deep_field.jpg": data.hubble_deep_field(),
        "everyday/coffee.jpg": data.coffee(),
    }
    pngs = {
        "everyday/camera.png": Image.fromarray(data.camera()),  # L
        "everyday/clock.png": Image.fromarray(data.clock()),  # L
        "animals/chelsea_cutout.png": _cutout(data.chelsea(), 0, 90, 300, feather=24.0),  # RGBA
    }
    for name, array in jpegs.items():
        (OUT / name).parent.mkdir(parents=True, exist_ok=True)
        _fit(Image.fromarray(array)).save(OUT / name, quality=JPEG_QUALITY, optimize=True)
    for name, image in pngs.items():
        (OUT / name).parent.mkdir(parents=True, exist_ok=True)
        _fit(image).save(OUT / name, optimize=True)
    for path in sorted(OUT.rglob("*.*")):
        if path.suffix != ".md":
            with Image.open(path) as image:
                print(f"{path.relative_to(OUT)}  {image.mode}  {image.size}  {path.stat().st_size}")


if __name__ == "__main__":
    main()
