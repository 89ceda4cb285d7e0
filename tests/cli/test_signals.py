"""Ctrl-C from the first instruction of the entry point: exit 130 and one JSON object.

The child announces its stages on ``AUGCLI_TEST_READY_FD`` (:mod:`augcli.cli.interrupt`):
``start`` once Ctrl-C is handled, before Click, numpy and the commands are imported, and
``ready`` when the command begins. Each test waits for a stage instead of sleeping, and each
command it interrupts cannot finish by itself before the signal arrives (it waits on standard
input, or has seconds of work), so the outcome never depends on timing.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augcli.cli.interrupt import READY_FD

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120
INTERRUPTED = {"error": "interrupted", "exit_code": 130, "interrupted": True}


def start(*args: object, stdin=subprocess.DEVNULL) -> tuple[subprocess.Popen, int]:
    """``python -m augcli ARGS`` with a readiness pipe; returns the child and the read end."""
    read, write = os.pipe()
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{READY_FD: str(write)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "augcli", *map(str, args)],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        pass_fds=(write,),
    )
    os.close(write)
    return proc, read


def wait_for(read: int, stage: str) -> None:
    """Block until the child wrote the line ``stage`` on the readiness pipe."""
    seen = b""
    deadline = time.monotonic() + TIMEOUT
    while f"{stage}\n".encode() not in seen.splitlines(keepends=True):
        left = deadline - time.monotonic()
        assert left > 0 and select.select([read], [], [], left)[0], f"no {stage!r}: {seen!r}"
        chunk = os.read(read, 64)
        assert chunk, f"the child closed the pipe before {stage!r}: {seen!r}"
        seen += chunk


def finish(proc: subprocess.Popen, read: int) -> tuple[str, str]:
    out, err = proc.communicate(timeout=TIMEOUT)
    os.close(read)
    return out.decode(), err.decode()


def test_ctrl_c_during_the_imports_exits_130_with_one_json_object():
    """The issue's start-up window: the signal lands while the modules are being imported."""
    for _ in range(5):
        proc, read = start("loss", "-", "--format", "json", stdin=subprocess.PIPE)
        wait_for(read, "start")
        proc.send_signal(signal.SIGINT)
        out, err = finish(proc, read)
        assert proc.returncode == 130, err
        assert json.loads(out) == INTERRUPTED  # json.loads refuses a second object
        assert "Traceback" not in err and err.strip().endswith("Interrupted.")


def test_ctrl_c_during_the_imports_without_json_prints_no_object():
    proc, read = start("loss", "-", stdin=subprocess.PIPE)
    wait_for(read, "start")
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc, read)
    assert proc.returncode == 130 and out == ""
    assert "Traceback" not in err and "Interrupted." in err


@pytest.fixture
def many_copies(tmp_path) -> tuple[Path, Path]:
    """A SRC whose run takes seconds (one image, many copies, one worker)."""
    src = tmp_path / "src"
    src.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(src / "a.png")
    return src, tmp_path / "dst"


@pytest.mark.parametrize("stage", ["start", "ready"])
def test_ctrl_c_of_augment_json_at_each_stage_exits_130_with_one_object(many_copies, stage):
    src, dst = many_copies
    args = ("augment", src, dst, "--copies", "5000", "--workers", "1", "--seed", "1")
    proc, read = start(*args, "--json", "-q")
    wait_for(read, stage)
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc, read)
    assert proc.returncode == 130, err
    doc = json.loads(out)
    assert doc["exit_code"] == 130 and doc["interrupted"] is True
    assert "Traceback" not in err


def test_ctrl_c_prints_one_json_object_and_exits_130_once_loss_reads():
    """Was tests/cli/test_loss.py's flaky test: now it waits for the command to begin."""
    proc, read = start("loss", "-", "--format", "json", stdin=subprocess.PIPE)
    wait_for(read, "ready")
    # more than a pipe buffer: once written, the child is inside the reader, waiting for more
    proc.stdin.write(b"y_true,y_pred\n" + b"1,0.5\n" * 100_000)
    proc.stdin.flush()
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc, read)
    assert proc.returncode == 130, err
    assert json.loads(out) == INTERRUPTED
    assert "Traceback" not in err and "Interrupted." in err


def test_the_entry_point_imports_nothing_heavy_before_arming():
    """``augcli.cli`` itself stays light: Click and numpy come after the handler."""
    code = (
        "import sys, augcli.cli; "
        "print(sorted(m for m in ('click', 'numpy', 'PIL', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=TIMEOUT,
    )
    assert done.stdout.strip() == "[]", done.stderr
