"""Bucket-to-bucket runs against a real S3 endpoint (moto's server) give a disk run's bytes.

Each run is compared object by object with a run of the same seed from disk to disk: the local
pool, three shards and ``manifest merge`` (with masks, YOLO and COCO), and Dask on a
LocalCluster of two workers. Faults: a killed pool worker and a killed shard, each then
``--resume``d. Refusals: a prefix holding another run's manifest, hostile keys. Nothing may
print or store the credentials or the endpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.config import parse_pipeline
from augcli.augment.executors.local import LocalExecutor
from augcli.augment.stores.parts import PARTS
from augcli.augment.stores.run import augment_store
from augcli.augment.tasks import AugmentOptions
from augcli.cli import cli
from tests.augment.stores.conftest import KEY_ID, REPO, SECRET, augcli, download, files

pytestmark = pytest.mark.filterwarnings("error")
LABELLED = REPO / "sample_labelled"
SEED = ["--seed", "21", "--copies", "2", "--quiet"]


@pytest.fixture(scope="module")
def data(s3, tmp_path_factory) -> Path:
    """Odd images in two folders (RGB, grey, RGBA, 16-bit) and the labelled samples, on disk
    and in ``s3://inbox/``."""
    root = tmp_path_factory.mktemp("stores") / "src"
    rng = np.random.default_rng(4)
    for i in range(12):
        folder = root / f"f{i % 2}" / ("deep" if i % 3 == 0 else "")
        folder.mkdir(parents=True, exist_ok=True)
        kind = i % 4
        if kind == 0:
            Image.fromarray(rng.integers(0, 256, (40, 52, 3), dtype=np.uint8)).save(
                folder / f"{i:02d}.png"
            )
        elif kind == 1:
            Image.fromarray(rng.integers(0, 256, (33, 47), dtype=np.uint8)).save(
                folder / f"{i:02d}.jpg"
            )
        elif kind == 2:
            Image.fromarray(rng.integers(0, 256, (30, 30, 4), dtype=np.uint8), "RGBA").save(
                folder / f"{i:02d}.png"
            )
        else:
            Image.fromarray(rng.integers(0, 65535, (28, 36), dtype=np.uint16)).save(
                folder / f"{i:02d}.png"
            )
    (root / "notes.txt").write_text("not an image\n")
    s3.mkdir("inbox")
    s3.put(str(root) + "/", "inbox/plain/", recursive=True)
    s3.put(str(LABELLED) + "/", "inbox/lab/", recursive=True)
    return root


@pytest.fixture(scope="module")
def disk(data, tmp_path_factory) -> Path:
    """The reference: disk-to-disk runs of the same seeds."""
    out = tmp_path_factory.mktemp("disk")
    augcli("augment", str(data), str(out / "plain"), "--workers", "2", *SEED)
    augcli(
        "augment",
        str(LABELLED / "images"),
        str(out / "lab"),
        "--masks",
        str(LABELLED / "masks"),
        str(out / "labm"),
        "--yolo",
        str(LABELLED / "labels"),
        str(out / "laby"),
        "--coco",
        str(LABELLED / "annotations.json"),
        str(out / "lab.json"),
        "--workers",
        "1",
        *SEED,
    )
    return out


def test_local_pool_bucket_to_bucket_gives_the_disk_runs_bytes(s3, data, disk):
    s3.mkdir("pool")
    done = augcli("augment", "s3://inbox/plain", "s3://pool/run", "--workers", "2", *SEED)
    assert download(s3, "pool/run") == files(disk / "plain")
    assert "12 inputs: 24 outputs written" in done.stderr


