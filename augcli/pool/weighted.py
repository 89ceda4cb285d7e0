"""Weighted pooling kernels: SoftPool, LIP and DPP (convex combinations of window cells).

Same contract as :mod:`augcli.pool.kernels`: arrays ``(..., H, W)``, float32 in gives
float32 out, computed in float64, only the real cells of each window take part.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from augcli.pool.geometry import Geometry, Windows
from augcli.pool.kernels import DEFAULT, _as_float, _masked, _out_dtype, _window_sum
from augcli.pool.problems import DataError, ParameterError


def _softmax_weighted(xf: np.ndarray, logits: np.ndarray, geometry: Geometry) -> np.ndarray:
    """``sum_R x e^G / sum_R e^G`` per window, with the window max of G subtracted."""
    xw = Windows(xf, geometry, fill=0.0)
    gw = Windows(logits, geometry, fill=0.0) if logits is not xf else xw
    gmax = np.full(xw.out_shape, -np.inf)
    for values, valid in gw.cells():
        np.maximum(gmax, _masked(values, valid, -np.inf), out=gmax)
    num = np.zeros(xw.out_shape)
    den = np.zeros(xw.out_shape)
    for (xv, valid), (gv, _) in zip(xw.cells(), gw.cells(), strict=True):
        if valid is not None:
            gv = np.where(valid, gv, gmax)  # padded cells: no overflow, masked below
        weight = np.exp(gv - gmax)
        if valid is not None:
            weight = np.where(valid, weight, 0.0)
            xv = np.where(valid, xv, 0.0)
        num += weight * xv
        den += weight
    return num / den


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
        ``(..., Ho, Wo)``, computed in float64 with the window max subtracted.
    """
    xf = _as_float(x)
    return _softmax_weighted(xf, xf, geometry).astype(_out_dtype(np.asarray(x)), copy=False)


LIP_DEFAULT = Geometry(3, 2, 1)


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
        ``G``, same shape as ``x``, float64.
    """
    xf = _as_float(x)
    if not np.isfinite(beta):
        raise ParameterError("{beta} must be finite, got {value}", value=beta)
    if kind == "identity":
        return beta * xf
    if kind == "gate":
        return beta * 6.0 * (1.0 + np.tanh(0.5 * xf))  # 12 * sigmoid, overflow-free
    raise ParameterError("LIP logit must be identity or gate, got {value!r}", value=kind)


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
        ``(..., Ho, Wo)``, a convex combination of each window's real cells.
    """
    xf = _as_float(x)
    if logits is None:
        g = lip_logits(xf, logit, beta)
    else:
        g = _as_float(logits)
        try:
            g = np.broadcast_to(g, xf.shape)
        except ValueError:
            raise DataError(
                "importance map shape {shape} does not match the input planes {planes}",
                shape=g.shape,
                planes=xf.shape,
            ) from None
    return _softmax_weighted(xf, g, geometry).astype(_out_dtype(np.asarray(x)), copy=False)


def dpp_pool(
    x: np.ndarray,
    geometry: Geometry = DEFAULT,
    *,
    alpha: float = 1.0,
    lam: float = 1.0,
    variant: str = "sym",
    norm: str = "mean",
    eps2: float = 1e-3,
) -> np.ndarray:
    """Detail-Preserving Pooling (A7), "Lite" guide: weights reward cells far from the mean.

    ``y = sum w_q I_q / sum w_q`` with ``w_q = alpha + (x_q / xbar)^(lam/2)``, where
    ``x_q = (I_q - mean_R I)^2 + eps2`` (``sym``) or ``max(0, I_q - mean_R I)^2 + eps2``
    (``asym``) and ``xbar`` the window mean (``norm="mean"``, the authors' nngraph code), the
    window sum (``"sum"``, their CUDA kernel) or 1 (``"none"``, the paper formula).

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``; negative values are fine.
    geometry : Geometry
        Window geometry (the authors use 2x2, stride 2); only real cells take part and the
        guide is the mean of each window's real cells.
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

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``, within each window's [min, max]. Computed in log space with the
        largest reward factored out, so large ``lam`` neither overflows nor underflows.
    """
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
    xf = _as_float(x)
    windows = Windows(xf, geometry, fill=0.0)
    count = windows.real_count()
    guide = _window_sum(windows) / count

    def rewards() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        for values, valid in windows.cells():
            dev = values - guide
            if variant == "asym":
                dev = np.maximum(dev, 0.0)
            yield values, dev * dev + eps2, valid

    if norm == "none":
        scale = np.ones(windows.out_shape)
    else:
        scale = np.zeros(windows.out_shape)
        for _, r, valid in rewards():
            scale += _masked(r, valid, 0.0)
        if norm == "mean":
            scale /= count
    half = 0.5 * lam
    top = np.full(windows.out_shape, -np.inf)
    for _, r, valid in rewards():
        np.maximum(top, _masked(half * np.log(r / scale), valid, -np.inf), out=top)
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
    return (num / den).astype(_out_dtype(np.asarray(x)), copy=False)
