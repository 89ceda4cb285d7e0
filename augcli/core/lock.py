"""One run per destination: an advisory lock file in DST, held for the whole run.

``DST/.augcli-lock`` for a plain run; a sharded run holds ``DST/.augcli-lock`` shared (so a
plain run cannot start beside it) and ``DST/.augcli-lock.K-of-N`` exclusive (so shards of one
run go side by side, but the same shard twice does not). A second run exits 2 at once, naming
the process that holds the lock. The lock file names the holder (pid and command) and is
removed when the run ends; the lock itself is the kernel's (``flock``), so a killed run never
leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from augcli.core.errors import OutputError, UsageError

LOCK_NAME = ".augcli-lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one run per DST unchecked
    fcntl = None  # type: ignore[assignment]


def _holder(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(500).strip() or "unknown"
    except OSError:
        return "unknown"


def _acquire(path: Path, exclusive: bool) -> int | None:
    """Lock ``path`` (created if missing); None when another run holds it."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            raise OutputError(f"cannot create the run lock {path}: {exc.strerror}") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # pragma: no cover - O_NOFOLLOW refuses links
            os.close(fd)
            raise UsageError(f"the run lock {path} is not a regular file; remove it")
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        try:  # the file we locked may have been removed by a run that just ended: retry
            same = os.stat(path, follow_symlinks=False).st_ino == info.st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _note(fd: int) -> None:
    text = f"pid {os.getpid()}: {' '.join(os.path.basename(a) for a in sys.argv[:1])}"
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, (text + " " + " ".join(sys.argv[1:])[:300] + "\n").encode(), 0)


@contextlib.contextmanager
def run_lock(dst: Path, shard_tag: str | None = None) -> Iterator[None]:
    """Hold DST's run lock (and the shard's, for ``--shard``) for the ``with`` block.

    Parameters
    ----------
    dst : pathlib.Path
        The destination folder (it must exist).
    shard_tag : str, optional
        ``"K-of-N"`` for a sharded run.

    Raises
    ------
    UsageError
        Another augcli run holds the lock (exit 2), naming it.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    held: list[tuple[int, Path, bool]] = []
    locks = [(dst / LOCK_NAME, shard_tag is None)]
    if shard_tag is not None:
        locks.append((dst / f"{LOCK_NAME}.{shard_tag}", True))
    try:
        for path, exclusive in locks:
            fd = _acquire(path, exclusive)
            if fd is None:
                what = "this shard of DST" if path.name != LOCK_NAME else "DST"
                raise UsageError(
                    f"another augcli run is writing into {what} {dst} ({_holder(path)}); "
                    "wait for it to end, or choose another DST"
                )
            held.append((fd, path, exclusive))
            if exclusive:
                _note(fd)
        yield
    finally:
        for fd, path, exclusive in reversed(held):
            if exclusive:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            else:  # a shared lock: the last holder out removes the file
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    os.unlink(path)
            os.close(fd)