def test_three_shards_and_merge_give_the_unsharded_disk_runs_bytes_and_coco(s3, data, disk):
    s3.mkdir("shards")
    shards = [
        _start(
            "augment",
            "s3://inbox/lab/images",
            "s3://shards/img",
            "--masks",
            "s3://inbox/lab/masks",
            "s3://shards/masks",
            "--yolo",
            "s3://inbox/lab/labels",
            "s3://shards/yolo",
            "--coco",
            "s3://inbox/lab/annotations.json",
            "s3://shards/lab.json",
            "--shard",
            f"{k}/3",
            "--workers",
            "1",
            *SEED,
        )
        for k in range(3)
    ]
    assert [p.wait(timeout=120) for p in shards] == [0, 0, 0]
    assert not s3.exists("shards/lab.json")  # shards write no COCO file; the merge does
    augcli(
        "manifest",
        "merge",
        "s3://shards/img",
        "--coco",
        "s3://inbox/lab/annotations.json",
        "s3://shards/lab.json",
    )
    images = download(s3, "shards/img")
    for k in range(3):
        images.pop(f"augcli-manifest.{k}-of-3.jsonl")
    assert images == files(disk / "lab")
    assert download(s3, "shards/masks") == files(disk / "labm")
    assert download(s3, "shards/yolo") == files(disk / "laby")
    assert s3.cat_file("shards/lab.json") == (disk / "lab.json").read_bytes()
    verified = augcli("manifest", "verify", "s3://shards/img")
    assert verified.stdout.splitlines()[-1].startswith("OK: 6 line(s)")


def test_dask_bucket_to_bucket_gives_the_disk_runs_bytes(s3, data, disk):
    pytest.importorskip("distributed")
    s3.mkdir("dask")
    augcli(
        "augment", "s3://inbox/plain", "s3://dask/run", "--executor", "dask", "--workers", "2",
        *SEED,
    )  # fmt: skip
    assert download(s3, "dask/run") == files(disk / "plain")


def inproc(*args: str, check: int | None = 0):
    """Run the CLI in this process (single-worker runs: no pool, no interpreter start-up)."""
    result = CliRunner().invoke(cli, list(args))
    if check is not None:
        assert result.exit_code == check, (result.stderr, result.exception)
    return result


def test_another_runs_manifest_in_the_prefix_is_refused(s3, data):
    s3.mkdir("other")
    inproc("augment", "s3://inbox/plain/f0", "s3://other/run", "--workers", "1", *SEED)
    before = download(s3, "other/run")
    again = inproc("augment", "s3://inbox/plain/f0", "s3://other/run", "--seed", "5", check=2)
    assert "already holds" in again.stderr and "--resume" in again.stderr
    resumed = inproc(
        "augment", "s3://inbox/plain/f0", "s3://other/run", "--seed", "5", "--resume", check=2
    )
    assert "records another run" in resumed.stderr and "seed: 21 vs 5" in resumed.stderr
    assert download(s3, "other/run") == before


@pytest.mark.parametrize(
    "key",
    ["a/../escape.png", "a//empty.png", "/absolute.png", "./dot.png"],
)
def test_a_hostile_key_under_src_is_refused_with_nothing_written(s3, data, key):
    bucket = "hostile"
    if not s3.exists(bucket):
        s3.mkdir(bucket)
    s3.pipe_file(f"{bucket}/src/ok.png", (data / "f0" / "02.png").read_bytes())
    s3.pipe_file(f"{bucket}/src/{key}", (data / "f0" / "02.png").read_bytes())
    s3.invalidate_cache()
    listed = [p.removeprefix(f"{bucket}/src/") for p in s3.find(f"{bucket}/src")]
    if key not in listed:
        pytest.skip(f"the S3 endpoint normalised the key {key!r} to one of {listed}")
    done = inproc("augment", f"s3://{bucket}/src", f"s3://{bucket}/dst", *SEED, check=2)
    assert "not a plain relative key" in done.stderr and repr(key) in done.stderr
    assert not s3.exists(f"{bucket}/dst")
    s3.rm(f"{bucket}/src", recursive=True)


@pytest.mark.parametrize("dst", ["s3://hostile/a/../b", "s3://hostile/a//b", "s3://hostile/./b"])
def test_a_hostile_dst_url_is_refused(s3, data, dst):
    done = inproc("augment", "s3://inbox/plain/f0", dst, *SEED, check=2)
    assert "not a plain relative key" in done.stderr


def test_a_hostile_manifest_part_is_refused_on_resume(s3, data):
    s3.mkdir("partbad")
    inproc("augment", "s3://inbox/plain/f0", "s3://partbad/run", "--workers", "1", *SEED)
    line = {"output": "../../elsewhere.png", "seed": 21, "run": {}}
    name = f"partbad/run/{PARTS}/0-of-1.{time.time_ns():020d}-abcdef01.000000.jsonl"
    s3.pipe_file(name, (json.dumps(line) + "\n").encode())
    done = inproc("augment", "s3://inbox/plain/f0", "s3://partbad/run", *SEED, "--resume", check=2)
    assert "corrupt manifest" in done.stderr and "elsewhere" in done.stderr


