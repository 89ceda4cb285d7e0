"""Which label files a run reads and writes: options, per-task sources, output names, checks.

Each format of the registry (:mod:`augcli.augment.labels.formats`) says where an image's labels
are; outputs mirror the image outputs' names under each label DST (``<output stem>`` plus the
format's extension: ``.png`` masks, ``.txt`` YOLO, ``.xml`` VOC), except COCO, whose one file is
written from the manifest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augcli.augment.labels.formats import FORMATS
from augcli.augment.labels.formats.base import FolderState
from augcli.augment.run.walk import names_in
from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import UsageError


def attribute(name: str) -> str:
    """A format's name as a Python identifier (``yolo-pose`` -> ``yolo_pose``)."""
    return name.replace("-", "_")


class LabelOptions:
    """The label options of a run: per format its paths (source, destination), and settings.

    ``LabelOptions(masks=(src, dst), yolo=..., coco=..., voc=..., yolo_pose=...)``; each
    format's paths are also an attribute (``options.masks``, None when not given). Settings
    (``kpt_shape``, ``flip_idx``, ``names``) are read with :meth:`setting`.
    """

    def __init__(
        self,
        masks: tuple[str, ...] | None = None,
        yolo: tuple[str, ...] | None = None,
        coco: tuple[str, ...] | None = None,
        mask_fill: int = 0,
        min_visibility: float = 0.0,
        min_area: float = 1.0,
        **more: Any,
    ) -> None:
        given = {"masks": masks, "yolo": yolo, "coco": coco}
        settings = {}
        for key, value in more.items():
            if key in {attribute(n) for n in FORMATS}:
                given[key] = value
            else:
                settings[key] = value
        self.paths: dict[str, tuple[str, ...]] = {
            name: tuple(given[attribute(name)])  # type: ignore[arg-type]
            for name in FORMATS
            if given.get(attribute(name))
        }
        self.mask_fill = mask_fill
        self.min_visibility = min_visibility
        self.min_area = min_area
        self.settings: dict[str, Any] = settings

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("paths", "settings"):
            raise AttributeError(name)
        for fmt in FORMATS:
            if attribute(fmt) == name:
                return self.paths.get(fmt)
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"LabelOptions({self.paths!r}, settings={self.settings!r})"

    def setting(self, key: str, default: Any = None) -> Any:
        """A format setting (``kpt_shape``, ``flip_idx``, ``names``, ...)."""
        return self.settings.get(key, default)

    @property
    def any(self) -> bool:
        """Whether any labels travel with the images."""
        return bool(self.paths)

    def given(self) -> list[tuple[Any, tuple[str, ...]]]:
        """``(format, paths)`` of the formats given, in registry order."""
        return [(FORMATS[name], pair) for name, pair in self.paths.items()]


@dataclass(frozen=True, slots=True)
class LabelTask:
    """The labels of one input: where to read them, where their outputs go.

    Attributes
    ----------
    rel : str
        The input's folder relative to SRC (POSIX, ``""`` for SRC).
    sources : tuple
        Per format given: ``(name, source, problem, out_dir)``: its source (a path, or a
        format's payload; may not exist), why it has none it can use (the input then
        fails), and the folder its per-image outputs go to (None: the format writes one file
        for the run).
    """

    rel: str
    sources: tuple[tuple[str, str | None, str | None, str | None], ...] = field(default=())

    def source(self, name: str) -> str | None:
        """The source of format ``name`` (None: not given, or no usable source)."""
        return next((s for n, s, _, _ in self.sources if n == name), None)

    def outputs(self, output_name: str) -> dict[str, tuple[str, str]]:
        """``key -> (final path, path relative to that label DST)`` for one image output."""
        stem = os.path.splitext(output_name)[0]
        files = {}
        for name, _, _, folder in self.sources:
            fmt = FORMATS[name]
            if folder is not None and fmt.extension is not None:
                file = stem + fmt.extension
                files[fmt.key] = (
                    str(Path(folder) / file),
                    f"{self.rel}/{file}" if self.rel else file,
                )
        return files

    def folders(self) -> list[str]:
        """The label folders this task writes into."""
        return [d for _, _, _, d in self.sources if d is not None]


