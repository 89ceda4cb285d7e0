"""The run manifest: ``DST/augcli-manifest.jsonl``, one JSON line per written output.

A line records the output (path relative to DST, ``size`` in bytes and ``sha256`` of its
bytes), its source, copy, seed, drawn ops and the run's identity (``run``). It is the record of
what augcli owns in DST: ``--resume`` trusts only outputs it lists, ``--overwrite`` deletes only
outputs it lists whose bytes still match. Each line is written and flushed *before* its image
is renamed into place, so every output that exists has its line; a line whose output does not
exist (the run was killed between the two) is dropped when the run is resumed, as is a torn
last line. When a run ends the manifest is rewritten atomically in task order, so it is the
same bytes for any number of workers.

A manifest is input like any other and may be hostile: a line naming an absolute path, ``..``
or anything outside DST makes it corrupt (exit status 2, nothing done).
"""

from __future__ import annotations

import hashlib
import heapq
import io
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path, PureWindowsPath
from typing import IO, Any

from augcli.core.atomic import atomic_write
from augcli.core.errors import InputError, OutputError, UsageError
from augcli.core.gate import open_regular, write_refusal

MANIFEST_NAME = "augcli-manifest.jsonl"
MAX_LINE = 1 << 20
"""A manifest line longer than this (bytes) is not augcli's: it is skipped, never held whole."""


def file_digest(path: str | os.PathLike[str]) -> tuple[int, str]:
    """``(size in bytes, SHA-256 hex)`` of a file's contents."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _check_output(path: Path, number: int, output: str) -> None:
    """Refuse a line whose ``output`` is not a plain relative path inside DST.

    Parts are split on ``/`` (and on ``\\`` where that is a separator too); ``\\`` and ``:`` are
    ordinary characters of POSIX file names.
    """
    windows = os.name == "nt"
    parts = output.replace("\\", "/").split("/") if windows else output.split("/")
    if (
        not output
        or "\0" in output
        or output.startswith("/")
        or (windows and PureWindowsPath(output).anchor)
        or any(part in ("..", ".", "") for part in parts)
    ):
        raise UsageError(
            f"{path}:{number}: corrupt manifest: output {output!r} is not a path inside DST "
            "(absolute, '..', or not a plain relative path); augcli will not act on it. "
            "Move the manifest away (or choose another DST) and run again"
        )


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(number, line)`` of each complete line of at most :data:`MAX_LINE` bytes."""
    number = 0
    while True:
        raw = handle.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE:  # skip the rest of an overlong line
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(MAX_LINE + 1)
            continue
        if not raw.endswith(b"\n"):
            return  # torn last line
        yield number, raw


def entries_from_bytes(data: bytes, where: str) -> list[dict[str, Any]]:
    """The valid lines of a manifest held in memory (an object store's); see :func:`read_entries`.

    ``where`` names it in messages (its URL).
    """
    return _entries(io.BytesIO(data), where)


