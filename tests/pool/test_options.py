"""Option checking and flag messages of ``augcli pool``, driven by the method registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from augcli.core.errors import InputError, UsageError
from augcli.pool.options import make_options, needs_seed, user_error
from augcli.pool.problems import DataError, ParameterError
from augcli.pool.registry import METHODS, dpp_pool, method_options, pool, stochastic_pool

X = np.random.default_rng(0).random((2, 8, 8))


def test_labelled_error_renders_python_names_or_given_labels():
    error = ParameterError("{lam} must be in [0, 1], got {value}", value=3.0)
    assert str(error) == "lam must be in [0, 1], got 3.0"
    assert error.render({"lam": "--lam"}) == "--lam must be in [0, 1], got 3.0"
    braces = ParameterError("got {value!r}", value="{lam}")  # values are never templates
    assert str(braces) == "got '{lam}'"


def test_user_error_uses_the_flags_of_the_method_being_run():
    with pytest.raises(ParameterError) as info:
        dpp_pool(X, lam=-1.0)
    error = user_error(info.value, "dpp")
    assert isinstance(error, UsageError)
    assert str(error) == "--lambda must be >= 0, got -1.0"  # dpp's lam is --lambda, not --lam


def test_user_error_keeps_data_errors_as_input_errors():
    with pytest.raises(DataError) as info:
        stochastic_pool(-X, mode="expectation")
    error = user_error(info.value, "stochastic")
    assert isinstance(error, InputError)
    assert str(error).endswith("; pass --relu to clamp negatives to 0")


@pytest.mark.parametrize("name", list(METHODS))
def test_needs_seed_exactly_when_two_seeds_give_different_outputs(name):
    options = make_options((name,))
    params = options.params[name]
    first = pool(X, name, rng=np.random.default_rng(1), **params)
    second = pool(X, name, rng=np.random.default_rng(2), **params)
    assert needs_seed(options) == (not np.array_equal(first, second))


@pytest.mark.parametrize(
    ("name", "option"), [("mixed", {"lam": 0.5}), ("stochastic", {"mode": "expectation"})]
)
def test_random_methods_with_fixed_parameters_need_no_seed(name, option):
    options = make_options((name,), method_options=option)
    first = pool(X, name, rng=np.random.default_rng(1), **options.params[name])
    second = pool(X, name, rng=np.random.default_rng(2), **options.params[name])
    np.testing.assert_array_equal(first, second)
    assert not needs_seed(options)


# Options that need a companion to be valid (``--guide full`` takes its filter file).
COMPANIONS = {"guide": {"guide_filter": Path("filter.npy")}}


def test_every_method_option_sets_its_parameter_in_each_method_it_serves():
    for entry in method_options():
        if entry.option.kind == "path" or entry.option.values is not None:
            continue
        value = entry.option.choices[-1] if entry.option.choices else 1
        given = {entry.option.dest: value, **COMPANIONS.get(entry.option.dest, {})}
        options = make_options(entry.methods, method_options=given)
        for method, keyword in entry.keywords.items():
            assert options.params[method] == {keyword: value}, entry.option.name


def test_alias_stands_for_its_parameter():
    options = make_options(("mixed",), method_options={"test_mode": "max"})
    assert options.params["mixed"] == {"lam": 1.0}
    with pytest.raises(UsageError, match="give --lam or --test-mode, not both"):
        make_options(("mixed",), method_options={"lam": 0.5, "test_mode": "avg"})


def test_guide_filter_and_guide_full_go_together():
    options = make_options(("dpp",), method_options={"guide_filter": Path("f.npy")})
    assert options.params["dpp"] == {"guide": "full"}
    assert options.files == {"guide_filter": Path("f.npy")}
    with pytest.raises(UsageError, match="--guide full needs its 3x3 filter"):
        make_options(("dpp",), method_options={"guide": "full"})
    with pytest.raises(UsageError, match="not --guide lite"):
        make_options(("dpp",), method_options={"guide": "lite", "guide_filter": Path("f.npy")})


def test_torch_compat_refuses_padding_and_the_mean_form():
    with pytest.raises(UsageError, match="--torch-compat takes no --padding"):
        make_options(("power",), padding="1", method_options={"torch_compat": True})
    with pytest.raises(UsageError, match="drop --lp-normalize mean"):
        make_options(("power",), method_options={"torch_compat": True, "lp_normalize": "mean"})


def test_dilation_applies_only_to_the_methods_that_take_it():
    options = make_options(("max", "avg"), dilation="2")
    assert options.geometry("max").dilation == (2, 2)
    assert options.geometry("avg").dilation == (1, 1)
    with pytest.raises(UsageError, match="--dilation applies to max pooling only"):
        make_options(("avg",), dilation="2")
