"""A block of parsed rows: what every row source (file reader, arrays) yields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Chunk:
    """A block of parsed rows.

    Attributes
    ----------
    lines : ndarray of int64, shape (n,)
        1-based line number of each row in the file (the header, if any, is line 1).
    y : ndarray of float64, shape (n,)
        Labels (text labels already coded: 0/1 or class indices).
    pred : ndarray of float64, shape (n, k)
        Predictions, one column per selected prediction column.
    weight : ndarray of float64, shape (n,), or None
        Sample weights (finite, >= 0), None when no weight column is read.
    """

    lines: np.ndarray
    y: np.ndarray
    pred: np.ndarray
    weight: np.ndarray | None = None
