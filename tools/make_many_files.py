"""A tree of many tiny images, to measure how planning scales: ``N`` 1x1 PNGs in folders of 1,000.

Usage (repository root): ``python tools/make_many_files.py ROOT --count 1000000``. Every file is
the same 1x1 grey PNG (67 bytes), named ``dNNNN/fNNNNNN.png``; an existing complete tree of the
same count is kept (``ROOT/.complete`` holds the count).
"""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

from PIL import Image


def tiny_png() -> bytes:
    """The bytes of a 1x1 grey PNG."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1), 128).save(buffer, format="PNG")
    return buffer.getvalue()


def make_tree(root: Path, count: int, per_folder: int = 1000) -> Path:
    """Write ``count`` tiny PNGs under ``root`` (kept if already complete); return ``root``."""
    stamp = root / ".complete"
    if stamp.exists() and stamp.read_text() == str(count):
        return root
    data = tiny_png()
    for i in range(count):
        folder = root / f"d{i // per_folder:04d}"
        if i % per_folder == 0:
            folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / f"f{i:07d}.png", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    stamp.write_text(str(count))
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args()
    make_tree(args.root, args.count)
    print(f"{args.count} files under {args.root}")


if __name__ == "__main__":
    main()
