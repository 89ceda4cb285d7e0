"""Run ``python -m augcli ARGS`` in a real process forked from a warm interpreter.

Starting Python and importing the CLI stack costs about 0.6 s per run; a test that only checks
what one run does (exit code, messages, files) does not need to pay it each time. The first
call starts one server per test process (``python tests/warm.py FD``): it imports what
``python -m augcli`` imports and waits. Each run is a fork of it that becomes what a fresh
``python -m augcli`` is: its own process group, the caller's memory limit, working folder,
environment and standard streams, then ``runpy`` runs ``augcli.__main__`` as ``-m`` does and the
interpreter exits normally (atexit handlers, exit code, death by signal). Tests of process
behaviour that starts outside ``main`` (interpreter start-up, ``-X`` flags, signals while
importing) start a fresh interpreter instead. ``AUGCLI_TEST_FRESH=1`` makes every run fresh.
"""

from __future__ import annotations

import array
import atexit
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_server: tuple[subprocess.Popen, socket.socket] | None = None
_failed = False


class Timeout(Exception):
    """The run did not finish in time; its process group was killed."""

    def __init__(self, stdout: bytes, stderr: bytes) -> None:
        super().__init__("timeout")
        self.stdout, self.stderr = stdout, stderr


def available() -> bool:
    """Whether runs can be forked from a warm server (Linux, not disabled)."""
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("AUGCLI_TEST_FRESH")
        and not _failed
        and _connect() is not None
    )


def _connect() -> socket.socket | None:
    global _server, _failed
    if _server is not None and _server[0].poll() is None:
        return _server[1]
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or str(ROOT)}
    env.pop("COLUMNS", None)
    proc = subprocess.Popen(
        [sys.executable, __file__, str(theirs.fileno())],
        pass_fds=[theirs.fileno()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    theirs.close()
    ready = _receive(ours)
    if ready != {"ready": True}:  # the server could not start: fresh interpreters then
        _failed = True
        ours.close()
        proc.wait()
        return None
    _server = (proc, ours)
    atexit.register(_stop, proc, ours)
    return ours


def _stop(proc: subprocess.Popen, sock: socket.socket) -> None:
    """End the server (it exits when its socket closes) and reap it."""
    sock.close()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _receive(sock: socket.socket) -> dict | None:
    """One message (a packet: SOCK_SEQPACKET keeps their bounds), None at end of stream."""
    data = sock.recv(65536)
    return json.loads(data) if data else None


def run(
    args: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    stdin: bytes | None,
    timeout: float,
    memory_limit: int | None,
) -> tuple[int, bytes, bytes]:
    """Run ``python -m augcli ARGS`` forked from the warm server; (returncode, stdout, stderr).

    ``returncode`` is Popen's: the exit status, or minus the signal that ended the process.
    ``stdin`` None reads from the null device, as ``subprocess.DEVNULL``; ``memory_limit``
    None leaves the address space unlimited. Raises
    :class:`Timeout` after killing the run's process group when it outlives ``timeout``.
    """
    sock = _connect()
    assert sock is not None
    if stdin is None:
        child_in, ours_in = os.open(os.devnull, os.O_RDONLY), None
    else:
        child_in, ours_in = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    request = {
        "args": [str(a) for a in args],
        "cwd": str(cwd),
        "env": env,
        "memory_limit": memory_limit,
    }
    fds = [child_in, out_w, err_w]
    sock.sendmsg(
        [json.dumps(request).encode() + b"\n"],
        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))],
    )
    for fd in fds:
        os.close(fd)
    started = _receive(sock)
    assert started and "pid" in started, started
    pid = started["pid"]
    try:
        out, err = _communicate(ours_in, out_r, err_r, stdin or b"", time.monotonic() + timeout)
    except Timeout:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _receive(sock)
        raise
    done = _receive(sock)
    assert done and "status" in done, done
    return os.waitstatus_to_exitcode(done["status"]), out, err


