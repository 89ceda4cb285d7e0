"""Ctrl-C from the first instruction: exit 130 and, under ``--json``, one JSON object.

Standard library only, so that :func:`augcli.cli.main` can arm it before Click, numpy and
the commands are imported. The group (:mod:`augcli.cli.group`) reports an interrupt inside a
command; :func:`report` covers everything around it (imports, option parsing, printing).

For tests, ``AUGCLI_TEST_READY_FD`` names an inherited file descriptor: augcli writes
``start`` (a line) to it once an interrupt is handled, before the heavy imports, and
``ready`` when the command begins, so a signal test waits for a stage instead of sleeping.
"""

from __future__ import annotations

import json
import os
import signal
import sys

EXIT_INTERRUPTED = 130  # as augcli.core.errors.EXIT_INTERRUPTED, without importing it
READY_FD = "AUGCLI_TEST_READY_FD"

_json_printed = False


def arm() -> None:
    """Make SIGINT raise KeyboardInterrupt (unless it was ignored on purpose, e.g. ``nohup``)."""
    global _json_printed
    _json_printed = False
    if signal.getsignal(signal.SIGINT) is signal.SIG_DFL:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def announce(stage: str) -> None:
    """Write ``stage`` and a newline to ``$AUGCLI_TEST_READY_FD`` when it is set (tests only)."""
    fd = os.environ.get(READY_FD)
    if not fd:
        return
    try:
        os.write(int(fd), f"{stage}\n".encode())
    except (ValueError, OSError):
        pass


def wants_json(args: list[str]) -> bool:
    """Whether the command line asks for JSON on stdout (``--json``, or ``--format json``)."""
    if "--json" in args or "--format=json" in args:
        return True
    return any(a == "--format" and b == "json" for a, b in zip(args, args[1:], strict=False))


def json_printed() -> None:
    """Record that this invocation's one JSON object is on stdout (none may follow)."""
    global _json_printed
    _json_printed = True


def write_json_error(message: str, code: int) -> None:
    """Print ``{"error", "exit_code"[, "interrupted"]}`` on stdout and record it as printed."""
    payload: dict[str, object] = {"error": message, "exit_code": code}
    if code == EXIT_INTERRUPTED:
        payload["interrupted"] = True
    json_printed()  # first: a second Ctrl-C during the write must not print another
    try:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def report(args: list[str]) -> int:
    """Report an interrupt (further Ctrl-C ignored meanwhile) and return the exit status 130."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if wants_json(args) and not _json_printed:
        write_json_error("interrupted", EXIT_INTERRUPTED)
    try:
        sys.stderr.write("Interrupted.\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return EXIT_INTERRUPTED
