"""Which convention the rows follow: the candidates still possible, narrowed chunk by chunk.

The task (binary or regression for one prediction column) and the prediction kind
(probability or score) depend on the whole input, so every convention still possible is kept
until a chunk rules it out (a label outside {-1,0,1}, a mix of 0 and -1, a prediction outside
[0,1]); at the end the first survivor of binary > regression and probability > score wins.
An option given explicitly pins the convention, and data that contradict it are an error
naming the row.
"""

from __future__ import annotations

import numpy as np

from augcli.core.errors import InputError, UsageError
from augcli.loss.chunk import Chunk
from augcli.loss.conventions import (
    BINARY,
    MULTICLASS,
    PROBABILITY,
    REGRESSION,
    SCORE,
    Convention,
)


def initial_conventions(task: str, pred_kind: str, k: int) -> list[Convention]:
    """The conventions possible before any row is read, in order of preference.

    Parameters
    ----------
    task : {'auto', 'binary', 'multiclass', 'regression'}
        Requested task; auto = multiclass for several prediction columns, else binary or
        regression.
    pred_kind : {'auto', 'probability', 'score'}
        Requested prediction kind.
    k : int
        Number of prediction columns.

    Returns
    -------
    list of Convention
        Candidates, most preferred first.

    Raises
    ------
    UsageError
        If the task does not fit the number of prediction columns.
    """
    if task == "auto":
        tasks = [MULTICLASS] if k > 1 else [BINARY, REGRESSION]
    else:
        tasks = [task]
        if task == MULTICLASS and k < 2:
            raise UsageError(
                "--task multiclass needs one prediction column per class "
                "(repeat --pred or use a glob such as --pred 'p_*')"
            )
        if task != MULTICLASS and k > 1:
            raise UsageError(f"--task {task} needs exactly one prediction column; got {k}")
    kinds = [PROBABILITY, SCORE] if pred_kind == "auto" else [pred_kind]
    return [
        Convention(t, None if t == REGRESSION else kd)
        for t in tasks
        for kd in ([None] if t == REGRESSION else kinds)
    ]


def _first(mask: np.ndarray, lines: np.ndarray, values: np.ndarray) -> tuple[int, float]:
    i = int(np.argmax(mask))
    return int(lines[i]), float(values[i])


class Detector:
    """Narrow the candidate conventions as chunks arrive.

    Parameters
    ----------
    name : str
        The input, for messages (a path, ``<stdin>``).
    unit : str
        What a row number counts in messages: ``'line'`` (files) or ``'row'`` (arrays).
    pred_names : tuple of str
        Prediction column names, for messages.
    task, pred_kind : str
        As for :func:`initial_conventions`.

    Attributes
    ----------
    candidates : list of Convention
        Still possible, most preferred first; never empty.
    tasks : list of str
        The tasks possible before any row was read, sorted.
    """

    def __init__(
        self, name: str, unit: str, pred_names: tuple[str, ...], task: str, pred_kind: str
    ) -> None:
        self.name, self.unit, self.pred_names = name, unit, pred_names
        self.task, self.pred_kind = task, pred_kind
        self.candidates = initial_conventions(task, pred_kind, len(pred_names))
        self.tasks = sorted({c.task for c in self.candidates})
        self._seen: dict[float, int | None] = {-1.0: None, 0.0: None}  # first row of each
        self._distinct: set[float] = set()  # up to 3 distinct labels

    def check(self, chunk: Chunk) -> None:
        """Drop the candidates this chunk rules out; raise if it contradicts a pinned one.

        Parameters
        ----------
        chunk : Chunk
            The next rows.

        Raises
        ------
        InputError
            Labels or predictions that contradict an explicit ``task`` or ``pred_kind``,
            or multiclass labels that are not column indices.
        """
        y, pred, lines, unit = chunk.y, chunk.pred, chunk.lines, self.unit
        if len(self._distinct) < 3:
            new = y[~np.isin(y, list(self._distinct))] if self._distinct else y
            self._distinct.update(np.unique(new)[:3].tolist())
        for label in (-1.0, 0.0):
            if self._seen[label] is None and (hit := y == label).any():
                self._seen[label] = _first(hit, lines, y)[0]
        if BINARY in {c.task for c in self.candidates}:
            not_binary = ~((y == 1) | (y == 0) | (y == -1))
            why = None
            if not_binary.any():
                line, value = _first(not_binary, lines, y)
                why = (
                    f"{unit} {line}: label {value:g} is not in {{0,1}} or {{-1,+1}} "
                    "(--pos-label names the positive label of other binary labels)"
                )
            elif self._seen[-1.0] is not None and self._seen[0.0] is not None:
                why = (
                    f"labels mix 0 ({unit} {self._seen[0.0]}) and -1 ({unit} "
                    f"{self._seen[-1.0]}); binary labels are {{0,1}} or {{-1,+1}}"
                )
            if why is not None:
                if self.task == BINARY:
                    raise InputError(f"{self.name}: {why}")
                self.candidates = [c for c in self.candidates if c.task != BINARY]
        if MULTICLASS in self.tasks:
            k = len(self.pred_names)
            bad = (y != np.floor(y)) | (y < 0) | (y >= k)
            if bad.any():
                line, value = _first(bad, lines, y)
                raise InputError(
                    f"{self.name}: {unit} {line}: label {value:g} is not a class index; "
                    f"multiclass labels are integers 0..{k - 1} indexing the prediction "
                    f"columns {', '.join(self.pred_names)}, or class names given by "
                    "--classes (e.g. --classes 1,2,3) or --pred-prefix"
                )
        if PROBABILITY in {c.pred_kind for c in self.candidates}:
            outside = ((pred < 0) | (pred > 1)).any(axis=1)
            if outside.any():
                i = int(np.argmax(outside))
                j = int(np.argmax((pred[i] < 0) | (pred[i] > 1)))
                if self.pred_kind == PROBABILITY:
                    raise InputError(
                        f"{self.name}: {unit} {int(lines[i])}, column "
                        f"{self.pred_names[j]!r}: probability {pred[i, j]:g} is "
                        "outside [0,1] (use --pred-kind score for unbounded scores)"
                    )
                self.candidates = [c for c in self.candidates if c.pred_kind != PROBABILITY]

    def two_values(self) -> tuple[float, float] | None:
        """The two label values, when the labels took exactly two integer values, else None."""
        if len(self._distinct) != 2 or any(v != np.floor(v) for v in self._distinct):
            return None
        a, b = sorted(self._distinct)
        return a, b

    def labels(self, conv: Convention) -> str:
        """The label set seen under ``conv``: ``'{0,1}'``, ``'{-1,+1}'``, ``'0..K-1'``, ``'real'``.

        Parameters
        ----------
        conv : Convention
            The chosen convention.

        Returns
        -------
        str
            For the report.
        """
        if conv.task == BINARY:
            return "{-1,+1}" if self._seen[-1.0] is not None else "{0,1}"
        if conv.task == MULTICLASS:
            return "0.." + str(len(self.pred_names) - 1)
        return "real"
