"""Rules every command shares: no empty paths, outputs never inputs, --json prints one object."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from augcli.cli import cli
from augcli.core.errors import UsageError
from augcli.core.gate import Inputs

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = str(ROOT / "sample_images" / "everyday" / "clock.png")


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["augment", "", "out"], "SRC"),
        (["augment", SAMPLE, ""], "DST"),
        (["augment", SAMPLE, "out", "-c", ""], "--config"),
        (["preview", "", "-o", "x.png"], "IMAGE"),
        (["preview", SAMPLE, "-o", ""], "--output"),
        (["validate", ""], "CONFIG"),
        (["loss", ""], "PREDICTIONS.csv"),
        (["pool", ""], "INPUT"),
        (["pool", SAMPLE, "-o", ""], "--output"),
    ],
)
def test_empty_path_is_a_usage_error_naming_the_argument(tmp_path, monkeypatch, args, where):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "an empty path is not allowed" in result.stderr and where in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_output_equal_to_input_is_refused_also_through_symlinks_and_hard_links(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("y_true,y_pred\n1,0.5\n")
    (tmp_path / "link.csv").symlink_to(source)
    os.link(source, tmp_path / "hard.csv")
    inputs = Inputs.of([("PREDICTIONS.csv", source)])
    for out in (source, tmp_path / "link.csv", tmp_path / "hard.csv", tmp_path / "." / "in.csv"):
        with pytest.raises(UsageError, match="never writes over or among its inputs"):
            inputs.refuse_output("--per-row", out)
    inputs.refuse_output("--per-row", tmp_path / "rows.csv")
    assert Inputs.of([("P", "-")]).files == {}  # stdin is not a file


@pytest.mark.parametrize(
    "args",
    [
        ["augment", "no-such-folder", "out", "--json"],
        ["augment", SAMPLE, "out", "--seed", "-1", "--json"],
        ["augment", SAMPLE, "out", "--json", "--no-such-option"],
        ["ops", "--json", "--bogus"],
        ["loss", "no-such.csv", "--format", "json"],
        ["loss", "no-such.csv", "--format=json"],
    ],
)
def test_json_invocation_that_fails_prints_exactly_one_error_object(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    payload = json.loads(result.stdout)  # exactly one JSON document, nothing else
    assert payload["exit_code"] == 2 and payload["error"]
    assert result.stderr.strip()  # the human message stays on stderr


def test_json_success_prints_one_object_and_no_error_object(tmp_path):
    result = CliRunner().invoke(
        cli, ["augment", SAMPLE, str(tmp_path / "o"), "--seed", "1", "--workers", "1", "--json"]
    )
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["written"] == 4 and "error" not in payload
