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

from augcli.augment.labels.companions import companion_sources
from augcli.augment.labels.formats import FORMATS
from augcli.augment.labels.formats.base import FolderState
from augcli.augment.labels.formats.yolo import YOLO_EXTENSION, YoloFormat
from augcli.augment.run.walk import names_in, walk
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
        skip_unlabelled: bool = False,
        beside: tuple[str, ...] = (),
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
        self.skip_unlabelled = skip_unlabelled
        """Leave out images without a YOLO file (``--yolo``) or COCO entry (``--coco``)."""
        self.beside: tuple[str, ...] = tuple(beside)
        """Formats whose folders Ultralytics' rule gives (``--yolo-auto``), not yet resolved
        (:func:`augcli.augment.labels.rule.resolve_beside`)."""
        self.settings: dict[str, Any] = settings

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("paths", "settings", "beside"):
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
        return bool(self.paths or self.beside)

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
    if options.skip_unlabelled and not (options.yolo or options.coco):
        raise UsageError(
            "--skip-unlabelled needs --yolo or --coco (an image without a mask already fails)"
        )
    real_dst = dst.resolve()
    sources = [src.resolve()]
    for fmt, pair in options.given():
        found = fmt.check_paths(pair, src, dst)  # type: ignore[arg-type]
        fmt.resolve(pair, options)
        if fmt.extension is not None:
            sources.append(found)
    companion_sources(options)  # refuses one that is not a regular file
    for fmt, pair in options.given():
        if fmt.extension is None:
            continue
        ldst = Path(pair[1]).resolve()
        if ldst in sources or (ldst == real_dst and fmt.name == "masks"):
            raise UsageError(f"{fmt.flag} destination {pair[1]} is a source or DST; choose another")


MAX_EXAMPLES = 5
COMPANION_FILES = YoloFormat.companions
"""Files a YOLO label folder may hold at its top that are not an image's labels."""


def yolo_listing(folder: Path) -> set[str]:
    """The ``.txt`` files under a ``--yolo`` folder, as POSIX paths relative to it.

    Hidden files and folders are skipped and symlinked folders followed once, as for SRC.

    Raises
    ------
    UsageError
        The folder holds no ``.txt`` file at all (e.g. Pascal VOC ``Annotations/``): the message
        names the folder and what it holds.
    """
    found: set[str] = set()
    others: dict[str, int] = {}
    for sub in walk(folder):
        for name in (*sub.others, *sub.images, *(n for n, _ in sub.special)):
            ext = os.path.splitext(name)[1].lower()
            if ext == YOLO_EXTENSION:
                found.add(f"{sub.rel}/{name}" if sub.rel else name)
            else:
                others[ext] = others.get(ext, 0) + 1
    if not (found - set(COMPANION_FILES)):
        held = [f"{n} {ext or '(no extension)'} file(s)" for ext, n in sorted(others.items())]
        held += sorted(found)  # classes.txt
        raise UsageError(
            f"--yolo {folder}: holds no YOLO label file (.txt, one per image); it holds "
            + (", ".join(held) if held else "nothing")
            + "; give the folder of the images' .txt label files"
        )
    return found


