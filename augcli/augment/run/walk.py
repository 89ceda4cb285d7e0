"""Finding the images under SRC, one folder at a time.

The walk is deterministic (sorted), skips hidden files and folders, follows symlinked folders
at most once each (so a symlink loop cannot trap it), matches extensions case-insensitively,
and leaves out the destination when it lies inside the source. It yields one folder at a time,
so memory is bounded by the largest folder, not the dataset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from augcli.images.formats import IMAGE_EXTENSIONS


@dataclass(frozen=True)
class Folder:
    """One folder of the source: its path relative to SRC, its image and other file names."""

    rel: str  # POSIX, "" for SRC itself
    path: Path
    images: tuple[str, ...]
    others: tuple[str, ...]

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
        subdirs: list[str] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    subdirs.append(entry.name)
                elif entry.is_file():
                    if is_image_name(entry.name):
                        images.append(entry.name)
                    else:
                        others.append(entry.name)
            except OSError:
                others.append(entry.name)
        if images or others:
            yield Folder(rel, folder, tuple(images), tuple(others))
        for name in reversed(subdirs):  # stack: reversed so folders come out sorted
            stack.append((f"{rel}/{name}" if rel else name, folder / name))


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
