"""Every module of augcli opens with a one-line docstring saying what it owns (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "augcli").rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_opens_with_a_one_line_docstring(path):
    doc = ast.get_docstring(ast.parse(path.read_text("utf-8")), clean=False)
    assert doc, f"{path} has no module docstring"
    lines = doc.split("\n")
    assert lines[0].strip(), "the docstring's first line is empty"
    assert len(lines) == 1 or not lines[1].strip(), f"the first line wraps: {lines[:2]}"
