"""Geometric ops: flip, rotate, scale, crop, translate.

Each draws its parameters in ``sample`` and describes them as a :class:`Transform` (an
output-to-input matrix), so the pipeline can compose consecutive geometric ops and resample
once. ``apply`` (one op on its own) is the same warp with this op's transform alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from augcli.augment.kernels import affine
from augcli.augment.kernels.affine import Transform
from augcli.augment.ops.base import DrawnParams, Fixed, Value, param
from augcli.augment.ops.resample import (
    MAX_PADDING,
    MAX_PIXELS_SIDE,
    FillKey,
    GeometricOp,
    ResampleConfig,
    shape2,
)

# -- flip ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FlipConfig:
    """``flip``: mirror the image."""

    direction: str = param(
        "enum", "which way to mirror", "horizontal", choices=("horizontal", "vertical", "both")
    )


@dataclass(frozen=True)
class FlipParams(DrawnParams):
    """Drawn parameters of ``flip`` (none are random)."""

    direction: str

    def describe(self) -> str:
        """E.g. ``"flip h"``."""
        return f"flip {self.direction[0]}"


class Flip(GeometricOp):
    """Mirror horizontally, vertically or both. Exact (no resampling).

    Examples
    --------
    ``- flip: {direction: horizontal, p: 0.5}``
    """

    name = "flip"
    config_cls = FlipConfig
    params_cls = FlipParams
    summary = "mirror the image (exact)"
    example = "flip: {direction: horizontal, p: 0.5}"

    def fill_key(self) -> None:
        return None

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> FlipParams:
        return FlipParams(self.config.direction)

    def transform(self, params: FlipParams, shape: tuple[int, ...]) -> Transform:
        return affine.flip(params.direction, shape2(shape))


# -- rotate ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RotateConfig(ResampleConfig):
    """``rotate``: turn about the centre."""

    angle: Value = param(
        "number", "degrees, counter-clockwise positive", random=True, low=-360.0, high=360.0
    )
    expand: bool = param("boolean", "grow the canvas to hold the whole rotated image", False)


@dataclass(frozen=True)
class RotateParams(DrawnParams):
    """Drawn parameters of ``rotate``."""

    angle: float
    expand: bool

    def describe(self) -> str:
        """E.g. ``"rotate -12.3°"``, ``" exp"`` added when the canvas grows."""
        return f"rotate {self.angle:+.1f}°" + (" exp" if self.expand else "")


class Rotate(GeometricOp):
    """Rotate counter-clockwise by ``angle`` degrees; right angles are exact (np.rot90).

    Examples
    --------
    ``- rotate: {angle: [-30, 30], fill: reflect}``
    """

    name = "rotate"
    config_cls = RotateConfig
    params_cls = RotateParams
    summary = "rotate about the centre (right angles exact)"
    example = "rotate: {angle: [-30, 30], fill: reflect}"

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> RotateParams:
        return RotateParams(self.config.angle.draw(rng), self.config.expand)

    def transform(self, params: RotateParams, shape: tuple[int, ...]) -> Transform:
        return affine.rotate(params.angle, shape2(shape), params.expand)


# -- scale -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScaleConfig(ResampleConfig):
    """``scale``: zoom about the centre, same output size."""

    factor: Value = param(
        "number", "> 1 zooms in, < 1 zooms out", random=True, low=0.01, high=100.0
    )


@dataclass(frozen=True)
class ScaleParams(DrawnParams):
    """Drawn parameters of ``scale``."""

    factor: float

    def describe(self) -> str:
        """E.g. ``"scale 1.15"``."""
        return f"scale {self.factor:.2f}"


class Scale(GeometricOp):
    """Zoom by ``factor`` about the centre; the output keeps the input size.

    Examples
    --------
    ``- scale: {factor: [0.8, 1.2], fill: constant, cval: 0}``
    """

    name = "scale"
    config_cls = ScaleConfig
    params_cls = ScaleParams
    summary = "zoom in or out about the centre, same size"
    example = "scale: {factor: [0.8, 1.2], fill: reflect}"

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> ScaleParams:
        return ScaleParams(self.config.factor.draw(rng))

    def transform(self, params: ScaleParams, shape: tuple[int, ...]) -> Transform:
        return affine.scale(params.factor, shape2(shape))


# -- crop ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CropConfig(ResampleConfig):
    """``crop``: a random window, resized back or kept at its size."""

    size: Value | None = param(
        "number",
        "fraction of each side (or give height and width)",
        None,
        random=True,
        low=0.0,
        high=1.0,
        low_open=True,
    )
    height: Value | None = param(
        "integer",
        "crop height in pixels (with width, instead of size)",
        None,
        random=True,
        low=1,
        high=MAX_PIXELS_SIDE,
    )
    width: Value | None = param(
        "integer",
        "crop width in pixels (with height, instead of size)",
        None,
        random=True,
        low=1,
        high=MAX_PIXELS_SIDE,
    )
    resize: bool = param("boolean", "resize the crop back to the input size", True)
    padding: int = param(
        "integer",
        "pixels added around the image with the fill mode first",
        0,
        low=0,
        high=MAX_PADDING,
    )


@dataclass(frozen=True)
class CropParams(DrawnParams):
    """Drawn parameters of ``crop``: the window in input pixels (may reach into padding)."""

    top: int
    left: int
    height: int
    width: int
    out_height: int
    out_width: int

    def describe(self) -> str:
        """The window's size as people write it, width x height: ``"crop 40x30"``."""
        return f"crop {self.width}x{self.height}"


