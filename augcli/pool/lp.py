"""Power-average (Lp) pooling: augcli's |a| form, and PyTorch's ``lp_pool2d`` reproduced.

The default (reference spec A6, Part C 5) sums ``|a|^p`` over each window's real cells and
takes the 1/p-th root. ``torch_compat=True`` follows ``torch.nn.functional.lp_pool2d`` step by
step in float32: ``x**p`` of the signed values, PyTorch's average pooling (float32 sums in
row-major window order, divided by the real-cell count), times ``kh * kw``, then ``**(1/p)``
(so a negative window sum gives NaN and a ceil-mode partial window is scaled up to the full
kernel area); ``p = inf`` is ``max |a|`` in both.
"""

from __future__ import annotations

import numpy as np

from augcli.pool.geometry import Geometry, Windows
from augcli.pool.kernels import DEFAULT, check_real, max_pool, quiet, result_dtype, window_sum
from augcli.pool.problems import ParameterError

TINY = 2.0**-100  # smallest window sum trusted without rescaling (float32 keeps 24 bits)


def _powered(a: np.ndarray, p: float) -> np.ndarray:
    """``a ** p`` elementwise, with the products PyTorch uses for p = 2 and 3."""
    if p == 1:
        return a
    if p == 2:
        return a * a
    if p == 3:
        return a * a * a
    return a**p


@quiet
def power_pool(
    x: np.ndarray,
    geometry: Geometry = DEFAULT,
    *,
    p: float = 2.0,
    normalize: str = "sum",
    torch_compat: bool = False,
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
    torch_compat : bool
        Reproduce ``torch.nn.functional.lp_pool2d`` instead (signed ``a**p``, NaN for a
        negative window sum, ceil-mode partial windows scaled by ``kh*kw / real cells``);
        computed in float32 (float64 for float64 input), padding must be 0, ``normalize``
        must be ``sum``.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``, float32 (float64 for float64 input). Windows whose plain sum of
        ``|a|^p`` would overflow or lose precision are computed as
        ``m * (sum (|a|/m)^p)^(1/p)``, ``m = max |a|``. A window holding an infinity gives
        +inf (NaN wins over inf).
    """
    if not p > 0:
        raise ParameterError("{p} must be > 0, got {value}", value=p)
    if normalize not in ("sum", "mean"):
        raise ParameterError("{normalize} must be sum or mean, got {value!r}", value=normalize)
    x = check_real(x)
    work = result_dtype(x)
    if torch_compat:
        if normalize != "sum":
            raise ParameterError("{torch_compat} reproduces the sum form: {normalize} must be sum")
        if any(geometry.padding):
            raise ParameterError("{torch_compat} takes no padding (lp_pool2d has none)")
        return _torch_lp(x.astype(work, copy=False), geometry, p)
    a = np.abs(x.astype(work, copy=False))
    if np.isinf(p):
        return max_pool(a, geometry)
    windows = Windows(a, geometry, fill=0)
    total = window_sum(Windows(_powered(a, p), geometry, fill=0), work)
    if normalize == "mean":
        total /= windows.real_count()
    out = total ** (1.0 / p) if p != 1 else total
    untrusted = ~((total >= TINY) & (total <= np.finfo(work).max))  # 0, tiny, inf, NaN
    if untrusted.any():
        m = max_pool(a, geometry)
        redo = untrusted & (m != 0)  # all-zero windows are right as they are
        if redo.any():
            out = np.where(redo, _rescaled(m, windows, p, normalize), out)
    return out.astype(work, copy=False)


def _rescaled(m: np.ndarray, windows: Windows, p: float, normalize: str) -> np.ndarray:
    """``m * (sum (|a|/m)^p)^(1/p)``, ``m`` the window max: neither overflows nor underflows."""
    m = m.astype(np.float64)
    finite = (m > 0) & np.isfinite(m)
    safe = np.where(finite, m, 1.0)
    total = np.zeros(windows.out_shape)
    for values, _ in windows.cells():
        total += (values / safe) ** p
    if normalize == "mean":
        total /= windows.real_count()
    return np.where(finite, m * total ** (1.0 / p), m)  # m = 0, inf or NaN is the answer


def _torch_lp(x: np.ndarray, geometry: Geometry, p: float) -> np.ndarray:
    """``torch.nn.functional.lp_pool2d(x, p, kernel, stride, ceil_mode)`` in numpy."""
    if np.isinf(p):
        return max_pool(np.abs(x), geometry)
    windows = Windows(_powered(x, p), geometry, fill=0)
    total: np.ndarray | None = None
    for values, _ in windows.cells():  # float32 sums in row-major window order, as ATen
        total = values.copy(order="K") if total is None else np.add(total, values, out=total)
    assert total is not None
    count = windows.real_count().astype(x.dtype)
    kernel = x.dtype.type(geometry.kernel[0] * geometry.kernel[1])
    total = total / count * kernel  # avg_pool2d(..) * (kw * kh); padding is 0
    root = x.dtype.type(1.0 / p)
    if root == 1:
        return total
    if root == 0.5:
        return np.sqrt(total)
    # correctly rounded x ** root (PyTorch's vector pow is within 1 ulp of it)
    return (total.astype(np.float64) ** np.float64(root)).astype(x.dtype)
