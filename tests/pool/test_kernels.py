"""Pooling kernels against independent oracles: explicit loops, skimage, the spec's numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.measure import block_reduce

from augcli.pool.problems import DataError
from augcli.pool.registry import (
    Geometry,
    avg_pool,
    dpp_pool,
    global_avg_pool,
    lip_pool,
    max_pool,
    mixed_pool,
    pool,
    power_pool,
    softpool,
    stochastic_pool,
)

TOL = 5e-5
X1 = np.array([[1, 2, 0, 1], [3, 4, 1, 0], [0, 0, 2, 6], [0, 0, 1, 3]], dtype=float)
XD = np.array([[0, 0, 1, 5], [0, 8, 2, 2], [4, 4, 3, 1], [4, 4, 2, 0]], dtype=float)
A16 = np.arange(16.0).reshape(4, 4)
A9 = np.arange(1.0, 10.0).reshape(3, 3)
A25 = np.arange(25.0).reshape(5, 5)


# --------------------------------------------------------------------------- loop oracle


def loop_windows(x2d, k, s, p, ceil=False, d=(1, 1)):
    """Explicit Python loops: list of rows of (real cell values, pool_size) per window."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = k, s, p, d
    h, w = x2d.shape

    def out_len(n, kk, ss, pp, dd):
        o = (n + 2 * pp - dd * (kk - 1) - 1 + (ss - 1 if ceil else 0)) // ss + 1
        if ceil and (o - 1) * ss >= n + pp:
            o -= 1
        return o

    rows = []
    for i in range(out_len(h, kh, sh, ph, dh)):
        row = []
        for j in range(out_len(w, kw, sw, pw, dw)):
            cells = []
            for m in range(kh):
                for n in range(kw):
                    r, c = i * sh - ph + m * dh, j * sw - pw + n * dw
                    if 0 <= r < h and 0 <= c < w:
                        cells.append(x2d[r, c])
            hs, ws = i * sh - ph, j * sw - pw
            size = (min(hs + kh, h + ph) - hs) * (min(ws + kw, w + pw) - ws)
            row.append((cells, size))
        rows.append(row)
    return rows


def loop_apply(x2d, fn, k=(2, 2), s=None, p=(0, 0), ceil=False, d=(1, 1)):
    windows = loop_windows(x2d, k, s or k, p, ceil, d)
    return np.array([[fn(cells, size) for cells, size in row] for row in windows])


GEOMETRIES = [
    ((2, 2), None, (0, 0), False),
    ((3, 3), (2, 2), (1, 1), False),
    ((3, 3), (2, 2), (1, 1), True),
    ((2, 3), (1, 2), (1, 0), False),
    ((2, 2), (2, 2), (0, 0), True),
    ((3, 2), (3, 1), (1, 1), True),
]


@pytest.fixture
def rand7x9():
    return np.random.default_rng(3).normal(size=(7, 9))


def _dpp_cell(cells, _size, alpha=0.5, lam=1.7, eps2=1e-3):
    """DPP (A7, sym, mean norm) of one window's real cells, straight from the formula."""
    guide = sum(cells) / len(cells)
    r = [(v - guide) ** 2 + eps2 for v in cells]
    mean = sum(r) / len(r)
    w = [alpha + (q / mean) ** (lam / 2) for q in r]
    return sum(wi * v for wi, v in zip(w, cells, strict=True)) / sum(w)


def _softmax_cell(cells, beta=1.0):
    """sum v e^(beta v) / sum e^(beta v) over a window's real cells (SoftPool, LIP identity)."""
    weights = [math.exp(beta * v) for v in cells]
    return sum(w * v for w, v in zip(weights, cells, strict=True)) / sum(weights)


# Method -> [(params, non_negative_input, oracle(cells, pool_size))]: every windowed method of
# the registry against explicit loops (test_registry_is_fully_tested checks the coverage).
LOOP_ORACLES = {
    "max": [({}, False, lambda c, n: max(c))],
    "avg": [
        ({}, False, lambda c, n: sum(c) / n),
        ({"count_include_pad": False}, False, lambda c, n: sum(c) / len(c)),
    ],
    "mixed": [({"lam": 0.25}, False, lambda c, n: 0.25 * max(c) + 0.75 * sum(c) / n)],
    "stochastic": [
        (
            {"mode": "expectation"},
            True,
            lambda c, n: sum(v**2 for v in c) / sum(c) if sum(c) else 0.0,
        )
    ],
    "power": [
        ({"p": q}, False, lambda c, n, q=q: sum(abs(v) ** q for v in c) ** (1 / q))
        for q in (1.0, 2.0, 3.5)
    ],
    "dpp": [({"alpha": 0.5, "lam": 1.7}, False, _dpp_cell)],
    "lip": [({"beta": 2.0}, False, lambda c, n: _softmax_cell(c, 2.0))],
    "softpool": [({}, False, lambda c, n: _softmax_cell(c))],
}
LOOP_CASES = [
    (name, params, positive, oracle)
    for name, cases in LOOP_ORACLES.items()
    for params, positive, oracle in cases
]


