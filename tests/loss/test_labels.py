"""Text labels to codes: the positive-label inference rules, class matching, the errors."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.core.errors import InputError
from augcli.loss.labels import LabelCoder, positive_like, same_label


def code(coder: LabelCoder, *labels: str) -> list[float]:
    lines = np.arange(2, 2 + len(labels))
    return coder.code(np.array(labels, dtype=str), lines).tolist()


@pytest.mark.parametrize("pos", ["1", "1.0", "True", "true", "YES", "pos", "Positive"])
def test_inferred_positive_names(pos):
    assert positive_like(pos)
    assert code(LabelCoder("f", "line"), "other", pos, "other") == [0, 1, 0]


@pytest.mark.parametrize("pair", [("cat", "dog"), ("0", "2"), ("yes", "true")])
def test_two_labels_neither_or_both_inferable_ask_for_pos_label_with_both(pair):
    with pytest.raises(InputError, match=rf"'{pair[0]}' \(line 2\).*'{pair[1]}' \(line 3\)"):
        code(LabelCoder("f", "line"), *pair)


def test_pos_label_given_codes_it_one_and_checks_it_was_seen():
    coder = LabelCoder("f", "line", pos_label="dog")
    assert code(coder, "cat", "dog", " dog ", "")[:3] == [0, 1, 1]
    assert np.isnan(code(LabelCoder("f", "line", pos_label="dog"), "")[0])  # empty cell: missing
    coder.finish()
    other = LabelCoder("f", "line", pos_label="horse")
    code(other, "cat", "dog")
    with pytest.raises(InputError, match="'horse' is not among the labels found: 'cat', 'dog'"):
        other.finish()


def test_a_third_binary_label_names_all_three_with_lines():
    coder = LabelCoder("f.csv", "line", pos_label="a")
    with pytest.raises(InputError, match=r"f.csv: more than two labels.*'c' \(line 4\)"):
        code(coder, "a", "b", "c")


def test_classes_match_text_then_numbers_and_name_the_bad_label():
    coder = LabelCoder("f", "line", classes=["1", "2", "bird"])
    assert code(coder, "2", "1.0", "bird") == [1, 0, 2]
    with pytest.raises(
        InputError, match=r"line 2: label 'Bird' is not one of the classes 1, 2, bird"
    ):
        code(LabelCoder("f", "line", classes=["1", "2", "bird"]), "Bird")


def test_same_label_is_exact_text_or_equal_numbers():
    assert same_label("2", "2.0") and same_label("a", "a")
    assert not same_label("a", "A") and not same_label("nan", "nan ")
