"""The kernels' shared contract: NaN, dtypes, worked examples through the registry, errors."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.pool.problems import DataError, ParameterError
from augcli.pool.registry import (
    METHODS,
    Geometry,
    avg_pool,
    dpp_pool,
    global_avg_pool,
    lip_pool,
    max_pool,
    mixed_pool,
    pool,
    power_pool,
    stochastic_pool,
)
from tests.pool.test_kernels import A9, A16, LOOP_ORACLES, TOL, X1, XD

# --------------------------------------------------------------------------- contract


def test_nan_propagates_to_touched_cells_only():
    x = X1.copy()
    x[0, 0] = np.nan
    for name in METHODS:
        if name in ("mixed", "stochastic", "gap"):
            continue
        out = pool(x, name, Geometry(2))
        assert np.isnan(out[0, 0]), name
        assert not np.isnan(out[1:, :]).any() and not np.isnan(out[0, 1]), name
    assert np.isnan(stochastic_pool(x, u=np.full((2, 2), 0.5))[0, 0])
    assert np.isnan(stochastic_pool(x, mode="expectation")).sum() == 1
    assert np.isnan(global_avg_pool(x))


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8, np.int16, np.bool_])
def test_max_type_results_keep_the_dtype_and_averages_are_float32(name, dtype):
    """Max-type results (every cell one of the input's values) keep the input's dtype; every
    averaging result is float32, float64 for float64 input; the input is never modified."""
    rng = np.random.default_rng(0)
    x = (rng.random((2, 6, 6)) * 100).astype(dtype)
    before = x.copy()
    params = {"mode": "sample"} if name == "stochastic" else {}
    out = pool(x, name, rng=np.random.default_rng(1), **params)
    np.testing.assert_array_equal(x, before)
    spec = METHODS[name]
    if spec.keeps_dtype(spec.full(params)):
        want = np.dtype(dtype)
        assert np.isin(out, x).all()  # one of the input's values: nothing to round
    else:
        want = np.dtype(np.float64 if dtype == np.float64 else np.float32)
    assert out.dtype == want
    assert out.shape == ((2,) if name == "gap" else (2, 3, 3))


# Method -> worked examples of reference-spec Part A run through the registry:
# [(input, geometry or None for the method's default, params, expected)].
WORKED_EXAMPLES = {
    "max": [(X1, None, {}, [[4, 1], [0, 6]]), (A16, Geometry(3, 2, 1), {}, [[5, 7], [13, 15]])],
    "avg": [
        (X1, None, {}, [[2.5, 0.5], [0, 3]]),
        (A9, Geometry(3, 2, 1), {"count_include_pad": False}, [[3, 4], [6, 7]]),
    ],
    "gap": [(np.stack([X1, XD]), None, {}, [1.5, 2.5])],
    "mixed": [(X1, None, {"lam": 0.5}, [[3.25, 0.75], [0, 4.5]])],
    "stochastic": [(X1, None, {"mode": "expectation"}, [[3, 1], [0, 4.1667]])],
    "power": [(X1, None, {"p": 3}, [[4.6416, 1.2599], [0, 6.3164]])],
    "dpp": [(XD, None, {"variant": "asym"}, [[3.9790, 3.3124], [4, 1.9662]])],
    "lip": [(X1, None, {"logit": "gate"}, [[3.2952, 3.3481], [3.5617, 4.2358]])],
    "softpool": [(X1, None, {}, [[3.4927, 0.7311], [0, 5.7615]])],
}


@pytest.mark.parametrize(
    ("name", "x", "geometry", "params", "expect"),
    [(name, *case) for name, cases in WORKED_EXAMPLES.items() for case in cases],
)
def test_registry_methods_give_the_spec_worked_examples(name, x, geometry, params, expect):
    np.testing.assert_allclose(pool(x, name, geometry, **params), expect, atol=TOL)


def test_registry_is_fully_tested():
    """Every registered method has spec numbers, and every windowed one a loop oracle."""
    missing_examples = set(METHODS) - set(WORKED_EXAMPLES)
    windowed = {name for name, spec in METHODS.items() if spec.geometry is not None}
    missing_oracles = windowed - set(LOOP_ORACLES)
    assert not missing_examples, f"no worked example for {sorted(missing_examples)}"
    assert not missing_oracles, f"no loop oracle for {sorted(missing_oracles)}"


def test_geometry_errors():
    with pytest.raises(ParameterError, match="positive"):
        Geometry(0)
    with pytest.raises(ParameterError, match="positive"):
        Geometry(2, 0)
    with pytest.raises(ParameterError, match="half the kernel"):
        Geometry(2, 2, 2)
    with pytest.raises(ParameterError, match="larger than the padded input"):
        max_pool(np.zeros((3, 3)), Geometry(5))
    with pytest.raises(ParameterError, match="unknown pooling method 'maxx'.*did you mean 'max'"):
        pool(X1, "maxx")
    with pytest.raises(ParameterError, match="takes no parameter"):
        pool(X1, "max", p=3)
    with pytest.raises(DataError, match="dtype"):
        max_pool(np.zeros((2, 2), dtype=complex))


@pytest.mark.parametrize(
    "name", [n for n, spec in METHODS.items() if not spec.dilation and spec.geometry is not None]
)
def test_dilation_is_refused_for_windowed_methods_without_it(name):
    with pytest.raises(ParameterError, match=f"dilation applies to max pooling only, not {name}"):
        pool(X1, name, Geometry(2, dilation=2), rng=np.random.default_rng(0))


def test_avg_divisor_with_padding_needs_undilated_windows():
    with pytest.raises(ParameterError, match="count_include_pad divisor needs dilation 1"):
        avg_pool(X1, Geometry(2, dilation=2))


KERNEL_ERRORS = [
    (lambda: mixed_pool(X1, lam=3), "lam must be in [0, 1], got 3"),
    (lambda: mixed_pool(X1, p_max=2), "p_max must be in [0, 1], got 2"),
    (lambda: power_pool(X1, p=-1), "p must be > 0, got -1"),
    (lambda: power_pool(X1, normalize="x"), "normalize must be sum or mean, got 'x'"),
    (lambda: dpp_pool(X1, lam=-1), "lam must be >= 0, got -1"),
    (lambda: dpp_pool(X1, alpha=-1), "alpha must be >= 0, got -1"),
    (lambda: dpp_pool(X1, eps2=0), "eps2 must be > 0, got 0"),
    (lambda: dpp_pool(X1, norm="x"), "norm must be mean, sum or none, got 'x'"),
    (lambda: lip_pool(X1, beta=np.inf), "beta must be finite, got inf"),
    (lambda: avg_pool(X1, divisor_override=0), "divisor_override must be non-zero"),
    (lambda: Geometry(0), "kernel must be a positive integer, got 0"),
    (
        lambda: max_pool(np.zeros((3, 3)), Geometry(5)),
        "kernel 5 (span 5) is larger than the padded input height 3 + 2*0 = 3; "
        "use a smaller kernel or more padding",
    ),
    (
        lambda: stochastic_pool(-X1 - 1, mode="expectation"),
        "stochastic pooling needs non-negative input: found 16 negative value(s), min -7; "
        "pass relu=True to clamp negatives to 0",
    ),
    (lambda: stochastic_pool(X1), "stochastic sampling needs a generator rng"),
    (lambda: mixed_pool(X1), "random mixed pooling needs a generator rng (or a fixed lam)"),
]


@pytest.mark.parametrize(("call", "message"), KERNEL_ERRORS)
def test_kernel_errors_are_value_errors_naming_the_parameter(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value).startswith(message)
    assert "--" not in str(info.value)
