"""Vectorised pooling kernels on ``(..., H, W)`` arrays: max, avg, gap, mixed, stochastic.

Definitions, defaults and worked examples: reference-spec Part A. Every leading axis is
independent; no kernel modifies its input. Loops run over the cells of a window (``kh * kw``
strided views), never over pixels.

Dtypes: max-type results (``max``, ``stochastic`` sampling: every output is one of the input's
values) keep the input's dtype. Every averaging result is float32, float64 for float64 input,
computed in that dtype (window sums of ``avg``, ``gap`` and ``mixed`` accumulate in float64).
NaN in a window propagates to that output cell; infinities follow IEEE arithmetic as PyTorch's
max and avg pooling do (a window holding both +inf and -inf averages to NaN). No kernel lets a
numpy ``RuntimeWarning`` escape.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from augcli.pool.geometry import Geometry, Windows
from augcli.pool.problems import DataError, ParameterError

DEFAULT = Geometry()
F = TypeVar("F", bound=Callable[..., Any])


def quiet(func: F) -> F:
    """Run a kernel under ``numpy.errstate(all="ignore")``: inf/NaN are results, not warnings."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def result_dtype(x: np.ndarray) -> type[np.floating]:
    """The dtype of an averaging result: float64 for float64 input, float32 for anything else."""
    return np.float64 if np.asarray(x).dtype == np.float64 else np.float32


def check_real(x: np.ndarray) -> np.ndarray:
    """``x`` as an array, refused unless bool, integer or float."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise DataError("pooling needs a real numeric array, got dtype {dtype}", dtype=x.dtype)
    return x


def lowest(dtype: np.dtype) -> Any:
    """The value padding takes in max pooling: -inf, or the smallest integer of ``dtype``."""
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


@quiet
def max_pool(x: np.ndarray, geometry: Geometry = DEFAULT) -> np.ndarray:
    """Max pooling (A1): the largest value of each window; padded cells never win.

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``, any real dtype.
    geometry : Geometry
        Window geometry; dilation is honoured.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)`` in the input's dtype (every output is one of the input's values).

    Examples
    --------
    >>> max_pool(np.array([[1, 2, 0, 1], [3, 4, 1, 0], [0, 0, 2, 6], [0, 0, 1, 3]]))
    array([[4, 1],
           [0, 6]])
    """
    x = check_real(x)
    windows = Windows(x, geometry, fill=lowest(x.dtype))
    out: np.ndarray | None = None
    for values, _ in windows.cells():
        out = values.copy(order="K") if out is None else np.maximum(out, values, out=out)
    assert out is not None
    return out


def window_sum(windows: Windows, dtype: type = np.float64) -> np.ndarray:
    """Sum of each window (padded cells hold 0), accumulated in ``dtype``.

    Parameters
    ----------
    windows : Windows
        The windows of an array padded with zeros.
    dtype : type
        Accumulator dtype.

    Returns
    -------
    numpy.ndarray
        ``windows.out_shape``, laid out in memory like the cells.
    """
    out: np.ndarray | None = None
    first: np.ndarray | None = None
    for values, _ in windows.cells():
        if first is None:
            first = values
        elif out is None:
            out = np.add(first, values, dtype=dtype)  # keeps the input's memory order
        else:
            np.add(out, values, out=out)
    assert first is not None
    return first.astype(dtype) if out is None else out


def _uniform(table: np.ndarray) -> np.ndarray | float:
    """A per-window table as a scalar when all its entries agree (cheaper to broadcast)."""
    return float(table.flat[0]) if np.all(table == table.flat[0]) else table


@quiet
def avg_pool(
    x: np.ndarray,
    geometry: Geometry = DEFAULT,
    *,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Average pooling (A2) with PyTorch's divisor rule.

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``.
    geometry : Geometry
        Window geometry (dilation only with ``count_include_pad=False``).
    count_include_pad : bool
        Divide by the window size up to the padded border (default) or by the real cells only.
    divisor_override : int, optional
        Divide every window sum by this instead.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``, float32 (float64 for float64 input); summed in float64 (the input
        is not copied first).
    """
    x = check_real(x)
    windows = Windows(x, geometry, fill=0)
    total = window_sum(windows)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ParameterError("divisor_override must be non-zero")
        total /= divisor_override
    else:
        total /= _uniform(windows.pool_size() if count_include_pad else windows.real_count())
    return total.astype(result_dtype(x), copy=False)


