"""``augcli augment --shard K/N``: membership, shard manifests and temporaries, late and
concurrent shards, kill -9 then ``--resume`` of one shard."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.augment.run.plan import make_plan
from augcli.augment.tasks import AugmentOptions, Shard
from augcli.cli import cli
from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import UsageError

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 120
ARGS = ["--seed", "11", "--copies", "2", "-q"]


def oracle_shard(key: str, n: int) -> int:
    """Membership written from the issue's words with hashlib, not with augcli's helpers."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogateescape"), digest_size=16).digest()
    return int.from_bytes(digest, "little") % n


keys = st.lists(
    st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30),
    min_size=1,
    max_size=40,
    unique=True,
)


@settings(max_examples=60, deadline=None)
@given(keys=keys, n=st.integers(1, 7))
def test_membership_is_disjoint_complete_and_the_blake2b_digest_mod_n(keys, n):
    owners = {key: [k for k in range(n) if Shard(k, n).owns(key)] for key in keys}
    assert all(len(found) == 1 for found in owners.values())  # disjoint and complete
    assert {key: found[0] for key, found in owners.items()} == {
        key: oracle_shard(key, n) for key in keys
    }


def make_src(src: Path, n: int) -> None:
    """``n`` small noisy PNGs in two folders."""
    rng = np.random.default_rng(3)
    for i in range(n):
        folder = src / f"c{i % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(
            folder / f"{i:03d}.png"
        )


def test_membership_does_not_move_when_src_grows(tmp_path):
    src = tmp_path / "src"
    make_src(src, 12)
    before = {
        k: {
            t.key for t in make_plan(src, tmp_path / "d", AugmentOptions(shard=Shard(k, 3))).tasks()
        }
        for k in range(3)
    }
    make_src(tmp_path / "more", 30)
    for path in (tmp_path / "more").rglob("*.png"):
        target = src / "new" / path.relative_to(tmp_path / "more")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    for k in range(3):
        after = make_plan(src, tmp_path / "d", AugmentOptions(shard=Shard(k, 3))).tasks()
        assert before[k] == {t.key for t in after if not t.key.startswith("new/")}
        assert all(oracle_shard(t.key, 3) == k for t in after)


