"""The protocol every label format implements: its flag, its sources, read, write, draw.

A format is one module in :mod:`augcli.augment.labels.formats` holding one
:class:`LabelFormat` subclass, registered by name in ``FORMATS``. Everything else (the CLI
options of ``augment`` and ``preview``, the manifest's ``labels`` key, the ``--dry-run``
listing, preview drawing and the docs table) asks the registry, so adding a format is one
module plus its tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from augcli.augment.labels.geometry import Warp
from augcli.augment.record.manifest import file_digest
from augcli.core.errors import UsageError


@dataclass(frozen=True)
class Setting:
    """A format's own option (``--kpt-shape``): flag, metavar, help, and its parser.

    ``parse`` turns the text given into the value stored in ``LabelOptions.settings[dest]``
    and raises :class:`~augcli.core.errors.UsageError` naming the flag for bad text.
    """

    flag: str
    dest: str
    metavar: str
    help: str
    parse: Callable[[str], Any]


@dataclass
class FolderState:
    """A format's per-run planning state: run-level data and the current folder's cache."""

    data: Any = None
    folder: str | None = None
    cache: Any = None
    found: int = 0
    missing: int = 0
    examples: list[str] = field(default_factory=list)


class LabelFormat:
    """One label format at the edge of augcli (subclass and register in ``FORMATS``).

    Class attributes
    ----------------
    name : str
        Registry name (``masks``, ``yolo``, ...); the CLI flag is ``--<name>``.
    key : str
        The manifest ``labels`` key of its entries (and of the run summary's counts).
    extension : str or None
        The extension of the per-image label files it writes; None when it writes one file
        for the run (COCO), from the outputs' manifest entries.
    metavar, help : str
        ``augment``'s option: its two values and help.
    preview_metavar, preview_help : str
        ``preview``'s option (one path).
    summary : str
        One line for the docs table.
    companions : tuple of str
        Files its label folders may hold at their top that are not an image's labels
        (``classes.txt``); a run copies them to the destination folder.
    ultralytics_rule : bool
        Its label folders may be found by Ultralytics' rule (``.../images/...`` ->
        ``.../labels/...``): ``augment`` then has ``--<name>-auto``.
    """

    name: ClassVar[str]
    key: ClassVar[str]
    extension: ClassVar[str | None] = None
    metavar: ClassVar[str] = "SRC DST"
    help: ClassVar[str]
    preview_metavar: ClassVar[str] = "PATH"
    preview_help: ClassVar[str]
    summary: ClassVar[str] = ""
    example: ClassVar[str] = ""
    settings: ClassVar[tuple[Setting, ...]] = ()
    companions: ClassVar[tuple[str, ...]] = ()
    ultralytics_rule: ClassVar[bool] = False

    @property
    def flag(self) -> str:
        """The command-line flag."""
        return f"--{self.name}"

    # -- planning --------------------------------------------------------------------------
    def check_paths(self, pair: tuple[str, str], src: Path, dst: Path) -> Path:
        """Refuse a missing source or an unusable destination (exit 2); return the source.

        The default: a folder mirroring SRC, and a destination folder.
        """
        lsrc, ldst = Path(pair[0]), Path(pair[1])
        if not lsrc.is_dir():
            raise UsageError(f"{self.flag} {lsrc}: no such folder")
        if ldst.exists() and not ldst.is_dir():
            raise UsageError(f"{self.flag} destination {ldst}: exists and is not a folder")
        return lsrc.resolve()

    def resolve(self, pair: tuple[str, ...], options: Any) -> None:
        """Complete ``options.settings`` from the dataset (e.g. a data.yaml found), or refuse
        the combination given (exit 2). Called once, at plan time and by ``preview``."""

    def start(self, pair: tuple[str, str], options: Any, max_pixels: int | None) -> Any:
        """Run-level data loaded once at plan time (e.g. a COCO index); default None."""
        return None

    def enter(self, state: FolderState, pair: tuple[str, str], rel: str) -> None:
        """Cache what :meth:`source` needs for folder ``rel`` (default: nothing)."""

    def source(
        self, state: FolderState, pair: tuple[str, str], rel: str, name: str, key: str,
        path: Path | None,
    ) -> tuple[str | None, str | None]:  # fmt: skip
        """``(source, problem)``: where image ``name`` of folder ``rel`` has its labels.

        The default: ``<stem><extension>`` at the same relative path (may not exist).
        """
        stem = os.path.splitext(name)[0]
        return str(Path(pair[0]) / rel / (stem + (self.extension or ""))), None

    def preview_source(self, arg: str, image: Path) -> tuple[str | None, str | None, Any]:
        """``(source, problem, names)`` for ``preview``: a file, or a folder holding one."""
        stem = image.stem
        if os.path.isdir(arg):
            return str(Path(arg) / (stem + (self.extension or ""))), None, None
        return arg, None, None

    # -- the worker side -------------------------------------------------------------------
    def read(self, source: str, size: tuple[int, int], options: Any, max_pixels: int | None):
        """The labels of an image of ``size = (height, width)`` from ``source``."""
        raise NotImplementedError

    def write(
        self,
        data: Any,
        warps: Sequence[Warp],
        out_size: tuple[int, int],
        options: Any,
        temp: str | None,
        rel: str | None,
        output_name: str,
    ) -> dict[str, Any]:
        """Move ``data`` for one output, write its file to ``temp`` (when the format writes
        per-image files) and return its manifest entry (``file`` is ``rel``).

        ``output_name`` is the output image's file name (VOC writes it in ``filename``).
        """
        raise NotImplementedError

    def draw(
        self, rgb: np.ndarray, data: Any, warps: Sequence[Warp], options: Any, names: Any
    ) -> np.ndarray:
        """``rgb`` (an augmented sample) with the moved labels drawn (``preview``)."""
        return rgb


def digest(path: str) -> dict[str, Any]:
    """A written label file's ``size`` and ``sha256``, the proof ``--overwrite`` checks."""
    size, sha = file_digest(path)
    return {"size": size, "sha256": sha}


def write_text_file(path: str, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to a temporary label file."""
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
