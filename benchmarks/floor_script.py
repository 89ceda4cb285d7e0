"""The floor of `augcli augment`: decode each JPEG once, encode it ``--copies`` times, no transform.

Usage::

    python benchmarks/floor_script.py SRC DST [--workers 2] [--copies 4] [--quality 90]

A ``multiprocessing.Pool(workers)`` over the ``*.jpg`` files directly in SRC; each worker opens
the file with Pillow, decodes it (``Image.load``) and saves it ``copies`` times as JPEG at
``quality`` (Pillow's defaults otherwise: 4:2:0 subsampling, no optimize) to
``DST/<stem>_<copy>.jpg``. Nothing an augmenter could skip is left in, nothing else is done: any
augmenter that reads and writes these files with Pillow takes at least this long.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os

from PIL import Image

_ARGS: dict[str, object] = {}


def _init(dst: str, copies: int, quality: int) -> None:
    _ARGS.update(dst=dst, copies=copies, quality=quality)


def process(path: str) -> int:
    """Decode ``path`` once and write it ``copies`` times; return the number written."""
    stem = os.path.splitext(os.path.basename(path))[0]
    with Image.open(path) as im:
        im.load()
        for copy in range(_ARGS["copies"]):
            out = os.path.join(_ARGS["dst"], f"{stem}_{copy}.jpg")
            im.save(out, format="JPEG", quality=_ARGS["quality"])
    return _ARGS["copies"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src")
    parser.add_argument("dst")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--quality", type=int, default=90)
    args = parser.parse_args()
    files = sorted(
        os.path.join(args.src, name) for name in os.listdir(args.src) if name.endswith(".jpg")
    )
    os.makedirs(args.dst, exist_ok=True)
    with multiprocessing.Pool(args.workers, _init, (args.dst, args.copies, args.quality)) as pool:
        written = sum(pool.imap_unordered(process, files, chunksize=4))
    print(written)


if __name__ == "__main__":
    main()