@pytest.mark.parametrize(("k", "s", "p", "ceil"), GEOMETRIES)
@pytest.mark.parametrize(
    ("name", "params", "positive", "oracle"),
    LOOP_CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(LOOP_CASES)],
)
def test_windowed_methods_match_loop_oracles(
    rand7x9, k, s, p, ceil, name, params, positive, oracle
):
    x = abs(rand7x9) if positive else rand7x9
    got = pool(x, name, Geometry(k, s, p, ceil_mode=ceil), **params)
    np.testing.assert_allclose(got, loop_apply(x, oracle, k, s, p, ceil), rtol=1e-10)


def test_max_dilation_matches_loop(rand7x9):
    g = Geometry(2, 1, 1, dilation=2)
    np.testing.assert_allclose(
        max_pool(rand7x9, g),
        loop_apply(rand7x9, lambda c, n: max(c), (2, 2), (1, 1), (1, 1), d=(2, 2)),
    )


def test_block_reduce_oracle():
    x = np.random.default_rng(1).random((3, 8, 12))
    np.testing.assert_allclose(max_pool(x), block_reduce(x, (1, 2, 2), np.max))
    np.testing.assert_allclose(avg_pool(x), block_reduce(x, (1, 2, 2), np.mean))
    np.testing.assert_allclose(avg_pool(x, Geometry((4, 3))), block_reduce(x, (1, 4, 3), np.mean))
    np.testing.assert_allclose(global_avg_pool(x), x.mean(axis=(1, 2)))


# --------------------------------------------------------------------------- spec numbers


def test_spec_max():
    np.testing.assert_array_equal(max_pool(X1), [[4, 1], [0, 6]])
    np.testing.assert_array_equal(max_pool(XD), [[8, 5], [4, 3]])
    np.testing.assert_array_equal(max_pool(A16, Geometry(3, 2, 1)), [[5, 7], [13, 15]])
    np.testing.assert_array_equal(
        max_pool(A16, Geometry(3, 2, 1, ceil_mode=True)), [[5, 7, 7], [13, 15, 15], [13, 15, 15]]
    )
    np.testing.assert_array_equal(
        max_pool(A25, Geometry(2, ceil_mode=True)), [[6, 8, 9], [16, 18, 19], [21, 23, 24]]
    )


def test_spec_avg():
    np.testing.assert_allclose(avg_pool(X1), [[2.5, 0.5], [0, 3]])
    np.testing.assert_allclose(avg_pool(XD), [[2, 2.5], [4, 1.5]])
    g = Geometry(3, 2, 1)
    np.testing.assert_allclose(avg_pool(A9, g), [[1.3333, 1.7778], [2.6667, 3.1111]], atol=TOL)
    np.testing.assert_allclose(avg_pool(A9, g, count_include_pad=False), [[3, 4], [6, 7]])
    np.testing.assert_allclose(
        avg_pool(A25, Geometry(2, ceil_mode=True)), [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]]
    )
    np.testing.assert_allclose(avg_pool(A25), [[3, 5], [13, 15]])
    gc = Geometry(3, 2, 1, ceil_mode=True)
    np.testing.assert_allclose(
        avg_pool(A16, gc),
        [[1.1111, 2.6667, 1.6667], [5.6667, 10, 5.5], [4.1667, 7, 3.75]],
        atol=TOL,
    )
    np.testing.assert_allclose(
        avg_pool(A16, gc, count_include_pad=False), [[2.5, 4, 5], [8.5, 10, 11], [12.5, 14, 15]]
    )
    np.testing.assert_allclose(avg_pool(A16, divisor_override=1), [[10, 18], [42, 50]])


def test_spec_gap():
    assert global_avg_pool(X1) == pytest.approx(1.5)
    np.testing.assert_allclose(global_avg_pool(np.stack([X1, XD])), [1.5, 2.5])


def test_spec_mixed():
    np.testing.assert_array_equal(mixed_pool(X1, lam=1.0), max_pool(X1))
    np.testing.assert_array_equal(mixed_pool(X1, lam=0.0), avg_pool(X1))
    np.testing.assert_allclose(mixed_pool(X1, lam=0.5), [[3.25, 0.75], [0, 4.5]])
    np.testing.assert_allclose(
        mixed_pool(X1, lambdas=np.array([[1, 0], [0, 1]]), scope="region"), [[4, 0.5], [0, 6]]
    )


