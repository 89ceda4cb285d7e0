"""Pooling methods from CNNs as pure numpy kernels, plus a registry name -> method.

>>> import numpy as np
>>> from augcli.pool.registry import pool
>>> pool(np.arange(16.0).reshape(4, 4), "max")
array([[ 5.,  7.],
       [13., 15.]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from augcli.errors import UsageError
from augcli.pool.geometry import Geometry, Windows
from augcli.pool.kernels import (
    avg_pool,
    global_avg_pool,
    max_pool,
    mixed_pool,
    power_pool,
    stochastic_pool,
)
from augcli.pool.weighted import LIP_DEFAULT, dpp_pool, lip_logits, lip_pool, softpool
from augcli.suggest import unknown_name_message

__all__ = [
    "METHODS",
    "Geometry",
    "MethodSpec",
    "Windows",
    "avg_pool",
    "dpp_pool",
    "get_method",
    "global_avg_pool",
    "lip_logits",
    "lip_pool",
    "max_pool",
    "mixed_pool",
    "pool",
    "power_pool",
    "softpool",
    "stochastic_pool",
]


@dataclass(frozen=True)
class MethodSpec:
    """One pooling method: its kernel, parameters (name -> (default, help)) and traits.

    Attributes
    ----------
    name : str
        Registry / CLI name.
    func : callable
        The kernel ``func(x, geometry, **params)`` (``func(x)`` for gap).
    summary : str
        One line for help and README.
    params : dict
        Keyword parameter -> ``(default, description)``.
    random : bool
        True if the method draws from a generator (then ``rng`` is passed).
    geometry : Geometry or None
        The method's own default geometry; None for global pooling.
    """

    name: str
    func: Callable[..., np.ndarray]
    summary: str
    params: dict[str, tuple[Any, str]]
    random: bool = False
    geometry: Geometry | None = Geometry()


METHODS: dict[str, MethodSpec] = {
    spec.name: spec
    for spec in (
        MethodSpec("max", max_pool, "largest value of each window (padding = -inf)", {}),
        MethodSpec(
            "avg",
            avg_pool,
            "mean of each window, PyTorch divisor rule",
            {
                "count_include_pad": (True, "padded cells count in the divisor"),
                "divisor_override": (None, "divide every window sum by this instead"),
            },
        ),
        MethodSpec("gap", global_avg_pool, "global average: one mean per plane", {}, geometry=None),
        MethodSpec(
            "mixed",
            mixed_pool,
            "max or avg at random (Yu et al.), or the blend lam*max + (1-lam)*avg",
            {
                "lam": (None, "fixed weight in [0, 1]; default: 0 or 1 at random"),
                "scope": ("call", "one random lambda per call, channel or region"),
                "p_max": (0.5, "probability that lambda = 1 (max)"),
                "count_include_pad": (True, "divisor rule of the average part"),
            },
            random=True,
        ),
        MethodSpec(
            "stochastic",
            stochastic_pool,
            "cell drawn with probability a / sum(a), or its expectation",
            {
                "mode": ("sample", "sample (training) or expectation (test)"),
                "relu": (False, "clamp negatives to 0 instead of refusing them"),
            },
            random=True,
        ),
        MethodSpec(
            "power",
            power_pool,
            "Lp pooling (sum |a|^p)^(1/p)",
            {
                "p": (2.0, "power > 0 (inf: max |a|)"),
                "normalize": ("sum", "sum (PyTorch LPPool2d) or mean (Boureau et al.)"),
            },
        ),
        MethodSpec(
            "dpp",
            dpp_pool,
            "detail-preserving pooling, Lite guide",
            {
                "alpha": (1.0, "weight floor alpha >= 0"),
                "lam": (1.0, "reward exponent lambda >= 0"),
                "variant": ("sym", "sym or asym (reward only brighter cells)"),
                "norm": ("mean", "mean (authors' code), sum (CUDA kernel), none (paper)"),
                "eps2": (1e-3, "epsilon squared > 0"),
            },
        ),
        MethodSpec(
            "lip",
            lip_pool,
            "local importance pooling sum I e^G / sum e^G",
            {
                "logits": (None, "importance logits G (array); default from logit and beta"),
                "logit": ("identity", "identity: G = beta*I; gate: G = beta*12*sigmoid(I)"),
                "beta": (1.0, "scale of the default logits"),
            },
            geometry=LIP_DEFAULT,
        ),
        MethodSpec("softpool", softpool, "softmax-weighted sum of each window", {}),
    )
}


def get_method(name: str) -> MethodSpec:
    """Look a method up by name, with a "did you mean" suggestion on a typo."""
    try:
        return METHODS[name]
    except KeyError:
        raise UsageError(unknown_name_message("pooling method", name, METHODS)) from None


def pool(
    x: np.ndarray,
    method: str,
    geometry: Geometry | None = None,
    *,
    rng: np.random.Generator | None = None,
    **params: Any,
) -> np.ndarray:
    """Apply one registered pooling method to ``x`` of shape ``(..., H, W)``.

    Parameters
    ----------
    x : numpy.ndarray
        Input planes.
    method : str
        A name in :data:`METHODS`.
    geometry : Geometry, optional
        Window geometry; default: the method's own (ignored by ``gap``).
    rng : numpy.random.Generator, optional
        Generator for random methods.
    **params
        The method's parameters (see ``METHODS[method].params``); unknown names are an error.

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``, or ``x.shape[:-2]`` for ``gap``.
    """
    spec = get_method(method)
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        raise UsageError(f"{method} pooling takes no parameter(s) {', '.join(unknown)}")
    if spec.geometry is None:
        return spec.func(x, **params)
    geometry = geometry or spec.geometry
    if method != "max" and geometry.dilation != (1, 1):
        raise UsageError(f"dilation applies to max pooling only, not {method}")
    if spec.random:
        params["rng"] = rng
    return spec.func(x, geometry, **params)
