"""One run per DST and proof by content (issue 21, items 8 and 9; the gate's lock and proofs)."""

from __future__ import annotations

import hashlib
import os
import signal
import time

from tests.hostile.helpers import (
    TEMP_PREFIX,
    Result,
    check_message,
    finish,
    make_src,
    manifest_lines,
    regular_files,
    start,
)

AUG = ("--seed", "1", "--workers", "1", "--copies", "1", "-q")
LONG = (
    "--seed",
    "1",
    "--workers",
    "1",
    "--copies",
    "100",
    "-q",
)  # 4000 outputs: stopped long before, even on a loaded machine


def outputs(dst):
    return {n for n in regular_files(dst) if n.endswith(".png") and not n.startswith(TEMP_PREFIX)}


def wait_until_writing(proc, dst, previous=0, deadline=60.0):
    """Wait until the child shows it is inside its run: outputs of its own in DST."""
    end = time.monotonic() + deadline
    while len(outputs(dst)) <= previous + 1:
        assert proc.poll() is None, f"the first run ended early: {finish(proc)}"
        assert time.monotonic() < end, "the first run wrote nothing"
        time.sleep(0.01)


def long_src(scene):
    src = scene.root / "src"
    make_src(src, count=40, size=(16, 16))
    scene.watch(src)
    return src


# item 8 / one run per DST


def interrupt(proc):
    """Ctrl-C to the child's process group; it must stop cleanly with 130."""
    os.killpg(proc.pid, signal.SIGINT)
    out, err = finish(proc)
    check_message(Result(proc.returncode, out, err), 130, False)
    assert proc.returncode == 130, err


def test_8_two_overwrite_runs_into_one_dst_second_exits_2_first_stays_whole(scene):
    src, dst = long_src(scene), scene.root / "dst"
    args = ("augment", src, dst, *LONG, "--overwrite")
    first = start(list(map(str, args)), scene.root)
    try:
        wait_until_writing(first, dst)
        result = scene.run(*args, expect=2)
        assert "another augcli run" in result.stderr or "running" in result.stderr
        assert first.poll() is None, "the first run ended before the second one was refused"
    finally:
        interrupt(first)
    lines = manifest_lines(dst)
    assert {line["output"] for line in lines} == outputs(dst)
    assert len(lines) == len(outputs(dst)) > 0
    assert not [n for n in regular_files(dst) if n.startswith(TEMP_PREFIX)]
    scene.run("manifest", "verify", dst, expect=0)


def test_lock_same_shard_twice_is_refused_at_once(scene):
    src, dst = long_src(scene), scene.root / "dst"
    args = ("augment", src, dst, *LONG, "--shard", "0/2", "--overwrite")
    first = start(list(map(str, args)), scene.root)
    try:
        wait_until_writing(first, dst)
        result = scene.run(*args, expect=2)
        assert "another augcli run" in result.stderr or "running" in result.stderr
        assert first.poll() is None, "the first run ended before the second one was refused"
    finally:
        interrupt(first)


def test_lock_different_shards_run_at_the_same_time(scene):
    src, dst = long_src(scene), scene.root / "dst"
    firsts = []
    for k in (0, 1):
        plan = scene.run(
            "augment", src, dst, *LONG, "--shard", f"{k}/2", "--dry-run", "--json", expect=0
        )
        firsts.append(scene.root / plan.json["examples"][0])
    runs = [
        start(["augment", str(src), str(dst), *LONG, "--shard", f"{k}/2"], scene.root)
        for k in (0, 1)
    ]
    try:
        end = time.monotonic() + 60
        while not all(p.exists() for p in firsts):  # each shard says it is writing
            assert all(r.poll() is None for r in runs), [
                finish(r) for r in runs if r.poll() is not None
            ]
            assert time.monotonic() < end, "the shards did not both start writing"
            time.sleep(0.01)
        assert all(r.poll() is None for r in runs)  # both writing into DST at the same time
    finally:
        for run in runs:
            interrupt(run)


# item 9 / proof by content


def tamper_same_size(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_9_resume_does_not_skip_a_same_size_output_with_other_bytes(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src)
    scene.watch(src)
    scene.run("augment", src, dst, *AUG, expect=0)
    target = dst / "im1_aug0.png"
    good = hashlib.sha256(target.read_bytes()).hexdigest()
    tamper_same_size(target)
    result = scene.run("augment", src, dst, *AUG, "--resume", expect=2)
    assert "im1_aug0.png" in result.stderr
    # refused, so the user's (tampered) file is left as it is and verify still says so
    scene.run("manifest", "verify", dst, expect=1)
    assert hashlib.sha256(target.read_bytes()).hexdigest() != good


def test_9_resume_skips_only_outputs_whose_sha256_matches(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src)
    scene.watch(src)
    scene.run("augment", src, dst, *AUG, expect=0)
    before = {n: hashlib.sha256((dst / n).read_bytes()).hexdigest() for n in outputs(dst)}
    (dst / "im2_aug0.png").unlink()  # interrupted before this one
    result = scene.run("augment", src, dst, *AUG, "--resume", "--json", expect=0)
    assert result.json["written"] == 1 and result.json["skipped"] == 2
    assert {n: hashlib.sha256((dst / n).read_bytes()).hexdigest() for n in outputs(dst)} == before
    scene.run("manifest", "verify", dst, expect=0)


def test_proof_overwrite_keeps_an_earlier_output_whose_bytes_changed(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src)
    scene.watch(src)
    scene.run("augment", src, dst, "--seed", "1", "--workers", "1", "--copies", "2", "-q", expect=0)
    edited = dst / "im0_aug1.png"
    tamper_same_size(edited)
    scene.watch(edited)  # not provably augcli's any more: the user's file
    scene.run("augment", src, dst, *AUG, "--overwrite", expect=0)
    assert edited.exists()
