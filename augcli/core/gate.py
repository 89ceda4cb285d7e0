"""The file gate: every path a user names, read or written, passes these checks once.

Rules (README, Guarantees):

- **Reads** open only regular files (a FIFO, device, socket or folder is refused without being
  opened for reading, so nothing blocks), and text files are read up to a size cap.
- **Writes** never go through a symlink, over a special file, or over a file with other hard
  links: the name is refused, not followed. A target that is (or resolves to) one of the
  command's inputs, or lies inside an input folder, is refused before any work.
- **Deletes** remove only a regular, singly linked file inside DST that is not an input and
  not inside an input folder (callers add the content proof: size and SHA-256).

Every refusal is a :class:`~augcli.core.errors.UsageError` (exit 2) or
:class:`~augcli.core.errors.InputError` naming the option, the path and what is allowed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from augcli.core.errors import InputError, OutputError, UsageError

TEXT_CAP = 64 << 20
"""Default size cap of a text file augcli reads whole (configs, label files, scheduler files)."""

PathLike = str | os.PathLike[str]


def kind_of(mode: int) -> str:
    """What a file is, in words (``a FIFO``, ``a folder``, ``a symlink``...), from ``st_mode``."""
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symlink"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def open_regular(path: PathLike, label: str, *, cap: int | None = None) -> IO[bytes]:
    """Open ``path`` for reading only if it is a regular file (at most ``cap`` bytes).

    The file is opened non-blocking and examined with ``fstat`` before anything is read, so a
    FIFO or device never blocks or streams forever.

    Parameters
    ----------
    path : str or os.PathLike
        The file (symlinks to regular files are followed: reading through a link is harmless).
    label : str
        The option or argument that named it, for messages (``-c``, ``--yolo``).
    cap : int, optional
        Refuse a file larger than this many bytes.

    Raises
    ------
    InputError
        Missing, unreadable, not a regular file, or over the cap.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{label} {os.fspath(path)!r}: no such file") from None
    except OSError as exc:
        raise InputError(f"{label} {os.fspath(path)!r}: cannot open ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"{label} {os.fspath(path)!r} is {kind_of(info.st_mode)}; "
                "augcli reads only regular files"
            )
        if cap is not None and info.st_size > cap:
            raise InputError(
                f"{label} {os.fspath(path)!r} is {info.st_size} bytes; "
                f"the limit for this file is {cap} bytes"
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: PathLike, label: str, *, cap: int = TEXT_CAP) -> bytes:
    """The whole content of a regular file of at most ``cap`` bytes (it may not grow past it)."""
    with open_regular(path, label, cap=cap) as handle:
        try:  # read what the file holds, plus one byte to see it did not grow past the cap
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(min(size, cap) + 1)
            if len(data) > size and len(data) <= cap:
                data += handle.read(cap + 1 - len(data))
        except OSError as exc:
            raise InputError(f"{label} {os.fspath(path)!r}: cannot read ({exc.strerror})") from None
    if len(data) > cap:
        raise InputError(
            f"{label} {os.fspath(path)!r} is over {cap} bytes; the limit for this file is {cap}"
        )
    return data


def read_text(path: PathLike, label: str, *, cap: int = TEXT_CAP) -> str:
    """A regular UTF-8 text file of at most ``cap`` bytes, a leading byte-order mark dropped.

    Raises
    ------
    InputError
        As :func:`open_regular`, or the bytes are not UTF-8 (naming the line).
    """
    data = read_bytes(path, label, cap=cap)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{label} {os.fspath(path)!r}, line {line}: not UTF-8 text (byte {exc.start})"
        ) from None


