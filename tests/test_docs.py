"""README is generated where it can be and documents every registry entry and command.

The tables between ``<!-- generated: NAME -->`` markers must be exactly what
``docs/make_tables.py`` produces; the lists of what must be documented come from the registries
and the Click group themselves, never from a hand-written list.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import click
import pytest

from augcli.augment.ops import OPS
from augcli.augment.ops.base import fields_of
from augcli.cli import cli
from augcli.loss.registry import ALIASES, REGISTRY
from augcli.pool.registry import METHODS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_tables", ROOT / "docs" / "make_tables.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


make_tables = _load_generator()


def section(name: str) -> str:
    """The text of one generated section of README."""
    match = re.search(
        rf"<!-- generated: {re.escape(name)} -->\n(.*?)<!-- end generated -->", README, re.S
    )
    assert match, f"README has no generated section {name!r}"
    return match[1]


def cells(name: str, column: int) -> list[str]:
    """One column of a generated table, header and rule skipped."""
    rows = [line for line in section(name).splitlines() if line.startswith("|")][2:]
    return [re.split(r"(?<!\\)\|", row)[column + 1].strip() for row in rows]


def test_readme_tables_are_what_make_tables_produces():
    assert make_tables.render(README) == README, "run: python docs/make_tables.py"


def test_make_tables_refuses_a_readme_without_its_sections():
    with pytest.raises(ValueError, match="generated sections"):
        make_tables.render(README.replace("<!-- generated: losses -->", ""))


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_and_each_of_its_keys_is_documented(name):
    assert f"`{name}`" in cells("ops", 0)
    keys = cells("op-params", 0)
    owners = dict(zip(keys, cells("op-params", 1), strict=True))
    for key, _, _ in fields_of(OPS[name].config_cls):
        assert f"`{key}`" in keys, (name, key)
        assert f"`{name}`" in owners[f"`{key}`"] or owners[f"`{key}`"] == "every op"
    assert owners["`p`"] == "every op"


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_loss_is_documented(name):
    row = cells("losses", 0).index(f"`{name}`")
    assert cells("losses", 1)[row] == ", ".join(sorted(REGISTRY[name].tasks))


@pytest.mark.parametrize("name", [name for name, spec in REGISTRY.items() if spec.params])
def test_every_loss_parameter_is_documented_in_its_row(name):
    row = cells("losses", 0).index(f"`{name}`")
    for param in REGISTRY[name].params:
        assert f"`{param.flag}`: " in cells("losses", 3)[row], (name, param.flag)


@pytest.mark.parametrize("alias", list(ALIASES))
def test_every_loss_alias_is_documented(alias):
    assert f"`{alias}`" in README


@pytest.mark.parametrize("name", list(METHODS))
def test_every_pooling_method_is_documented(name):
    assert f"`{name}`" in cells("pool-methods", 0)


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_and_its_options_are_documented(command):
    assert f"augcli {command}" in README
    for param in cli.commands[command].params:
        if isinstance(param, click.Option) and not param.hidden:
            spellings = [*param.opts, *param.secondary_opts]
            assert any(s in README for s in spellings), (command, spellings)