def _entries(handle: IO[bytes], where: str | Path) -> list[dict[str, Any]]:
    entries = []
    for number, raw in _lines(handle):
        try:
            entry = json.loads(raw.decode("utf-8", errors="replace"))
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("output"), str):
            _check_output(where, number, entry["output"])  # type: ignore[arg-type]
            entries.append(entry)
    return entries


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The valid lines of a manifest (torn, overlong or malformed lines are skipped).

    Raises
    ------
    UsageError
        A line names an output outside DST (corrupt manifest, exit status 2), or the manifest
        is not a regular file (a FIFO or device is never read).
    OutputError
        The manifest cannot be read.
    """
    entries = []
    if not os.path.lexists(path):
        return []
    try:
        handle = open_regular(path, "manifest")
    except InputError as exc:
        if not os.path.exists(path):  # a dangling symlink: nothing recorded
            return []
        raise UsageError(str(exc)) from None
    try:
        with handle:
            entries = _entries(handle, path)
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror}") from None
    return entries


def unproven(dst: Path, entry: dict[str, Any]) -> str | None:
    """Why ``entry``'s output cannot be shown to be the file augcli wrote, or None if it can.

    Proof: a regular file (not a symlink) whose real path is inside DST's, with the size and
    SHA-256 its line records.
    """
    target = dst / entry["output"]
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return "no longer exists"
    except OSError as exc:
        return f"cannot be examined ({exc.strerror})"
    refusal = write_refusal(target)
    if refusal:
        return refusal
    real_dst = os.path.realpath(dst)
    if os.path.commonpath([real_dst, os.path.realpath(target)]) != real_dst:
        return "lies outside DST once symlinked folders are followed"
    if not isinstance(entry.get("size"), int) or not isinstance(entry.get("sha256"), str):
        return "its manifest line records no size and hash"
    if info.st_size != entry["size"]:
        return f"was changed since (size {info.st_size}, recorded {entry['size']})"
    try:
        _, sha = file_digest(target)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    return None if sha == entry["sha256"] else "was changed since (its SHA-256 differs)"


def write_entries(path: Path, entries: list[dict[str, Any]]) -> None:
    """Replace the manifest with these entries, atomically."""
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(e, sort_keys=True) + "\n" for e in entries)


def repair(path: Path, dst: Path) -> list[dict[str, Any]]:
    """Keep one line per output that exists; rewrite the manifest atomically; return them."""
    kept: dict[str, dict[str, Any]] = {}
    for entry in read_entries(path):
        if (dst / entry["output"]).is_file():
            kept[entry["output"]] = entry
    entries = list(kept.values())
    write_entries(path, entries)
    return entries


def walk_order(entry: dict[str, Any]) -> tuple[Any, ...]:
    """Sort key of a manifest line: SRC's walk order of its source, then copy, then output.

    The walk (:func:`augcli.augment.run.walk.walk`) lists a folder's files (sorted) before its
    sub-folders (sorted), depth first: a file is ``(0, name)`` and a folder ``(1, name)`` on
    its path, so comparing keys reproduces the walk with no list of the tasks in memory. The
    original (no copy) comes before copy 0, 1, ...
    """
    source = entry.get("source")
    parts = source.split("/") if isinstance(source, str) else [""]
    path = tuple((1, p) for p in parts[:-1]) + ((0, parts[-1]),)
    copy = entry.get("copy")
    return (path, copy if isinstance(copy, int) else -1, entry["output"])


MAX_MERGED_RUNS = 64
"""More sorted runs than this in one manifest (an old, unordered file): sorted in memory."""


def _keyed_lines(
    handle: IO[bytes], start: int, end: int, order: Callable[[dict[str, Any]], Any]
) -> Iterator[tuple[Any, int, bytes]]:
    """``(key, offset, line)`` of each valid line between two offsets of the file."""
    handle.seek(start)
    offset = start
    while offset < end:
        raw = handle.readline(MAX_LINE + 1)
        if not raw or not raw.endswith(b"\n"):
            return  # torn last line (or an overlong one, which is not augcli's)
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None
        if isinstance(entry, dict) and isinstance(entry.get("output"), str):
            yield order(entry), offset, raw
        offset += len(raw)


def rewrite_sorted(path: Path, order: Callable[[dict[str, Any]], Any] = walk_order) -> None:
    """Leave the manifest with its lines sorted by ``order`` (task order), rewritten atomically.

    The writer commits lines in task order, so a manifest is a few sorted runs (one per run
    of the same DST that appended to it, e.g. a resume): they are merged from the file with one
    reader each, so memory does not grow with the number of lines. An already sorted manifest
    with no invalid line is left as it is.
    """
    try:
        handle = open_regular(path, "manifest")
    except InputError:
        return
    try:
        with handle:
            size = os.fstat(handle.fileno()).st_size
            starts, previous, clean, last_end = [0], None, True, 0
            for key, offset, raw in _keyed_lines(handle, 0, size, order):
                clean = clean and offset == last_end
                last_end = offset + len(raw)
                if previous is not None and key < previous:
                    starts.append(offset)
                previous = key
            clean = clean and last_end == size
            if len(starts) == 1 and clean:
                return
            bounds = list(zip(starts, [*starts[1:], size], strict=True))
            if len(bounds) > MAX_MERGED_RUNS:
                lines = sorted(_keyed_lines(handle, 0, size, order), key=lambda k: k[:2])
                merged: Iterator[tuple[Any, int, bytes]] = iter(lines)
                readers: list[IO[bytes]] = []
            else:
                readers = [open_regular(path, "manifest") for _ in bounds]
                merged = heapq.merge(
                    *(
                        _keyed_lines(r, a, b, order)
                        for r, (a, b) in zip(readers, bounds, strict=True)
                    ),
                    key=lambda k: k[:2],
                )
            try:
                with atomic_write(path, "wb") as out:
                    for _key, _offset, raw in merged:
                        out.write(raw)
            finally:
                for reader in readers:
                    reader.close()
    except OSError as exc:
        raise OutputError(f"cannot rewrite {path}: {exc.strerror}") from None


class ManifestWriter:
    """Appends lines to the manifest, flushing each one (or does nothing when disabled)."""

    def __init__(self, path: Path | None, truncate: bool) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        self._last_start: int | None = None
        if path is not None:
            reason = write_refusal(path)
            if reason:
                raise OutputError(f"cannot write {path}: it {reason}")
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
            try:
                fd = os.open(path, flags | os.O_NONBLOCK, 0o666)
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror}") from None
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
                os.close(fd)
                raise OutputError(f"cannot write {path}: not a regular file with one link")
            os.set_blocking(fd, True)
            if truncate:
                os.ftruncate(fd, 0)
            self._handle = open(fd, "a", encoding="utf-8")

    def write(self, entry: dict[str, Any]) -> None:
        """Append one entry as one line and flush it to the OS."""
        if self._handle is None:
            return
        try:
            self._last_start = self._handle.tell()
            self._handle.write(json.dumps(entry, sort_keys=True) + "\n")
            self._handle.flush()
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror}") from None

    def retract_last(self) -> None:
        """Remove the line just written (its output could not be renamed into place)."""
        if self._handle is None or self._last_start is None:
            return
        try:
            self._handle.truncate(self._last_start)
            self._handle.flush()
        except OSError:
            pass  # a resumed run drops lines whose output does not exist
        self._last_start = None

    def close(self) -> None:
        """Close the file."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
