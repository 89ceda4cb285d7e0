"""The pipeline JSON Schema: it accepts every valid file and rejects what ``validate`` rejects.

``jsonschema`` is not a dependency, so a small validator below walks the schema; it refuses
any keyword it does not implement, so the schema cannot use one that goes unchecked here.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from augcli.augment.config import MAX_COPIES, default_config_text, parse_pipeline
from augcli.augment.ops import OPS
from augcli.augment.ops.base import REQUIRED, fields_of
from augcli.augment.schema import pipeline_schema
from augcli.core.errors import ConfigError
from augcli.core.seeding import MAX_SEED

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = pipeline_schema()
ANNOTATIONS = {"$schema", "title", "description", "default"}
KEYWORDS = {
    "$ref",
    "type",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "anyOf",
    "oneOf",
    "$defs",
}


def _is_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if name == "number":
        return True
    assert name == "integer", name
    return float(value).is_integer()


def errors(value: Any, schema: Any = SCHEMA, path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (draft 2020-12, the keywords above only)."""
    if schema is True:
        return []
    if schema is False:
        return [f"{path}: nothing is allowed here"]
    unknown = set(schema) - KEYWORDS - ANNOTATIONS
    assert not unknown, f"the test validator does not implement {unknown}"
    out: list[str] = []
    if "$ref" in schema:
        prefix = "#/$defs/"
        assert schema["$ref"].startswith(prefix)
        out += errors(value, SCHEMA["$defs"][schema["$ref"][len(prefix) :]], path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, t) for t in types):
            return out + [f"{path}: {value!r} is not of type {types}"]
    if "enum" in schema and not any(value == e and type(value) is type(e) for e in schema["enum"]):
        out.append(f"{path}: {value!r} not in {schema['enum']}")
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{path}: {value} > {schema['maximum']}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            out.append(f"{path}: {value} <= {schema['exclusiveMinimum']}")
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            out.append(f"{path}: {value} >= {schema['exclusiveMaximum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out += [f"{path}: missing {k!r}" for k in schema.get("required", []) if k not in value]
        for key, item in value.items():
            if key in props:
                out += errors(item, props[key], f"{path}.{key}")
            elif "additionalProperties" in schema:
                out += errors(item, schema["additionalProperties"], f"{path}.{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{path}: fewer than {schema['minItems']} items")
        if len(value) > schema.get("maxItems", math.inf):
            out.append(f"{path}: more than {schema['maxItems']} items")
        prefix_items = schema.get("prefixItems", [])
        for i, item in enumerate(value):
            sub = prefix_items[i] if i < len(prefix_items) else schema.get("items", True)
            out += errors(item, sub, f"{path}[{i}]")
    if "anyOf" in schema and all(errors(value, s, path) for s in schema["anyOf"]):
        out.append(f"{path}: matches none of anyOf")
    if "oneOf" in schema:
        matched = sum(not errors(value, s, path) for s in schema["oneOf"])
        if matched != 1:
            out.append(f"{path}: matches {matched} of oneOf, not exactly 1")
    return out


def augcli_accepts(text: str) -> bool:
    try:
        parse_pipeline(text)
    except ConfigError:
        return False
    return True


def test_schema_declares_draft_2020_12_and_the_four_top_level_keys():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(SCHEMA["properties"]) == {"seed", "copies", "resampler", "pipeline"}
    assert SCHEMA["properties"]["resampler"]["enum"] == ["pillow", "opencv", None]
    assert SCHEMA["required"] == ["pipeline"] and SCHEMA["additionalProperties"] is False
    seed, copies = SCHEMA["properties"]["seed"], SCHEMA["properties"]["copies"]
    assert (seed["minimum"], seed["maximum"]) == (0, 2**64 - 1)
    assert (copies["minimum"], copies["maximum"]) == (1, MAX_COPIES)


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_config_validates(path):
    text = path.read_text("utf-8")
    assert augcli_accepts(text)
    assert errors(yaml.safe_load(text)) == []


def test_the_built_in_default_pipeline_validates():
    assert errors(yaml.safe_load(default_config_text())) == []


ACCEPTED = [
    "pipeline: [flip]",  # a bare op name takes the defaults
    "pipeline:\n  - flip:\n",  # null parameters take the defaults
    "seed: null\ncopies: null\npipeline: [flip]",
    f"seed: {MAX_SEED}\ncopies: {MAX_COPIES}\npipeline: [flip]",
    "pipeline: [{rotate: {angle: 10}}]",
    "pipeline: [{rotate: {angle: [-10, 10], expand: true, p: 0}}]",
    "pipeline: [{rotate: {angle: {choice: [0, 90, 180]}, fill: wrap, cval: [0, 0.5, 1]}}]",
    "pipeline: [{scale: {factor: 0.5, interpolation: bicubic, cval: 1}}]",
    "pipeline: [{crop: {height: [100, 200], width: 50.0, resize: false, padding: 3}}]",
    "pipeline: [{crop: {size: 1}}]",
    "pipeline: [{translate: {x: 3, units: pixels}}]",
    "pipeline: [{gaussian_noise: {std: 0, mean: -1, per_channel: false, p: 1}}]",
    "pipeline: [{salt_and_pepper: {amount: [0, 1], salt_vs_pepper: {choice: [0, 1]}}}]",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_valid_documents_are_accepted_by_both(text):
    assert augcli_accepts(text)
    assert errors(yaml.safe_load(text)) == []


REJECTED = {
    "type": [
        "- flip",  # the document is a list
        "pipeline: {flip: {}}",
        "seed: '1'\npipeline: [flip]",
        "seed: true\npipeline: [flip]",
        "copies: 1.5\npipeline: [flip]",
        "pipeline: [[flip]]",
        "pipeline: [{flip: [horizontal]}]",
        "pipeline: [{flip: {direction: 1}}]",
        "pipeline: [{rotate: {angle: ten}}]",
        "pipeline: [{rotate: {angle: true}}]",
        "pipeline: [{rotate: {angle: 5, expand: 'yes'}}]",
        "pipeline: [{rotate: {angle: 5, cval: black}}]",
        "pipeline: [{crop: {height: 10.5, width: 10}}]",
        "pipeline: [{crop: {size: 0.5, padding: 1.5}}]",
        "pipeline: [{gaussian_noise: {std: 0.1, per_channel: 1}}]",
        "pipeline: [{translate: {x: {choice: 0.1}}}]",
    ],
    "enum": [
        "pipeline: [{rotate: {angle: 5, fill: mirror}}]",
        "pipeline: [{rotate: {angle: 5, interpolation: cubic}}]",
        "pipeline: [{flip: {direction: diagonal}}]",
        "pipeline: [{translate: {x: 1, units: percent}}]",
        "pipeline: [{scale: {factor: 2, fill: Constant}}]",
    ],
    "range": [
        "seed: -1\npipeline: [flip]",
        f"seed: {MAX_SEED + 1}\npipeline: [flip]",
        "copies: 0\npipeline: [flip]",
        f"copies: {MAX_COPIES + 1}\npipeline: [flip]",
        "pipeline: []",
        "pipeline: [{flip: {p: 1.5}}]",
        "pipeline: [{flip: {p: -0.1}}]",
        "pipeline: [{scale: {factor: 0}}]",
        "pipeline: [{scale: {factor: [0, 2]}}]",
        "pipeline: [{crop: {size: 0}}]",
        "pipeline: [{crop: {size: 1.5}}]",
        "pipeline: [{crop: {height: 0, width: 10}}]",
        "pipeline: [{crop: {size: 0.5, padding: -1}}]",
        "pipeline: [{salt_and_pepper: {amount: 1.2}}]",
        "pipeline: [{salt_and_pepper: {amount: {choice: [0, 2]}}}]",
        "pipeline: [{gaussian_noise: {std: [-0.1, 0.1]}}]",
        "pipeline: [{gaussian_noise: {std: 0.1, mean: 2}}]",
        "pipeline: [{rotate: {angle: 5, cval: 1.5}}]",
        "pipeline: [{rotate: {angle: 5, cval: [0, 0, 0, 0, 0]}}]",
        "pipeline: [{rotate: {angle: 5, cval: []}}]",
        "pipeline: [{rotate: {angle: [1, 2, 3]}}]",
        "pipeline: [{rotate: {angle: [1]}}]",
        "pipeline: [{rotate: {angle: {choice: []}}}]",
    ],
    "unknown key": [
        "seeds: 1\npipeline: [flip]",
        "pipeline: [{rotat: {angle: 5}}]",
        "pipeline: [rotat]",
        "pipeline: [{rotate: {angel: 5}}]",
        "pipeline: [{flip: {fill: edge}}]",
        "pipeline: [{gaussian_noise: {std: 0.1, interpolation: nearest}}]",
        "pipeline: [{rotate: {angle: {choice: [1], weights: [1]}}}]",
        "pipeline: [{flip: {}, rotate: {angle: 5}}]",
    ],
    "required": [
        "copies: 2",
        "pipeline: [rotate]",
        "pipeline: [{rotate: }]",
        "pipeline: [{rotate: {}}]",
        "pipeline: [{scale: {p: 0.5}}]",
        "pipeline: [{gaussian_noise: {mean: 0.1}}]",
        "pipeline: [{salt_and_pepper: {}}]",
    ],
}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(text, id=f"{kind}: {text}")
        for kind, texts in REJECTED.items()
        for text in texts
    ],
)
def test_documents_validate_rejects_are_rejected_by_the_schema(text):
    assert not augcli_accepts(text)
    assert errors(yaml.safe_load(text)) != []


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_and_parameter_of_the_registry_is_in_the_schema(name):
    definition = SCHEMA["$defs"][name]
    step_refs = [s["properties"] for s in SCHEMA["$defs"]["step"]["oneOf"] if "properties" in s]
    assert {name: {"$ref": f"#/$defs/{name}"}} in step_refs
    fields = fields_of(OPS[name].config_cls)
    assert list(definition["properties"]) == [key for key, _, _ in fields] + ["p"]
    assert definition.get("required", []) == [k for k, _, d in fields if d is REQUIRED]
    assert definition["additionalProperties"] is False
    for key, spec, _ in fields:
        if spec.kind == "enum":
            assert definition["properties"][key]["enum"] == list(spec.choices)


