"""augcli.augment.kernels.resampler: the registry's names, its refusal, and the protocol."""

from __future__ import annotations

import inspect

import pytest

from augcli.augment.kernels.resampler import (
    DEFAULT_RESAMPLER,
    RESAMPLERS,
    Resampler,
    get_resampler,
)
from augcli.augment.schema import pipeline_schema


def test_unknown_name_is_refused_naming_the_allowed_ones():
    with pytest.raises(ValueError, match=r"resampler 'bogus': allowed: pillow, opencv$"):
        get_resampler("bogus")


@pytest.mark.parametrize("name", RESAMPLERS)
def test_every_registered_resampler_satisfies_the_protocol(name):
    chosen = get_resampler(name)  # importing the opencv module does not need OpenCV
    assert isinstance(chosen, Resampler)
    for member in ("load", "resample"):
        wanted = list(inspect.signature(getattr(Resampler, member)).parameters)[1:]
        assert list(inspect.signature(getattr(chosen, member)).parameters) == wanted


def test_registry_names_are_the_schema_and_cli_choices():
    from augcli.cli.options import resampler_option

    schema = pipeline_schema()["properties"]["resampler"]
    assert schema["enum"] == [*RESAMPLERS, None]
    assert schema["default"] == DEFAULT_RESAMPLER == "opencv"
    option = resampler_option()(lambda: None).__click_params__[0]
    assert list(option.type.choices) == list(RESAMPLERS) == ["pillow", "opencv"]
