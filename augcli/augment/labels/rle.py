"""COCO run-length encoding (RLE) of binary masks, in numpy: encode, decode, compress.

COCO's RLE runs down the columns (Fortran order), starting with a run of zeros (possibly
empty). The compressed string form is pycocotools' (``maskApi.c``): each count, minus the
count two before it from the fourth count on, in 5-bit groups (LEB128-like, sign-extended),
each group plus 48 as an ASCII character.
"""

from __future__ import annotations

import numpy as np


def encode(mask: np.ndarray) -> list[int]:
    """Run lengths of a binary HxW mask, column by column, starting with zeros."""
    flat = np.asarray(mask, dtype=bool).ravel(order="F")
    if flat.size == 0:
        return []
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat[0]:
        counts = [0] + counts
    return [int(c) for c in counts]


def decode(counts: list[int], size: tuple[int, int]) -> np.ndarray:
    """The HxW boolean mask of uncompressed ``counts`` for ``size = (height, width)``.

    Raises
    ------
    ValueError
        The counts are negative or do not add up to height x width.
    """
    h, w = size
    values = np.asarray(counts, dtype=np.int64)
    if values.size and values.min() < 0:
        raise ValueError("negative run length")
    if int(values.sum()) != h * w:
        raise ValueError(f"run lengths add up to {int(values.sum())}, not {h}x{w} = {h * w}")
    bits = np.zeros(values.size, dtype=bool)
    bits[1::2] = True
    return np.repeat(bits, values).reshape((w, h)).T


def compress(counts: list[int]) -> str:
    """pycocotools' compressed string of uncompressed ``counts``."""
    out = []
    for i, count in enumerate(counts):
        x = int(count) - (int(counts[i - 2]) if i > 2 else 0)
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def decompress(text: str) -> list[int]:
    """Uncompressed counts of pycocotools' compressed string.

    Raises
    ------
    ValueError
        A character outside the encoding's range, or a truncated last count.
    """
    counts: list[int] = []
    p, n = 0, len(text)
    while p < n:
        x, k, more = 0, 0, True
        while more:
            if p >= n:
                raise ValueError("truncated RLE string")
            c = ord(text[p]) - 48
            if not 0 <= c < 64:
                raise ValueError(f"character {text[p]!r} is not RLE")
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def area(counts: list[int]) -> int:
    """Pixels set in the mask: the sum of the odd-numbered runs."""
    return int(sum(counts[1::2]))
