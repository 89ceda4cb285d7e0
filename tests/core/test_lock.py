"""core.lock: one run per DST (per shard), refused at once, never stale after a kill."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from augcli.core.errors import UsageError
from augcli.core.lock import LOCK_NAME, run_lock

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from augcli.core.lock import run_lock
    tag = sys.argv[2] if len(sys.argv) > 2 else None
    with run_lock(Path(sys.argv[1]), tag):
        print("ready", flush=True)
        sys.stdin.readline()
    """
)


def _holder(dst, tag=None):
    args = [sys.executable, "-c", HOLD, str(dst)] + ([tag] if tag else [])
    child = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    return child


def _release(child):
    child.stdin.write("\n")
    child.stdin.flush()
    assert child.wait(timeout=30) == 0
    child.stdin.close()
    child.stdout.close()


def test_a_second_run_into_the_same_dst_is_refused_naming_the_first(tmp_path):
    child = _holder(tmp_path)
    try:
        with pytest.raises(UsageError, match=rf"another augcli run .*pid {child.pid}"):
            with run_lock(tmp_path):
                pass
    finally:
        _release(child)
    with run_lock(tmp_path):  # free again once the first ended
        assert (tmp_path / LOCK_NAME).exists()
    assert not (tmp_path / LOCK_NAME).exists()


def test_different_shards_run_together_the_same_shard_twice_does_not(tmp_path):
    child = _holder(tmp_path, "0-of-2")
    try:
        with run_lock(tmp_path, "1-of-2"):
            pass
        with pytest.raises(UsageError, match="this shard of DST"):
            with run_lock(tmp_path, "0-of-2"):
                pass
        with pytest.raises(UsageError, match="another augcli run"):
            with run_lock(tmp_path):  # an unsharded run beside a shard
                pass
    finally:
        _release(child)


def test_a_killed_run_leaves_no_stale_lock(tmp_path):
    child = _holder(tmp_path)
    child.kill()
    child.wait(timeout=30)
    child.stdin.close()
    child.stdout.close()
    with run_lock(tmp_path):
        pass