@quiet
def global_avg_pool(x: np.ndarray) -> np.ndarray:
    """Global average pooling (A3): the mean of each ``H x W`` plane.

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``.

    Returns
    -------
    numpy.ndarray
        Shape ``x.shape[:-2]`` (a 0-d array for a single plane), float32 (float64 for float64
        input); float32 columns are summed in float32, everything else in float64.
    """
    x = check_real(x)
    if x.ndim < 2 or 0 in x.shape[-2:]:
        raise DataError(
            "global average pooling needs non-empty planes, got shape {shape}", shape=x.shape
        )
    if x.dtype == np.float32:  # columns summed in float32 (H terms), then added in float64
        total = x.sum(axis=-2).sum(axis=-1, dtype=np.float64)
    else:
        total = x.sum(axis=(-2, -1), dtype=np.float64)
    return np.asarray(total / (x.shape[-2] * x.shape[-1])).astype(result_dtype(x))


@quiet
def mixed_pool(
    x: np.ndarray,
    geometry: Geometry = DEFAULT,
    *,
    lam: float | None = None,
    scope: str = "call",
    p_max: float = 0.5,
    rng: np.random.Generator | None = None,
    lambdas: np.ndarray | None = None,
    count_include_pad: bool = True,
) -> np.ndarray:
    """Mixed pooling (A4): ``lambda * max + (1 - lambda) * avg``.

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``.
    geometry : Geometry
        Window geometry.
    lam : float, optional
        A fixed weight in [0, 1] (Lee et al.'s blend). Without it lambda is 0 or 1 at random
        (Yu et al.): ``lambda = 1`` (max) where a uniform draw ``u < p_max``.
    scope : {"call", "channel", "region"}
        How many random lambdas: one per call, one per plane (leading index, C order), or one
        per output cell (C order over ``(..., Ho, Wo)``).
    p_max : float
        Probability of picking max pooling.
    rng : numpy.random.Generator, optional
        Source of the draws (needed when ``lam`` and ``lambdas`` are both None).
    lambdas : numpy.ndarray, optional
        Inject the 0/1 choices directly (broadcastable to the output), for tests.
    count_include_pad : bool
        Passed to the average part.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``.
    """
    if scope not in ("call", "channel", "region"):
        raise ParameterError(
            "lambda scope must be call, channel or region, got {value!r}", value=scope
        )
    if not 0.0 <= p_max <= 1.0:
        raise ParameterError("p_max must be in [0, 1], got {value}", value=p_max)
    if lam is not None:
        if not 0.0 <= lam <= 1.0:
            raise ParameterError("{lam} must be in [0, 1], got {value}", value=lam)
        if lam == 1.0:
            return max_pool(x, geometry).astype(result_dtype(x))
        if lam == 0.0:
            return avg_pool(x, geometry, count_include_pad=count_include_pad)
        mx = max_pool(x, geometry).astype(np.float64)
        av = avg_pool(x, geometry, count_include_pad=count_include_pad).astype(np.float64)
        return (lam * mx + (1.0 - lam) * av).astype(result_dtype(x), copy=False)
    if lambdas is None:
        if rng is None:
            raise ParameterError("random mixed pooling needs a generator {rng} (or a fixed {lam})")
        x = np.asarray(x)
        if scope == "call":
            lambdas = np.asarray(rng.random() < p_max)
        elif scope == "channel":
            lambdas = (rng.random(x.shape[:-2]) < p_max)[..., None, None]
        else:
            out = geometry.output_shape(*x.shape[-2:])
            lambdas = rng.random(x.shape[:-2] + out) < p_max
    lambdas = np.asarray(lambdas).astype(bool)
    if lambdas.ndim == 0:
        if lambdas:
            return max_pool(x, geometry).astype(result_dtype(x))
        return avg_pool(x, geometry, count_include_pad=count_include_pad)
    mx = max_pool(x, geometry).astype(result_dtype(x))
    av = avg_pool(x, geometry, count_include_pad=count_include_pad)
    return np.where(lambdas, mx, av)


