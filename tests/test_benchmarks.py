"""Every benchmark script still starts: its imports resolve and ``--help`` exits 0.

Benchmarks are never run as tests (they are timed, and slow); this only catches a script broken
by a refactor of the modules it imports.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(
    p
    for p in (ROOT / "benchmarks").glob("*.py")
    if "argparse" in p.read_text("utf-8")  # the command-line scripts, not their helpers
)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_script_starts_and_prints_its_help(script):
    result = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower()
