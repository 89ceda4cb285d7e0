"""Selecting the label and prediction columns of a CSV header (names or shell-style globs)."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from augcli.core.errors import InputError, UsageError


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
    weight: int | None = None
    prefix: str = ""

    @property
    def pred_names(self) -> tuple[str, ...]:
        """Names of the prediction columns."""
        return tuple(self.header[i] for i in self.pred)

    @property
    def class_names(self) -> tuple[str, ...]:
        """Prediction column names less the ``--pred-prefix`` (the classes they stand for)."""
        return tuple(n.removeprefix(self.prefix) for n in self.pred_names)

    @property
    def true_name(self) -> str:
        """Name of the label column."""
        return self.header[self.true]


def select_columns(
    header: Sequence[str],
    true: str,
    pred: Sequence[str],
    *,
    weight: str | None = None,
    pred_prefix: str | None = None,
) -> Columns:
    """Resolve the label, prediction (names or globs) and weight columns in a header.

    Parameters
    ----------
    header : sequence of str
        Column names from the first line (``'0'``, ``'1'``, ... for a file without header).
    true : str
        Name of the label column.
    pred : sequence of str
        Names or shell-style globs (``'p_*'``), each possibly a comma-separated list; a glob
        expands to its matches in header order. Ignored when ``pred_prefix`` is given.
    weight : str, optional
        Name of the sample-weight column.
    pred_prefix : str, optional
        Every column whose name starts with it is a prediction column, in header order;
        the rest of the name is the class it stands for.

    Returns
    -------
    Columns
        The resolved indices.

    Raises
    ------
    InputError
        If a name or glob matches nothing, or a selected name appears twice in the header.
    UsageError
        If one column is selected for two roles.

    Examples
    --------
    >>> select_columns(["y", "p_0", "p_1"], "y", ["p_*"]).pred
    (1, 2)
    >>> select_columns(["y", "p_cat", "p_dog"], "y", [], pred_prefix="p_").class_names
    ('cat', 'dog')
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
    if pred_prefix is not None:
        pred_indices = [i for i, h in enumerate(header) if h.startswith(pred_prefix)]
        pred_indices = [i for i in pred_indices if i != true_index]
        if not pred_indices:
            raise InputError(
                f"no column starts with --pred-prefix {pred_prefix!r}; the columns are: {available}"
            )
    patterns = [p.strip() for item in pred for p in item.split(",") if p.strip()]
    for pattern in [] if pred_prefix is not None else patterns:
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
        raise UsageError("a prediction column is selected twice: " + ", ".join(patterns))
    weight_index = None
    if weight is not None:
        weight_index = index_of(weight)
        if weight_index == true_index or weight_index in pred_indices:
            raise UsageError(f"--weight column {weight!r} is also a label or prediction column")
    return Columns(header, true_index, tuple(pred_indices), weight_index, pred_prefix or "")
