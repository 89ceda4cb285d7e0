"""``augcli ops``, ``schema``, ``validate``, ``--help`` and ``--version`` through CliRunner."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from augcli import __version__
from augcli.augment.ops import OPS
from augcli.augment.schema import pipeline_schema
from augcli.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SEVEN = ["flip", "rotate", "scale", "crop", "translate", "gaussian_noise", "salt_and_pepper"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_ops_text_lists_all_seven_ops_in_order():
    result = invoke("ops")
    assert result.exit_code == 0
    headers = re.findall(r"^([a-z_]+): ", result.stdout, re.M)
    assert headers == SEVEN == list(OPS)
    # Every op block shows an example and its p.
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 7
    for name, block in zip(SEVEN, blocks, strict=True):
        assert f"  example: - {name}: " in block
        assert re.search(r"^  p +probability that the step applies", block, re.M)
        assert "allowed: a number in [0, 1]" in block


def test_ops_text_shows_required_defaults_and_allowed_values():
    out = invoke("ops").stdout
    assert re.search(r"^  angle +degrees, counter-clockwise positive; required$", out, re.M)
    assert re.search(r'^  fill +.*; default "constant"$', out, re.M)
    assert "allowed: constant | edge | reflect | symmetric | wrap" in out
    assert "allowed: nearest | bilinear | bicubic" in out
    assert "allowed: a number in [0.01, 100], or a [lo, hi] range, or {choice: [...]}" in out


def test_ops_json_prints_the_pipeline_json_schema():
    result = invoke("ops", "--json")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema == pipeline_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert list(schema["$defs"]["step"]["oneOf"][0]["properties"]) == [SEVEN[0]]


def test_schema_command_prints_the_same_schema_as_ops_json():
    result = invoke("schema")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == invoke("ops", "--json").stdout
    assert set(json.loads(result.stdout)["$defs"]) == {"step", *SEVEN}


def test_validate_ok(tmp_path):
    path = ROOT / "configs" / "classification.yaml"
    result = invoke("validate", str(path))
    assert result.exit_code == 0
    assert result.stdout == (
        f"{path}: OK: 6 steps (flip, rotate, scale, crop, gaussian_noise, salt_and_pepper), "
        "1 resampling(s) per image, seed 1234, copies 5\n"
    )
    simple = tmp_path / "p.yaml"
    simple.write_text("pipeline:\n  - rotate: {angle: 5, fill: edge}\n  - translate: {x: 0.1}\n")
    result = invoke("validate", str(simple))
    assert (
        result.stdout == f"{simple}: OK: 2 steps (rotate, translate), 2 resampling(s) per image\n"
    )


def test_validate_errors_exit_2_without_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("pipeline:\n  - rotat: {angle: 10}\n  - flip: {p: 2}\n")
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: {path}:2: step 1: unknown op 'rotat' (did you mean 'rotate'?); valid: "
        + ", ".join(SEVEN),
        f"{path}:3: step 2 (flip): p: got 2 (integer); allowed: a number in [0, 1]",
    ]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "no such file"),
        ("", "the document is empty"),
        ("pipeline: [\n", "YAML error"),
        ("pipeline: !!python/object/apply:os.system ['true']\n", "tags that build Python"),
    ],
)
def test_validate_failures(tmp_path, content, fragment):
    path = tmp_path / "c.yaml"
    if content is not None:
        path.write_text(content)
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert fragment in result.stderr and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_validate_needs_an_argument():
    result = invoke("validate")
    assert result.exit_code == 2 and "Missing argument 'CONFIG'" in result.stderr


@pytest.mark.parametrize("command", [[], *([name] for name in cli.commands)])
def test_every_command_has_help(command):
    for flag in ("--help", "-h"):
        result = invoke(*command, flag)
        assert result.exit_code == 0
        assert result.stdout.startswith("Usage: ")
    doc = (cli if not command else cli.commands[command[0]]).help
    assert doc and doc.strip()


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout == f"augcli, version {__version__}\n"


def test_python_m_augcli_runs():
    out = subprocess.run(
        [sys.executable, "-m", "augcli", "validate", str(ROOT / "configs" / "noise.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0 and ": OK: 3 steps" in out.stdout
