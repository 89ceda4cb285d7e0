"""Streaming evaluation: chunking does not change results, top-K ties, option conflicts."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="needs scikit-learn: pip install '.[test]'")

from sklearn.metrics import log_loss

from augcli.core.errors import UsageError
from augcli.loss.chunk import Chunk
from augcli.loss.columns import Columns
from augcli.loss.evaluate import evaluate_table


class Rows:
    """A RowSource over arrays, split into chunks of ``size`` rows (lines start at 2)."""

    name, unit, dropped, coder = "mem", "line", 0, None

    def __init__(self, y, pred, size):
        self.y, self.pred, self.size = np.asarray(y, float), np.asarray(pred, float), size
        self.columns = Columns(("y", "p"), 0, (1,))
        self.rows = 0

    def __iter__(self) -> Iterator[Chunk]:
        for start in range(0, len(self.y), self.size):
            stop = min(start + self.size, len(self.y))
            self.rows += stop - start
            lines = np.arange(start + 2, stop + 2, dtype=np.int64)
            yield Chunk(lines, self.y[start:stop], self.pred[start:stop].reshape(-1, 1))


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_chunk_size_does_not_change_values_or_top(size):
    rng = np.random.default_rng(9)
    y, p = rng.integers(0, 2, 200), rng.random(200)
    report = evaluate_table(Rows(y, p, size), ["log", "zero_one"], top=3)
    assert report.values["log"] == pytest.approx(log_loss(y, p), rel=1e-12)
    rows = -np.log(np.where(y == 1, p, 1 - p))
    order = np.argsort(-rows, kind="stable")[:3]
    assert report.top == [(int(i) + 2, pytest.approx(rows[i])) for i in order]


def test_top_ties_go_to_the_earliest_line():
    y, f = [0, 0, 0, 0], [1.0, 2.0, 2.0, 1.0]
    report = evaluate_table(Rows(y, f, 2), ["squared"], task="regression", top=2)
    assert report.top == [(3, 4.0), (4, 4.0)]
    assert report.top_by == "squared"


def test_option_conflicts():
    with pytest.raises(UsageError, match="--per-row needs a fixed convention"):
        evaluate_table(Rows([1], [0.5], 1), ["log"], per_row="x.csv")
    with pytest.raises(UsageError, match="--top-by mse does not apply to binary data"):
        evaluate_table(Rows([1], [0.5], 1), ["log"], task="binary", top=1, top_by="mse")