def test_credentials_and_endpoint_appear_in_no_output_object_or_message(s3, data):
    s3.mkdir("secret")
    runs = [
        inproc("augment", "s3://inbox/plain", "s3://secret/run", "--json", "--workers", "1", *SEED),
        inproc("augment", "s3://inbox/plain", "s3://secret/run", "--json", *SEED, check=2),
        inproc("augment", "s3://no-such-bucket/x", "s3://secret/r2", *SEED, check=None),
        inproc("manifest", "verify", "s3://secret/run"),
    ]
    endpoint = os.environ["AWS_ENDPOINT_URL"].removeprefix("http://")
    stored = b"".join(download(s3, "secret").values())
    for needle in (KEY_ID, SECRET, endpoint):
        assert needle.encode() not in stored
        for done in runs:
            assert needle not in done.stdout and needle not in done.stderr
    assert runs[2].exit_code == 2 and "Traceback" not in runs[2].stderr


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(p) for p in handle.read().split()]


@pytest.fixture(scope="module")
def big(s3, tmp_path_factory) -> Path:
    """Enough work (48 images of 160x160, 3 copies) to stop a run in the middle."""
    root = tmp_path_factory.mktemp("big") / "src"
    rng = np.random.default_rng(9)
    for i in range(48):
        folder = root / f"g{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (160, 160, 3), dtype=np.uint8)).save(
            folder / f"{i:02d}.png"
        )
    s3.put(str(root) + "/", "inbox/big/", recursive=True)
    out = tmp_path_factory.mktemp("bigdisk") / "run"
    augcli("augment", str(root), str(out), "--seed", "3", "--copies", "3", "--quiet")
    return out


def _start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "augcli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_outputs(s3, prefix: str, proc: subprocess.Popen, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        s3.invalidate_cache()
        found = [p for p in s3.find(prefix) if p.endswith(".png")] if s3.exists(prefix) else []
        if len(found) >= count:
            return
        assert proc.poll() is None, "the run ended before it could be stopped"
        time.sleep(0.02)
    raise AssertionError("no outputs appeared")


def test_a_killed_pool_worker_and_a_killed_run_then_resume_give_the_disk_runs_bytes(s3, big):
    s3.mkdir("faults")
    args = ["augment", "s3://inbox/big", "s3://faults/run", "--seed", "3", "--copies", "3"]
    proc = _start(*args, "--workers", "2", "--quiet")
    try:
        _wait_for_outputs(s3, "faults/run", proc, 3)
        os.kill(_children(proc.pid)[0], signal.SIGKILL)  # one pool worker
        _wait_for_outputs(s3, "faults/run", proc, 30)
        proc.send_signal(signal.SIGKILL)  # then the whole run, mid-way
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    midway = download(s3, "faults/run")
    assert "augcli-manifest.jsonl" not in midway  # only a finished run puts its manifest
    assert 0 < sum(k.endswith(".png") for k in midway) < 144
    done = augcli(*args, "--workers", "2", "--resume")
    assert "0 failed" in done.stderr
    assert download(s3, "faults/run") == files(big)


