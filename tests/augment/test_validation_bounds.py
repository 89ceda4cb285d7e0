"""Validation is complete (issue 11, item 7): every number of a pipeline file is finite and
within a documented bound, and any document that validates runs on small images of every
dtype without an internal error."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augcli.augment.config import parse_pipeline
from augcli.augment.ops import OPS
from augcli.augment.ops.base import fields_of
from augcli.augment.pipeline import Pipeline
from augcli.cli import cli
from augcli.core.errors import ConfigError, InputError

NUMERIC = [
    (op, key, spec)
    for op, cls in OPS.items()
    for key, spec, _ in fields_of(cls.config_cls)
    if spec.kind in ("number", "integer")
]


def test_every_number_parameter_has_both_bounds_documented():
    for op, key, spec in NUMERIC:
        assert spec.low is not None and spec.high is not None, f"{op}.{key} is unbounded"
        assert math.isfinite(spec.low) and math.isfinite(spec.high)
        assert f"{spec.high:g}]" in spec.describe_range(), (op, key, spec.describe_range())


@pytest.mark.parametrize(
    "step",
    [
        {"translate": {"x": 1e308}},
        {"translate": {"y": -1e308, "units": "pixels"}},
        {"rotate": {"angle": 1e308}},
        {"scale": {"factor": 1e308}},
        {"scale": {"factor": 1e-308}},
        {"gaussian_noise": {"std": 1e308}},
        {"crop": {"height": 10**300, "width": 5}},
        {"crop": {"size": 0.5, "padding": 10**12}},
    ],
)
def test_huge_finite_numbers_are_refused_by_validate_naming_the_bound(tmp_path, step):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"pipeline": [step]}))
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert "allowed:" in result.stderr and "Traceback" not in result.output
    preview = CliRunner().invoke(
        cli, ["preview", str(path), "-c", str(path), "-o", str(tmp_path / "s.png")]
    )
    assert preview.exit_code == 2 and "Traceback" not in preview.output


def _value(spec):
    lo, hi = spec.low, spec.high
    if spec.kind == "integer":
        number = st.integers(int(math.ceil(lo)), int(hi))
    else:
        number = st.floats(lo, hi, allow_nan=False, allow_infinity=False, exclude_min=spec.low_open)
    if not spec.random:
        return number
    return st.one_of(
        number,
        st.tuples(number, number).map(sorted).map(list),
        st.lists(number, min_size=1, max_size=3).map(lambda v: {"choice": v}),
    )


@st.composite
def steps(draw):
    op = draw(st.sampled_from(sorted(OPS)))
    params = {}
    for key, spec, default in fields_of(OPS[op].config_cls):
        if spec.kind in ("number", "integer") and (
            draw(st.booleans()) or repr(default) == "required"
        ):
            params[key] = draw(_value(spec))
        elif spec.kind == "enum" and draw(st.booleans()):
            params[key] = draw(st.sampled_from(spec.choices))
        elif spec.kind == "boolean" and draw(st.booleans()):
            params[key] = draw(st.booleans())
    if op == "crop" and draw(st.booleans()):
        params.pop("size", None)
        params["height"] = draw(_value(fields_of(OPS[op].config_cls)[1][1]))
        params["width"] = draw(_value(fields_of(OPS[op].config_cls)[2][1]))
    elif op == "crop":
        params.pop("height", None), params.pop("width", None)
        params.setdefault("size", draw(st.floats(0.01, 1.0)))
    params["p"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return {op: params}


IMAGES = [
    np.full((6, 5, 3), 100, np.uint8),
    np.arange(7 * 4, dtype=np.uint16).reshape(7, 4) * 1000,
    np.linspace(0, 1, 3 * 8 * 4, dtype=np.float32).reshape(3, 8, 4),
    np.zeros((1, 1), np.uint8),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps(), min_size=1, max_size=3), st.integers(0, 2**64 - 1))
def test_every_document_validate_accepts_runs_on_small_images(pipeline, seed):
    try:
        spec = parse_pipeline(yaml.safe_dump({"pipeline": pipeline}), "gen.yaml")
    except ConfigError:
        return  # cross-key rules (e.g. crop size with height) may refuse a combination
    runner = Pipeline(spec)
    for image in IMAGES:
        try:
            out, _ = runner.run(image, seed, "a.png", 0)
        except InputError as exc:  # a cval list that does not fit the channels
            assert "cval" in str(exc), str(exc)
            continue
        assert out.dtype == image.dtype and out.ndim == image.ndim
        if out.dtype == np.float32:
            assert np.isfinite(out).all()