def completed(
    args: Sequence[str], *, env: dict[str, str], cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([python, -m, augcli, *args], capture_output=True, text=True)``.

    Forked from the warm server where it can be (:func:`run`), else a fresh interpreter;
    stdin is the null device; a run that outlives ``timeout`` is killed and raises
    ``subprocess.TimeoutExpired`` either way.
    """
    command = [sys.executable, "-m", "augcli", *map(str, args)]
    if not available():
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    try:
        code, out, err = run(command[3:], cwd or Path.cwd(), env, None, timeout, None)
    except Timeout as late:
        raise subprocess.TimeoutExpired(command, timeout, late.stdout, late.stderr) from None
    return subprocess.CompletedProcess(command, code, out.decode(), err.decode())


def _communicate(
    stdin_w: int | None, out_r: int, err_r: int, data: bytes, deadline: float
) -> tuple[bytes, bytes]:
    """Write ``data`` to the child's stdin and read its stdout and stderr to the end."""
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    selector = selectors.DefaultSelector()
    selector.register(out_r, selectors.EVENT_READ)
    selector.register(err_r, selectors.EVENT_READ)
    view = memoryview(data)
    if stdin_w is not None:
        if view:
            os.set_blocking(stdin_w, False)
            selector.register(stdin_w, selectors.EVENT_WRITE)
        else:
            os.close(stdin_w)
            stdin_w = None
    try:
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(b"".join(chunks[out_r]), b"".join(chunks[err_r]))
            for key, _ in selector.select(min(left, 1.0)):
                if key.fd == stdin_w:
                    try:
                        view = view[os.write(stdin_w, view[:65536]) :]
                    except BrokenPipeError:
                        view = view[:0]
                    if not view:
                        selector.unregister(stdin_w)
                        os.close(stdin_w)
                        stdin_w = None
                    continue
                chunk = os.read(key.fd, 65536)
                if chunk:
                    chunks[key.fd].append(chunk)
                else:
                    selector.unregister(key.fd)
    finally:
        selector.close()
        for fd in (stdin_w, out_r, err_r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
    return b"".join(chunks[out_r]), b"".join(chunks[err_r])


class _Child(Exception):
    """Raised in a forked child to leave the server loop and become ``python -m augcli``."""


def _serve(sock: socket.socket) -> None:
    """Fork one child per request; report its pid, then its wait status."""
    import resource

    while True:
        fds = array.array("i")
        message, ancdata, _, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(3 * fds.itemsize))
        if not message:
            return  # the test process is gone
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            sock.close()
            os.setpgrp()
            limit = request["memory_limit"]
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            os.chdir(request["cwd"])
            sys.path[0] = (
                os.getcwd()
            )  # as ``python -m`` puts it first            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = ["augcli", *request["args"]]
            raise _Child
        for fd in fds:
            os.close(fd)
        sock.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        _, status = os.waitpid(pid, 0)
        sock.sendall(json.dumps({"status": status}).encode() + b"\n")


def _warm_up() -> None:
    """Import what ``python -m augcli`` imports for any command (nothing runs)."""
    import threading

    import click

    from augcli.cli.group import cli

    context = click.Context(cli)
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        if isinstance(command, click.Group):
            for sub in command.list_commands(context):
                command.get_command(context, sub)
    # s3fs and distributed are not imported here: with them loaded, every forked run costs
    # 0.47 s instead of 0.15 s (measured with `augment --help`), more than they save.
    if threading.active_count() != 1:  # forking a threaded process is not safe
        raise RuntimeError("threads running after import")


if __name__ == "__main__":
    _sock = socket.socket(fileno=int(sys.argv[1]))
    try:
        _warm_up()
    except BaseException:
        _sock.sendall(json.dumps({"ready": False}).encode() + b"\n")
        raise SystemExit(1) from None
    _sock.sendall(json.dumps({"ready": True}).encode() + b"\n")
    try:
        _serve(_sock)
    except _Child:
        pass  # this is a forked child: run outside the except block (no exception context)
    else:
        raise SystemExit(0)
    import runpy

    del _sock
    runpy.run_module("augcli", run_name="__main__", alter_sys=True)