def test_a_killed_shard_resumed_and_merged_gives_the_disk_runs_bytes(s3, big):
    s3.mkdir("shardfault")
    args = ["augment", "s3://inbox/big", "s3://shardfault/run", "--seed", "3", "--copies", "3"]
    for k in (0, 2):
        augcli(*args, "--shard", f"{k}/3", "--workers", "1", "--quiet")
    proc = _start(*args, "--shard", "1/3", "--workers", "1", "--quiet")
    try:
        _wait_for_outputs(s3, "shardfault/run", proc, len(files(big)) // 3 * 2 + 6)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    refused = augcli("manifest", "merge", "s3://shardfault/run", check=2)
    assert "augcli-manifest.1-of-3.jsonl" in refused.stderr
    augcli(*args, "--shard", "1/3", "--workers", "2", "--quiet", "--resume")
    augcli("manifest", "merge", "s3://shardfault/run")
    got = download(s3, "shardfault/run")
    for k in range(3):
        got.pop(f"augcli-manifest.{k}-of-3.jsonl")
    assert got == files(big)


class _Watching:
    """An in-process executor that, before each result is committed, checks what a reader of
    DST may see (the module docstring of augcli.augment.stores.run)."""

    def __init__(self, s3, prefix: str) -> None:
        self.inner = LocalExecutor(1)
        self.s3, self.prefix = s3, prefix
        self.seen: dict[str, str] = {}
        self.checks = 0

    def __enter__(self):
        self.inner.__enter__()
        return self

    def __exit__(self, *exc):
        self.inner.__exit__(*exc)

    def run(self, job, tasks, total, handle, stop):
        def watched(result):
            import hashlib

            for item in result.written:
                self.seen[result.task.manifest_path(item.output)] = item.sha256
            objects = download(self.s3, self.prefix)
            assert "augcli-manifest.jsonl" not in objects
            images = {k: v for k, v in objects.items() if not k.startswith(PARTS)}
            # every image object is whole: exactly the bytes its worker hashed
            assert {k: hashlib.sha256(v).hexdigest() for k, v in images.items()} == self.seen
            for key, data in objects.items():
                if key.startswith(PARTS):
                    for line in data.decode().splitlines():
                        assert json.loads(line)["output"] in self.seen
            self.checks += 1
            handle(result)

        self.inner.run(job, tasks, total, watched, stop)


def test_a_reader_sees_only_whole_objects_and_no_manifest_until_the_run_ends(s3, data, disk):
    s3.mkdir("reader")
    spec = parse_pipeline("pipeline:\n  - flip: {p: 0.5}\n  - rotate: {angle: [-20, 20]}\n")
    watcher = _Watching(s3, "reader/run")
    options = AugmentOptions(copies=2, seed=21, workers=1)
    summary = augment_store(spec, str(data), "s3://reader/run", options, executor=watcher)
    assert summary.written == 24 and watcher.checks == 12
    assert "augcli-manifest.jsonl" in download(s3, "reader/run")
    assert not [k for k in download(s3, "reader/run") if k.startswith(PARTS)]


def test_local_shards_with_coco_merge_into_the_unsharded_coco_file(tmp_path):
    common = [
        "--coco",
        str(LABELLED / "annotations.json"),
        "--workers",
        "1",
        *SEED,
    ]
    augcli("augment", str(LABELLED / "images"), str(tmp_path / "u"), *common[:2],
           str(tmp_path / "u.json"), *common[2:])  # fmt: skip
    for k in range(3):
        augcli("augment", str(LABELLED / "images"), str(tmp_path / "s"), *common[:2],
               str(tmp_path / "s.json"), *common[2:], "--shard", f"{k}/3")  # fmt: skip
    assert not (tmp_path / "s.json").exists()
    augcli("manifest", "merge", str(tmp_path / "s"), "--coco",
           str(LABELLED / "annotations.json"), str(tmp_path / "s.json"))  # fmt: skip
    assert (tmp_path / "s.json").read_bytes() == (tmp_path / "u.json").read_bytes()
    shutil.rmtree(tmp_path / "s")


def test_preview_from_a_bucket_to_a_bucket_equals_the_local_preview(s3, data, tmp_path):
    """IMAGE, its mask and COCO file as URLs, -o as a URL: the same sheet as from disk."""
    image = "everyday/coffee.jpg"
    local = tmp_path / "local.png"
    args = ["-n", "3", "--seed", "2"]
    augcli(
        "preview", str(LABELLED / "images" / image), "-o", str(local), *args,
        "--masks", str(LABELLED / "masks" / "everyday" / "coffee.png"),
        "--coco", str(LABELLED / "annotations.json"),
    )  # fmt: skip
    s3.mkdir("previews")
    done = augcli(
        "preview", f"s3://inbox/lab/images/{image}", "-o", "s3://previews/sheet.png", *args,
        "--masks", "s3://inbox/lab/masks/everyday/coffee.png",
        "--coco", "s3://inbox/lab/annotations.json",
    )  # fmt: skip
    assert "wrote s3://previews/sheet.png" in done.stdout
    assert s3.cat_file("previews/sheet.png") == local.read_bytes()
