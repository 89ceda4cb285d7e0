"""Files that travel beside a format's label files (YOLO's ``classes.txt``), copied as they are.

A format names them in ``LabelFormat.companions``; a run copies each one found at the top of
the format's source folder to the top of its destination folder, before any work. Also the
byte-for-byte copy of ``--yolo-data``'s splits that are not augmented.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from augcli.core.atomic import atomic_write
from augcli.core.errors import InputError, UsageError
from augcli.core.gate import open_regular, write_refusal


def copy_file(src: Path, dst: Path, overwrite: bool, label: str = "--yolo-data") -> int:
    """Copy ``src`` to ``dst`` atomically; 1 if written, 0 if ``dst`` already held its bytes.

    Raises
    ------
    UsageError
        ``dst`` is a link, a special or hard-linked file, or (without ``overwrite``) a file
        with other content; ``src`` is not a regular file (``label`` names where it came from).
    """
    try:
        with open_regular(src, label) as handle:
            content = handle.read()
    except InputError as exc:  # a FIFO, a device, a link to one: refused, never read
        raise UsageError(str(exc)) from None
    if os.path.lexists(dst):
        reason = write_refusal(dst)
        if reason:
            raise UsageError(f"{dst} {reason}; augcli replaces only regular files it wrote")
        with open_regular(dst, "OUT") as handle:
            if handle.read() == content:
                return 0
        if not overwrite:
            raise UsageError(f"{dst} exists with other content; use --overwrite to replace it")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(dst) as handle:
        handle.write(content)
    return 1


def companion_sources(labels: Any) -> list[tuple[Any, Path, Path]]:
    """``(format, source, destination)`` of each companion file present at the top of a
    given format's source folder.

    Raises
    ------
    UsageError
        One that is not a regular file (a FIFO, a device, a link to one): refused at plan
        time, before DST is made.
    """
    found = []
    for fmt, pair in labels.given():
        for name in fmt.companions:
            source = Path(pair[0]) / name
            if not (Path(pair[0]).is_dir() and os.path.lexists(source)):
                continue
            try:
                regular = stat.S_ISREG(os.stat(source).st_mode)
            except OSError:
                regular = False
            if not regular:
                raise UsageError(
                    f"{fmt.flag} {source}: not a regular file; augcli copies {name} to the "
                    "label destination and reads only regular files"
                )
            found.append((fmt, source, Path(pair[1]) / name))
    return found


def copy_companions(labels: Any, overwrite: bool) -> int:
    """Copy each given format's companion files (source folder -> destination folder).

    Returns the number of files written.
    """
    return sum(
        copy_file(source, target, overwrite, fmt.flag)
        for fmt, source, target in companion_sources(labels)
    )