def write_refusal(path: PathLike) -> str | None:
    """Why augcli must not write (or replace, or delete) the name ``path``; None if it may.

    A name that does not exist may be written. An existing one must be a regular file with no
    other hard link: a symlink (dangling or not) is never followed, and a special file or a
    folder is never replaced.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be examined ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symlink (augcli never writes or deletes through a link)"
    if not stat.S_ISREG(info.st_mode):
        return f"is {kind_of(info.st_mode)}"
    if info.st_nlink > 1:
        return (
            f"has {info.st_nlink} hard links (replacing it would leave the other names "
            "with the old bytes)"
        )
    return None


def check_write_target(path: PathLike, label: str) -> None:
    """Refuse (exit 2) to write at ``path`` when :func:`write_refusal` gives a reason."""
    reason = write_refusal(path)
    if reason:
        raise UsageError(f"{label} {os.fspath(path)!r} {reason}; choose another path")


def safe_replace(temp: PathLike, final: PathLike) -> None:
    """Rename a finished temporary file over ``final`` if the gate allows writing there.

    Raises
    ------
    OutputError
        ``final`` is a symlink, special file, folder or hard-linked file, or the rename failed.
    """
    reason = write_refusal(final)
    if reason:
        raise OutputError(f"cannot write {os.fspath(final)}: it {reason}")
    try:
        os.replace(temp, final)
    except OSError as exc:
        raise OutputError(f"cannot write {os.fspath(final)}: {exc.strerror}") from None


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives
        return False


@dataclass
class Inputs:
    """What a command reads: files by identity (device, inode) and folders by real path.

    Built once per command from every user-named input (SRC, label sources, COCO JSON,
    configs); every output target and every deletion is checked against it.
    """

    files: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    folders: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, named: Iterable[tuple[str, PathLike | None]]) -> Inputs:
        """Inputs from ``(label, path)`` pairs; ``None`` and ``"-"`` (stdin) are skipped."""
        inputs = cls()
        for label, path in named:
            if path is not None and os.fspath(path) != "-":
                inputs.add(label, path)
        return inputs

    def add(self, label: str, path: PathLike) -> None:
        """Record one input file or folder (a missing path is ignored: nothing to protect)."""
        try:
            info = os.stat(path)
        except OSError:
            return
        if stat.S_ISDIR(info.st_mode):
            self.folders.append((label, os.fspath(path), os.path.realpath(path)))
        else:
            self.files[(info.st_dev, info.st_ino)] = (label, os.fspath(path))

    def holding(self, path: PathLike) -> tuple[str, str] | None:
        """``(label, input path)`` of the input that ``path`` is or lies inside, else None.

        Symlinks are followed and hard links compared by device and inode.
        """
        try:
            info = os.stat(path)
            hit = self.files.get((info.st_dev, info.st_ino))
            if hit:
                return hit
        except OSError:
            pass
        real = os.path.realpath(path)
        for label, shown, folder in self.folders:
            if _inside(real, folder):
                return label, shown
        return None

    def refuse_output(self, label: str, path: PathLike, *, folder: bool = False) -> None:
        """Refuse (exit 2) an output that is an input, lies in an input folder, or holds one.

        Parameters
        ----------
        label : str
            The option or argument naming the output (``-o``, ``DST``, ``--coco OUT``).
        path : str or os.PathLike
            The output file, or with ``folder=True`` the output folder.
        folder : bool
            An output folder is also refused when it *is* an input folder or lies inside one;
            an input folder inside it is allowed (SRC inside DST), since deletions are checked
            one by one.
        """
        hit = self.holding(path)
        if hit:
            in_label, shown = hit
            raise UsageError(
                f"{label} {os.fspath(path)!r} is or lies inside the input {in_label} {shown!r}: "
                "augcli never writes over or among its inputs; choose another output path"
            )
        if not folder:
            check_write_target(path, label)

    def deletion_refusal(self, path: PathLike, dst: PathLike) -> str | None:
        """Why augcli must not delete ``path`` (an earlier output in ``dst``); None if it may."""
        reason = write_refusal(path)
        if reason:
            return reason
        if not os.path.lexists(path):
            return "no longer exists"
        real_dst = os.path.realpath(dst)
        if not _inside(os.path.realpath(path), real_dst):
            return "lies outside DST once symlinked folders are followed"
        hit = self.holding(path)
        if hit:
            return f"is an input ({hit[0]} {hit[1]!r})"
        return None
