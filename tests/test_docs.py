"""The documentation is generated where it can be and documents every registry entry and command.

The parts between ``<!-- generated: NAME -->`` markers (in docs/*.md and README.md) must be
exactly what ``docs/make_tables.py`` produces: the tables of ops, losses and pooling methods, the
CLI reference (every command's ``--help``) and the benchmark tables (benchmarks/results/*.json).
The lists of what must be documented come from the registries and the Click group themselves,
never from a hand-written list.
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


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_tables", ROOT / "docs" / "make_tables.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


make_tables = _load_generator()
PAGES = {path: path.read_text("utf-8") for path in make_tables.pages()}
DOCS = "\n".join(PAGES.values())


def section(name: str) -> str:
    """The text of one generated section, wherever it is."""
    match = re.search(
        rf"<!-- generated: {re.escape(name)} -->\n(.*?)<!-- end generated -->", DOCS, re.S
    )
    assert match, f"no page has a generated section {name!r}"
    return match[1]


def cells(name: str, column: int) -> list[str]:
    """One column of a generated table, header and rule skipped."""
    rows = [line for line in section(name).splitlines() if line.startswith("|")][2:]
    return [re.split(r"(?<!\\)\|", row)[column + 1].strip() for row in rows]


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p.name)
def test_generated_parts_are_what_make_tables_produces(path):
    assert make_tables.render(PAGES[path]) == PAGES[path], "run: python docs/make_tables.py"


def test_every_generated_part_appears_exactly_once():
    assert make_tables.render_all(PAGES).keys() == PAGES.keys()


def test_make_tables_refuses_pages_without_one_of_their_sections():
    pages = {path: text.replace("<!-- generated: losses -->", "") for path, text in PAGES.items()}
    with pytest.raises(ValueError, match="generated sections"):
        make_tables.render_all(pages)


def test_the_benchmark_tables_show_every_results_file():
    results = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
    assert results, "benchmarks/results/ holds no results"
    for path in results:
        assert f"`benchmarks/results/{path.name}`" in section("benchmarks")


def _command_names(group=cli, prefix="augcli"):
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from _command_names(command, f"{prefix} {name}")


@pytest.mark.parametrize(("name", "command"), list(_command_names()), ids=lambda v: str(v))
def test_every_command_has_its_help_in_the_cli_reference(name, command):
    reference = section("cli-reference")
    assert f"### {name}\n" in reference
    assert make_tables.command_help(name, command) in reference


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
    assert f"`{alias}`" in (ROOT / "docs" / "loss.md").read_text("utf-8")


@pytest.mark.parametrize("name", list(METHODS))
def test_every_pooling_method_is_documented(name):
    assert f"`{name}`" in cells("pool-methods", 0)


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_and_its_options_are_documented_outside_the_reference(command):
    """Beyond its --help: each command and each option is written about on some page."""
    prose = DOCS.replace(section("cli-reference"), "")
    assert f"augcli {command}" in prose
    for param in cli.commands[command].params:
        if isinstance(param, click.Option) and not param.hidden:
            spellings = [*param.opts, *param.secondary_opts]
            assert any(s in prose for s in spellings), (command, spellings)