@quiet
def stochastic_pool(
    x: np.ndarray,
    geometry: Geometry = DEFAULT,
    *,
    mode: str = "sample",
    relu: bool = False,
    rng: np.random.Generator | None = None,
    u: np.ndarray | None = None,
) -> np.ndarray:
    """Stochastic pooling (A5, Zeiler & Fergus): pick a cell with probability ``a_i / sum a``.

    Parameters
    ----------
    x : numpy.ndarray
        Non-negative input ``(..., H, W)`` (or any input with ``relu=True``).
    geometry : Geometry
        Window geometry; only real cells take part (padding and ceil-mode overhang ignored).
    mode : {"sample", "expectation"}
        ``sample``: training-time draw; ``expectation``: test-time ``sum a^2 / sum a``.
    relu : bool
        Clamp negative values to 0 first instead of refusing them.
    rng : numpy.random.Generator, optional
        Source of the uniforms ``u`` (one float64 per output cell, C order) in ``sample`` mode.
    u : numpy.ndarray, optional
        Inject the uniforms in [0, 1) directly (shape of the output), for tests.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``: samples keep the input's dtype, expectations are float32 (float64
        for float64 input). A window summing to 0 gives 0, a window with NaN gives NaN; a
        window holding +inf gives +inf (the limit of its probabilities).

    Notes
    -----
    Sampling picks the first cell ``t`` (row-major window order) whose cumulative sum
    ``C_t > u * S``, ``S`` the window sum, so a zero-probability cell is never chosen. Sums are
    formed in float32 (float64 for float64 input).
    """
    if mode not in ("sample", "expectation"):
        raise ParameterError(
            "stochastic mode must be sample or expectation, got {value!r}", value=mode
        )
    x = check_real(x)
    if relu:
        x = np.maximum(x, np.zeros((), x.dtype))  # NaN stays NaN
    else:
        negative = np.count_nonzero(x < 0)
        if negative:
            raise DataError(
                "stochastic pooling needs non-negative input: found {count} negative value(s), "
                "min {low:g}; pass {relu} to clamp negatives to 0",
                spelled={"relu": "relu=True"},
                count=negative,
                low=np.nanmin(x),
            )
    work = result_dtype(x)
    xf = x.astype(work, copy=False)
    windows = Windows(xf, geometry, fill=0)
    if mode == "expectation":
        total = window_sum(windows, work)  # padded cells hold 0: sums over R only
        squares = window_sum(Windows(xf * xf, geometry, fill=0), work)
        out = np.where(total == 0, 0, squares / np.where(total == 0, 1, total))
        out = np.where(np.isposinf(total) & ~np.isnan(squares), np.inf, out)
        return out.astype(work, copy=False)
    if u is None:
        if rng is None:
            raise ParameterError(
                "stochastic sampling needs a generator {rng} (or {mode}='expectation')"
            )
        u = rng.random(windows.out_shape)
    return _sample(x, geometry, windows, np.asarray(u))


def _sample(x: np.ndarray, geometry: Geometry, windows: Windows, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF sampling: the first cell whose running sum exceeds ``u * S``."""
    originals = [values for values, _ in Windows(x, geometry, fill=0).cells()]
    running: list[np.ndarray] = []
    for values, _ in windows.cells():
        running.append(values.copy(order="K") if not running else running[-1] + values)
    total = running[-1]
    threshold = np.empty_like(total)  # in the cells' memory order: u is read across once
    np.multiply(u, total, out=threshold, casting="unsafe")
    out = windows.zeros(x.dtype)
    for values, cumulative in zip(reversed(originals), reversed(running), strict=True):
        np.copyto(out, values, where=cumulative > threshold)  # the first such cell wins
    # u * S may round up to S: fall back to the last cell with positive probability.
    short = (total > 0) & ~(total > threshold)
    if short.any():
        for values in originals:
            np.copyto(out, values, where=short & (values > 0))
    if x.dtype.kind == "f":
        out[np.isnan(total)] = np.nan
        out[np.isposinf(total) & ~np.isnan(total)] = np.inf
    return out
