"""Pooling geometry: kernel, stride, padding, dilation, ceil mode, and the window cells.

Every method reads its windows through :class:`Windows`, which never loops over pixels: it
loops over the ``kh * kw`` *offsets* inside a window and hands out, for each offset, one
strided view of the (padded) input holding that cell of every window at once, plus a mask of
the windows in which that cell is a real input cell (``None`` when it always is).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from augcli.pool.problems import DataError, ParameterError

Pair = tuple[int, int]


def _pair(value: int | tuple[int, int] | None, name: str) -> Pair | None:
    if value is None:
        return None
    if isinstance(value, int | np.integer):
        return (int(value), int(value))
    pair = tuple(int(v) for v in value)
    if len(pair) != 2:
        raise ParameterError(
            "{label} must be one integer or two (height, width), got {value!r}",
            label=name,
            value=value,
        )
    return pair  # type: ignore[return-value]


@dataclass(frozen=True)
class Geometry:
    """Window geometry shared by every pooling method (PyTorch's conventions).

    Parameters
    ----------
    kernel : int or (int, int)
        Window size ``(kh, kw)``; default 2.
    stride : int or (int, int), optional
        Step between windows; default: the kernel size.
    padding : int or (int, int)
        Cells added on each side of each axis; ``0 <= padding <= kernel // 2``. Padded cells are
        never values: max treats them as -inf, average as zeros, weighted methods ignore them.
    dilation : int or (int, int)
        Spacing between the cells of a window (max pooling only; default 1).
    ceil_mode : bool
        Size the output with ``ceil`` instead of ``floor`` (partial windows at the end).

    Examples
    --------
    >>> Geometry(3, 2, 1).output_shape(4, 4)
    (2, 2)
    """

    kernel: Pair = (2, 2)
    stride: Pair | None = None
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    ceil_mode: bool = False

    def __post_init__(self) -> None:
        kernel = _pair(self.kernel, "kernel")
        stride = _pair(self.stride, "stride") or kernel
        padding = _pair(self.padding, "padding")
        dilation = _pair(self.dilation, "dilation")
        for name, pair, low in (
            ("kernel", kernel, 1),
            ("stride", stride, 1),
            ("dilation", dilation, 1),
        ):
            if min(pair) < low:
                raise ParameterError(
                    "{label} must be a positive integer, got {value}", label=name, value=_fmt(pair)
                )
        if min(padding) < 0:
            raise ParameterError("padding must be >= 0, got {value}", value=_fmt(padding))
        for axis in (0, 1):
            if 2 * padding[axis] > kernel[axis]:
                raise ParameterError(
                    "padding {padding_} is more than half the kernel {kernel_}; "
                    "use padding <= kernel // 2",
                    padding_=_fmt(padding),
                    kernel_=_fmt(kernel),
                )
        object.__setattr__(self, "kernel", kernel)
        object.__setattr__(self, "stride", stride)
        object.__setattr__(self, "padding", padding)
        object.__setattr__(self, "dilation", dilation)

    def describe(self) -> str:
        """A short label such as ``k2 s2`` or ``k3 s2 p1 ceil``."""
        parts = [f"k{_fmt(self.kernel)}", f"s{_fmt(self.stride)}"]  # type: ignore[arg-type]
        if any(self.padding):
            parts.append(f"p{_fmt(self.padding)}")
        if self.dilation != (1, 1):
            parts.append(f"d{_fmt(self.dilation)}")
        if self.ceil_mode:
            parts.append("ceil")
        return " ".join(parts)

    def axis(self, n: int, axis: int) -> AxisPlan:
        """The plan of one axis (0 rows, 1 columns) for an input of ``n`` cells."""
        return AxisPlan.build(
            n,
            self.kernel[axis],
            self.stride[axis],  # type: ignore[index]
            self.padding[axis],
            self.dilation[axis],
            self.ceil_mode,
            "height" if axis == 0 else "width",
        )

    def output_shape(self, height: int, width: int) -> Pair:
        """Output ``(Ho, Wo)`` for an input of ``height x width``; raises if a side is < 1."""
        return self.axis(height, 0).out, self.axis(width, 1).out


def _fmt(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


@dataclass(frozen=True)
class AxisPlan:
    """Where the windows of one axis fall.

    Attributes
    ----------
    n, k, s, p, d : int
        Input length, kernel, stride, padding, dilation.
    out : int
        Number of windows (output length).
    pad_hi : int
        Cells to add after the input so every window fits (``p`` or more in ceil mode).
    """

    n: int
    k: int
    s: int
    p: int
    d: int
    out: int
    pad_hi: int

    @classmethod
    def build(cls, n: int, k: int, s: int, p: int, d: int, ceil: bool, name: str) -> AxisPlan:
        """Size one axis with the A0 rule (floor, or ceil with PyTorch's last-window check)."""
        span = d * (k - 1) + 1
        numerator = n + 2 * p - span + (s - 1 if ceil else 0)
        if numerator < 0:
            raise ParameterError(
                "kernel {k} (span {span}) is larger than the padded input {side} "
                "{n} + 2*{p} = {total}; use a smaller {kernel} or more {padding}",
                k=k,
                span=span,
                side=name,
                n=n,
                p=p,
                total=n + 2 * p,
            )
        out = numerator // s + 1
        if ceil and (out - 1) * s >= n + p:
            out -= 1
        last = (out - 1) * s - p + span - 1  # last input index touched (may exceed n - 1)
        return cls(n, k, s, p, d, out, max(p, last - (n - 1)))

    def index(self, m: int) -> np.ndarray:
        """Input index of cell ``m`` of every window (may be < 0 or >= n: padding)."""
        return np.arange(self.out) * self.s - self.p + m * self.d

    def valid(self, m: int) -> np.ndarray | None:
        """Which windows hold a real cell at offset ``m``; ``None`` if all of them do."""
        idx = self.index(m)
        ok = (idx >= 0) & (idx < self.n)
        return None if ok.all() else ok

    def real_count(self) -> np.ndarray:
        """Number of real (non-padded) cells per window along this axis."""
        return sum(
            ((self.index(m) >= 0) & (self.index(m) < self.n)).astype(np.int64)
            for m in range(self.k)
        )

    def pool_size(self) -> np.ndarray:
        """PyTorch's average-pool divisor factor: cells up to the padded border, not beyond."""
        start = np.arange(self.out) * self.s - self.p
        end = np.minimum(start + self.k, self.n + self.p)
        return end - start


class Windows:
    """The windows of one array ``x`` of shape ``(..., H, W)`` under a :class:`Geometry`.

    Parameters
    ----------
    x : numpy.ndarray
        Input of shape ``(..., H, W)``; not modified.
    geometry : Geometry
        Window geometry.
    fill : float
        Value of the padded cells in the views handed out by :meth:`cells`.
    """

    def __init__(self, x: np.ndarray, geometry: Geometry, fill: float = 0.0) -> None:
        if x.ndim < 2:
            raise DataError(
                "pooling needs an array of at least 2 dimensions, got {ndim}", ndim=x.ndim
            )
        self.geometry = geometry
        self.rows = geometry.axis(x.shape[-2], 0)
        self.cols = geometry.axis(x.shape[-1], 1)
        self.out_shape = x.shape[:-2] + (self.rows.out, self.cols.out)
        pads = ((self.rows.p, self.rows.pad_hi), (self.cols.p, self.cols.pad_hi))
        if any(any(pair) for pair in pads):
            width = [(0, 0)] * (x.ndim - 2) + list(pads)
            x = np.pad(x, width, constant_values=fill)
        self.padded = x

    @property
    def plain(self) -> bool:
        """True when every window lies inside the input (no padding or ceil-mode overhang)."""
        return all(plan.valid(m) is None for plan in (self.rows, self.cols) for m in range(plan.k))

    def cells(self) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        """Yield, for each offset in row-major window order, ``(values, valid)``.

        ``values`` has the output shape ``(..., Ho, Wo)`` (a strided view, do not write to it);
        ``valid`` is a boolean ``(Ho, Wo)``-broadcastable mask of real cells, or ``None``.
        """
        r, c = self.rows, self.cols
        for m in range(r.k):
            r0 = m * r.d
            rows = slice(r0, r0 + (r.out - 1) * r.s + 1, r.s)
            rv = r.valid(m)
            for n in range(c.k):
                c0 = n * c.d
                cols = slice(c0, c0 + (c.out - 1) * c.s + 1, c.s)
                cv = c.valid(n)
                if rv is None and cv is None:
                    valid = None
                elif cv is None:
                    valid = rv[:, None]
                elif rv is None:
                    valid = cv[None, :]
                else:
                    valid = rv[:, None] & cv[None, :]
                yield self.padded[..., rows, cols], valid

    def zeros(self, dtype: type | np.dtype) -> np.ndarray:
        """Zeros of the output shape laid out in memory like the cells (fast to combine)."""
        first, _ = next(self.cells())
        return np.zeros_like(first, dtype=dtype)

    def real_count(self) -> np.ndarray:
        """``(Ho, Wo)`` number of real cells in each window (``|R(i, j)|``)."""
        return np.multiply.outer(self.rows.real_count(), self.cols.real_count())

    def pool_size(self) -> np.ndarray:
        """``(Ho, Wo)`` PyTorch average-pool divisor with ``count_include_pad=True``.

        Defined for undilated windows only (PyTorch's average pooling has no dilation).
        """
        if self.geometry.dilation != (1, 1):
            raise ParameterError(
                "the count_include_pad divisor needs {dilation} 1, got {value}",
                value=_fmt(self.geometry.dilation),
            )
        return np.multiply.outer(self.rows.pool_size(), self.cols.pool_size())
