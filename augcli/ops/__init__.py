"""The op registry: YAML name -> op class."""

from __future__ import annotations

from augcli.ops.base import Op
from augcli.ops.geometric import Crop, Flip, GeometricOp, Rotate, Scale, Translate
from augcli.ops.noise import GaussianNoise, SaltAndPepper

OPS: dict[str, type[Op]] = {
    cls.name: cls for cls in (Flip, Rotate, Scale, Crop, Translate, GaussianNoise, SaltAndPepper)
}

__all__ = ["OPS", "GeometricOp", "Op"]