class LabelPlanner:
    """Per-task label sources and the label outputs that exist already, folder by folder.

    It also counts, for the dry run (:meth:`report`), the inputs with and without labels per
    format, the ``--yolo`` files no image matched and the inputs ``--skip-unlabelled`` left out.

    Parameters
    ----------
    options : LabelOptions
        The run's label options.
    states : dict, optional
        Format name -> its run-level data (:meth:`LabelFormat.start`, e.g. a COCO index).
    yolo_files : set of str, optional
        The ``--yolo`` folder's listing (:func:`yolo_listing`), when already made.
    """

    def __init__(
        self,
        options: LabelOptions,
        states: dict[str, Any] | None = None,
        yolo_files: set[str] | None = None,
    ) -> None:
        self.options = options
        self.states = {name: FolderState((states or {}).get(name)) for name in options.paths}
        self.skipped = 0
        if yolo_files is None and options.yolo:
            yolo_files = yolo_listing(Path(options.yolo[0]))
        self.yolo_files: set[str] = yolo_files or set()
        self.yolo_used: set[str] = set()
        self._rel: str | None = None
        self._present: dict[str, set[str]] = {}

    def fresh(self) -> LabelPlanner:
        """A planner for the run pass: the same run-level data, its counts from zero."""
        data = {name: state.data for name, state in self.states.items()}
        return LabelPlanner(self.options, data, self.yolo_files)

    @property
    def coco(self) -> Any:
        """The loaded COCO index (None without ``--coco``)."""
        state = self.states.get("coco")
        return state.data if state is not None else None

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

    def _yolo_name(self, rel: str, name: str) -> str:
        stem = os.path.splitext(name)[0] + YOLO_EXTENSION
        return f"{rel}/{stem}" if rel else stem

    def claim(self, rel: str, name: str) -> None:
        """Mark the label file of an image another shard runs as matched (not an orphan)."""
        if self.options.yolo:
            self.yolo_used.add(self._yolo_name(rel, name))

    def unlabelled(self, rel: str, name: str, key: str) -> bool:
        """Whether ``--skip-unlabelled`` leaves this input out (counted in :attr:`skipped`).

        An input is left out when it has no YOLO file (with ``--yolo``) or no COCO entry (with
        ``--coco``); an empty YOLO file is a label (an image with no objects).
        """
        opts, coco = self.options, self.coco
        if not opts.skip_unlabelled:
            return False
        missing = (opts.yolo is not None and self._yolo_name(rel, name) not in self.yolo_files) or (
            coco is not None and key not in coco.payloads
        )
        if missing:
            self.skipped += 1
            self.claim(rel, name)
            if coco is not None and key in coco.payloads:
                coco.used.add(key)  # its entry has a file: not reported as missing one
        return missing

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
                if fmt.name == "yolo":
                    label = self._yolo_name(rel, name)
                    exists = label in self.yolo_files
                    if exists:
                        self.yolo_used.add(label)
                else:
                    exists = problem is None and source is not None and os.path.lexists(source)
                if exists:
                    state.found += 1
                else:
                    state.missing += 1
                    if len(state.examples) < MAX_EXAMPLES:
                        state.examples.append(f"{key}: {problem}" if problem else key)
            out_dir = str(Path(pair[1]) / rel) if fmt.extension is not None else None
            sources.append((fmt.name, source, problem, out_dir))
        return LabelTask(rel, tuple(sources))

    def yolo_orphans(self) -> list[str]:
        """The ``--yolo`` files no image under SRC matched (sorted; ``classes.txt`` is not one)."""
        return sorted(self.yolo_files - self.yolo_used - set(COMPANION_FILES))

    def label_files_among(self, folder: Path, names: tuple[str, ...]) -> set[str]:
        """Which of ``names`` in ``folder`` (a folder of SRC) are this run's label sources:
        YOLO files when the ``--yolo`` folder holds SRC's folders, the ``--coco`` file."""
        opts, found = self.options, set()
        real = folder.resolve()
        if opts.yolo is not None:
            root = Path(opts.yolo[0]).resolve()
            if real.is_relative_to(root):
                rel = real.relative_to(root).as_posix()
                for name in names:
                    if (f"{rel}/{name}" if rel != "." else name) in self.yolo_files:
                        found.add(name)
        if opts.coco is not None:
            coco = Path(opts.coco[0]).resolve()
            found.update(n for n in names if folder / n == coco or (real / n) == coco)
        return found

    def report(self) -> dict[str, object]:
        """The labels a run reads and writes, counted (the dry run's ``labels``), per format
        in registry order."""
        out: dict[str, object] = {}
        for fmt, pair in self.options.given():
            state = self.states[fmt.name]
            entry: dict[str, object] = {"source": pair[0], "destination": pair[1]}
            if fmt.name == "yolo":
                orphans = self.yolo_orphans()
                entry.update(
                    label_files=len(self.yolo_files),
                    images_with_labels=state.found,
                    images_without_labels=state.missing,
                    images_without_labels_examples=state.examples,
                    files_without_image=len(orphans),
                    files_without_image_examples=orphans[:MAX_EXAMPLES],
                )
            elif fmt.name == "coco" and state.data is not None:
                unmatched = state.data.unmatched()
                entry.update(
                    image_entries=len(state.data.payloads),
                    annotations=state.data.annotations,
                    images_listed=len(state.data.used),
                    images_unlisted=state.missing,
                    entries_without_file=len(unmatched),
                    entries_without_file_examples=unmatched[:MAX_EXAMPLES],
                )
            else:
                entry.update(
                    found=state.found, missing=state.missing, missing_examples=state.examples
                )
            out[fmt.name] = entry
        if self.options.skip_unlabelled:
            out["skipped_unlabelled"] = self.skipped
        return out

    def existing(self, task: LabelTask, output_name: str) -> tuple[bool, bool]:
        """``(any, all)``: whether any / all of an output's label files exist already."""
        outputs = task.outputs(output_name)
        found = [
            os.path.basename(final) in self._present.get(key, set())
            for key, (final, _) in outputs.items()
        ]
        return any(found), all(found)
