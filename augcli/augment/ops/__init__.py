"""The op registry: YAML name -> op class, and a description generated from it."""

from __future__ import annotations

from typing import Any

from augcli.augment.ops.base import REQUIRED, Op, fields_of
from augcli.augment.ops.geometric import Crop, Flip, Rotate, Scale, Translate
from augcli.augment.ops.noise import GaussianNoise, SaltAndPepper
from augcli.augment.ops.resample import GeometricOp

OPS: dict[str, type[Op]] = {
    cls.name: cls for cls in (Flip, Rotate, Scale, Crop, Translate, GaussianNoise, SaltAndPepper)
}

P_PARAM = {
    "name": "p",
    "default": 1.0,
    "required": False,
    "allowed": "a number in [0, 1]",
    "help": "probability that the step applies to an image",
}


def _yaml_default(value: Any) -> Any:
    if value is REQUIRED:
        return None
    to_yaml = getattr(value, "to_yaml", None)
    return to_yaml() if to_yaml else value


def describe_ops() -> list[dict[str, Any]]:
    """Every op with its parameters, defaults and allowed values (for ``augcli ops``).

    Returns
    -------
    list of dict
        ``{"name", "summary", "geometric", "example", "params": [{"name", "default",
        "required", "allowed", "help"}, ...]}`` in registry order.
    """
    out = []
    for name, cls in OPS.items():
        params = [
            {
                "name": key,
                "default": _yaml_default(default),
                "required": default is REQUIRED,
                "allowed": spec.describe_range(),
                "help": spec.help,
            }
            for key, spec, default in fields_of(cls.config_cls)
        ]
        out.append(
            {
                "name": name,
                "summary": cls.summary,
                "geometric": cls.geometric,
                "example": cls.example,
                "params": [*params, P_PARAM],
            }
        )
    return out


__all__ = ["OPS", "GeometricOp", "Op", "describe_ops"]
