"""A digest of augcli's pipeline outputs on sample_images/, to prove a speed-up changed no byte.

Usage (repository root)::

    python tools/output_digest.py [--resampler pillow|opencv] [--seed 7]

Runs every pipeline of ``configs/`` and ``benchmarks/`` (in-process, :class:`Pipeline.run`) on
every bundled sample image, as read (uint8: L, RGB, RGBA) and converted to uint16 and float32,
4 copies each, and prints one SHA-256 per pipeline over the output arrays (shape, dtype and
bytes) and one over everything. Run it before and after a change to the warp: equal digests
mean equal outputs.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from augcli.augment.config import load_pipeline  # noqa: E402
from augcli.augment.pipeline import Pipeline  # noqa: E402
from augcli.images.reading import read_image  # noqa: E402


def _variants(array: np.ndarray) -> list[np.ndarray]:
    as_float = array.astype(np.float32) / 255.0
    return [array, (array.astype(np.uint16) * 257), as_float]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resampler", default="pillow")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    configs = sorted((REPO / "configs").glob("*.yaml")) + sorted(
        (REPO / "benchmarks").glob("*.yaml")
    )
    images = sorted(p for p in (REPO / "sample_images").rglob("*") if p.suffix in (".jpg", ".png"))
    arrays = [
        (p.relative_to(REPO / "sample_images").as_posix(), read_image(p).array) for p in images
    ]
    total = hashlib.sha256()
    for config in configs:
        spec = load_pipeline(config)
        spec = (
            dataclasses.replace(spec, resampler=args.resampler)
            if args.resampler != "pillow"
            else spec
        )
        pipe = Pipeline(spec)
        digest = hashlib.sha256()
        for key, array in arrays:
            for image in _variants(array):
                for copy in range(4):
                    out, _ = pipe.run(image, args.seed, key, copy)
                    digest.update(f"{out.shape}{out.dtype}".encode())
                    digest.update(np.ascontiguousarray(out).tobytes())
        total.update(digest.digest())
        print(f"{config.relative_to(REPO)}: {digest.hexdigest()[:16]}", flush=True)
    print(f"all: {total.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
