"""README's promises: quick start first, short, pictures small, every link resolves.

The documentation pages under docs/ are checked in test_docs.py (generated parts) and
test_examples.py (every example runs, every link resolves).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from tests.test_examples import broken_links

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")


def test_quick_start_comes_first_with_the_two_commands():
    headings = re.findall(r"^## (.+)$", README, re.M)
    assert headings[0] == "Quick start"
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quick)
    assert commands[:2] == [
        "pip install . && augcli augment sample_images augmented",
        'pip install ".[test]" && pytest',
    ]
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert commands[1] in ci  # CI runs exactly the README's test command


def test_readme_is_at_most_250_lines_and_shows_each_product():
    assert README.count("\n") <= 250
    for command in ("augcli augment", "--yolo", "augcli loss", "augcli pool"):
        assert f"\n{command}" in README or f" {command}" in README, command


def test_every_fill_mode_and_exit_code_is_documented():
    pipeline = (ROOT / "docs" / "pipeline.md").read_text("utf-8")
    for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
        assert f"| `{mode}`" in pipeline
    cli = (ROOT / "docs" / "cli.md").read_text("utf-8")
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 |"):
        assert code in cli


def test_readme_pictures_exist_and_stay_small():
    targets = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert targets
    for target in targets:
        assert (ROOT / target).stat().st_size < 300_000, target


def test_pool_pictures_are_made_by_the_commands_the_pool_page_shows():
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "pool.md").read_text("utf-8")
    for command in module.POOL_FIGURES:
        assert f"```bash\n{command}\n```" in page, command
        target = command.split(" -o ")[1]
        assert f"]({target.removeprefix('docs/')})" in page
        assert (ROOT / target).stat().st_size < 300_000, target


def test_label_previews_are_made_by_the_commands_the_labels_page_shows():
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "labels.md").read_text("utf-8")
    targets = []
    for command in module.LABEL_FIGURES:
        assert f"```bash\n{command}\n```" in page, command
        target = command.split(" -o ")[1]
        assert f"]({target.removeprefix('docs/')})" in page
        assert (ROOT / target).stat().st_size < 150 * 1024, target
        targets.append(target)
    assert "docs/preview-pose.jpg" in targets


def test_every_readme_link_resolves():
    assert broken_links(ROOT / "README.md") == []
