"""Faults during ``augcli augment``: kill -9 then --resume, Ctrl-C, a worker dying, disk full,
an unwritable destination.

The subprocess tests run the real CLI (``python -m augcli``) in its own session, wait until some
outputs exist (polling, never fixed sleeps), inject the fault, and compare what is left with one
uninterrupted reference run: every output byte-identical, the manifest naming each output once,
no temporary files, no traceback.
"""

from __future__ import annotations

import errno
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
from PIL import Image

import augcli.core.atomic
import augcli.images.reading
from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.augment.run.worker import WORKER_DIED
from augcli.cli import cli
from augcli.core.atomic import TEMP_PREFIX

ROOT = Path(__file__).resolve().parents[2]
N_IMAGES = 80
COPIES = 2
ARGS = ["--seed", "5", "--copies", str(COPIES), "--workers", "2", "-q"]
TIMEOUT = 60


# -- helpers ---------------------------------------------------------------------------------


def make_src(src: Path, n: int = N_IMAGES) -> None:
    """``n`` small noisy PNGs in three folders (noise: slow enough to interrupt mid-run)."""
    rng = np.random.default_rng(0)
    for i in range(n):
        folder = src / f"d{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"img {i:03d}.png")


def augcli_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "augcli", *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def start(procs: list, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        augcli_cmd(*args),
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    procs.append(proc)
    return proc


@pytest.fixture
def procs():
    """Started runs; whatever is left of their process groups is killed after the test."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.kill()
        proc.wait(TIMEOUT)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def outputs(dst: Path) -> dict[str, Path]:
    """Finished output images under ``dst`` by relative POSIX path (no temps, no manifest)."""
    found = {}
    for path in dst.rglob("*"):
        if path.is_file() and path.name != MANIFEST_NAME and not path.name.startswith(TEMP_PREFIX):
            found[path.relative_to(dst).as_posix()] = path
    return found


def temps(dst: Path) -> list[Path]:
    return [p for p in dst.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wait_for(condition, what: str, timeout: float = TIMEOUT, interval: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def wait_for_outputs(proc: subprocess.Popen, dst: Path, count: int) -> None:
    """Poll until ``count`` outputs exist; fail if the run ended first (kill point missed)."""

    def ready() -> bool:
        assert proc.poll() is None, "the run ended before the fault could be injected"
        return dst.is_dir() and len(outputs(dst)) >= count

    wait_for(ready, f"{count} outputs in {dst}")


def group_alive(pgid: int) -> bool:
    """Whether any live (non-zombie) process is still in process group ``pgid``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def check_manifest(dst: Path) -> list[dict]:
    """Every line valid, each output named exactly once, and exactly the outputs that exist."""
    text = (dst / MANIFEST_NAME).read_text()
    assert text == "" or text.endswith("\n")
    entries = [json.loads(line) for line in text.splitlines()]
    named = [entry["output"] for entry in entries]
    assert len(named) == len(set(named)), "an output is described twice"
    assert set(named) == set(outputs(dst))
    return entries


def check_images_open(dst: Path) -> None:
    for path in outputs(dst).values():
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            im.load()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """SRC and the outputs of one uninterrupted pool run: relative path -> sha256."""
    root = tmp_path_factory.mktemp("reference")
    src, dst = root / "src", root / "dst"
    make_src(src)
    proc = subprocess.run(
        augcli_cmd("augment", str(src), str(dst), *ARGS),
        env=env(),
        capture_output=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    found = {rel: digest(p) for rel, p in outputs(dst).items()}
    assert len(found) == N_IMAGES * COPIES
    check_manifest(dst)
    return src, found


# -- kill -9, Ctrl-C, worker death -----------------------------------------------------------


def test_kill_9_then_resume_matches_uninterrupted_run(reference, tmp_path, procs):
    src, expected = reference
    dst = tmp_path / "dst"
    proc = start(procs, "augment", str(src), str(dst), *ARGS)
    wait_for_outputs(proc, dst, 10)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(TIMEOUT)
    # the pool must not outlive its parent (was a bug with a forkserver in between)
    wait_for(lambda: not group_alive(proc.pid), "the workers to exit after kill -9", 20, 0.05)
    proc.communicate(timeout=TIMEOUT)
    assert 0 < len(outputs(dst)) < len(expected), "the kill came too late to test anything"

    done = subprocess.run(
        augcli_cmd("augment", str(src), str(dst), *ARGS, "--resume", "--json"),
        env=env(),
        capture_output=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    assert summary["skipped"] > 0 and summary["skipped"] + summary["written"] == len(expected)
    found = {rel: digest(p) for rel, p in outputs(dst).items()}
    assert found == expected
    assert temps(dst) == []
    entries = check_manifest(dst)
    assert len(entries) == len(expected)
    assert {entry["seed"] for entry in entries} == {5}


def test_ctrl_c_exits_130_cleanly(reference, tmp_path, procs):
    src, expected = reference
    dst = tmp_path / "dst"
    proc = start(procs, "augment", str(src), str(dst), *ARGS)
    wait_for_outputs(proc, dst, 10)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    sent = time.monotonic()
    _, stderr = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130, stderr
    assert time.monotonic() - sent < 10
    assert b"Traceback" not in stderr and b"Interrupted." in stderr
    wait_for(lambda: not group_alive(proc.pid), "the workers to exit", 20, 0.05)
    assert temps(dst) == []
    found = outputs(dst)
    assert 0 < len(found) < len(expected)
    check_images_open(dst)
    check_manifest(dst)
    assert {rel: digest(p) for rel, p in found.items()}.items() <= expected.items()


def test_sigterm_is_handled_like_ctrl_c(reference, tmp_path, procs):
    """Also: with --json, the one object on stdout is the partial summary, interrupted."""
    src, expected = reference
    dst = tmp_path / "dst"
    proc = start(procs, "augment", str(src), str(dst), *ARGS, "--json")
    wait_for_outputs(proc, dst, 10)
    os.kill(proc.pid, signal.SIGTERM)  # main process only, as a job scheduler would
    stdout, stderr = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130, stderr
    assert b"Traceback" not in stderr
    summary = json.loads(stdout)  # exactly one object: json.loads refuses anything after it
    assert summary["interrupted"] is True and summary["exit_code"] == 130
    assert 0 < summary["written"] < len(expected)
    wait_for(lambda: not group_alive(proc.pid), "the workers to exit", 20, 0.05)
    assert temps(dst) == []
    check_manifest(dst)
    assert {rel: digest(p) for rel, p in outputs(dst).items()}.items() <= expected.items()


def worker_pids(main: int) -> list[int]:
    """The pool's worker processes: children of ``main`` (fork, on Linux), or of its
    forkserver child (other start methods)."""
    workers = []
    for child in children(main):
        line = cmdline(child)
        if "forkserver" in line:
            workers += children(child)
        elif "resource_tracker" not in line:
            workers.append(child)
    return workers


def test_worker_killed_mid_run_does_not_hang(reference, tmp_path, procs):
    src, expected = reference
    dst = tmp_path / "dst"
    proc = start(procs, "augment", str(src), str(dst), *ARGS, "--json")
    wait_for_outputs(proc, dst, 10)
    pids: list[int] = []

    def found_workers() -> bool:
        assert proc.poll() is None, "the run ended before a worker could be killed"
        pids[:] = worker_pids(proc.pid)
        return len(pids) == 2

    wait_for(found_workers, "two worker processes")
    os.kill(pids[0], signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode in (0, 1), stderr
    assert b"Traceback" not in stderr
    summary = json.loads(stdout)
    # the killed task is retried alone (and succeeds) or reported failed; nothing else is lost
    assert summary["failed"] <= 1
    failed = {os.path.relpath(item["path"], src) for item in summary["failures"]}
    for item in summary["failures"]:
        assert WORKER_DIED in item["reason"]
    found = {rel: digest(p) for rel, p in outputs(dst).items()}
    missing = {rel for rel in expected if rel not in found}
    assert {rel.rsplit("_aug", 1)[0] for rel in missing} == {
        os.path.splitext(rel)[0] for rel in failed
    }
    assert found.items() <= expected.items()
    assert temps(dst) == []
    check_manifest(dst)


# -- disk full, unwritable destination (in-process, --workers 1) ------------------------------


def small_src(src: Path, n: int = 6) -> None:
    rng = np.random.default_rng(1)
    src.mkdir()
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (16, 24, 3), dtype=np.uint8)).save(src / f"{i}.png")


def run_in_process(src: Path, dst: Path, *extra: str):
    result = CliRunner().invoke(
        cli, ["augment", str(src), str(dst), "--workers", "1", "--seed", "2", *extra]
    )
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit | None), result.exception
    return result


def test_disk_full_while_encoding(tmp_path, monkeypatch):
    """ENOSPC half-way through an image: clear error, no corrupt output, no temp files."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    small_src(src)
    calls = []
    real_save = Image.Image.save

    def save(self, fp, *args, **kwargs):
        calls.append(1)
        if len(calls) > 5:
            fp.write(b"\x89PNG\r\n\x1a\n partial")  # a torn file, as a full disk leaves it
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save)
    result = run_in_process(src, dst, "--copies", "2")
    assert result.exit_code == 1  # stopped part-way: some outputs were written (README)
    assert "No space left on device" in result.stderr
    assert temps(dst) == []
    assert len(outputs(dst)) == 4  # an input's outputs are renamed together, after all encode
    check_images_open(dst)
    check_manifest(dst)


def test_disk_full_on_rename(tmp_path, monkeypatch):
    """The rename into place fails: the run stops cleanly and the manifest still matches."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    small_src(src)
    real_replace = os.replace
    renames = []

    def replace(a, b, *args, **kwargs):
        a, b = os.fspath(a), os.fspath(b)
        final = not os.path.basename(b).startswith(TEMP_PREFIX)
        if os.path.basename(a).startswith(TEMP_PREFIX) and final and b.endswith(".png"):
            renames.append(b)
            if len(renames) == 4:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), b)
        return real_replace(a, b, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    result = run_in_process(src, dst, "--copies", "1")
    assert result.exit_code == 1  # stopped part-way: some outputs were written (README)
    assert "No space left on device" in result.stderr
    assert temps(dst) == []
    assert len(outputs(dst)) == 3
    check_images_open(dst)
    check_manifest(dst)


def test_disk_full_on_manifest(tmp_path, monkeypatch):
    """The manifest cannot be appended: the image it would describe is not renamed."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    small_src(src)
    import augcli.augment.record.manifest

    real_dumps = augcli.augment.record.manifest.json.dumps
    lines = []

    def dumps(obj, *args, **kwargs):
        if not (isinstance(obj, dict) and "output" in obj):  # not a manifest line
            return real_dumps(obj, *args, **kwargs)
        lines.append(1)
        if len(lines) > 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_dumps(obj, *args, **kwargs)

    monkeypatch.setattr(augcli.augment.record.manifest.json, "dumps", dumps)
    result = run_in_process(src, dst, "--copies", "1")
    monkeypatch.undo()
    assert result.exit_code == 1  # stopped part-way: some outputs were written (README)
    assert "No space left on device" in result.stderr
    assert temps(dst) == []
    assert len(outputs(dst)) == 2
    check_manifest(dst)


def test_unwritable_destination_eacces(tmp_path, monkeypatch):
    """Permission denied on the temporary file (simulated: tests run as root)."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    small_src(src)

    def refuse(path, *, atomic=True):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(augcli.core.atomic, "open_new", refuse)
    result = run_in_process(src, dst)
    assert result.exit_code == 2
    assert "Permission denied" in result.stderr
    assert outputs(dst) == {} and temps(dst) == []


def test_destination_under_a_file(tmp_path):
    src = tmp_path / "src"
    small_src(src)
    (tmp_path / "file").write_text("x")
    result = run_in_process(src, tmp_path / "file" / "dst")
    assert result.exit_code == 2
    assert "cannot create DST" in result.stderr
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_destination_chmod(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    small_src(src)
    dst.mkdir()
    dst.chmod(0o500)
    try:
        result = run_in_process(src, dst)
    finally:
        dst.chmod(0o700)
    assert result.exit_code == 2
    assert "Permission denied" in result.stderr
    assert outputs(dst) == {} and temps(dst) == []
