"""Noise ops: gaussian_noise and salt_and_pepper. They move no pixels and leave alpha alone.

``sample`` draws the op's numbers plus a ``noise_seed``; ``apply`` regenerates the noise from
that seed, so the noise field itself is part of the recorded, replayable parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from augcli.augment.kernels import noise
from augcli.augment.ops.base import DrawnParams, Fixed, Op, Value, param


def _noise_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**63 - 1, dtype=np.int64))


@dataclass(frozen=True, kw_only=True)
class GaussianNoiseConfig:
    """``gaussian_noise``: add normal noise, clipped to the valid range."""

    std: Value = param(
        "number",
        "standard deviation, a fraction of full intensity",
        random=True,
        low=0.0,
        high=10.0,
    )
    mean: Value = param(
        "number",
        "mean, a fraction of full intensity",
        Fixed(0.0),
        random=True,
        low=-1.0,
        high=1.0,
    )
    per_channel: bool = param("boolean", "independent noise per colour channel (else shared)", True)


@dataclass(frozen=True)
class GaussianNoiseParams(DrawnParams):
    """Drawn parameters of ``gaussian_noise``."""

    std: float
    mean: float
    per_channel: bool
    noise_seed: int

    def describe(self) -> str:
        """E.g. ``"noise std 0.040"``."""
        return f"noise std {self.std:.3f}"


class GaussianNoise(Op):
    """Add Gaussian noise with ``std`` and ``mean`` given as fractions of full intensity.

    Examples
    --------
    ``- gaussian_noise: {std: [0.02, 0.06], p: 0.5}``
    """

    name = "gaussian_noise"
    config_cls = GaussianNoiseConfig
    params_cls = GaussianNoiseParams
    summary = "add Gaussian noise (alpha untouched)"
    example = "gaussian_noise: {std: [0.02, 0.06], p: 0.5}"

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> GaussianNoiseParams:
        cfg = self.config
        return GaussianNoiseParams(
            cfg.std.draw(rng), cfg.mean.draw(rng), cfg.per_channel, _noise_seed(rng)
        )

    def apply(self, image: np.ndarray, params: GaussianNoiseParams) -> np.ndarray:
        return self.apply_owned(np.array(image, order="C"), params)

    def apply_owned(self, image: np.ndarray, params: GaussianNoiseParams) -> np.ndarray:
        image = np.ascontiguousarray(image)
        words = noise.word_stream(np.random.default_rng(params.noise_seed), np.uint16)
        noise.add_gaussian_noise(image, params.std, params.mean, params.per_channel, words)
        return image


@dataclass(frozen=True, kw_only=True)
class SaltAndPepperConfig:
    """``salt_and_pepper``: set random pixels to the maximum or to zero."""

    amount: Value = param("number", "fraction of pixels hit", random=True, low=0.0, high=1.0)
    salt_vs_pepper: Value = param(
        "number",
        "share of hit pixels set to the maximum",
        Fixed(0.5),
        random=True,
        low=0.0,
        high=1.0,
    )


@dataclass(frozen=True)
class SaltAndPepperParams(DrawnParams):
    """Drawn parameters of ``salt_and_pepper``."""

    amount: float
    salt_vs_pepper: float
    noise_seed: int

    def describe(self) -> str:
        """E.g. ``"s&p 0.020"``."""
        return f"s&p {self.amount:.3f}"


class SaltAndPepper(Op):
    """Set a fraction of pixels (the same pixels in every colour channel) to max or zero.

    Examples
    --------
    ``- salt_and_pepper: {amount: 0.02, salt_vs_pepper: 0.5}``
    """

    name = "salt_and_pepper"
    config_cls = SaltAndPepperConfig
    params_cls = SaltAndPepperParams
    summary = "impulse noise: pixels set to max or 0 (alpha untouched)"
    example = "salt_and_pepper: {amount: 0.02}"

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> SaltAndPepperParams:
        cfg = self.config
        return SaltAndPepperParams(
            cfg.amount.draw(rng), cfg.salt_vs_pepper.draw(rng), _noise_seed(rng)
        )

    def apply(self, image: np.ndarray, params: SaltAndPepperParams) -> np.ndarray:
        return self.apply_owned(np.array(image, order="C"), params)

    def apply_owned(self, image: np.ndarray, params: SaltAndPepperParams) -> np.ndarray:
        image = np.ascontiguousarray(image)
        words = noise.word_stream(np.random.default_rng(params.noise_seed), np.uint32)
        noise.add_salt_and_pepper(image, params.amount, params.salt_vs_pepper, words)
        return image
