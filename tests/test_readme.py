"""The README is the user's manual: it must keep up with the registries and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from augcli.augment.ops import describe_ops
from augcli.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_quick_start_comes_first_with_the_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quick)
    assert commands[:2] == [
        "pip install . && augcli augment sample_images augmented",
        'pip install ".[test]" && pytest',
    ]
    assert README.index("## Quick start") < README.index("## `augcli augment`")


@pytest.mark.parametrize("op", describe_ops(), ids=lambda op: op["name"])
def test_every_op_and_parameter_is_documented(op):
    assert f"`{op['name']}`" in README
    for param in op["params"]:
        assert f"`{param['name']}`" in README, (op["name"], param["name"])


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented(command):
    assert f"augcli {command}" in README


def test_every_fill_mode_and_exit_code_is_documented():
    for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
        assert f"| `{mode}`" in README
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 |"):
        assert code in README


def test_readme_images_exist():
    root = Path(__file__).resolve().parents[1]
    for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (root / target).is_file(), target
