"""The JSON Schema (draft 2020-12) of a pipeline file, generated from the op registry.

Editors that speak JSON Schema (the YAML language server, for one) use it to complete and
check pipeline files as they are typed. It states what :mod:`augcli.augment.config` checks key
by key: types, enums, bounds, required keys, unknown keys, the three forms of a random
parameter and ``p``. Cross-key rules that an op checks in code (``crop`` takes ``size`` or
``height`` + ``width``) and ``[lo, hi]`` with ``lo <= hi`` are left to ``augcli validate``.

Numbers are JSON numbers: the quoted numbers ``validate`` also takes (``'1e-3'``, which YAML 1.1
reads as a string) are not in the schema, and JSON has no ``.inf``/``.nan`` to exclude.
"""

from __future__ import annotations

from typing import Any

from augcli.augment.config import MAX_COPIES
from augcli.augment.kernels.resampler import DEFAULT_RESAMPLER, RESAMPLERS
from augcli.augment.ops import OPS
from augcli.augment.ops.base import REQUIRED, Param, fields_of
from augcli.core.seeding import MAX_SEED

DRAFT = "https://json-schema.org/draft/2020-12/schema"
CVAL_MAX_ITEMS = 4  # one cval per channel, at most RGBA
P_SCHEMA: dict[str, Any] = {
    "description": "probability that the step applies to an image",
    "type": "number",
    "minimum": 0,
    "maximum": 1,
    "default": 1.0,
}


def pipeline_schema() -> dict[str, Any]:
    """The JSON Schema of a pipeline file (what ``augcli schema`` prints).

    Returns
    -------
    dict
        A draft 2020-12 schema: a mapping with ``seed``, ``copies``, ``resampler`` and
        ``pipeline``, each
        step a one-key mapping from an op name to that op's parameters (``$defs`` holds one
        definition per op).

    Examples
    --------
    >>> schema = pipeline_schema()
    >>> schema["$defs"]["rotate"]["required"]
    ['angle']
    """
    ops = {name: _op_schema(cls) for name, cls in OPS.items()}
    bare = [name for name, op in ops.items() if not op.get("required")]
    steps: list[dict[str, Any]] = [
        {
            "type": "object",
            "properties": {name: {"$ref": f"#/$defs/{name}"}},
            "required": [name],
            "additionalProperties": False,
        }
        for name in ops
    ]
    steps.append({"description": "an op without required keys, with its defaults", "enum": bare})
    return {
        "$schema": DRAFT,
        "title": "augcli pipeline file",
        "description": "A pipeline of image augmentation steps for `augcli augment -c`.",
        "type": "object",
        "properties": {
            "seed": {
                "description": "run seed (the CLI's --seed overrides it)",
                "type": ["integer", "null"],
                "minimum": 0,
                "maximum": MAX_SEED,
            },
            "copies": {
                "description": "augmented outputs per input image (the CLI's --copies overrides)",
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": MAX_COPIES,
            },
            "resampler": {
                "description": "who resamples geometric ops: opencv (default) or pillow "
                "(the CLI's --resampler overrides)",
                "enum": [*RESAMPLERS, None],
                "default": DEFAULT_RESAMPLER,
            },
            "pipeline": {
                "description": "the steps, applied in order",
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/$defs/step"},
            },
        },
        "required": ["pipeline"],
        "additionalProperties": False,
        "$defs": {
            "step": {"description": "a one-key mapping from op name to parameters", "oneOf": steps},
            **ops,
        },
    }


def _op_schema(cls: type) -> dict[str, Any]:
    """One op's parameter mapping: every key typed, ``p`` added, nothing else allowed."""
    properties: dict[str, Any] = {}
    required = []
    for key, spec, default in fields_of(cls.config_cls):
        properties[key] = _param_schema(spec, default)
        if default is REQUIRED:
            required.append(key)
    properties["p"] = dict(P_SCHEMA)
    out: dict[str, Any] = {"description": getattr(cls, "summary", "")}
    # Without required keys, `- flip:` (null) takes the defaults like `- flip: {}`.
    out["type"] = "object" if required else ["object", "null"]
    out["properties"] = properties
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def _param_schema(spec: Param, default: Any) -> dict[str, Any]:
    """The schema of one key from its :class:`Param` spec (and its default, if any)."""
    head: dict[str, Any] = {"description": spec.help}
    if default is not REQUIRED and default is not None:
        to_yaml = getattr(default, "to_yaml", None)
        head["default"] = to_yaml() if to_yaml else default
    if spec.kind == "boolean":
        return {**head, "type": "boolean"}
    if spec.kind == "enum":
        return {**head, "enum": list(spec.choices)}
    single = _number_schema(spec)
    if spec.kind == "cval":
        per_channel = {
            "type": "array",
            "items": single,
            "minItems": 1,
            "maxItems": CVAL_MAX_ITEMS,
        }
        return {**head, "anyOf": [single, per_channel]}
    if not spec.random:
        return {**head, **single}
    uniform = {
        "description": "[lo, hi]: drawn uniformly per image",
        "type": "array",
        "prefixItems": [single, single],
        "items": False,
        "minItems": 2,
    }
    choice = {
        "description": "{choice: [...]}: one of the values, with equal probability",
        "type": "object",
        "properties": {"choice": {"type": "array", "items": single, "minItems": 1}},
        "required": ["choice"],
        "additionalProperties": False,
    }
    return {**head, "anyOf": [single, uniform, choice]}


def _number_schema(spec: Param) -> dict[str, Any]:
    """A single number (or integer) within the spec's bounds."""
    out: dict[str, Any] = {"type": "integer" if spec.kind == "integer" else "number"}
    if spec.low is not None:
        out["exclusiveMinimum" if spec.low_open else "minimum"] = spec.low
    if spec.high is not None:
        out["exclusiveMaximum" if spec.high_open else "maximum"] = spec.high
    return out
