"""Writing files so that they exist whole or not at all.

Every file augcli writes (images, the manifest, ``--per-row`` CSVs, ``.npy`` results) goes
through :func:`atomic_write`: the data goes to a new temporary file beside the destination,
named ``TEMP_PREFIX`` + random + the destination's suffix, which is renamed over the
destination when complete by :func:`augcli.core.gate.safe_replace` (never over a symlink,
special file or hard-linked file) and removed on any failure, Ctrl-C included. Permissions
follow the umask, as with ``open``. OS errors become :class:`OutputError` naming the destination.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from augcli.core.errors import OutputError
from augcli.core.gate import safe_replace

TEMP_PREFIX = ".augcli-tmp-"


def open_new(path: Path, *, atomic: bool = True) -> tuple[int, Path]:
    """Create the file that ``path`` is written through and return ``(fd, its path)``.

    Parameters
    ----------
    path : pathlib.Path
        The destination; its folder must exist.
    atomic : bool
        True: a new temporary file beside ``path`` (exclusive create). False: ``path`` itself,
        for callers whose ``path`` is already a temporary name they rename later.
    """
    if not atomic:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666), path
    while True:
        temp = path.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}{path.suffix}"
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temp
        except FileExistsError:  # pragma: no cover - 64 random bits
            continue


def os_reason(exc: OSError) -> str:
    """The short reason of an OS error (``No space left on device``)."""
    return exc.strerror or str(exc) or type(exc).__name__


@contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "wb", *, atomic: bool = True, **open_args: Any
) -> Iterator[IO[Any]]:
    """Open a file for ``path``; on a clean exit it becomes ``path``, on any exception it is gone.

    Parameters
    ----------
    path : str or os.PathLike
        The destination; its folder must exist.
    mode : str
        ``"wb"`` or ``"w"`` (then ``encoding``/``newline`` may be given).
    atomic : bool
        See :func:`open_new`.

    Raises
    ------
    OutputError
        Creating, writing or renaming failed (``cannot write PATH: reason``).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_write(folder / "a.txt", "w", encoding="utf-8") as handle:
    ...     _ = handle.write("whole or nothing")
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt']
    """
    path = Path(path)
    try:
        fd, written = open_new(path, atomic=atomic)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {os_reason(exc)}") from None
    try:
        with os.fdopen(fd, mode, **open_args) as handle:
            yield handle
        if written != path:
            safe_replace(written, path)
    except OSError as exc:
        remove_quietly(written)
        raise OutputError(f"cannot write {path}: {os_reason(exc)}") from None
    except BaseException:
        remove_quietly(written)
        raise


def remove_quietly(path: str | os.PathLike[str]) -> None:
    """Delete a file if it is there; a file already gone (or not removable) is not an error."""
    try:
        os.unlink(path)
    except OSError:
        pass