def test_mixed_random_scopes():
    x = np.random.default_rng(0).random((2, 3, 6, 6))
    mx, av = max_pool(x), avg_pool(x)
    for seed in range(5):
        call = mixed_pool(x, rng=np.random.default_rng(seed))
        lam_call = np.random.default_rng(seed).random() < 0.5
        np.testing.assert_array_equal(call, mx if lam_call else av)
        chan = mixed_pool(x, scope="channel", rng=np.random.default_rng(seed))
        lam = np.random.default_rng(seed).random((2, 3)) < 0.5
        np.testing.assert_array_equal(chan, np.where(lam[..., None, None], mx, av))
        region = mixed_pool(x, scope="region", rng=np.random.default_rng(seed))
        lam = np.random.default_rng(seed).random((2, 3, 3, 3)) < 0.5
        np.testing.assert_array_equal(region, np.where(lam, mx, av))
    np.testing.assert_array_equal(mixed_pool(x, p_max=1.0, rng=np.random.default_rng(1)), mx)


def test_spec_stochastic():
    np.testing.assert_allclose(
        stochastic_pool(X1, mode="expectation"), [[3, 1], [0, 4.1667]], atol=TOL
    )
    u = np.array([[0.35, 0.5], [0.9, 0.6]])
    np.testing.assert_array_equal(stochastic_pool(X1, u=u), [[3, 1], [0, 6]])
    # [1, 3] with u = 0.25: this rule (C_t > u S) picks 3, Caffe's would pick 1.
    np.testing.assert_array_equal(
        stochastic_pool(np.array([[1.0, 3.0]]), Geometry((1, 2)), u=[[0.25]]), [[3]]
    )


def test_stochastic_frequencies():
    window = np.array([[2.0, 6.0], [1.0, 3.0]])
    x = np.tile(window, (1, 200_000))  # 2e5 windows of [2, 6, 1, 3]
    out = stochastic_pool(x, rng=np.random.default_rng(7))
    freq = [np.mean(out == v) for v in (2, 6, 1, 3)]
    np.testing.assert_allclose(freq, [1 / 6, 0.5, 1 / 12, 0.25], atol=0.005)
    assert out.mean() == pytest.approx(4.1667, abs=0.02)  # E[sample] = expectation