def temp_path(final: str, tag: str = "") -> str:
    """Where a label file is written before it is renamed to ``final``.

    ``tag`` is the task's ``temp_tag`` (shard and attempt), as for its image's temporary file.
    """
    head, tail = os.path.split(final)
    return os.path.join(head, TEMP_PREFIX + tag + tail)


def check_label_paths(options: LabelOptions, src: Path, dst: Path) -> None:
    """Refuse label sources that do not exist and destinations that would clash (exit 2).

    Raises
    ------
    UsageError
        A missing source; a destination that is a source (of images or labels) or a file; a
        mask folder inside SRC or mask outputs inside SRC (masks would be walked as images).
    """
    real_dst = dst.resolve()
    sources = [src.resolve()]
    for fmt, pair in options.given():
        found = fmt.check_paths(pair, src, dst)  # type: ignore[arg-type]
        fmt.resolve(pair, options)
        if fmt.extension is not None:
            sources.append(found)
    for fmt, pair in options.given():
        if fmt.extension is None:
            continue
        ldst = Path(pair[1]).resolve()
        if ldst in sources or (ldst == real_dst and fmt.name == "masks"):
            raise UsageError(f"{fmt.flag} destination {pair[1]} is a source or DST; choose another")


class LabelPlanner:
    """Per-task label sources and the label outputs that exist already, folder by folder.

    Parameters
    ----------
    options : LabelOptions
        The run's label options.
    states : dict, optional
        Format name -> its run-level data (:meth:`LabelFormat.start`, e.g. a COCO index).
    """

    def __init__(self, options: LabelOptions, states: dict[str, Any] | None = None) -> None:
        self.options = options
        self.states = {name: FolderState((states or {}).get(name)) for name in options.paths}
        self._rel: str | None = None
        self._present: dict[str, set[str]] = {}

    @property
    def unlisted(self) -> int:
        """Inputs with no COCO entry."""
        state = self.states.get("coco")
        return state.missing if state is not None else 0

    def _enter(self, rel: str) -> None:
        if rel == self._rel:
            return
        self._rel = rel
        self._present = {}
        for fmt, pair in self.options.given():
            fmt.enter(self.states[fmt.name], pair, rel)  # type: ignore[arg-type]
            if fmt.extension is not None:
                self._present[fmt.key] = names_in(Path(pair[1]) / rel)

    def task(self, rel: str, name: str, key: str, path: Path | None = None) -> LabelTask:
        """The labels of input ``name`` in folder ``rel`` (``key``: its path relative to SRC).

        With ``path`` (the input file) a format may check it (COCO compares its entry's
        width and height with the file's, :meth:`CocoIndex.check_size`).
        """
        self._enter(rel)
        sources = []
        for fmt, pair in self.options.given():
            state = self.states[fmt.name]
            source, problem = fmt.source(state, pair, rel, name, key, path)  # type: ignore[arg-type]
            if fmt.extension is not None:
                exists = source is not None and os.path.lexists(source)
                if exists:
                    state.found += 1
                else:
                    state.missing += 1
                    if len(state.examples) < 3:
                        state.examples.append(key)
            out_dir = str(Path(pair[1]) / rel) if fmt.extension is not None else None
            sources.append((fmt.name, source, problem, out_dir))
        return LabelTask(rel, tuple(sources))

    def existing(self, task: LabelTask, output_name: str) -> tuple[bool, bool]:
        """``(any, all)``: whether any / all of an output's label files exist already."""
        outputs = task.outputs(output_name)
        found = [
            os.path.basename(final) in self._present.get(key, set())
            for key, (final, _) in outputs.items()
        ]
        return any(found), all(found)

    def dry_run_lines(self) -> list[str]:
        """One ``--dry-run`` line per format given."""
        return [FORMATS[name].dry_run(state) for name, state in self.states.items()]
