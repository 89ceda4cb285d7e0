"""A block of parsed rows: what every row source (file reader, arrays) yields; weight checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from augcli.core.errors import InputError


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


def check_weights(where: str, column: str, weight: np.ndarray, lines: np.ndarray) -> None:
    """Refuse a negative sample weight, naming its line (non-finite ones are missing cells).

    Parameters
    ----------
    where : str
        Message prefix naming the input, e.g. ``'preds.csv: '``.
    column : str
        The weight column's name.
    weight, lines : ndarray
        The chunk's weights and line numbers.

    Raises
    ------
    InputError
        At the first negative weight.
    """
    negative = weight < 0
    if negative.any():
        i = int(np.argmax(negative))
        raise InputError(
            f"{where}line {int(lines[i])}, column {column!r}: weight {weight[i]:g} is "
            "negative; sample weights must be finite and >= 0"
        )
