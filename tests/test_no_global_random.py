"""No global random state anywhere in augcli: every draw goes through a handed-in Generator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SOURCES = sorted((Path(__file__).resolve().parents[1] / "augcli").rglob("*.py"))
LEGACY = (
    "seed|rand|randn|randint|random_integers|random_sample|random|ranf|sample|choice|bytes|"
    "shuffle|permutation|uniform|normal|standard_normal|binomial|poisson|beta|gamma|"
    "exponential|get_state|set_state|RandomState"
)
FORBIDDEN = [
    (re.compile(rf"\bnp\.random\.({LEGACY})\b"), "numpy's legacy global random state"),
    (re.compile(rf"\bnumpy\.random\.({LEGACY})\b"), "numpy's legacy global random state"),
    (re.compile(r"^\s*import random\b", re.M), "the stdlib random module"),
    (re.compile(r"^\s*from random import\b", re.M), "the stdlib random module"),
    (re.compile(r"\brandom\.seed\("), "random.seed"),
    (re.compile(r"^\s*from numpy\.random import\b", re.M), "names from numpy.random"),
]


def test_sources_found():
    assert len(SOURCES) > 10


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_global_random_state(path):
    text = path.read_text("utf-8")
    for pattern, what in FORBIDDEN:
        match = pattern.search(text)
        assert match is None, f"{path.name}: {what}: {match.group(0)!r}"


def test_the_patterns_catch_what_they_should():
    bad = "import random\nx = np.random.rand(3)\nnp.random.seed(1)\nrandom.seed(2)\n"
    hits = [what for pattern, what in FORBIDDEN if pattern.search(bad)]
    assert len(hits) >= 3
    good = "rng = np.random.default_rng(0)\ng = np.random.Generator(np.random.PCG64(s))\n"
    assert not any(pattern.search(good) for pattern, _ in FORBIDDEN)
