"""Pure, vectorised pooling kernels on arrays of shape ``(..., H, W)``.

Definitions, defaults and worked examples: reference-spec Part A. Every leading axis is
independent; no kernel modifies its input. Loops run over the cells of a window (``kh * kw``
strided views), never over pixels.

Dtypes: float32 in gives float32 out; anything else (float64, integers, bool) gives float64.
Max pooling works in the input's float dtype (exact); every other kernel computes in float64.
NaN in a window propagates to that output cell.
"""

from __future__ import annotations

import numpy as np

from augcli.pool.geometry import Geometry, Windows
from augcli.pool.problems import DataError, ParameterError

DEFAULT = Geometry()


def _out_dtype(x: np.ndarray) -> type[np.floating]:
    return np.float32 if x.dtype == np.float32 else np.float64


def _as_float(x: np.ndarray, keep_float: bool = False) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise DataError("pooling needs a real numeric array, got dtype {dtype}", dtype=x.dtype)
    if keep_float and x.dtype in (np.float32, np.float64):
        return x
    return x.astype(np.float64, copy=False)


def _masked(values: np.ndarray, valid: np.ndarray | None, fill: float) -> np.ndarray:
    return values if valid is None else np.where(valid, values, fill)


def max_pool(x: np.ndarray, geometry: Geometry = DEFAULT) -> np.ndarray:
    """Max pooling (A1): the largest value of each window; padded cells count as -inf.

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``, any real dtype.
    geometry : Geometry
        Window geometry; dilation is honoured.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``; computed in the input's float dtype (max is exact).

    Examples
    --------
    >>> max_pool(np.array([[1, 2, 0, 1], [3, 4, 1, 0], [0, 0, 2, 6], [0, 0, 1, 3]]))
    array([[4., 1.],
           [0., 6.]])
    """
    x = _as_float(x, keep_float=True)
    windows = Windows(x, geometry, fill=-np.inf)
    out: np.ndarray | None = None
    for values, _ in windows.cells():
        out = values.copy(order="K") if out is None else np.maximum(out, values, out=out)
    assert out is not None
    return out.astype(_out_dtype(x), copy=False)


def _window_sum(windows: Windows) -> np.ndarray:
    """Sum of each window (padded cells hold 0), accumulated in float64."""
    out: np.ndarray | None = None
    first: np.ndarray | None = None
    for values, _ in windows.cells():
        if first is None:
            first = values
        elif out is None:
            out = np.add(first, values, dtype=np.float64)  # keeps the input's memory order
        else:
            np.add(out, values, out=out)
    return first.astype(np.float64) if out is None else out