def test_every_shard_refuses_the_same_name_collision(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    Image.new("RGB", (8, 8)).save(src / "a.png")
    Image.new("RGB", (8, 8)).save(src / "a.jpg")
    for k in range(4):
        with pytest.raises(UsageError, match="would both be written"):
            make_plan(src, tmp_path / "d", AugmentOptions(out_format="PNG", shard=Shard(k, 4)))


def run_cli(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def images(dst: Path) -> dict[str, str]:
    """Output images under ``dst`` (no manifests, no temporaries): relative path -> sha256."""
    return {
        p.relative_to(dst).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in dst.rglob("*")
        if p.is_file() and not p.name.startswith(("augcli-manifest", TEMP_PREFIX))
    }


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_shard_without_an_explicit_seed_exits_2_and_writes_nothing(tmp_path):
    src = tmp_path / "src"
    make_src(src, 2)
    result = run_cli("augment", str(src), str(tmp_path / "dst"), "--shard", "0/2", "-q")
    assert result.exit_code == 2
    assert "--shard 0/2 needs an explicit seed" in result.output
    assert not (tmp_path / "dst").exists()


def test_bad_shard_exits_2(tmp_path):
    src = tmp_path / "src"
    make_src(src, 2)
    result = run_cli("augment", str(src), str(tmp_path / "dst"), "--shard", "2/2", *ARGS)
    assert result.exit_code == 2 and "K must be in 0..N-1" in result.output


def test_three_shards_one_after_another_give_the_unsharded_bytes_and_merged_manifest(tmp_path):
    """A late shard does not refuse a DST other shards wrote into; each writes its own
    manifest; images and the merged manifest are the unsharded run's bytes."""
    src, whole, dst = tmp_path / "src", tmp_path / "whole", tmp_path / "dst"
    make_src(src, 14)
    assert run_cli("augment", str(src), str(whole), *ARGS, "--workers", "1").exit_code == 0
    for k in range(3):
        result = run_cli("augment", str(src), str(dst), *ARGS, "--shard", f"{k}/3", "--json")
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output.splitlines()[0])
        entries = lines(dst / f"augcli-manifest.{k}-of-3.jsonl")
        assert summary["inputs"] == len({e["source"] for e in entries})
        assert {oracle_shard(e["source"], 3) for e in entries} <= {k}
    assert not (dst / MANIFEST_NAME).exists()
    assert images(dst) == images(whole)
    assert run_cli("manifest", "merge", str(dst), "--src", str(src)).exit_code == 0
    assert (dst / MANIFEST_NAME).read_bytes() == (whole / MANIFEST_NAME).read_bytes()


def test_a_shard_removes_only_its_own_temporaries(tmp_path):
    """Regression: every run deleted every temporary file in the folders it entered, so two
    shards writing into one DST at once destroyed each other's work."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_src(src, 6)
    for folder in ("c0", "c1"):
        (dst / folder).mkdir(parents=True)
        (dst / folder / f"{TEMP_PREFIX}1of2-000_aug0.png").write_bytes(b"shard 1 at work")
        (dst / folder / f"{TEMP_PREFIX}0of2-stale.png").write_bytes(b"left by a killed shard 0")
    assert run_cli("augment", str(src), str(dst), *ARGS, "--shard", "0/2").exit_code == 0
    for folder in ("c0", "c1"):
        left = sorted(p.name for p in (dst / folder).iterdir() if p.name.startswith(TEMP_PREFIX))
        assert left == [f"{TEMP_PREFIX}1of2-000_aug0.png"]


def test_dry_run_of_a_shard_counts_its_inputs(tmp_path):
    src = tmp_path / "src"
    make_src(src, 10)
    mine = sum(oracle_shard(p.relative_to(src).as_posix(), 4) == 1 for p in src.rglob("*.png"))
    result = run_cli("augment", str(src), str(tmp_path / "d"), *ARGS, "--shard", "1/4", "--dry-run")
    assert result.exit_code == 0
    assert result.output.startswith(f"shard 1/4: {mine} of 10 inputs;")
    assert not (tmp_path / "d").exists()


# -- several processes -----------------------------------------------------------------------


def augcli_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "augcli", *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_three_shards_at_once_into_one_dst_give_the_unsharded_bytes_and_manifest(tmp_path):
    src, whole, dst = tmp_path / "src", tmp_path / "whole", tmp_path / "dst"
    make_src(src, 60)
    assert run_cli("augment", str(src), str(whole), *ARGS, "--workers", "1").exit_code == 0
    procs = [
        subprocess.Popen(
            augcli_cmd("augment", str(src), str(dst), *ARGS, "--workers", "1", "--shard", f"{k}/3"),
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for k in range(3)
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, stderr
    assert images(dst) == images(whole)
    assert not [p for p in dst.rglob(TEMP_PREFIX + "*")]
    assert run_cli("manifest", "merge", str(dst), "--src", str(src)).exit_code == 0
    assert (dst / MANIFEST_NAME).read_bytes() == (whole / MANIFEST_NAME).read_bytes()


def test_kill_9_of_one_shard_then_resume_of_that_shard(tmp_path):
    src, whole, dst = tmp_path / "src", tmp_path / "whole", tmp_path / "dst"
    rng = np.random.default_rng(5)
    src.mkdir()
    for i in range(90):  # noisy and larger: slow enough to be killed mid-run
        pixels = rng.integers(0, 256, (160, 200, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(src / f"{i:03d}.png")
    assert run_cli("augment", str(src), str(whole), *ARGS, "--workers", "1").exit_code == 0
    other = run_cli("augment", str(src), str(dst), *ARGS, "--shard", "0/2", "--workers", "1")
    assert other.exit_code == 0
    shard0 = {**images(dst)}
    manifest = dst / "augcli-manifest.1-of-2.jsonl"
    args = ["augment", str(src), str(dst), *ARGS, "--shard", "1/2", "--workers", "1"]
    proc = subprocess.Popen(augcli_cmd(*args), env=env(), stderr=subprocess.PIPE)
    try:
        while not (manifest.exists() and manifest.read_text().count("\n") >= 6):
            assert proc.poll() is None, "the shard ended before it could be killed"
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(TIMEOUT)
        proc.stderr.close()
    written = len(lines(manifest))
    mine = sum(oracle_shard(f"{i:03d}.png", 2) == 1 for i in range(90))
    assert 0 < written < 2 * mine, "the kill came too late to test anything"
    done = run_cli(*args, "--resume", "--json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output.splitlines()[0])
    assert summary["skipped"] >= written and summary["skipped"] + summary["written"] == 2 * mine
    assert images(dst) == images(whole)
    assert {k: v for k, v in images(dst).items() if k in shard0} == shard0
    assert not [p for p in dst.rglob(TEMP_PREFIX + "*")]
    assert run_cli("manifest", "merge", str(dst)).exit_code == 0
    assert (dst / MANIFEST_NAME).read_bytes() == (whole / MANIFEST_NAME).read_bytes()
