"""Which label files a run reads and writes: options, per-task sources, output names, checks.

Masks live at the image's relative path under the mask SRC, same stem, any image extension;
YOLO files at the same relative path with ``.txt``. Outputs mirror the image outputs' names
under each label DST: ``<output stem>.png`` for masks, ``<output stem>.txt`` for YOLO.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from augcli.augment.labels.coco import CocoIndex
from augcli.augment.labels.masks import MASK_EXTENSION
from augcli.augment.run.walk import names_in, walk
from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import UsageError
from augcli.images.formats import IMAGE_EXTENSIONS

YOLO_EXTENSION = ".txt"


@dataclass(frozen=True)
class LabelOptions:
    """The label options of a run (``--masks``, ``--yolo``, ``--coco`` as (source, destination))."""

    masks: tuple[str, str] | None = None
    yolo: tuple[str, str] | None = None
    coco: tuple[str, str] | None = None
    mask_fill: int = 0
    min_visibility: float = 0.0
    min_area: float = 1.0
    skip_unlabelled: bool = False
    """Leave out images without a YOLO file (``--yolo``) or COCO entry (``--coco``)."""

    @property
    def any(self) -> bool:
        """Whether any labels travel with the images."""
        return bool(self.masks or self.yolo or self.coco)


@dataclass(frozen=True, slots=True)
class LabelTask:
    """The labels of one input: where to read them, where their outputs go.

    Attributes
    ----------
    rel : str
        The input's folder relative to SRC (POSIX, ``""`` for SRC).
    mask_src : str or None
        The mask file; None when masks are not asked for (or missing: see ``mask_problem``).
    mask_problem : str or None
        Why the input has no usable mask (it then fails).
    mask_dir : str or None
        The folder its output masks go to.
    yolo_src, yolo_dir : str or None
        Its YOLO file (may not exist: no objects) and the folder its outputs go to.
    coco : str or None
        Its COCO image entry and annotations as JSON (see :mod:`augcli.augment.labels.coco`).
    """

    rel: str
    mask_src: str | None = None
    mask_problem: str | None = None
    mask_dir: str | None = None
    yolo_src: str | None = None
    yolo_dir: str | None = None
    coco: str | None = None

    def outputs(self, output_name: str) -> dict[str, tuple[str, str]]:
        """``kind -> (final path, path relative to that label DST)`` for one image output."""
        stem = os.path.splitext(output_name)[0]
        files = {}
        for kind, folder, ext in (
            ("mask", self.mask_dir, MASK_EXTENSION),
            ("yolo", self.yolo_dir, YOLO_EXTENSION),
        ):
            if folder is not None:
                name = stem + ext
                files[kind] = (
                    str(Path(folder) / name),
                    f"{self.rel}/{name}" if self.rel else name,
                )
        return files

    def folders(self) -> list[str]:
        """The label folders this task writes into."""
        return [d for d in (self.mask_dir, self.yolo_dir) if d is not None]


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
    real_src, real_dst = src.resolve(), dst.resolve()
    sources = [real_src]
    for flag, pair in (("--masks", options.masks), ("--yolo", options.yolo)):
        if pair is None:
            continue
        lsrc, ldst = Path(pair[0]), Path(pair[1])
        if not lsrc.is_dir():
            raise UsageError(f"{flag} {lsrc}: no such folder")
        if ldst.exists() and not ldst.is_dir():
            raise UsageError(f"{flag} destination {ldst}: exists and is not a folder")
        sources.append(lsrc.resolve())
    if options.coco is not None:
        csrc, cdst = Path(options.coco[0]), Path(options.coco[1])
        if not csrc.is_file():
            raise UsageError(f"--coco {csrc}: no such file")
        if cdst.exists() and cdst.is_dir():
            raise UsageError(f"--coco destination {cdst}: is a folder; give the JSON file to write")
        if cdst.resolve() == csrc.resolve():
            raise UsageError(f"--coco destination {cdst} is the source annotations file")
    for flag, pair in (("--masks", options.masks), ("--yolo", options.yolo)):
        if pair is None:
            continue
        ldst = Path(pair[1]).resolve()
        if ldst in sources or (ldst == real_dst and flag == "--masks"):
            raise UsageError(f"{flag} destination {pair[1]} is a source or DST; choose another")
        if flag == "--masks" and src.is_dir():
            for what, path in (("folder", Path(pair[0]).resolve()), ("destination", ldst)):
                if path.is_relative_to(real_src):
                    raise UsageError(
                        f"--masks {what} {path} is inside SRC {src}: masks would be augmented "
                        "as images; keep masks beside the images, not among them"
                    )


MAX_EXAMPLES = 5
COMPANION_FILES = ("classes.txt",)
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


def find_mask(
    folder: Path, stem: str, listing: dict[str, list[str]]
) -> tuple[str | None, str | None]:
    """The mask of an image with ``stem`` in ``folder`` (``listing``: stem -> image names).

    Returns ``(path, None)`` or ``(None, why not)``.
    """
    names = listing.get(stem, [])
    if len(names) == 1:
        return str(folder / names[0]), None
    if not names:
        return None, f"no mask {folder / stem}.* (any image extension)"
    return None, f"several masks for one image: {', '.join(str(folder / n) for n in names)}"


def mask_listing(folder: Path) -> dict[str, list[str]]:
    """Image files in ``folder`` by stem (sorted names; an absent folder lists nothing)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return {}
    by_stem: dict[str, list[str]] = {}
    for name in names:
        stem, ext = os.path.splitext(name)
        if ext.lower() in IMAGE_EXTENSIONS and not name.startswith("."):
            by_stem.setdefault(stem, []).append(name)
    return by_stem


