"""Click's shell completion works for bash, zsh and fish, as docs/cli.md says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from augcli.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def augcli(env: dict[str, str]) -> subprocess.CompletedProcess:
    """``augcli`` (the installed script beside this Python) run with extra variables."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    script = shutil.which("augcli", path=str(Path(sys.executable).parent))
    code = "import sys; sys.argv[0] = 'augcli'; from augcli.cli import main; main()"
    args = [script] if script else [sys.executable, "-c", code]  # not installed: its code
    return subprocess.run(args, env=full, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _augcli_completion augcli"),
        ("zsh", "#compdef augcli"),
        ("fish", "complete --no-files --command augcli"),
    ],
)
def test_completion_source_prints_a_script_for_the_shell(shell, marker):
    result = augcli({"_AUGCLI_COMPLETE": f"{shell}_source"})
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout


def test_bash_completion_completes_commands_and_choices():
    words = augcli(
        {"_AUGCLI_COMPLETE": "bash_complete", "COMP_WORDS": "augcli po", "COMP_CWORD": "1"}
    )
    assert "plain,pool" in words.stdout.splitlines()
    fmt = "augcli augment a b --format w"
    choices = augcli({"_AUGCLI_COMPLETE": "bash_complete", "COMP_WORDS": fmt, "COMP_CWORD": "5"})
    assert choices.stdout.splitlines() == ["plain,webp"]


def test_pool_help_names_the_kinds_of_input_and_output_not_every_extension():
    text = CliRunner().invoke(cli, ["pool", "--help"]).output
    assert "INPUT: an image file, a .npy or a folder" in text
    assert "An image file, a .npy or a folder" in " ".join(text.split())
    assert ".apng" not in text and ".xpm" not in text
