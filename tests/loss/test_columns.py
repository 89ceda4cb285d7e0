"""Column selection in a CSV header: names, globs in header order, clear errors."""

from __future__ import annotations

import pytest

from augcli.core.errors import InputError, UsageError
from augcli.loss.columns import select_columns


def test_select_columns_globs_in_header_order():
    header = ["id", "y", "p_0", "p_1", "p_10", "p_2"]
    cols = select_columns(header, "y", ["p_*"])
    assert cols.pred == (2, 3, 4, 5)
    assert select_columns(header, "y", ["p_2", "p_0"]).pred == (5, 2)


def test_missing_column_lists_existing():
    with pytest.raises(InputError, match=r"column 'score' not found; the columns are: a, b"):
        select_columns(["a", "b"], "a", ["score"])
    with pytest.raises(InputError, match=r"no column matches 'q_\*'"):
        select_columns(["a", "b"], "a", ["q_*"])


def test_duplicate_header_name_and_double_selection():
    with pytest.raises(InputError, match=r"column 'p' appears 2 times in the header"):
        select_columns(["y", "p", "p"], "y", ["p"])
    with pytest.raises(UsageError, match=r"a prediction column is selected twice"):
        select_columns(["y", "p_0", "p_1"], "y", ["p_*", "p_0"])
    with pytest.raises(UsageError, match=r"'y' is both the label column and a prediction"):
        select_columns(["y", "p"], "y", ["y"])


def test_selected_names():
    cols = select_columns(["id", "y", "a", "b"], "y", ["b", "a"])
    assert (cols.true_name, cols.pred_names) == ("y", ("b", "a"))
