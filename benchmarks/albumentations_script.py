"""The Albumentations equivalent of benchmarks/geometric.yaml and geometric_noise.yaml.

Usage::

    python benchmarks/albumentations_script.py SRC DST --pipeline geometric_noise \
        [--affine three|one] [--size 512x512] [--workers 2] [--copies 4] [--quality 90] \
        [--seed 1] [--io cv2|pil]

Written as a user would: one transform per augcli op, each Affine with ``p=1`` (augcli's steps
default to ``p: 1``) and the border mode that matches augcli's ``fill: reflect`` (numpy's
``reflect`` is OpenCV's ``BORDER_REFLECT_101``), bilinear interpolation everywhere:

=====================================================  ==========================================
augcli step                                            Albumentations transform
=====================================================  ==========================================
flip: {direction: horizontal, p: 0.5}                  HorizontalFlip(p=0.5)
rotate: {angle: [-30, 30], fill: reflect}              Affine(rotate=(-30, 30), reflect_101, p=1)
scale: {factor: [0.8, 1.2], fill: reflect}             Affine(scale=(0.8, 1.2), reflect_101, p=1)
crop: {size: [0.7, 1.0]} (resized back)                RandomSizedCrop((0.7*H, H), size=(H, W))
translate: {x: [-0.1, 0.1], y: [-0.1, 0.1], reflect}   Affine(translate_percent=(-0.1, 0.1), ...)
gaussian_noise: {std: [0.02, 0.06]} (per channel)      GaussNoise(std_range=(0.02, 0.06), p=1)
salt_and_pepper: {amount: 0.02} (salt share 0.5)       SaltAndPepper((0.02, 0.02), (0.5, 0.5), p=1)
=====================================================  ==========================================

``--affine one`` is what an expert writes instead: the three Affines as one
``Affine(rotate=(-30, 30), scale=(0.8, 1.2), translate_percent=(-0.1, 0.1))`` (one warp), then the
crop. ``--size WxH`` is the size of the dataset's images (the crop's side is 70-100% of the
height, with the images' aspect ratio, resized back to WxH).

``GaussNoise.std_range`` is a fraction of the full range (255 for uint8) in Albumentations 2.x,
as augcli's ``std``. The crop is square (``w2h_ratio=1``) with a side of 70-100% of the image
height, as augcli's ``size`` on these square inputs. Images stay BGR as read by OpenCV (no op here
depends on channel order). ``--io cv2`` reads with ``cv2.imread`` and writes with ``cv2.imwrite``
(``IMWRITE_JPEG_QUALITY``); ``--io pil`` reads and writes with Pillow (RGB), as augcli does.
A ``multiprocessing.Pool(workers)`` (fork) maps over the ``*.jpg`` files directly in SRC; each
worker builds its own Compose seeded with ``seed`` and its worker number.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os

import albumentations as A
import cv2
import numpy as np
from PIL import Image

SIZE = 512  # the benchmark's images are 512x512
_STATE: dict[str, object] = {}


def build(
    pipeline: str,
    size: tuple[int, int] = (SIZE, SIZE),
    seed: int | None = None,
    affine: str = "three",
) -> A.Compose:
    """The Albumentations Compose equivalent to ``benchmarks/<pipeline>.yaml``.

    ``size`` is ``(width, height)`` of the images; ``affine`` "three" (one Affine per augcli
    op) or "one" (rotate, scale and translate in one Affine, before the crop).
    """
    reflect = cv2.BORDER_REFLECT_101
    linear = cv2.INTER_LINEAR
    width, height = size
    crop = A.RandomSizedCrop(
        min_max_height=(round(0.7 * height), height),
        size=(height, width),
        w2h_ratio=width / height,
        interpolation=linear,
        p=1.0,
    )
    if affine == "one":
        steps = [
            A.HorizontalFlip(p=0.5),
            A.Affine(
                rotate=(-30, 30),
                scale=(0.8, 1.2),
                translate_percent=(-0.1, 0.1),
                border_mode=reflect,
                interpolation=linear,
                p=1.0,
            ),
            crop,
        ]
    else:
        steps = [
            A.HorizontalFlip(p=0.5),
            A.Affine(rotate=(-30, 30), border_mode=reflect, interpolation=linear, p=1.0),
            A.Affine(scale=(0.8, 1.2), border_mode=reflect, interpolation=linear, p=1.0),
            crop,
            A.Affine(
                translate_percent=(-0.1, 0.1), border_mode=reflect, interpolation=linear, p=1.0
            ),
        ]
    if pipeline == "geometric_noise":
        steps += [
            A.GaussNoise(std_range=(0.02, 0.06), mean_range=(0.0, 0.0), per_channel=True, p=1.0),
            A.SaltAndPepper(amount=(0.02, 0.02), salt_vs_pepper=(0.5, 0.5), p=1.0),
        ]
    elif pipeline != "geometric":
        raise ValueError(f"unknown pipeline {pipeline!r}")
    return A.Compose(steps, seed=seed)


def _init(
    pipeline: str,
    dst: str,
    copies: int,
    quality: int,
    seed: int,
    io: str,
    size: tuple[int, int],
    affine: str,
) -> None:
    ident = multiprocessing.current_process()._identity
    worker = ident[0] if ident else 0
    _STATE.update(
        compose=build(pipeline, size, seed=seed * 1000 + worker, affine=affine),
        dst=dst,
        copies=copies,
        quality=quality,
        io=io,
    )


def process(path: str) -> int:
    """Read ``path``, augment ``copies`` times, write each as JPEG; return the number written."""
    compose: A.Compose = _STATE["compose"]
    stem = os.path.splitext(os.path.basename(path))[0]
    quality = _STATE["quality"]
    if _STATE["io"] == "cv2":
        image = cv2.imread(path, cv2.IMREAD_COLOR)
    else:
        with Image.open(path) as im:
            image = np.asarray(im.convert("RGB"))
    for copy in range(_STATE["copies"]):
        out = compose(image=image)["image"]
        name = os.path.join(_STATE["dst"], f"{stem}_{copy}.jpg")
        if _STATE["io"] == "cv2":
            if not cv2.imwrite(name, out, [cv2.IMWRITE_JPEG_QUALITY, quality]):
                raise OSError(f"cv2.imwrite failed for {name}")
        else:
            Image.fromarray(out).save(name, format="JPEG", quality=quality)
    return _STATE["copies"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src")
    parser.add_argument("dst")
    parser.add_argument("--pipeline", choices=("geometric", "geometric_noise"), required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--quality", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--io", choices=("cv2", "pil"), default="cv2")
    parser.add_argument("--affine", choices=("three", "one"), default="three")
    parser.add_argument("--size", default=f"{SIZE}x{SIZE}", help="the images' WxH")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    files = sorted(
        os.path.join(args.src, name) for name in os.listdir(args.src) if name.endswith(".jpg")
    )
    os.makedirs(args.dst, exist_ok=True)
    initargs = (args.pipeline, args.dst, args.copies, args.quality, args.seed, args.io)
    initargs += (size, args.affine)
    with multiprocessing.Pool(args.workers, _init, initargs) as pool:
        written = sum(pool.imap_unordered(process, files, chunksize=4))
    print(written)


if __name__ == "__main__":
    main()