def _uniform(table: np.ndarray) -> np.ndarray | float:
    """A per-window table as a scalar when all its entries agree (cheaper to broadcast)."""
    return float(table.flat[0]) if np.all(table == table.flat[0]) else table


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
        ``(..., Ho, Wo)``; summed in float64 (float32 input is not copied first).
    """
    xf = _as_float(x, keep_float=True)  # float32 cells are summed into a float64 accumulator
    windows = Windows(xf, geometry, fill=0.0)
    total = _window_sum(windows)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ParameterError("divisor_override must be non-zero")
        total /= divisor_override
    else:
        total /= _uniform(windows.pool_size() if count_include_pad else windows.real_count())
    return total.astype(_out_dtype(np.asarray(x)), copy=False)


def global_avg_pool(x: np.ndarray) -> np.ndarray:
    """Global average pooling (A3): the mean of each ``H x W`` plane.

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``.

    Returns
    -------
    numpy.ndarray
        Shape ``x.shape[:-2]`` (a 0-d array for a single plane), averaged in float64.
    """
    xf = _as_float(x)
    if xf.ndim < 2 or 0 in xf.shape[-2:]:
        raise DataError(
            "global average pooling needs non-empty planes, got shape {shape}", shape=xf.shape
        )
    return xf.mean(axis=(-2, -1)).astype(_out_dtype(np.asarray(x)), copy=False)


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
            return max_pool(x, geometry)
        if lam == 0.0:
            return avg_pool(x, geometry, count_include_pad=count_include_pad)
        mx = max_pool(x, geometry).astype(np.float64)
        av = avg_pool(x, geometry, count_include_pad=count_include_pad).astype(np.float64)
        return (lam * mx + (1.0 - lam) * av).astype(_out_dtype(np.asarray(x)), copy=False)
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
            return max_pool(x, geometry)
        return avg_pool(x, geometry, count_include_pad=count_include_pad)
    mx = max_pool(x, geometry)
    av = avg_pool(x, geometry, count_include_pad=count_include_pad)
    return np.where(lambdas, mx, av)


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
        Source of the uniforms ``u`` (one per output cell, C order) in ``sample`` mode.
    u : numpy.ndarray, optional
        Inject the uniforms in [0, 1) directly (shape of the output), for tests.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``; a window summing to 0 gives 0, a window with NaN gives NaN.

    Notes
    -----
    Sampling picks the first cell ``t`` (row-major window order) whose cumulative sum
    ``C_t > u * S``, ``S`` the window sum, so a zero-probability cell is never chosen.
    """
    if mode not in ("sample", "expectation"):
        raise ParameterError(
            "stochastic mode must be sample or expectation, got {value!r}", value=mode
        )
    xf = _as_float(x)
    if relu:
        xf = np.maximum(xf, 0.0)  # NaN stays NaN
    else:
        negative = np.count_nonzero(xf < 0)
        if negative:
            raise DataError(
                "stochastic pooling needs non-negative input: found {count} negative value(s), "
                "min {low:g}; pass {relu} to clamp negatives to 0",
                spelled={"relu": "relu=True"},
                count=negative,
                low=np.nanmin(xf),
            )
    windows = Windows(xf, geometry, fill=0.0)
    total = _window_sum(windows)  # padded cells hold 0: sums over R only
    if mode == "expectation":
        squares = np.zeros(windows.out_shape)
        for values, _ in windows.cells():
            squares += values * values
        safe = np.where(total == 0, 1.0, total)
        out = np.where(total == 0, 0.0, squares / safe)  # NaN sums stay NaN
    else:
        if u is None:
            if rng is None:
                raise ParameterError(
                    "stochastic sampling needs a generator {rng} (or {mode}='expectation')"
                )
            u = rng.random(windows.out_shape)
        threshold = np.asarray(u, dtype=np.float64) * total
        out = np.zeros(windows.out_shape)
        done = np.zeros(windows.out_shape, dtype=bool)
        last_positive = np.zeros(windows.out_shape)
        running = np.zeros(windows.out_shape)
        for values, _ in windows.cells():
            running += values
            chosen = ~done & (running > threshold)
            np.copyto(out, values, where=chosen)
            done |= chosen
            np.copyto(last_positive, values, where=values > 0)
        # u * S may round up to S: fall back to the last cell with positive probability.
        out = np.where(done, out, last_positive)
        out[np.isnan(total)] = np.nan
    return out.astype(_out_dtype(np.asarray(x)), copy=False)


def power_pool(
    x: np.ndarray, geometry: Geometry = DEFAULT, *, p: float = 2.0, normalize: str = "sum"
) -> np.ndarray:
    """Power-average (Lp) pooling (A6): ``(sum |a|^p)^(1/p)`` over each window's real cells.

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``; negative values enter as ``|a|``.
    geometry : Geometry
        Window geometry; padding and ceil-mode overhang add nothing to the sum.
    p : float
        Power, ``p > 0``; ``numpy.inf`` gives ``max |a|``. p=1 is the window *sum*.
    normalize : {"sum", "mean"}
        ``mean`` divides the sum by the number of real cells (Boureau et al.'s form).

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``, computed stably as ``m * (sum (|a|/m)^p)^(1/p)``, ``m = max |a|``.
    """
    if not p > 0:
        raise ParameterError("{p} must be > 0, got {value}", value=p)
    if normalize not in ("sum", "mean"):
        raise ParameterError("{normalize} must be sum or mean, got {value!r}", value=normalize)
    a = np.abs(_as_float(x))
    windows = Windows(a, geometry, fill=0.0)
    m = max_pool(a, geometry)  # padded -inf never wins: every window holds a real cell
    m = np.asarray(m, dtype=np.float64)
    if np.isinf(p):
        return m.astype(_out_dtype(np.asarray(x)), copy=False)
    safe = np.where(m > 0, m, 1.0)
    total = np.zeros(windows.out_shape)
    for values, _ in windows.cells():
        total += (values / safe) ** p
    if normalize == "mean":
        total /= windows.real_count()
    out = np.where(m > 0, m * total ** (1.0 / p), m)  # m == 0 -> 0, NaN stays NaN
    return out.astype(_out_dtype(np.asarray(x)), copy=False)
