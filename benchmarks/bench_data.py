"""The augment benchmark's datasets, generated deterministically (nothing is downloaded).

``make_dataset(n)``: ``benchmarks/_data/photos_<n>/``, n distinct 512x512 RGB JPEGs (quality 90)
cut from the photographs bundled with scikit-image and scikit-learn (random rescale, window and
mirror). ``make_large_dataset(n)``: ``benchmarks/_data/phone12mp_<n>/``, n distinct 4032x3024
RGB JPEGs (12 MP, a phone camera's size, quality 90): the same photographs scaled up, plus a
fixed pattern of per-pixel noise (a sensor's grain, +-6 levels) so that the files decode and
encode like photographs (3-4 MB each) instead of like smooth upscales. Both are cached
(git-ignored); image ``i`` depends only on ``i``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
SIZE = 512
LARGE = (4032, 3024)  # width, height
QUALITY = 90
DATASET_VERSION = "1"  # bump when the generator changes: cached sets are rebuilt
LARGE_VERSION = "1"


def _sources() -> list[tuple[str, np.ndarray]]:
    """The bundled photographs (RGB uint8); camera is greyscale, stacked to RGB."""
    from skimage import data
    from sklearn.datasets import load_sample_images

    grey = data.camera()
    sources = [
        ("astronaut", data.astronaut()),
        ("chelsea", data.chelsea()),
        ("coffee", data.coffee()),
        ("rocket", data.rocket()),
        ("camera", np.dstack([grey, grey, grey])),
        ("hubble_deep_field", data.hubble_deep_field()),
        ("retina", data.retina()),
        ("immunohistochemistry", data.immunohistochemistry()),
        ("motorcycle", data.stereo_motorcycle()[0]),
    ]
    sample = load_sample_images()
    for path, image in zip(sample.filenames, sample.images, strict=True):
        sources.append((Path(path).stem, image))
    return sources


def _variant(
    image: np.ndarray, rng: np.random.Generator, width: int = SIZE, height: int = SIZE
) -> Image.Image:
    """A random width x height window of ``image`` rescaled by a random factor, maybe mirrored."""
    h, w = image.shape[:2]
    fit = max(width / w, height / h)  # smallest factor that still holds the window
    factor = rng.uniform(fit, max(1.0, fit) * 1.6)
    new_w, new_h = max(width, round(w * factor)), max(height, round(h * factor))
    pil = Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BICUBIC)
    top = int(rng.integers(0, new_h - height + 1))
    left = int(rng.integers(0, new_w - width + 1))
    pil = pil.crop((left, top, left + width, top + height))
    if rng.random() < 0.5:
        pil = pil.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return pil


def make_dataset(n: int) -> Path:
    """``benchmarks/_data/photos_<n>/``: n distinct 512x512 JPEGs (built once, then cached).

    Image ``i`` depends only on ``i`` (so the first n of a larger set are this set's images).
    """
    folder = DATA / f"photos_{n}"
    stamp = folder / ".complete"
    if stamp.exists() and stamp.read_text() == DATASET_VERSION:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sources = _sources()
    seen: set[bytes] = set()
    for i in range(n):
        name, image = sources[i % len(sources)]
        rng = np.random.default_rng([20240606, i])
        pil = _variant(image, rng)
        digest = pil.tobytes()[::997]
        if digest in seen:
            raise RuntimeError(f"image {i} ({name}) repeats an earlier one")
        seen.add(digest)
        pil.save(folder / f"{i:04d}_{name}.jpg", format="JPEG", quality=QUALITY)
    stamp.write_text(DATASET_VERSION)
    return folder


def make_large_dataset(n: int = 24) -> Path:
    """``benchmarks/_data/phone12mp_<n>/``: n distinct 4032x3024 JPEGs (built once, then cached)."""
    folder = DATA / f"phone12mp_{n}"
    stamp = folder / ".complete"
    if stamp.exists() and stamp.read_text() == LARGE_VERSION:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sources = _sources()
    width, height = LARGE
    for i in range(n):
        name, image = sources[i % len(sources)]
        rng = np.random.default_rng([20261130, i])
        pixels = np.asarray(_variant(image, rng, width, height), dtype=np.int16)
        grain = rng.integers(-6, 7, (height, width, 1), dtype=np.int16)
        pixels = np.clip(pixels + grain, 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"{i:04d}_{name}.jpg", format="JPEG", quality=QUALITY)
    stamp.write_text(LARGE_VERSION)
    return folder
