"""Finding the images under SRC, one folder at a time.

The walk is deterministic (sorted), skips hidden files and folders, follows symlinked folders
at most once each (so a symlink loop cannot trap it), matches extensions case-insensitively,
and leaves out the destination when it lies inside the source. It yields one folder at a time,
so memory is bounded by the largest folder, not the dataset. A name with an image extension
that is not a regular file (a dangling symlink, a FIFO, a device, a socket, or a link to one)
is never opened: it is listed with the reason, for the run to report as a failed input; other
such names count among the files that are not images.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from augcli.core.gate import kind_of
from augcli.images.formats import IMAGE_EXTENSIONS


@dataclass(frozen=True)
class Folder:
    """One folder of the source: its path relative to SRC, its image and other file names.

    ``special`` holds the image-named entries that are not regular files, with the reason.
    """

    rel: str  # POSIX, "" for SRC itself
    path: Path
    images: tuple[str, ...]
    others: tuple[str, ...]
    special: tuple[tuple[str, str], ...] = field(default=())

    @property
    def not_images(self) -> int:
        """How many files are not images (by extension)."""
        return len(self.others)


def is_image_name(name: str) -> bool:
    """Whether a file name has one of the image extensions (any case)."""
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def walk(src: Path, exclude: Path | None = None) -> Iterator[Folder]:
    """Yield the folders of ``src`` that hold files, in sorted order.

    Parameters
    ----------
    src : pathlib.Path
        A folder, or a single image file (yielded as one folder with one image).
    exclude : pathlib.Path, optional
        A folder to leave out (the destination when it is inside the source).
    """
    if src.is_file():
        name = src.name
        ok = is_image_name(name)
        yield Folder("", src.parent, (name,) if ok else (), () if ok else (name,))
        return
    excluded = _identity(exclude) if exclude is not None else None
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, Path]] = [("", src)]
    while stack:
        rel, folder = stack.pop()
        ident = _identity(folder)
        if ident is None or ident in seen or ident == excluded:
            continue
        seen.add(ident)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        images: list[str] = []
        others: list[str] = []
        special: list[tuple[str, str]] = []
        subdirs: list[str] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    subdirs.append(entry.name)
                    continue
                regular = entry.is_file()
            except OSError:
                regular = False
            if not is_image_name(entry.name):
                others.append(entry.name)
            elif regular:
                images.append(entry.name)
            else:
                special.append((entry.name, not_regular_reason(entry.path)))
        if images or others or special:
            yield Folder(rel, folder, tuple(images), tuple(others), tuple(special))
        for name in reversed(subdirs):  # stack: reversed so folders come out sorted
            stack.append((f"{rel}/{name}" if rel else name, folder / name))


def not_regular_reason(path: str | os.PathLike[str]) -> str:
    """Why an image-named entry that is not a regular file is not read (examined, never opened).

    Parameters
    ----------
    path : str or os.PathLike
        The entry (a symlink is described by what it leads to).
    """
    try:
        link = os.lstat(path)
    except OSError as exc:
        return f"cannot be examined ({exc.strerror})"
    if not stat.S_ISLNK(link.st_mode):
        return f"is {kind_of(link.st_mode)}, not a regular file; it was not read"
    try:
        target = os.stat(path)
    except FileNotFoundError:
        return "is a dangling symlink (its target does not exist); it was not read"
    except OSError as exc:
        return f"is a symlink whose target cannot be examined ({exc.strerror})"
    return f"is a symlink to {kind_of(target.st_mode)}, not a regular file; it was not read"


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def names_in(folder: str | os.PathLike[str]) -> set[str]:
    """The names in ``folder`` (empty when it does not exist or cannot be read)."""
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()