class Crop(GeometricOp):
    """Take a window at a uniformly random position; resize it back unless ``resize: false``.

    A window larger than the (padded) image is cut down to it.

    Examples
    --------
    ``- crop: {size: [0.7, 1.0]}``  or  ``- crop: {height: 224, width: 224, resize: false}``
    """

    name = "crop"
    config_cls = CropConfig
    params_cls = CropParams
    summary = "random window, resized back (classic random crop) or kept"
    example = "crop: {size: [0.7, 1.0]}"

    def check(self) -> list[tuple[str | None, str]]:
        cfg = self.config
        pixels = (cfg.height is not None, cfg.width is not None)
        if cfg.size is not None and any(pixels):
            return [("size", "give either size or height and width, not both")]
        if cfg.size is None and not all(pixels):
            if any(pixels):
                missing = "width" if pixels[0] else "height"
                return [(missing, f"height and width go together: {missing} is missing")]
            return [(None, "crop needs size (a fraction of each side) or height and width")]
        return []

    def fill_key(self) -> FillKey | None:
        return super().fill_key() if self.config.padding > 0 else None

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> CropParams:
        cfg = self.config
        h, w = shape2(shape)
        pad = cfg.padding
        if cfg.size is not None:
            s = cfg.size.draw(rng)
            ch, cw = max(1, round(s * h)), max(1, round(s * w))
        else:
            ch, cw = int(round(cfg.height.draw(rng))), int(round(cfg.width.draw(rng)))
        ch, cw = min(ch, h + 2 * pad), min(cw, w + 2 * pad)
        top = int(rng.integers(-pad, h + pad - ch + 1))
        left = int(rng.integers(-pad, w + pad - cw + 1))
        out_h, out_w = (h, w) if cfg.resize else (ch, cw)
        return CropParams(top, left, ch, cw, out_h, out_w)

    def transform(self, params: CropParams, shape: tuple[int, ...]) -> Transform:
        box = (params.top, params.left, params.height, params.width)
        return affine.crop(box, (params.out_height, params.out_width))


# -- translate -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TranslateConfig(ResampleConfig):
    """``translate``: shift the content."""

    x: Value = param(
        "number",
        "shift right (fraction of width, or pixels)",
        Fixed(0.0),
        random=True,
        low=-MAX_PIXELS_SIDE,
        high=MAX_PIXELS_SIDE,
    )
    y: Value = param(
        "number",
        "shift down (fraction of height, or pixels)",
        Fixed(0.0),
        random=True,
        low=-MAX_PIXELS_SIDE,
        high=MAX_PIXELS_SIDE,
    )
    units: str = param("enum", "what x and y count", "fraction", choices=("fraction", "pixels"))


@dataclass(frozen=True)
class TranslateParams(DrawnParams):
    """Drawn parameters of ``translate``, in pixels."""

    dx: float
    dy: float

    def describe(self) -> str:
        """E.g. ``"translate +3,-2px"``."""
        return f"translate {self.dx:+.0f},{self.dy:+.0f}px"


class Translate(GeometricOp):
    """Shift the content; whole-pixel shifts are exact (numpy.pad plus slicing).

    Examples
    --------
    ``- translate: {x: [-0.1, 0.1], y: [-0.1, 0.1], fill: wrap}``
    """

    name = "translate"
    config_cls = TranslateConfig
    params_cls = TranslateParams
    summary = "shift the content (whole pixels exact)"
    example = "translate: {x: [-0.1, 0.1], y: [-0.1, 0.1], fill: wrap}"

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> TranslateParams:
        h, w = shape2(shape)
        x, y = self.config.x.draw(rng), self.config.y.draw(rng)
        if self.config.units == "fraction":
            x, y = x * w, y * h
        return TranslateParams(float(x), float(y))

    def transform(self, params: TranslateParams, shape: tuple[int, ...]) -> Transform:
        return affine.translate(params.dx, params.dy, shape2(shape))
