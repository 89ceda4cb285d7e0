"""Labels read as text (class names, ``True``/``False``, ``--pos-label``, ``--classes``) to codes.

Binary: the positive label becomes 1 and the other 0. The positive label is ``--pos-label``,
or inferred when exactly one of the two values is ``1``, ``true``, ``yes``, ``pos`` or
``positive`` (any case); otherwise the user is asked for it, with the two values found.
Multi-class: each label becomes the index of its class among the prediction columns, the
classes being ``--classes`` or the prediction column names (less ``--pred-prefix``).
A label matches a class name exactly, or numerically (``1.0`` matches ``1``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from augcli.core.errors import InputError, UsageError
from augcli.loss.columns import Columns

POSITIVE_NAMES = frozenset({"1", "true", "yes", "pos", "positive"})


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def same_label(a: str, b: str) -> bool:
    """Whether two labels name the same class: equal text, or equal numbers.

    Examples
    --------
    >>> same_label("1.0", "1"), same_label("cat", "Cat")
    (True, False)
    """
    if a == b:
        return True
    x, y = _number(a), _number(b)
    return x is not None and x == y


def positive_like(label: str) -> bool:
    """Whether a label is inferred positive: ``1``, ``true``, ``yes``, ``pos``, ``positive``."""
    return label.lower() in POSITIVE_NAMES or _number(label) == 1.0


class LabelCoder:
    """Turn text labels into codes chunk by chunk, remembering the first line of each label.

    Parameters
    ----------
    name : str
        The input, for messages.
    unit : str
        What a row number counts (``'line'``).
    classes : sequence of str or None
        Multi-class: the class of each prediction column, in column order.
    pos_label : str or None
        Binary: the positive label (None = infer).
    classes_from : str
        Where the class names come from, for messages.
    """

    def __init__(
        self,
        name: str,
        unit: str,
        *,
        classes: Sequence[str] | None = None,
        pos_label: str | None = None,
        classes_from: str = "--classes",
    ) -> None:
        self.name, self.unit = name, unit
        self.classes = None if classes is None else tuple(classes)
        self.pos_label = pos_label
        self.classes_from = classes_from
        self._codes: dict[str, float] = {"": np.nan}
        self._first: dict[str, int] = {}

    def code(self, labels: np.ndarray, lines: np.ndarray) -> np.ndarray:
        """Codes of a chunk's labels (NaN for an empty cell).

        Parameters
        ----------
        labels : ndarray of str, shape (n,)
            Label cells as read.
        lines : ndarray of int, shape (n,)
            Their line numbers.

        Returns
        -------
        ndarray of float64
            0/1 (binary) or class indices (multi-class).

        Raises
        ------
        InputError
            A label that is not a class, a third binary label, or two binary labels of
            which neither (or both) can be inferred positive.
        """
        uniq, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
        table = np.empty(len(uniq), dtype=np.float64)
        for i, raw in enumerate(uniq.tolist()):
            if raw not in self._codes:
                text = raw.strip()
                if text not in self._codes:
                    self._first[text] = int(lines[first[i]])
                    self._codes[text] = self._new_code(text)
                self._codes[raw] = self._codes[text]
            table[i] = self._codes[raw]
        return table[inverse.reshape(-1)]

    def _where(self, label: str) -> str:
        return f"{label!r} ({self.unit} {self._first[label]})"

    def _new_code(self, label: str) -> float:
        if self.classes is not None:
            for index, cls in enumerate(self.classes):
                if same_label(label, cls):
                    return float(index)
            raise InputError(
                f"{self.name}: {self.unit} {self._first[label]}: label {label!r} is not one of "
                f"the classes {', '.join(self.classes)} ({self.classes_from}); name the class of "
                "each prediction column with --classes, in column order"
            )
        seen = [lb for lb in self._first if lb != label]
        if len(seen) >= 2:
            found = ", ".join(self._where(lb) for lb in sorted(self._first, key=self._first.get))
            raise InputError(
                f"{self.name}: more than two labels for one prediction column: {found}; "
                "for several classes give one prediction column per class (--pred)"
            )
        if self.pos_label is not None:
            return float(same_label(label, self.pos_label))
        if seen:
            other = seen[0]
            if positive_like(label) == positive_like(other):
                a, b = sorted((other, label), key=self._first.__getitem__)
                raise InputError(
                    f"{self.name}: cannot tell the positive label among {self._where(a)} "
                    f"and {self._where(b)}; pass --pos-label {a} or --pos-label {b}"
                )
        return float(positive_like(label))

    def finish(self) -> None:
        """Check what only the whole file can tell (a ``--pos-label`` never seen, one label).

        Raises
        ------
        InputError
            If ``pos_label`` is not among the labels, or the only label cannot be inferred.
        """
        if self.classes is not None:
            return
        found = list(self._first)
        if self.pos_label is not None:
            if not any(same_label(lb, self.pos_label) for lb in found):
                raise InputError(
                    f"{self.name}: --pos-label {self.pos_label!r} is not among the labels "
                    f"found: {', '.join(repr(lb) for lb in found)}"
                )
        elif len(found) == 1 and not positive_like(found[0]):
            raise InputError(
                f"{self.name}: every label is {found[0]!r}; say whether it is the positive "
                f"class with --pos-label {found[0]} (or --pos-label with the other class)"
            )

    def describe(self) -> str:
        """The label set for the report, e.g. ``'{cat,dog+}'`` (``+`` marks the positive)."""
        if self.classes is not None:
            return "{" + ",".join(self.classes) + "}"
        names = [lb + ("+" if self._codes.get(lb) == 1.0 else "") for lb in self._first]
        return "{" + ",".join(sorted(names)) + "}"


def make_coder(
    name: str,
    unit: str,
    columns: Columns,
    classes: Sequence[str] | None,
    pos_label: str | None,
) -> LabelCoder:
    """The coder for text labels: class names for several prediction columns, else binary.

    Parameters
    ----------
    name, unit : str
        The input and what a row number counts, for messages.
    columns : Columns
        The selected columns (their names, less the prefix, are the default classes).
    classes : sequence of str or None
        ``--classes``: the class of each prediction column, in column order.
    pos_label : str or None
        ``--pos-label``.

    Returns
    -------
    LabelCoder
        Ready for the first chunk.

    Raises
    ------
    UsageError
        ``--pos-label`` with several prediction columns, ``--classes`` with one, or a number
        of classes that is not the number of prediction columns.
    """
    k = len(columns.pred)
    if k > 1:
        if pos_label is not None:
            raise UsageError("--pos-label is for one prediction column (binary labels)")
        names = tuple(classes or columns.class_names)
        if len(names) != k:
            raise UsageError(
                f"--classes names {len(names)} class(es) but there are {k} prediction "
                f"columns ({', '.join(columns.pred_names)})"
            )
        origin = "--classes" if classes else "from the prediction column names"
        return LabelCoder(name, unit, classes=names, classes_from=origin)
    if classes:
        raise UsageError(
            "--classes needs one prediction column per class; with one prediction column "
            "use --pos-label"
        )
    return LabelCoder(name, unit, pos_label=pos_label)
