"""Method-specific behaviour lives in the registry: no method name in the modules that run it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from augcli.cli import cli
from augcli.pool.registry import METHODS, Geometry

PACKAGE = Path(__file__).resolve().parents[2] / "augcli"
GENERIC_MODULES = ("pool/run.py", "pool/options.py", "pool/grid.py")


def _string_literals(path: Path) -> set[str]:
    """Every string constant of a module's code, except text shown inside f-strings
    (``f"{'max':>12}"`` is a column header, not a method)."""
    tree = ast.parse(path.read_text("utf-8"))
    shown = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for sub in ast.walk(node)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in shown
    }


@pytest.mark.parametrize("module", GENERIC_MODULES)
def test_no_method_name_literal_in_the_generic_pool_modules(module):
    named = _string_literals(PACKAGE / module) & set(METHODS)
    assert not named, f"{module} names {sorted(named)}; move the case into its MethodSpec"


def _help() -> str:
    result = CliRunner().invoke(cli, ["pool", "--help"], terminal_width=200)
    assert result.exit_code == 0
    return result.output


def test_every_extra_input_is_a_file_option_of_pool_help():
    text = _help()
    declared = [(spec, extra) for spec in METHODS.values() for extra in spec.inputs]
    assert declared  # the registry has some (lip --importance, dpp --guide-filter)
    for spec, extra in declared:
        option = spec.input_option(extra)
        assert option.kind == "path", (spec.name, extra.param)
        assert f"{option.name} FILE" in text, option.name


def test_extra_inputs_name_parameters_of_their_method():
    for spec in METHODS.values():
        for extra in spec.inputs:
            named = {extra.param, *extra.conflicts, *(extra.implies or {})}
            assert named <= set(spec.params), (spec.name, named - set(spec.params))


def test_an_own_default_geometry_is_shown_in_the_geometry_help():
    text = " ".join(_help().split())
    own = {n: s.geometry for n, s in METHODS.items() if s.geometry not in (None, Geometry())}
    assert own  # lip: k3 s2 p1
    for name, geometry in own.items():
        for flag, value in zip(
            ("--kernel", "--stride", "--padding"),
            (geometry.kernel, geometry.stride, geometry.padding),
            strict=True,
        ):
            shown = str(value[0]) if value[0] == value[1] else f"{value[0]}x{value[1]}"
            assert f"{name} alone: {shown}]" in text.split(flag, 1)[1].split("--", 1)[0], flag
