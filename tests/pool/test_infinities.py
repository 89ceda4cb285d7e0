"""Infinities and NaN: PyTorch's rules for max/avg/power, the documented limits for the rest.

Warnings are errors in the suite, so every call here also checks that no numpy RuntimeWarning
escapes a kernel.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from augcli.pool.registry import METHODS, Geometry, pool
from augcli.pool.weighted import dpp_pool, lip_pool, softpool
from tests.pool.torch_oracle import references

INF = np.inf


def window(*values: float) -> np.ndarray:
    """One 2x2 window (row-major values) as a float64 (1, 2, 2) array."""
    return np.array(values, dtype=np.float64).reshape(1, 2, 2)


def softmax_mean(values: list[float]) -> float:
    weights = [math.exp(v - max(values)) for v in values]
    return sum(w * v for w, v in zip(weights, values, strict=True)) / sum(weights)


@pytest.mark.parametrize("name", list(METHODS))
def test_no_runtime_warning_escapes_on_inf_nan_and_extreme_values(name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 6)) * 1e30
    x[0, 0, 0], x[0, 3, 3], x[1, 2, 2], x[1, 5, 0] = INF, -INF, np.nan, 1e-300
    params = {"relu": True} if name == "stochastic" else {}
    pool(x, name, rng=np.random.default_rng(1), **params)  # warnings are errors
    pool(x.astype(np.float32), name, rng=np.random.default_rng(1), **params)


def test_power_with_a_tiny_p_gives_inf_without_warnings():
    out = pool(window(1, 2, 3, 4), "power", p=1e-300)
    assert np.isposinf(out).all()


def test_max_and_avg_with_infinities_equal_torch():
    """torch's recorded results, and its live ones where installed (tests/pool/torch_oracle.py)."""
    x = np.array([[[INF, 1, -INF, 2], [3, 4, 5, 6], [1, -INF, 7, 8], [9, INF, 1, 1]]])
    for method in ("max", "avg"):
        for want in references(f"inf/{method}", f"{method}_pool2d", x[None], 2):
            np.testing.assert_array_equal(pool(x, method)[None], want)


@pytest.mark.parametrize(
    ("values", "expect"),
    [
        ((INF, 1, 2, 3), INF),  # all the weight goes to +inf
        ((INF, -INF, 0, 0), INF),
        ((-INF, 1, 2, 3), softmax_mean([1, 2, 3])),  # -inf weighs 0
        ((-INF, -INF, -INF, -INF), -INF),  # equal weights: the mean
        ((np.nan, 1, 2, 3), np.nan),
    ],
)
def test_softpool_with_infinities_is_the_limit_of_its_formula(values, expect):
    np.testing.assert_allclose(softpool(window(*values))[0, 0, 0], expect, rtol=1e-12)


def test_lip_with_infinite_logits_takes_the_mean_of_the_top_cells():
    x = window(5, 7, 1, 2)
    np.testing.assert_allclose(lip_pool(x, Geometry(2), logits=window(INF, INF, 0, 3)), [[[6]]])
    minus = lip_pool(x, Geometry(2), logits=window(-INF, 0, 0, 0))
    np.testing.assert_allclose(minus, [[[(7 + 1 + 2) / 3]]])  # the -inf cell weighs 0


def test_dpp_and_stochastic_with_infinities():
    assert np.isnan(dpp_pool(window(INF, 1, 2, 3))).all()
    for mode in ("sample", "expectation"):
        out = pool(window(INF, 1, 0, 0), "stochastic", rng=np.random.default_rng(0), mode=mode)
        assert np.isposinf(out).all()


def test_float32_direct_route_falls_back_where_it_cannot_be_trusted():
    """Planes whose values differ by more than exp's range: each window still gets its own
    softmax (the plane-max shortcut would give 0/0 in the low windows)."""
    x = np.array([[[1000, 999, -1000, -1001]] * 2], dtype=np.float32).reshape(1, 2, 4)
    got = softpool(x)
    np.testing.assert_allclose(
        got[0, 0], [softmax_mean([1000, 999] * 2), softmax_mean([-1000, -1001] * 2)], rtol=1e-6
    )
    big = np.full((1, 2, 2), 1e30, dtype=np.float32)
    np.testing.assert_allclose(pool(big, "power", p=4.5), [[[1e30 * 4 ** (1 / 4.5)]]], rtol=1e-6)
    tiny = np.full((1, 2, 2), 1e-20, dtype=np.float32)
    np.testing.assert_allclose(pool(tiny, "power", p=3), [[[1e-20 * 4 ** (1 / 3)]]], rtol=1e-6)
    np.testing.assert_allclose(dpp_pool(window(0, 0, 0, 1), lam=400), [[[1.0]]], rtol=1e-9)


def test_recomputed_windows_leave_the_other_planes_as_computed_alone():
    """Planes are independent: a plane needing the slow route changes no other plane."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 6)).astype(np.float32)
    x[1, 0, :2] = [1000, -1000]  # beyond exp's range within one plane
    x[2, 3, 5] = np.nan
    for kernel in (softpool, dpp_pool):
        together = kernel(x)
        for plane in range(3):
            np.testing.assert_array_equal(together[plane], kernel(x[plane]))
    got = softpool(x)[1, 0, 0]
    assert got == pytest.approx(softmax_mean([1000.0, -1000.0, *x[1, 1, :2].tolist()]), rel=1e-6)
