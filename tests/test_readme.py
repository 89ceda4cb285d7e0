"""README's hand-written parts: quick start, fill modes, exit codes, figures (see test_docs.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_quick_start_comes_first_with_the_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quick)
    assert commands[:2] == [
        "pip install . && augcli augment sample_images augmented",
        'pip install ".[test]" && pytest',
    ]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text("utf-8")
    assert commands[1] in ci  # CI runs exactly the README's test command
    assert README.index("## Quick start") < README.index("## `augcli augment`")


def test_every_fill_mode_and_exit_code_is_documented():
    for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
        assert f"| `{mode}`" in README
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 |"):
        assert code in README


def test_readme_images_exist():
    root = Path(__file__).resolve().parents[1]
    for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (root / target).is_file(), target


def test_pool_pictures_are_made_by_the_commands_readme_shows():
    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("make_figures", root / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for command in module.POOL_FIGURES:
        assert f"```\n{command}\n```" in README, command
        target = command.split(" -o ")[1]
        assert f"]({target})" in README
        assert (root / target).stat().st_size < 300_000, target  # README pictures stay small


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_readme_anchor_link_points_at_a_heading():
    anchors = {_slug(h) for h in re.findall(r"^#{1,4} (.+)$", README, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", README))
    assert links and links <= anchors, sorted(links - anchors)
