"""Selecting the label and prediction columns of a CSV header (names or shell-style globs)."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from augcli.errors import InputError, UsageError


@dataclass(frozen=True)
class Columns:
    """The columns selected from a header.

    Attributes
    ----------
    header : tuple of str
        Every column name, in file order.
    true : int
        Index of the label column.
    pred : tuple of int
        Indices of the prediction columns, in the order they were asked for.
    """

    header: tuple[str, ...]
    true: int
    pred: tuple[int, ...]

    @property
    def pred_names(self) -> tuple[str, ...]:
        """Names of the prediction columns."""
        return tuple(self.header[i] for i in self.pred)

    @property
    def true_name(self) -> str:
        """Name of the label column."""
        return self.header[self.true]


def select_columns(header: Sequence[str], true: str, pred: Sequence[str]) -> Columns:
    """Resolve the label column and the prediction columns (names or globs) in a header.

    Parameters
    ----------
    header : sequence of str
        Column names from the first line.
    true : str
        Name of the label column.
    pred : sequence of str
        Names or shell-style globs (``'p_*'``); a glob expands to its matches in header order.

    Returns
    -------
    Columns
        The resolved indices.

    Raises
    ------
    InputError
        If a name or glob matches nothing, or a selected name appears twice in the header.

    Examples
    --------
    >>> select_columns(["y", "p_0", "p_1"], "y", ["p_*"]).pred
    (1, 2)
    """
    header = tuple(header)
    available = ", ".join(header)

    def index_of(name: str) -> int:
        hits = [i for i, h in enumerate(header) if h == name]
        if not hits:
            raise InputError(f"column {name!r} not found; the columns are: {available}")
        if len(hits) > 1:
            raise InputError(f"column {name!r} appears {len(hits)} times in the header")
        return hits[0]

    true_index = index_of(true)
    pred_indices: list[int] = []
    for pattern in pred:
        if any(ch in pattern for ch in "*?["):
            hits = [i for i, h in enumerate(header) if fnmatch.fnmatchcase(h, pattern)]
            if not hits:
                raise InputError(f"no column matches {pattern!r}; the columns are: {available}")
            pred_indices.extend(hits)
        else:
            pred_indices.append(index_of(pattern))
    if true_index in pred_indices:
        raise UsageError(f"column {true!r} is both the label column and a prediction column")
    if len(set(pred_indices)) != len(pred_indices):
        raise UsageError("a prediction column is selected twice: " + ", ".join(pred))
    return Columns(header, true_index, tuple(pred_indices))