def test_bare_op_names_are_the_ops_without_required_keys():
    bare = next(s for s in SCHEMA["$defs"]["step"]["oneOf"] if "enum" in s)["enum"]
    assert bare == [
        name
        for name, cls in OPS.items()
        if all(d is not REQUIRED for _, _, d in fields_of(cls.config_cls))
    ]
    for name, cls in OPS.items():
        # Cross-key rules an op checks in code (crop: size or height + width) are not in it.
        passes_own_checks = name in bare and not cls(cls.config_cls()).check()
        assert augcli_accepts(f"pipeline: [{name}]") == passes_own_checks


# -- agreement on generated documents ------------------------------------------------------

CROSS_KEY_RULES = (
    "give either size or height and width",
    "height and width go together",
    "crop needs size",
    "a range is [lo, hi] with lo <= hi",
)
ALL_KEYS = sorted({key for cls in OPS.values() for key, _, _ in fields_of(cls.config_cls)})
ENUMS = sorted(
    {c for cls in OPS.values() for _, spec, _ in fields_of(cls.config_cls) for c in spec.choices}
)
# Finite numbers only, never numeric strings: see the schema module's notes.
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 300),
    st.floats(-2, 2, allow_nan=False),
    st.floats(0, 1),
    st.sampled_from([*ENUMS, "x"]),
)
FRACTION = st.floats(0, 1)
LIKELY_VALID = st.one_of(
    FRACTION,
    st.integers(1, 300),
    st.booleans(),
    st.sampled_from(ENUMS),
    st.lists(FRACTION, min_size=2, max_size=2).map(sorted),
    st.fixed_dictionaries({"choice": st.lists(FRACTION, min_size=1, max_size=3)}),
)
VALUE = st.one_of(
    LIKELY_VALID,
    LIKELY_VALID,
    LIKELY_VALID,
    SCALAR,
    st.lists(SCALAR, max_size=5),
    st.fixed_dictionaries({"choice": st.lists(SCALAR, max_size=3)}),
)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_schema_accepts_what_validate_accepts_and_rejects_the_rest_but_cross_key_rules(data):
    op = data.draw(st.sampled_from(list(OPS)), label="op")
    fields = fields_of(OPS[op].config_cls)
    own = [key for key, _, _ in fields] + ["p"]
    params = {key: 0.5 for key, _, default in fields if default is REQUIRED}
    keys = st.sampled_from(own * 6 + [*ALL_KEYS, "bogus"])
    params.update(data.draw(st.dictionaries(keys, VALUE, max_size=2), label="params"))
    text = yaml.safe_dump({"pipeline": [{op: params}]})
    try:
        parse_pipeline(text)
    except ConfigError as exc:
        if not errors(yaml.safe_load(text)):
            assert any(rule in str(exc) for rule in CROSS_KEY_RULES), str(exc)
        return
    assert errors(yaml.safe_load(text)) == []
