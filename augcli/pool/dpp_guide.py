"""DPP's guide image at output resolution: the Lite box mean, or the Full 3x3 filter (A7)."""

from __future__ import annotations

import numpy as np

from augcli.pool.geometry import Windows
from augcli.pool.kernels import check_real, window_sum
from augcli.pool.problems import DataError, ParameterError


def box_guide(x: np.ndarray, windows: Windows) -> np.ndarray:
    """Lite guide: the mean of each window's real cells, in ``x``'s dtype."""
    return window_sum(windows, x.dtype) / windows.real_count().astype(x.dtype)


def _filter(guide_filter: np.ndarray | None, lead: tuple[int, ...]) -> np.ndarray:
    """The filter as ``(..., 3, 3)`` broadcastable to the leading axes ``lead``."""
    if guide_filter is None:
        raise ParameterError("{guide}='full' needs a 3x3 {guide_filter}")
    f = check_real(guide_filter).astype(np.float64)
    if f.ndim == 4 and f.shape[1] == 1:  # PyTorch's depthwise weight (C, 1, 3, 3)
        f = f[:, 0]
    try:
        if f.shape[-2:] != (3, 3):
            raise ValueError
        np.broadcast_shapes(f.shape[:-2], lead)
    except (ValueError, IndexError):
        raise DataError(
            "guide filter shape {shape} does not fit planes with leading axes {lead}: give "
            "3x3, one 3x3 per channel (C, 3, 3), or PyTorch's (C, 1, 3, 3)",
            shape=f.shape,
            lead=lead,
        ) from None
    if not np.isfinite(f).all():
        raise DataError("guide filter holds inf or NaN")
    return f


def filter_guide(
    x: np.ndarray,
    windows: Windows,
    guide_filter: np.ndarray | None,
    guide_bias: float | np.ndarray = 0.0,
) -> np.ndarray:
    """Full guide: ``b + sum_mn f[m, n] * x[i*s - p - 1 + m, j*s - p - 1 + n]`` (zero outside).

    This is ``torch.nn.functional.conv2d(x, f, b, stride=s, padding=p + 1, groups=C)`` cut to
    the pooling output size: a 3x3 filter centred on each window's first cell, as the authors'
    ``DPP_*_full`` (3x3 convolution, stride 2, padding 1, on 2x2 windows).

    Parameters
    ----------
    x : numpy.ndarray
        Input ``(..., H, W)``.
    windows : Windows
        The pooling windows of ``x`` (their geometry and output size).
    guide_filter : numpy.ndarray
        ``(3, 3)``, ``(..., 3, 3)`` or ``(C, 1, 3, 3)``, see :func:`dpp_pool`.
    guide_bias : float or numpy.ndarray
        Scalar, or one value per channel (broadcast against the leading axes).

    Returns
    -------
    numpy.ndarray
        The guide, ``windows.out_shape``, in ``x``'s dtype.
    """
    lead = x.shape[:-2]
    f = _filter(guide_filter, lead)
    bias = check_real(np.asarray(guide_bias)).astype(np.float64)
    try:
        np.broadcast_shapes(bias.shape, lead)
    except ValueError:
        raise DataError(
            "guide bias shape {shape} does not fit the leading axes {lead}",
            shape=bias.shape,
            lead=lead,
        ) from None
    rows, cols = windows.rows, windows.cols
    ho, wo = rows.out, cols.out
    pad_h = (rows.p + 1, max(0, (ho - 1) * rows.s + 3 - (x.shape[-2] + rows.p + 1)))
    pad_w = (cols.p + 1, max(0, (wo - 1) * cols.s + 3 - (x.shape[-1] + cols.p + 1)))
    padded = np.pad(x, [(0, 0)] * (x.ndim - 2) + [pad_h, pad_w])
    out = np.zeros(windows.out_shape, dtype=np.float64)
    for m in range(3):
        for n in range(3):
            r = slice(m, m + (ho - 1) * rows.s + 1, rows.s)
            c = slice(n, n + (wo - 1) * cols.s + 1, cols.s)
            cell = padded[..., r, c]
            out += f[..., m, n][..., None, None] * cell
    out += bias[..., None, None]
    return out.astype(x.dtype)
