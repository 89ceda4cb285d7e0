"""What every geometric op shares: fill keys, defaults, ResampleConfig, GeometricOp, warp_with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from augcli.augment.kernels import warp
from augcli.augment.kernels.affine import Transform
from augcli.augment.kernels.fill import FILL_MODES, INTERPOLATIONS
from augcli.augment.kernels.resampler import DEFAULT_RESAMPLER
from augcli.augment.ops.base import Op, param
from augcli.images.dtypes import full_scale

FillKey = tuple[str, tuple[float, ...], str]
"""``(fill mode, cval fraction(s), interpolation)``: ops with equal keys resample together."""
DEFAULT_FILL = "constant"
DEFAULT_CVAL = 0.0
MAX_PIXELS_SIDE = 100_000
"""Bound of pixel counts and shifts in a pipeline file (crop height/width, translate x/y)."""
MAX_PADDING = 1024
"""Bound of crop padding: it enlarges what a window may cover, and so the output."""
DEFAULT_INTERPOLATION = "bilinear"


def default_fill_key(interpolation: str = DEFAULT_INTERPOLATION) -> FillKey:
    """The key of a warp whose ops expose no outside pixels: the default fill and cval."""
    return (DEFAULT_FILL, (DEFAULT_CVAL,), interpolation)


def shape2(shape: tuple[int, ...]) -> tuple[int, int]:
    return int(shape[0]), int(shape[1])


@dataclass(frozen=True, kw_only=True)
class ResampleConfig:
    """Keys shared by the ops that can expose pixels from outside the image."""

    fill: str = param(
        "enum",
        "what fills pixels that come from outside the image",
        DEFAULT_FILL,
        choices=FILL_MODES,
    )
    cval: Any = param(
        "cval",
        "constant fill, a fraction of full intensity (1.0 = 255 in 8-bit), or one per channel",
        DEFAULT_CVAL,
        low=0.0,
        high=1.0,
    )
    interpolation: str = param(
        "enum", "resampling filter", DEFAULT_INTERPOLATION, choices=INTERPOLATIONS
    )


class GeometricOp(Op):
    """An op that moves pixels: ``transform(params, shape)`` plus a shared ``apply``."""

    geometric: ClassVar[bool] = True

    def transform(self, params: Any, shape: tuple[int, ...]) -> Transform:
        """The output-to-input map of drawn ``params`` on an image of ``shape``."""
        raise NotImplementedError

    def fill_key(self) -> FillKey | None:
        """``(fill, cval, interpolation)`` when this op can expose outside pixels, else None."""
        cfg = self.config
        return (cfg.fill, tuple(np.atleast_1d(cfg.cval).tolist()), cfg.interpolation)

    def interpolation(self) -> str:
        """The filter this op resamples with on its own."""
        return getattr(self.config, "interpolation", DEFAULT_INTERPOLATION)

    def apply(self, image: np.ndarray, params: Any) -> np.ndarray:
        """Warp ``image`` with this op's transform alone."""
        key = self.fill_key() or default_fill_key(self.interpolation())
        return warp_with(image, self.transform(params, image.shape), key)


def warp_with(
    image: np.ndarray, transform: Transform, key: FillKey, resampler: str = DEFAULT_RESAMPLER
) -> np.ndarray:
    """Warp with a ``(fill, cval fraction(s), interpolation)`` key; cval scaled to the dtype."""
    fill, cval, interpolation = key
    values = np.asarray(cval, dtype=np.float64) * full_scale(image.dtype)
    return warp.warp(image, transform, fill, values, interpolation, resampler)
