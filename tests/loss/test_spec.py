"""Loss parameters in the registry: one LossOptions field each, documented, never declared twice."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from augcli.loss.conventions import REAL, Batch
from augcli.loss.registry import PARAMS, REGISTRY, LossOptions
from augcli.loss.spec import LossParam, LossSpec, Rule, collect_params, options_class

GAMMA = LossParam("gamma", "--gamma", "Focal gamma.", 2.0, minimum=0)


def _fake_loss(*params: LossParam, name: str = "fake") -> LossSpec:
    rule = Rule(lambda b: b.options.gamma * np.abs(b.y - b.raw), lambda o: f"gamma={o.gamma:g}")
    return LossSpec(name, "gamma |y - f|", {REAL: rule}, params=params)


def test_params_are_every_entrys_params_in_registry_order():
    assert PARAMS == tuple(p for spec in REGISTRY.values() for p in spec.params)
    assert [p.name for p in PARAMS] == ["threshold", "tolerance", "eps", "delta"]


def test_loss_options_has_one_field_per_param_with_its_default():
    fields = {f.name: f.default for f in dataclasses.fields(LossOptions)}
    assert fields == {p.name: p.default for p in PARAMS}
    assert LossOptions().delta == 1.0 and LossOptions().threshold is None


def test_loss_options_is_frozen_comparable_and_picklable():
    options = LossOptions(delta=2.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.delta = 3.0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(options)) == options != LossOptions()
    with pytest.raises(TypeError, match="gamma"):
        LossOptions(gamma=1.0)


def test_loss_options_docstring_names_every_param_and_flag():
    doc = LossOptions.__doc__
    for param in PARAMS:
        assert f"{param.name} : " in doc and f"``{param.flag}``: {param.allowed}" in doc


def test_a_fake_loss_param_becomes_an_options_field_that_reaches_its_kernel():
    fake = _fake_loss(GAMMA)
    options_cls = options_class(collect_params([fake]), {})
    assert options_cls().gamma == 2.0
    batch = Batch(REAL, np.array([1.0, 3.0]), np.array([[1.5], [1.0]]), options_cls(gamma=0.5))
    assert fake.rules[REAL].kernel(batch).tolist() == [0.25, 1.0]
    assert fake.rules[REAL].note(options_cls(gamma=0.5)) == "gamma=0.5"


@pytest.mark.parametrize(
    "clash",
    [LossParam("gamma", "--g2", "x"), LossParam("g2", "--gamma", "x")],
    ids=["name", "flag"],
)
def test_a_param_name_or_flag_declared_twice_is_refused(clash):
    with pytest.raises(ValueError, match="declared twice"):
        collect_params([_fake_loss(GAMMA), _fake_loss(clash, name="other")])


@pytest.mark.parametrize(
    ("param", "allowed"),
    [
        (LossParam("a", "--a", "h"), "any finite number"),
        (LossParam("a", "--a", "h", minimum=0, min_open=True), "> 0"),
        (LossParam("a", "--a", "h", minimum=0), ">= 0"),
        (LossParam("a", "--a", "h", maximum=1), "<= 1"),
        (LossParam("a", "--a", "h", minimum=0, maximum=0.5, min_open=True), "in (0, 0.5]"),
        (LossParam("a", "--a", "h", minimum=0, maximum=0.5, max_open=True), "in [0, 0.5)"),
    ],
)
def test_allowed_values_in_words(param, allowed):
    assert param.allowed == allowed


def test_help_says_what_an_unset_param_means():
    unset = LossParam("t", "--t", "Cut.", unset="0.5")
    assert unset.help_text == "Cut. [default: 0.5]"
    assert GAMMA.help_text == "Focal gamma."