class LabelPlanner:
    """Per-task label sources and the label outputs that exist already, folder by folder.

    Parameters
    ----------
    options : LabelOptions
        The run's label options.
    coco : CocoIndex, optional
        The loaded COCO file, when ``--coco`` is given.
    """

    def __init__(self, options: LabelOptions, coco: CocoIndex | None = None) -> None:
        self.options = options
        self.coco = coco
        self.unlisted = 0
        self.skipped = 0
        self.masks_found = 0
        self.mask_problems: list[str] = []
        self.mask_problem_count = 0
        self.yolo_files = yolo_listing(Path(options.yolo[0])) if options.yolo else set()
        self.yolo_used: set[str] = set()
        self.yolo_found = 0
        self.yolo_missing = 0
        self.yolo_missing_examples: list[str] = []
        self._rel: str | None = None
        self._masks: dict[str, list[str]] = {}
        self._present: dict[str, set[str]] = {}

    def _enter(self, rel: str) -> None:
        if rel == self._rel:
            return
        self._rel = rel
        opts = self.options
        self._masks = mask_listing(Path(opts.masks[0]) / rel) if opts.masks else {}
        self._present = {
            kind: names_in(Path(pair[1]) / rel)
            for kind, pair in (("mask", opts.masks), ("yolo", opts.yolo))
            if pair is not None
        }

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
        opts = self.options
        if not opts.skip_unlabelled:
            return False
        missing = (opts.yolo is not None and self._yolo_name(rel, name) not in self.yolo_files) or (
            self.coco is not None and key not in self.coco.payloads
        )
        if missing:
            self.skipped += 1
            self.claim(rel, name)
            if self.coco is not None and key in self.coco.payloads:
                self.coco.used.add(key)  # its entry has a file: not reported as missing one
        return missing

    def task(self, rel: str, name: str, key: str, path: Path | None = None) -> LabelTask:
        """The labels of input ``name`` in folder ``rel`` (``key``: its path relative to SRC).

        With ``path`` (the input file) its COCO entry's width and height are compared with
        the file's (:meth:`CocoIndex.check_size`).
        """
        self._enter(rel)
        opts, stem = self.options, os.path.splitext(name)[0]
        fields: dict[str, str | None] = {}
        if opts.masks:
            fields["mask_src"], fields["mask_problem"] = find_mask(
                Path(opts.masks[0]) / rel, stem, self._masks
            )
            fields["mask_dir"] = str(Path(opts.masks[1]) / rel)
            if fields["mask_problem"] is None:
                self.masks_found += 1
            else:
                self.mask_problem_count += 1
                if len(self.mask_problems) < MAX_EXAMPLES:
                    self.mask_problems.append(f"{key}: {fields['mask_problem']}")
        if opts.yolo:
            fields["yolo_src"] = str(Path(opts.yolo[0]) / rel / (stem + YOLO_EXTENSION))
            fields["yolo_dir"] = str(Path(opts.yolo[1]) / rel)
            label = self._yolo_name(rel, name)
            if label in self.yolo_files:
                self.yolo_used.add(label)
                self.yolo_found += 1
            else:
                self.yolo_missing += 1
                if len(self.yolo_missing_examples) < MAX_EXAMPLES:
                    self.yolo_missing_examples.append(key)
        if self.coco is not None:
            fields["coco"] = self.coco.payload(key)
            if key not in self.coco.payloads:
                self.unlisted += 1
            elif path is not None:
                self.coco.check_size(key, path)
        return LabelTask(rel, **fields)

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
        """The labels a run reads and writes, counted (the dry run's ``labels``)."""
        opts, out = self.options, {}  # type: ignore[var-annotated]
        if opts.masks:
            out["masks"] = {
                "source": opts.masks[0],
                "destination": opts.masks[1],
                "found": self.masks_found,
                "missing": self.mask_problem_count,
                "missing_examples": self.mask_problems,
            }
        if opts.yolo:
            orphans = self.yolo_orphans()
            out["yolo"] = {
                "source": opts.yolo[0],
                "destination": opts.yolo[1],
                "label_files": len(self.yolo_files),
                "images_with_labels": self.yolo_found,
                "images_without_labels": self.yolo_missing,
                "images_without_labels_examples": self.yolo_missing_examples,
                "files_without_image": len(orphans),
                "files_without_image_examples": orphans[:MAX_EXAMPLES],
            }
        if self.coco is not None and opts.coco is not None:
            unmatched = self.coco.unmatched()
            out["coco"] = {
                "source": opts.coco[0],
                "destination": opts.coco[1],
                "image_entries": len(self.coco.payloads),
                "annotations": self.coco.annotations,
                "images_listed": len(self.coco.used),
                "images_unlisted": self.unlisted,
                "entries_without_file": len(unmatched),
                "entries_without_file_examples": unmatched[:MAX_EXAMPLES],
            }
        if opts.skip_unlabelled:
            out["skipped_unlabelled"] = self.skipped
        return out

    def existing(self, task: LabelTask, output_name: str) -> tuple[bool, bool]:
        """``(any, all)``: whether any / all of an output's label files exist already."""
        names = [os.path.basename(final) for final, _ in task.outputs(output_name).values()]
        kinds = list(task.outputs(output_name))
        found = [names[k] in self._present.get(kind, set()) for k, kind in enumerate(kinds)]
        return any(found), all(found)
