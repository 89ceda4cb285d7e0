"""``augcli manifest merge`` and ``augcli manifest verify``: the merged manifest is the unsharded
run's, byte for byte; every refusal (missing shard, duplicate, seed or pipeline mismatch,
missing output); verify finds every difference, checked against hashlib."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.cli import cli

PIPE = "pipeline:\n  - rotate: {angle: [-10, 10], fill: reflect}\n  - flip: {p: 0.5}\n"
OTHER = "pipeline:\n  - rotate: {angle: [-30, 30], fill: reflect}\n"
ARGS = ["--seed", "4", "--copies", "2", "-q"]
# Names that sort in tricky ways (a-b after a/b/..., B before a); shards of 3 own 7, 2 and 3.
NAMES = ("z.png", "a/b.png", "a/b/c.png", "a-b/d.png", "a/a.png", "B.png", "a/b/e.png",
         "a/f.png", "c.png", "a/b/g.png", "d/e.png", "a/c.png")  # fmt: skip


def run(*args: object):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def shard_name(k: int, n: int) -> str:
    return f"augcli-manifest.{k}-of-{n}.jsonl"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """SRC (nested folders, names that sort in tricky ways), an unsharded run with 2 workers,
    and the same run as 3 shards into one DST."""
    root = tmp_path_factory.mktemp("merge")
    src = root / "src"
    rng = np.random.default_rng(6)
    for rel in NAMES:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).save(src / rel)
    pipe = root / "pipe.yaml"
    pipe.write_text(PIPE)
    whole, sharded = root / "whole", root / "sharded"
    assert run("augment", src, whole, "-c", pipe, *ARGS, "--workers", "2").exit_code == 0
    for k in range(3):
        result = run("augment", src, sharded, "-c", pipe, *ARGS, "--shard", f"{k}/3")
        assert result.exit_code == 0, result.output
    return src, pipe, whole, sharded


@pytest.fixture
def dst(setup, tmp_path) -> Path:
    """A fresh copy of the sharded DST."""
    return Path(shutil.copytree(setup[3], tmp_path / "dst"))


def test_merged_manifest_is_the_unsharded_runs_byte_for_byte(setup, dst):
    src, pipe, whole, _ = setup
    result = run("manifest", "merge", dst, "--src", src, "-c", pipe, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.splitlines()[0])
    assert report == {"shards": 3, "lines": 24, "missing": [], "unexpected": []}
    assert (dst / MANIFEST_NAME).read_bytes() == (whole / MANIFEST_NAME).read_bytes()
    assert run("manifest", "verify", dst).exit_code == 0


def test_merge_refuses_a_missing_shard(dst):
    (dst / shard_name(1, 3)).unlink()
    result = run("manifest", "merge", dst)
    assert result.exit_code == 2
    assert f"1 of 3 shard manifests missing: {shard_name(1, 3)}" in result.output
    assert not (dst / MANIFEST_NAME).exists()


def test_merge_refuses_an_output_listed_twice(dst):
    path = dst / shard_name(0, 3)
    first = path.read_text().splitlines(keepends=True)[0]
    path.write_text(path.read_text() + first)
    result = run("manifest", "merge", dst)
    assert result.exit_code == 2
    assert "outputs listed twice: " + json.loads(first)["output"] in result.output
    assert not (dst / MANIFEST_NAME).exists()


def test_merge_refuses_shards_of_another_seed(setup, dst):
    src, pipe, _, _ = setup
    redo = run(
        "augment", src, dst, "-c", pipe, *ARGS[2:], "--seed", "5", "--shard", "2/3", "--overwrite"
    )
    assert redo.exit_code == 0, redo.output
    result = run("manifest", "merge", dst)
    assert result.exit_code == 2 and "seed: 4 vs 5" in result.output
    assert not (dst / MANIFEST_NAME).exists()


def test_merge_refuses_shards_of_another_pipeline(setup, dst, tmp_path):
    src, pipe, _, _ = setup
    other = tmp_path / "other.yaml"
    other.write_text(OTHER)
    redo = run("augment", src, dst, "-c", other, *ARGS, "--shard", "1/3", "--overwrite")
    assert redo.exit_code == 0, redo.output
    result = run("manifest", "merge", dst)
    assert result.exit_code == 2 and "come from different runs" in result.output
    assert "pipeline: " in result.output
    assert not (dst / MANIFEST_NAME).exists()


def test_merge_refuses_a_config_that_is_not_the_runs_pipeline(dst, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(OTHER)
    result = run("manifest", "merge", dst, "-c", other)
    assert result.exit_code == 2 and "not the pipeline of this run" in result.output


def test_merge_refuses_when_a_listed_output_is_gone(dst):
    gone = json.loads((dst / shard_name(1, 3)).read_text().splitlines()[0])["output"]
    (dst / gone).unlink()
    result = run("manifest", "merge", dst)
    assert result.exit_code == 2 and f"missing or changed (size differs): {gone}" in result.output
    assert not (dst / MANIFEST_NAME).exists()


def test_merge_coco_refuses_shards_run_without_coco_and_writes_nothing(dst, tmp_path):
    ann = tmp_path / "ann.json"
    ann.write_text('{"images": [], "annotations": [], "categories": []}')
    result = run("manifest", "merge", dst, "--coco", ann, tmp_path / "out.json")
    assert result.exit_code == 2
    assert f"--coco {ann}: the shards' manifests record no COCO annotations" in result.output
    assert not (dst / MANIFEST_NAME).exists() and not (tmp_path / "out.json").exists()


def test_merge_refuses_a_line_in_the_manifest_of_another_shard(dst):
    line = (dst / shard_name(0, 3)).read_text().splitlines(keepends=True)[0]
    with open(dst / shard_name(1, 3), "a") as handle:
        handle.write(line)
    result = run("manifest", "merge", dst)
    assert result.exit_code == 2
    source = json.loads(line)["source"]
    assert f"source {source!r} does not belong to shard 1/3" in result.output
    assert not (dst / MANIFEST_NAME).exists()


def test_merge_refuses_a_line_that_records_no_run(dst):
    path = dst / shard_name(2, 3)
    lines = path.read_text().splitlines()
    entry = json.loads(lines[0])
    del entry["run"]
    path.write_text("\n".join([json.dumps(entry), *lines[1:]]) + "\n")
    result = run("manifest", "merge", dst)
    assert result.exit_code == 2
    assert f"{shard_name(2, 3)}:1: the line records no run" in result.output
    assert not (dst / MANIFEST_NAME).exists()


def test_merge_refuses_shard_manifests_of_two_shard_counts(dst):
    (dst / shard_name(0, 2)).write_text("")
    result = run("manifest", "merge", dst)
    assert result.exit_code == 2
    assert "shard manifests of different runs: N = 2 (1 found), 3 (3 found)" in result.output
    assert not (dst / MANIFEST_NAME).exists()


def test_merge_refuses_a_dst_without_shard_manifests_or_with_an_absurd_n(tmp_path):
    (tmp_path / "d").mkdir()
    result = run("manifest", "merge", tmp_path / "d")
    assert result.exit_code == 2 and "no shard manifests (augcli-manifest.K-of-N.jsonl)" in (
        result.output
    )
    (tmp_path / "d" / shard_name(0, 10**9)).write_text("")
    result = run("manifest", "merge", tmp_path / "d")
    assert result.exit_code == 2 and "names more than" in result.output
    assert not (tmp_path / "d" / MANIFEST_NAME).exists()


def test_merge_with_src_lists_the_outputs_no_shard_wrote(setup, tmp_path):
    """A shard that failed an input (unreadable file) finishes with exit 1; the merge writes
    what exists and lists the missing outputs."""
    src, pipe, _, _ = setup
    broken = Path(shutil.copytree(src, tmp_path / "src"))
    (broken / "a" / "b.png").write_bytes(b"not a png")
    dst = tmp_path / "dst"
    codes = [run("augment", broken, dst, "-c", pipe, *ARGS, "--shard", f"{k}/3").exit_code
             for k in range(3)]  # fmt: skip
    assert sorted(codes) == [0, 0, 1]
    result = run("manifest", "merge", dst, "--src", broken, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output.splitlines()[0])
    assert report["missing"] == ["a/b_aug0.png", "a/b_aug1.png"]
    assert len((dst / MANIFEST_NAME).read_text().splitlines()) == 22


# -- verify ----------------------------------------------------------------------------------


@pytest.fixture
def merged(dst) -> Path:
    assert run("manifest", "merge", dst).exit_code == 0
    return dst


def entries(dst: Path) -> list[dict]:
    return [json.loads(line) for line in (dst / MANIFEST_NAME).read_text().splitlines()]


def test_verify_agrees_with_hashlib_on_a_clean_run(merged):
    for entry in entries(merged):
        data = (merged / entry["output"]).read_bytes()
        assert (entry["size"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    result = run("manifest", "verify", merged, "--json")
    assert result.exit_code == 0
    report = json.loads(result.output.splitlines()[0])
    assert report["ok"] and report["lines"] == 24 and report["manifests"] == [MANIFEST_NAME]


def test_verify_lists_changed_missing_unlisted_and_duplicate_outputs(merged):
    lines = entries(merged)
    changed, gone = lines[0]["output"], lines[1]["output"]
    data = bytearray((merged / changed).read_bytes())
    data[-5] ^= 0xFF  # same size, other bytes
    (merged / changed).write_bytes(bytes(data))
    (merged / gone).unlink()
    (merged / "a" / "stray.png").write_bytes(b"x")
    with open(merged / MANIFEST_NAME, "a") as handle:
        handle.write(json.dumps(lines[2], sort_keys=True) + "\n")
    result = run("manifest", "verify", merged, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output.splitlines()[0])
    assert report["differ"] == [
        {"output": changed, "reason": "was changed since (its SHA-256 differs)"},
        {"output": gone, "reason": "no longer exists"},
    ]
    assert report["unlisted"] == ["a/stray.png"]
    assert report["listed_twice"] == [lines[2]["output"]]


def test_verify_reads_the_shard_manifests_before_a_merge(dst):
    result = run("manifest", "verify", dst, "--json")
    assert result.exit_code == 0
    report = json.loads(result.output.splitlines()[0])
    assert report["manifests"] == [shard_name(k, 3) for k in range(3)]


def test_verify_without_a_manifest_exits_2(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("manifest", "verify", tmp_path / "empty")
    assert result.exit_code == 2 and "no manifest" in result.output
