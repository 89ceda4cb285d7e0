"""Signals from the first instruction (issue 21, items 12 and 16): Ctrl-C always gives 130.

Each test waits until the child says where it is before sending the signal: ``-X importtime``
makes Python report every finished import on stderr, so "click imported" means the child is
inside augcli's own start-up; "an output in DST" means it is inside the run. No sleeps.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from tests.hostile.helpers import Result, check_message, finish, make_src, start


def wait_for_import(proc, module="click"):
    """Read the child's stderr until it reports ``module`` imported (augcli is starting up)."""
    seen = []
    for raw in proc.stderr:
        line = raw.decode(errors="replace")
        seen.append(line)
        if line.startswith("import time:") and line.rstrip().split("|")[-1].strip() == module:
            return "".join(seen)
    raise AssertionError(f"the child never imported {module}: {''.join(seen)[-2000:]}")


def interrupted(proc, earlier=""):
    os.killpg(proc.pid, signal.SIGINT)
    out, err = finish(proc)
    result = Result(proc.returncode, out, earlier + err)
    assert result.code == 130, result.stderr[-3000:]
    check_message(result, 130, True)
    assert json.loads(out)["exit_code"] == 130
    return result


@pytest.mark.parametrize("command", ["augment", "loss", "validate"])
def test_12_ctrl_c_while_importing_gives_130_and_one_json_object(scene, command):
    src = scene.root / "src"
    make_src(src, count=2, size=(16, 16))
    config = scene.root / "p.yaml"
    config.write_text("ops:\n  - flip: {}\n")
    scene.watch(src, config)
    args = {
        "augment": [
            "augment",
            str(src),
            str(scene.root / "dst"),
            "--seed",
            "1",
            "--workers",
            "1",
            "--json",
        ],
        "loss": ["loss", "-", "--format", "json"],
        "validate": ["validate", str(config), "--json"],
    }[command]
    proc = start(args, scene.root, stdin=subprocess.PIPE, python_flags=("-X", "importtime"))
    earlier = wait_for_import(proc)
    interrupted(proc, earlier)
    assert "Traceback" not in earlier


def test_16_ctrl_c_in_the_middle_of_a_run_gives_130_and_one_json_object(scene):
    src, dst = scene.root / "src", scene.root / "dst"
    make_src(src, count=30, size=(16, 16))
    scene.watch(src)
    proc = start(
        [
            "augment",
            str(src),
            str(dst),
            "--seed",
            "1",
            "--workers",
            "1",
            "--copies",
            "20",
            "--json",
        ],
        scene.root,
    )
    end = time.monotonic() + 60
    while not (
        dst.is_dir() and any(p.suffix == ".png" for p in dst.iterdir())
    ):  # the child is writing
        assert proc.poll() is None, finish(proc)
        assert time.monotonic() < end
        time.sleep(0.01)
    result = interrupted(proc)
    assert result.json["interrupted"] is True and 0 < result.json["written"] < 600


def test_16_ctrl_c_while_loss_reads_its_input_gives_130_and_one_json_object(scene):
    proc = start(["loss", "-", "--format", "json"], scene.root, stdin=subprocess.PIPE)
    # more than a pipe buffer: when write returns, the child has read most of it (it is reading)
    proc.stdin.write(b"y_true,y_pred\n" + b"1,0.5\n" * 100_000)
    proc.stdin.flush()
    result = interrupted(proc)
    assert result.json.get("interrupted") is True
