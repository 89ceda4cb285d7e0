"""Every shell and Python example in README.md and docs/*.md runs, and every link resolves.

Each ```bash and ```python block runs in a fresh folder holding copies of the bundled data
(sample_images/, sample_labelled/, configs/, docs/feats.npy, and the files of docs/examples/ at
its top), with this checkout's augcli on the PATH and HOME pointing into that folder. A
```console block is a transcript: each ``$ command`` runs in turn and must print what follows it
(``...`` stands for any text). ``pip install`` steps are left out (the package is
installed); the Quick start's test command is what CI runs (test_readme.py). A block that
cannot run here is marked ``<!-- not run: REASON -->`` on the line before it; the reason is
required and shows in the test id.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(
    r"^(?P<marker>[ \t]*<!-- not run: (?P<reason>.*?) -->\n)?"
    r"(?P<indent>[ \t]*)```(?P<lang>bash|python|console)\n(?P<code>.*?)^(?P=indent)```[ \t]*$",
    re.M | re.S,
)
DATA = ("sample_images", "sample_labelled", "configs")
INSTALL = re.compile(r"^pip install \S+( && )?", re.M)


def examples():
    out = []
    for page in PAGES:
        text = page.read_text("utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start("indent")) + 1
            code = textwrap.dedent(match["code"])
            out.append((page.relative_to(ROOT), line, match["lang"], code, match["reason"]))
    return out


EXAMPLES = examples()
RUN = [e for e in EXAMPLES if e[4] is None]
NOT_RUN = [e for e in EXAMPLES if e[4] is not None]


def _id(example) -> str:
    return f"{example[0]}:{example[1]}"


def workspace(tmp: Path) -> Path:
    for name in DATA:
        shutil.copytree(ROOT / name, tmp / name)
    (tmp / "docs").mkdir()
    shutil.copy2(ROOT / "docs" / "feats.npy", tmp / "docs" / "feats.npy")
    for path in (ROOT / "docs" / "examples").iterdir():
        shutil.copy2(path, tmp / path.name)
    return tmp


def transcript(code: str) -> list[tuple[str, str]]:
    """``(command, expected output)`` pairs of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"a console block starts with output: {line!r}"
            steps[-1][1].append(line)
    return [(command, "\n".join(out).strip("\n")) for command, out in steps]


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected`` with each ``...`` standing for any text."""
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual.strip("\n"), re.S) is not None


def environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env["HOME"] = str(tmp)
    env.pop("_AUGCLI_COMPLETE", None)
    return env


@pytest.mark.parametrize("example", RUN, ids=_id)
def test_example_runs(example, tmp_path):
    page, line, lang, code, _ = example
    if lang == "console":
        cwd = workspace(tmp_path / "work")
        for command, expected in transcript(code):
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=cwd,
                env=environment(cwd),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
            )
            assert matches(expected, result.stdout), f"{page}:{line}: $ {command}\n{result.stdout}"
        return
    if lang == "bash":
        code = INSTALL.sub("", code)
        if code.strip() == "pytest":  # the Quick start's test command: CI runs it
            assert code.strip() in (ROOT / ".ci" / "run").read_text("utf-8")
            return
        args = ["bash", "-euo", "pipefail", "-c", code]
    else:
        args = [sys.executable, "-c", code]
    cwd = workspace(tmp_path / "work")
    result = subprocess.run(
        args, cwd=cwd, env=environment(cwd), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{page}:{line}\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("example", NOT_RUN, ids=lambda e: f"{_id(e)} ({e[4]})")
def test_an_example_not_run_says_why(example):
    reason = example[4].strip()
    assert len(reason) >= 10, f"{_id(example)}: say why it cannot run here"


def test_a_transcript_must_match_what_its_command_prints():
    assert transcript("$ echo a\na\n$ true\n") == [("echo a", "a"), ("true", "")]
    assert matches("loss ... note\n...", "loss  value  note\nmore\nlines")
    assert not matches("zero_one 0.25", "zero_one 0.5")


def test_examples_are_found_on_every_page_that_has_them():
    assert len(RUN) >= 15 and {e[0].name for e in RUN} >= {"README.md", "api.md", "labels.md"}


def slug(heading: str) -> str:
    """The anchor MkDocs (Python-Markdown's toc) gives a heading."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^[ \t]*```.*?^[ \t]*```", "", page.read_text("utf-8"), flags=re.M | re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def broken_links(page: Path) -> list[str]:
    """Links of a page whose file or anchor does not exist (web links are not followed)."""
    text = re.sub(r"^[ \t]*```.*?^[ \t]*```", "", page.read_text("utf-8"), flags=re.M | re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(target)
        elif anchor and (file.suffix != ".md" or anchor not in anchors(file)):
            broken.append(target)
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_resolves(page):
    assert broken_links(page) == []


def test_the_link_checker_finds_a_broken_file_and_anchor(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\n[x](b.md) [y](#nowhere) [z](#title)\n")
    assert broken_links(tmp_path / "a.md") == ["b.md", "#nowhere"]
