"""Every path a command names goes through the gate (issue 21, items 3, 5, 11, 12).

Outputs equal to an input by any name, symlinked outputs, special files and oversized numbers
are refused with exit 2 and one line naming the option and the path; the inputs and the files
behind links keep their bytes. Each FIFO test would hang without the gate, so each runs the
command in a subprocess with a timeout.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.cli import cli
from tests import warm

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
FLIP = "pipeline:\n  - flip: {p: 0.5}\n"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(result, *needles: str) -> None:
    """Exit 2 with one ``Error:`` line holding every needle, and no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def augcli_subprocess(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m augcli ARGS`` in its own process (:mod:`tests.warm`), killed after TIMEOUT."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return warm.completed(args, cwd=cwd, env=env, timeout=TIMEOUT)


@pytest.fixture
def image(tmp_path) -> Path:
    path = tmp_path / "in.png"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(path)
    return path


# -- item 3: preview -o and pool -o never replace an input, by any name ----------------------


def _names_of(target: Path, tmp_path: Path, tag: str) -> list[Path]:
    """``target`` itself, a symlink to it, a hard link to it, and a path through '.'."""
    link, hard = tmp_path / f"{tag}-link{target.suffix}", tmp_path / f"{tag}-hard{target.suffix}"
    link.symlink_to(target)
    os.link(target, hard)
    return [target, link, hard, tmp_path / "." / target.name]


def test_preview_output_equal_to_its_image_by_any_name_exits_2_and_keeps_it(image, tmp_path):
    before = digest(image)
    for out in _names_of(image, tmp_path, "img"):
        result = invoke("preview", image, "-n", "1", "-o", out)
        one_line_error(result, "-o", str(out), "IMAGE")
    assert digest(image) == before


@pytest.mark.parametrize("flag", ["--masks", "--yolo", "--coco", "-c"])
def test_preview_output_equal_to_a_label_or_config_file_exits_2_and_keeps_it(image, tmp_path, flag):
    contents = {
        "--masks": None,
        "--yolo": "0 0.5 0.5 0.2 0.2\n",
        "--coco": json.dumps({"images": [], "annotations": [], "categories": []}),
        "-c": FLIP,
    }
    if flag == "--masks":
        source = tmp_path / "in_mask.png"
        Image.fromarray(np.zeros((24, 32), np.uint8)).save(source)
    else:
        source = tmp_path / {"--yolo": "in.txt", "--coco": "coco.json", "-c": "p.yaml"}[flag]
        source.write_text(contents[flag])
    before = digest(source)
    for out in _names_of(source, tmp_path, "label")[1:]:  # as a .png: link and hard link
        result = invoke("preview", image, flag, source, "-n", "1", "-o", out)
        one_line_error(result, "-o", str(out), flag)
    assert digest(source) == before and not list(tmp_path.glob(".augcli-tmp-*"))


def test_preview_output_that_is_a_symlink_elsewhere_exits_2_and_keeps_its_target(image, tmp_path):
    target = tmp_path / "elsewhere.png"
    target.write_bytes(b"sentinel")
    link = tmp_path / "sheet.png"
    link.symlink_to(target)
    one_line_error(invoke("preview", image, "-n", "1", "-o", link), "-o", str(link), "symlink")
    assert target.read_bytes() == b"sentinel" and link.is_symlink()


@pytest.mark.parametrize("flag", ["--importance", "--guide-filter"])
def test_pool_output_equal_to_a_side_file_by_any_name_exits_2_and_keeps_it(tmp_path, flag):
    data = tmp_path / "x.npy"
    np.save(data, np.arange(64, dtype=np.float32).reshape(8, 8))
    side = tmp_path / "side.npy"
    np.save(side, np.zeros((8, 8), np.float32))
    method = "lip" if flag == "--importance" else "dpp"
    before = digest(side)
    for out in _names_of(side, tmp_path, "side"):
        result = invoke("pool", data, "-m", method, flag, side, "-o", out)
        one_line_error(result, "-o", str(out), flag)
    assert digest(side) == before


def test_pool_folder_output_hard_linked_to_an_input_exits_2_and_keeps_it(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    first = src / "a.npy"
    np.save(first, np.ones((4, 4), np.float32))
    os.link(first, out / "a.npy")  # the planned output for a.npy is the input itself
    before = digest(first)
    one_line_error(invoke("pool", src, "-o", out), "-o", "INPUT")
    assert digest(first) == before


def test_pool_npy_input_that_is_a_fifo_exits_2_at_once(tmp_path):
    fifo = tmp_path / "x.npy"
    os.mkfifo(fifo)
    done = augcli_subprocess("pool", fifo, "-o", tmp_path / "out.npy", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "is a FIFO" in done.stderr and str(fifo) in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out.npy").exists()


def test_pool_importance_that_is_a_fifo_exits_2_at_once(tmp_path):
    data = tmp_path / "x.npy"
    np.save(data, np.ones((8, 8), np.float32))
    fifo = tmp_path / "logits.npy"
    os.mkfifo(fifo)
    done = augcli_subprocess("pool", data, "-m", "lip", "--importance", fifo, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "--importance" in done.stderr and "is a FIFO" in done.stderr


# -- item 5: loss --per-row never writes through a link; '-' is standard output --------------


PREDICTIONS = "y_true,y_pred\n1,0.9\n0,0.2\n1,0.4\n"
PINNED = ("--task", "binary", "--pred-kind", "probability", "-l", "log")


@pytest.fixture
def predictions(tmp_path) -> Path:
    path = tmp_path / "p.csv"
    path.write_text(PREDICTIONS)
    return path


def test_loss_per_row_symlink_exits_2_and_leaves_link_and_target(predictions, tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("sentinel\n")
    link = tmp_path / "rows.csv"
    link.symlink_to(target)
    result = invoke("loss", predictions, *PINNED, "--per-row", link)
    one_line_error(result, "--per-row", str(link), "symlink")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "sentinel\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "rows.csv", "target.txt"]


def test_loss_per_row_dash_writes_rows_to_stdout_and_the_report_to_stderr(
    predictions, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    result = invoke("loss", predictions, *PINNED, "--per-row", "-")
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[0] == "line,log" and [r.split(",")[0] for r in rows[1:]] == ["2", "3", "4"]
    expected = -np.log([0.9, 0.8, 0.4])
    assert np.allclose([float(r.split(",")[1]) for r in rows[1:]], expected, rtol=1e-15)
    assert "log" in result.stderr and "rows: 3" in result.stderr  # the table, on stderr
    assert not (tmp_path / "-").exists()


def test_loss_per_row_dash_with_format_json_is_refused(predictions, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("loss", predictions, *PINNED, "--per-row", "-", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["exit_code"] == 2  # still exactly one JSON object
    assert "--per-row -" in result.stderr and "--format json" in result.stderr
    assert not (tmp_path / "-").exists()


def test_loss_help_documents_per_row_dash():
    text = " ".join(invoke("loss", "--help").stdout.split())
    assert "or with - to standard output" in text


def test_loss_fifo_predictions_with_per_row_exits_2_without_hanging(tmp_path):
    """It hung: --per-row opens the input twice, and a FIFO's second open waits forever."""
    fifo = tmp_path / "x.csv"
    os.mkfifo(fifo)
    done = augcli_subprocess("loss", fifo, "--per-row", tmp_path / "rows.csv", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "PREDICTIONS.csv" in done.stderr and "is a FIFO" in done.stderr
    assert "pass '-'" in done.stderr and not (tmp_path / "rows.csv").exists()


# -- items 11/12: config and text files through the gate, bounded numbers --------------------


def test_validate_and_config_that_are_fifos_exit_2_without_hanging(tmp_path, image):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    for args in (
        ("validate", fifo),
        ("preview", image, "-c", fifo, "-o", tmp_path / "sheet.png"),
        ("augment", image, tmp_path / "dst", "-c", fifo, "--workers", "1"),
    ):
        done = augcli_subprocess(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "is a FIFO" in done.stderr and str(fifo) in done.stderr
        assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png", "p.yaml"]


@pytest.mark.parametrize("digits", ["9" * 5000, "-" + "9" * 5000, "0x" + "f" * 5000])
def test_a_seed_of_thousands_of_digits_names_the_key_and_the_range(tmp_path, image, digits):
    config = tmp_path / "p.yaml"
    config.write_text(f"seed: {digits}\n{FLIP}")
    for args in (
        ("validate", config),
        ("augment", image, tmp_path / "dst", "-c", config, "--workers", "1"),
    ):
        result = invoke(*args)
        one_line_error(result, "p.yaml:1: seed: got an integer of 5000 digits", "[0, 1844")
    assert not (tmp_path / "dst").exists()


def test_thousands_of_digits_in_an_op_parameter_and_copies_are_reported_not_raised(tmp_path):
    config = tmp_path / "p.yaml"
    big = "7" * 5000
    config.write_text(f"copies: {big}\npipeline:\n  - rotate: {{angle: [1, {big}]}}\n")
    result = invoke("validate", config)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "p.yaml:1: copies: got an integer of 5000 digits; allowed: an integer in [1, " in (
        result.stderr
    )
    assert "angle: got [1, an integer of 5000 digits]" in result.stderr


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("[]", "got a JSON list"),
        ("{not json", "line 1: not valid JSON"),
        ('{"type": "Scheduler"}', 'got no "address"'),
        ('{"address": 5}', 'got "address": 5'),
    ],
)
def test_bad_scheduler_files_exit_2_in_one_line(tmp_path, image, content, needle):
    pytest.importorskip("distributed", reason='Dask is not installed (pip install "augcli[dask]")')
    path = tmp_path / "scheduler.json"
    path.write_text(content)
    dst = tmp_path / "dst"
    args = ("augment", image, dst, "--seed", "1", "--executor", "dask", "--scheduler-file", path)
    one_line_error(invoke(*args), "--scheduler-file", str(path), needle)
    assert not dst.exists()


def test_a_scheduler_file_that_is_a_fifo_exits_2_without_hanging(tmp_path, image):
    pytest.importorskip("distributed", reason='Dask is not installed (pip install "augcli[dask]")')
    fifo = tmp_path / "scheduler.json"
    os.mkfifo(fifo)
    args = ("augment", image, tmp_path / "dst", "--seed", "1", "--executor", "dask")
    done = augcli_subprocess(*args, "--scheduler-file", fifo, "--json", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "--scheduler-file" in json.loads(done.stdout)["error"] and "FIFO" in done.stderr


def test_merge_of_a_shard_manifest_naming_huge_n_exits_2_at_once(tmp_path):
    dst = tmp_path / "dst"
    dst.mkdir()
    name = "augcli-manifest.0-of-99999999999999999999.jsonl"
    (dst / name).write_text("")
    done = augcli_subprocess("manifest", "merge", dst, "--json", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    error = json.loads(done.stdout)["error"]
    assert name in error and "1000000 shards" in error and "MemoryError" not in done.stderr
    assert sorted(p.name for p in dst.iterdir()) == [name]


def test_merge_with_many_missing_shards_lists_a_few_and_counts_the_rest(tmp_path):
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "augcli-manifest.0-of-1000000.jsonl").write_text("")
    result = invoke("manifest", "merge", dst)
    one_line_error(result, "999999 of 1000000 shard manifests missing", "1-of-1000000", ", ...")


def test_merge_of_a_fifo_shard_manifest_exits_2_without_hanging(tmp_path):
    dst = tmp_path / "dst"
    dst.mkdir()
    os.mkfifo(dst / "augcli-manifest.0-of-1.jsonl")
    done = augcli_subprocess("manifest", "merge", dst, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "is a FIFO" in done.stderr and "Traceback" not in done.stderr
