"""Weighted pooling kernels: SoftPool, LIP and DPP (convex combinations of window cells).

Same contract as :mod:`augcli.pool.kernels`: arrays ``(..., H, W)``, float32 out (float64 for
float64 input), computed in that dtype, only the real cells of each window take part.

Each kernel first takes the direct route PyTorch code takes (SoftPool: ``e = exp(a - M)`` with
``M`` the plane maximum, then two window sums) and recomputes, in float64 with the window
maximum factored out, only where the direct route cannot be trusted: a window sum below
``2**-100`` or an infinite or NaN result. So the results never depend on the route, only
on the formula.

Infinities (the limit of the formula): SoftPool and LIP give a window whose largest logit is
+inf the mean of the values at those cells (SoftPool: +inf); cells with logit -inf get weight
0; a window whose logits are all -inf gets equal weights (SoftPool: -inf). DPP gives NaN for a
window holding an infinity (its guide, the window mean, is not finite). NaN propagates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from augcli.pool.dpp_guide import box_guide, filter_guide
from augcli.pool.geometry import Geometry, Windows
from augcli.pool.kernels import DEFAULT, check_real, max_pool, quiet, result_dtype, window_sum
from augcli.pool.problems import DataError, ParameterError

TINY = 2.0**-100  # smallest weight sum trusted on the direct route


def _stable_softmax(x: np.ndarray, g: np.ndarray, geometry: Geometry) -> np.ndarray:
    """``sum_R x e^G / sum_R e^G`` in float64 with the window max of G subtracted."""
    x = x.astype(np.float64, copy=False)
    g = g.astype(np.float64, copy=False)
    xw = Windows(x, geometry, fill=0.0)
    gw = Windows(g, geometry, fill=-np.inf)
    gmax = max_pool(g, geometry)
    top_inf = np.isposinf(gmax)
    all_low = np.isneginf(gmax)
    num = np.zeros(xw.out_shape)
    den = np.zeros(xw.out_shape)
    for (xv, valid), (gv, _) in zip(xw.cells(), gw.cells(), strict=True):
        shifted = gv - np.where(top_inf | all_low, 0.0, gmax)
        shifted = np.where(top_inf, np.where(np.isposinf(gv), 0.0, -np.inf), shifted)
        shifted = np.where(all_low, 0.0, shifted)
        if valid is not None:
            shifted = np.where(valid, shifted, -np.inf)
        weight = np.exp(shifted)
        num += np.where((weight == 0) & ~np.isnan(xv), 0.0, weight * xv)
        den += weight
    return num / den


def _softmax_weighted(x: np.ndarray, g: np.ndarray, geometry: Geometry) -> np.ndarray:
    """``sum_R x e^G / sum_R e^G`` per window, in :func:`result_dtype` of ``x``."""
    work = result_dtype(x)
    xf = x.astype(work, copy=False)
    gf = g.astype(work, copy=False)
    top = np.max(gf.max(axis=-2), axis=-1)[..., None, None]  # columns first: memory order
    e = np.subtract(gf, top)
    np.exp(e, out=e)
    den = window_sum(Windows(e, geometry, fill=0), work)
    np.multiply(e, xf, out=e)
    num = window_sum(Windows(e, geometry, fill=0), work)
    out = num / den
    bad = ~((den >= TINY) & np.isfinite(out))
    if bad.any():
        g = np.broadcast_to(g, x.shape)
        out = patch_planes(out, bad, lambda take: _stable_softmax(take(x), take(g), geometry))
    return out.astype(work, copy=False)


def patch_planes(
    out: np.ndarray,
    bad: np.ndarray,
    redo: Callable[[Callable[[np.ndarray], np.ndarray]], np.ndarray],
) -> np.ndarray:
    """``out`` with its bad windows recomputed, on the planes that hold one only.

    ``redo(take)`` recomputes those planes: ``take(a)`` gives the selected planes of any array
    ``a`` shaped like the input or the output (leading axes flattened).
    """
    shape = out.shape
    flat_bad = bad.reshape(-1, *shape[-2:])
    planes = np.flatnonzero(flat_bad.any(axis=(1, 2)))

    def take(a: np.ndarray) -> np.ndarray:
        return a.reshape(-1, *a.shape[-2:])[planes]

    result = out.reshape(-1, *shape[-2:])  # a copy when out is laid out channels-last
    if np.shares_memory(result, out):
        result = result.copy()
    result[planes] = np.where(flat_bad[planes], redo(take), result[planes])
    return result.reshape(shape)


@quiet
def softpool(x: np.ndarray, geometry: Geometry = DEFAULT) -> np.ndarray:
    """SoftPool (A9): softmax-weighted sum ``sum e^a a / sum e^a`` per window and channel.

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``; negative values are fine, no clamp (paper formula).
    geometry : Geometry
        Window geometry; only real cells take part.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``, float32 (float64 for float64 input); see the module notes on
        stability and infinities.
    """
    x = check_real(x)
    return _softmax_weighted(x, x, geometry)


LIP_DEFAULT = Geometry(3, 2, 1)


@quiet
def lip_logits(x: np.ndarray, kind: str = "identity", beta: float = 1.0) -> np.ndarray:
    """A fixed LIP importance-logit map ``G(I)`` (the paper learns it; A8).

    Parameters
    ----------
    x : numpy.ndarray
        The input ``I``.
    kind : {"identity", "gate"}
        ``identity``: ``G = beta * I`` (beta=1 gives SoftPool, 0 plain averaging, large beta
        approaches max); ``gate``: ``G = beta * 12 * sigmoid(I)`` (the paper's SoftGate).
    beta : float
        Scale of the logits.

    Returns
    -------
    numpy.ndarray
        ``G``, same shape as ``x``, in :func:`~augcli.pool.kernels.result_dtype` of ``x``.
    """
    x = check_real(x)
    xf = x.astype(result_dtype(x), copy=False)
    if not np.isfinite(beta):
        raise ParameterError("{beta} must be finite, got {value}", value=beta)
    if kind == "identity":
        return xf if beta == 1 else beta * xf
    if kind == "gate":
        return beta * 6.0 * (1.0 + np.tanh(0.5 * xf))  # 12 * sigmoid, overflow-free
    raise ParameterError("LIP logit must be identity or gate, got {value!r}", value=kind)


@quiet
def lip_pool(
    x: np.ndarray,
    geometry: Geometry = LIP_DEFAULT,
    *,
    logits: np.ndarray | None = None,
    logit: str = "identity",
    beta: float = 1.0,
) -> np.ndarray:
    """Local Importance-based Pooling (A8): ``sum_R I e^G / sum_R e^G``.

    Parameters
    ----------
    x : numpy.ndarray
        Input ``I``, shape ``(..., H, W)``.
    geometry : Geometry
        Window geometry; default k=3, s=2, p=1 (the reference code); padding is excluded.
    logits : numpy.ndarray, optional
        The importance logits ``G``, broadcastable to ``x`` (e.g. one ``H x W`` map for all
        channels). Default: :func:`lip_logits` of ``x`` with ``logit`` and ``beta``.
    logit : {"identity", "gate"}
        Kind of the default map.
    beta : float
        Scale of the default map.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``, a convex combination of each window's real cells, float32 (float64
        for float64 input).
    """
    x = check_real(x)
    if logits is None:
        g = lip_logits(x, logit, beta)
    else:
        g = check_real(logits)
        try:
            g = np.broadcast_to(g, x.shape)
        except ValueError:
            raise DataError(
                "importance map shape {shape} does not match the input planes {planes}",
                shape=g.shape,
                planes=x.shape,
            ) from None
    return _softmax_weighted(x, g, geometry)


def _check_dpp(alpha: float, lam: float, eps2: float, variant: str, norm: str, guide: str) -> None:
    if not alpha >= 0 or not np.isfinite(alpha):
        raise ParameterError("{alpha} must be >= 0, got {value}", value=alpha)
    if not lam >= 0 or not np.isfinite(lam):
        raise ParameterError("{lam} must be >= 0, got {value}", value=lam)
    if not eps2 > 0 or not np.isfinite(eps2):
        raise ParameterError("{eps2} must be > 0, got {value}", value=eps2)
    if variant not in ("sym", "asym"):
        raise ParameterError("{variant} must be sym or asym, got {value!r}", value=variant)
    if norm not in ("mean", "sum", "none"):
        raise ParameterError("{norm} must be mean, sum or none, got {value!r}", value=norm)
    if guide not in ("lite", "full"):
        raise ParameterError("{guide} must be lite or full, got {value!r}", value=guide)


@quiet
def dpp_pool(
    x: np.ndarray,
    geometry: Geometry = DEFAULT,
    *,
    alpha: float = 1.0,
    lam: float = 1.0,
    variant: str = "sym",
    norm: str = "mean",
    eps2: float = 1e-3,
    guide: str = "lite",
    guide_filter: np.ndarray | None = None,
    guide_bias: float | np.ndarray = 0.0,
) -> np.ndarray:
    """Detail-Preserving Pooling (A7): weights reward cells far from a guide.

    ``y = sum w_q I_q / sum w_q`` with ``w_q = alpha + (x_q / xbar)^(lam/2)``, where
    ``x_q = (I_q - guide)^2 + eps2`` (``sym``) or ``max(0, I_q - guide)^2 + eps2`` (``asym``)
    and ``xbar`` the window mean of ``x_q`` (``norm="mean"``, the authors' nngraph code), the
    window sum (``"sum"``, their CUDA kernel) or 1 (``"none"``, the paper formula).

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``; negative values are fine.
    geometry : Geometry
        Window geometry (the authors use 2x2, stride 2); only real cells take part.
    alpha : float
        ``alpha >= 0``, weight floor.
    lam : float
        ``lambda >= 0``, reward exponent.
    variant : {"sym", "asym"}
        Reward any deviation, or only cells brighter than the guide.
    norm : {"mean", "sum", "none"}
        Normalisation of ``x_q`` before the power.
    eps2 : float
        ``eps^2 > 0`` (code value 1e-3).
    guide : {"lite", "full"}
        ``lite``: the mean of each window's real cells (``DPP_*_lite``); ``full``: a 3x3
        filter, stride = the pooling stride, centred on each window's first cell, zero outside
        the input, plus a bias (``DPP_*_full`` with its learned filter given here).
    guide_filter : numpy.ndarray, optional
        The ``full`` guide's filter: ``(3, 3)`` for every plane, or ``(..., 3, 3)``
        broadcastable to the leading axes (one per channel; PyTorch's ``(C, 1, 3, 3)`` too).
    guide_bias : float or numpy.ndarray
        The ``full`` guide's bias, a scalar or one per channel.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``, float32 (float64 for float64 input); within each window's [min,
        max]. Windows the direct formula cannot compute (overflow of a large ``lam``,
        underflow with ``alpha = 0``) are computed in log space with the largest reward
        factored out.
    """
    _check_dpp(alpha, lam, eps2, variant, norm, guide)
    x = check_real(x)
    work = result_dtype(x)
    xf = x.astype(work, copy=False)
    windows = Windows(xf, geometry, fill=0)
    if guide == "lite":
        reference = box_guide(xf, windows)
    else:
        reference = filter_guide(xf, windows, guide_filter, guide_bias)
    params = (alpha, lam, variant, norm, eps2)
    out, den = _dpp_direct(windows, reference, *params)
    bad = ~((den >= TINY) & np.isfinite(out))
    if bad.any():
        out = patch_planes(
            out,
            bad,
            lambda take: _dpp_log(Windows(take(xf), geometry, fill=0), take(reference), *params),
        )
    return out.astype(work, copy=False)


def _rewards(windows: Windows, guide: np.ndarray, variant: str, eps2: float) -> list[np.ndarray]:
    """``x_q`` of every cell of every window (one array per window offset)."""
    out = []
    for values, _ in windows.cells():
        dev = values - guide
        if variant == "asym":
            np.maximum(dev, 0, out=dev)
        np.multiply(dev, dev, out=dev)
        dev += dev.dtype.type(eps2)
        out.append(dev)
    return out


def _scale(windows: Windows, r: list[np.ndarray], norm: str) -> np.ndarray | float:
    if norm == "none":
        return 1.0
    total = windows.zeros(r[0].dtype)
    for (_, valid), rq in zip(windows.cells(), r, strict=True):
        total += rq if valid is None else np.where(valid, rq, 0)
    return total / windows.real_count() if norm == "mean" else total


def _dpp_direct(windows, guide, alpha, lam, variant, norm, eps2):
    """The formula as written, in the working dtype: ``(output, weight sum)``."""
    r = _rewards(windows, guide, variant, eps2)
    inverse = 1 / _scale(windows, r, norm)
    half = 0.5 * lam
    num = windows.zeros(guide.dtype)
    den = windows.zeros(guide.dtype)
    for (values, valid), rq in zip(windows.cells(), r, strict=True):
        ratio = np.multiply(rq, inverse, out=rq)
        if half == 0.5:
            weight = np.sqrt(ratio, out=ratio)
        elif half == 1:
            weight = ratio
        else:
            weight = np.power(ratio, half, out=ratio)
        if alpha:
            weight += weight.dtype.type(alpha)
        if valid is not None:
            weight = np.where(valid, weight, 0)
        den += weight
        num += np.multiply(weight, values, out=weight)
    return num / den, den


def _dpp_log(windows, guide, alpha, lam, variant, norm, eps2):
    """The same in float64 log space, the largest reward factored out (never overflows)."""
    guide = guide.astype(np.float64)
    cells = [(v.astype(np.float64), valid) for v, valid in windows.cells()]

    def rewards() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        for values, valid in cells:
            dev = values - guide
            if variant == "asym":
                dev = np.maximum(dev, 0.0)
            yield values, dev * dev + eps2, valid

    if norm == "none":
        scale = np.ones(windows.out_shape)
    else:
        scale = np.zeros(windows.out_shape)
        for _, r, valid in rewards():
            scale += r if valid is None else np.where(valid, r, 0.0)
        if norm == "mean":
            scale /= windows.real_count()
    half = 0.5 * lam
    top = np.full(windows.out_shape, -np.inf)
    for _, r, valid in rewards():
        logs = half * np.log(r / scale)
        np.maximum(top, logs if valid is None else np.where(valid, logs, -np.inf), out=top)
    if alpha > 0:
        top = np.maximum(top, 0.0)  # keeps alpha * e^-top bounded; w = e^top (alpha e^-top + ...)
    floor = alpha * np.exp(-top)
    num = np.zeros(windows.out_shape)
    den = np.zeros(windows.out_shape)
    for values, r, valid in rewards():
        weight = floor + np.exp(half * np.log(r / scale) - top)
        if valid is not None:
            weight = np.where(valid, weight, 0.0)
            values = np.where(valid, values, 0.0)
        num += weight * values
        den += weight
    return num / den
