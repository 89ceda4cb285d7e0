"""Parsing in a second thread: the chunks, their order and the errors of one thread."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from concurrent.futures import Future

import numpy as np
import pytest

from augcli.core.errors import InputError
from augcli.loss.evaluate import evaluate_table
from augcli.loss.reader import TableReader


def write(tmp_path, data: bytes) -> str:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    return str(path)


LONG = b"y_true,y_pred\n" + b"1,0.5\n" * 1000 + b"0," + b"9" * 5000 + b"\n"


class _OneThread:
    """A stand-in for the parse thread's pool: runs each block at once, in the caller."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def submit(self, fn, *args):
        future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - handed over as the pool would
            future.set_exception(exc)
        return future


def lines_until_error(path: str, **kw) -> tuple[list[int], str]:
    seen: list[int] = []
    try:
        for c in TableReader(path, **kw):
            seen.extend(c.lines.tolist())
    except InputError as exc:
        return seen, str(exc)
    return seen, ""


@pytest.mark.parametrize("chunk", [64, 512, 4096])
def test_a_read_error_comes_after_the_same_chunks_as_in_one_thread(tmp_path, monkeypatch, chunk):
    path = write(tmp_path, LONG)
    threaded = lines_until_error(path, chunk_bytes=chunk, max_line_bytes=1024)
    monkeypatch.setattr("augcli.loss.reader.ThreadPoolExecutor", _OneThread)
    assert threaded == lines_until_error(path, chunk_bytes=chunk, max_line_bytes=1024)
    assert threaded[1].endswith(
        "line 1002 is longer than 1024 bytes; is this a delimited text file?"
    )
    assert threaded[0] == list(range(2, 2 + len(threaded[0]))) and threaded[0]


def test_an_error_in_a_chunk_wins_over_a_read_error_after_it(tmp_path):
    data = LONG.replace(b"1,0.5", b"2,0.5")
    reader = TableReader(write(tmp_path, data), chunk_bytes=512, max_line_bytes=1024)
    with pytest.raises(InputError, match=r"line 2: label 2 is not in \{0,1\}"):
        evaluate_table(reader, ["log"], task="binary")


def test_stopping_early_closes_the_file_and_leaves_no_parse_thread(tmp_path):
    path = write(tmp_path, b"y_true,y_pred\n" + b"1,0.25\n0,0.75\n" * 5000)
    reader = TableReader(path, chunk_bytes=64)
    chunks = iter(reader)
    first = next(chunks)
    assert first.lines[0] == 2 and np.all(first.pred[:, 0] == np.where(first.y == 1, 0.25, 0.75))
    chunks.close()
    assert reader._stream.closed
    assert not [t for t in threading.enumerate() if t.name.startswith("augcli-parse")]


def test_rows_and_dropped_are_counted_in_order(tmp_path):
    rows = b"".join(b"1,0.5\n" if i % 3 else b"0,nan\n" for i in range(3000))
    reader = TableReader(write(tmp_path, b"y_true,y_pred\n" + rows), chunk_bytes=100, dropna=True)
    lines = np.concatenate([c.lines for c in reader])
    assert reader.rows == 2000 and reader.dropped == 1000
    assert lines.tolist() == [i + 2 for i in range(3000) if i % 3]


def test_cli_error_while_stdin_stays_open_exits_2_without_waiting_for_eof():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    argv = [sys.executable, "-m", "augcli", "loss", "-", "--task", "binary"]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(argv, env=env, **pipes) as proc:
        try:  # more than one 4 MiB chunk; the child may stop reading before the end
            proc.stdin.write(b"y_true,y_pred\n" + b"2,0.5\n" * 1_000_000)
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        try:
            code = proc.wait(timeout=60)  # standard input is still open here
        finally:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
            if proc.poll() is None:
                proc.kill()
        err = proc.stderr.read().decode()
    assert code == 2, err
    assert "line 2: label 2 is not in {0,1} or {-1,+1}" in err