def test_stochastic_sample_is_a_window_value_and_seeded():
    x = np.random.default_rng(2).random((3, 10, 10))
    a = stochastic_pool(x, rng=np.random.default_rng(5))
    b = stochastic_pool(x, rng=np.random.default_rng(5))
    c = stochastic_pool(x, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    blocks = x.reshape(3, 5, 2, 5, 2).transpose(0, 1, 3, 2, 4).reshape(3, 5, 5, 4)
    assert np.all((blocks == a[..., None]).any(axis=-1))


def test_stochastic_edge_cases():
    zeros = np.zeros((2, 2))
    assert stochastic_pool(zeros, u=[[0.5]])[0, 0] == 0
    assert stochastic_pool(zeros, mode="expectation")[0, 0] == 0
    neg = np.array([[-1.0, 2.0], [3.0, -4.0]])
    with pytest.raises(DataError, match="relu=True"):
        stochastic_pool(neg, u=[[0.5]])
    assert stochastic_pool(neg, relu=True, mode="expectation")[0, 0] == pytest.approx(13 / 5)
    # u so close to 1 that u*S rounds to S still returns the last positive cell
    assert stochastic_pool(np.array([[0.1, 0.7]]), Geometry((1, 2)), u=[[1 - 2**-53]])[0, 0] == 0.7


def test_spec_power():
    np.testing.assert_allclose(power_pool(X1, p=1), [[10, 2], [0, 12]])
    np.testing.assert_allclose(power_pool(X1, p=2), [[5.4772, 1.4142], [0, 7.0711]], atol=TOL)
    np.testing.assert_allclose(power_pool(X1, p=3), [[4.6416, 1.2599], [0, 6.3164]], atol=TOL)
    np.testing.assert_allclose(
        power_pool(X1, p=2, normalize="mean"), [[2.7386, 0.7071], [0, 3.5355]], atol=TOL
    )
    big = np.array([[1000.0, 1000.0]])
    assert power_pool(big, Geometry((1, 2)), p=200)[0, 0] == pytest.approx(1003.4717, abs=TOL)
    neg = np.array([[-1.0, 2.0], [3.0, -4.0]])
    assert power_pool(neg, p=2)[0, 0] == pytest.approx(5.4772, abs=TOL)
    assert power_pool(neg, p=np.inf)[0, 0] == 4
    # ceil mode: true sums, not torch's rescaled partial windows (window {4, 9} -> 13)
    assert power_pool(A25, Geometry(2, ceil_mode=True), p=1)[0, 2] == 13


def test_spec_dpp():
    cases = {
        ("sym", "mean", 1, 1): [[2.9281, 2.8180], [4, 1.5]],
        ("asym", "mean", 1, 1): [[3.9790, 3.3124], [4, 1.9662]],
        ("sym", "none", 1, 1): [[3.4999, 2.8887], [4, 1.5]],
        ("asym", "none", 1, 1): [[5.5474, 3.4358], [4, 1.9020]],
        ("sym", "sum", 1, 1): [[2.6043, 2.7058], [4, 1.5]],
    }
    for (variant, norm, alpha, lam), expect in cases.items():
        got = dpp_pool(XD, variant=variant, norm=norm, alpha=alpha, lam=lam)
        np.testing.assert_allclose(got, expect, atol=TOL, err_msg=f"{variant} {norm}")
    for norm in ("mean", "sum", "none"):
        np.testing.assert_allclose(
            dpp_pool(XD, alpha=0, lam=2, norm=norm), [[5.9997, 3.8327], [4, 1.5]], atol=TOL
        )
        np.testing.assert_allclose(
            dpp_pool(XD, alpha=0, lam=2, norm=norm, variant="asym"),
            [[7.9993, 4.9984], [4, 2.8978]],
            atol=TOL,
        )
    # sym DPP = mean where deviations are mirror-symmetric: X1's blocks 00, 01, 10 (not 11:
    # [2, 6, 1, 3] deviates by [-1, 3, -2, 0], so the spec's "X1 blocks are" holds for three)
    got, mean = dpp_pool(X1), avg_pool(X1)
    np.testing.assert_allclose(got.ravel()[:3], mean.ravel()[:3])
    assert got[1, 1] > mean[1, 1]


def test_spec_lip():
    g = Geometry(3, 2, 1)
    np.testing.assert_allclose(lip_pool(X1, g), [[3.4927, 3.4370], [3.5414, 5.5056]], atol=TOL)
    np.testing.assert_allclose(lip_pool(X1, g, beta=0), [[2.5, 1.3333], [1.1667, 1.8889]], atol=TOL)
    np.testing.assert_allclose(lip_pool(X1, g, beta=0), avg_pool(X1, g, count_include_pad=False))
    np.testing.assert_allclose(
        lip_pool(X1, g, logit="gate"), [[3.2952, 3.3481], [3.5617, 4.2358]], atol=TOL
    )
    np.testing.assert_allclose(
        lip_pool(X1, Geometry(2), logits=2 * X1), [[3.8448, 0.8808], [0, 5.9910]], atol=TOL
    )
    np.testing.assert_allclose(lip_pool(X1, Geometry(2)), softpool(X1))
    with pytest.raises(DataError, match="importance map"):
        lip_pool(X1, logits=np.zeros((3, 3)))


def test_spec_softpool():
    np.testing.assert_allclose(softpool(X1), [[3.4927, 0.7311], [0, 5.7615]], atol=TOL)
    assert softpool(-np.array([[1.0, 2.0], [3.0, 4.0]]))[0, 0] == pytest.approx(-1.5073, abs=TOL)
    big = np.array([[1000.0, 1000.0], [999.0, 0.0]])
    assert softpool(big)[0, 0] == pytest.approx(999.8446, abs=TOL)
    two = np.stack([[[1.0, 2], [3, 4]], [[4.0, 3], [2, 1]]])  # per channel, not channel-summed
    np.testing.assert_allclose(softpool(two).ravel(), [3.4927, 3.4927], atol=TOL)


# --------------------------------------------------------------------------- properties

finite = st.floats(-1e3, 1e3, allow_nan=False, width=64)


@settings(max_examples=60, deadline=None)
@given(
    x=arrays(np.float64, st.tuples(st.integers(2, 7), st.integers(2, 7)), elements=finite),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    ceil=st.booleans(),
    alpha=st.floats(0, 5),
    lam=st.floats(0, 6),
    beta=st.floats(-5, 5),
    variant=st.sampled_from(["sym", "asym"]),
    norm=st.sampled_from(["mean", "sum", "none"]),
)
def test_weighted_methods_stay_within_window_range(x, k, s, ceil, alpha, lam, beta, variant, norm):
    k = min(k, x.shape[0], x.shape[1])
    p = k // 2
    g = Geometry(k, s, p, ceil_mode=ceil)
    lo = -max_pool(-x, g)
    hi = max_pool(x, g)
    slack = 1e-9 * (1 + np.abs(x).max())
    outputs = [
        dpp_pool(x, g, alpha=alpha, lam=lam, variant=variant, norm=norm),
        lip_pool(x, g, beta=beta),
        lip_pool(x, g, logit="gate", beta=beta),
        softpool(x, g),
    ]
    for out in outputs:
        assert np.all(np.isfinite(out))
        assert np.all(out >= lo - slack) and np.all(out <= hi + slack)
