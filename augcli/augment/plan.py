"""Planning an augment run: the complete task list, and every check that can fail before work.

A plan walks the source once (folder by folder) and computes, once, every task of the run:
each input with its key, its outputs and their names, the outputs ``--resume`` keeps, and
whether the original is copied byte for byte. Executors run these tasks; nothing downstream
names outputs again. It refuses, with exit status 2 and nothing written: a missing source, a
destination that is a file or the source itself, a bad name template, two inputs mapping to
one output name, inputs the chosen output format cannot hold, and existing outputs unless
``--overwrite`` or ``--resume`` says what to do with them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from augcli.atomic import TEMP_PREFIX
from augcli.augment.labels.coco import CocoIndex, load_coco
from augcli.augment.labels.files import LabelOptions, LabelPlanner, LabelTask, check_label_paths
from augcli.augment.manifest import MANIFEST_NAME
from augcli.augment.naming import DEFAULT_TEMPLATE, check_template, output_extension, output_names
from augcli.augment.walk import Folder, walk
from augcli.errors import InputError, UsageError
from augcli.formats import IMAGE_EXTENSIONS, format_can_hold
from augcli.imagefiles import DEFAULT_MAX_PIXELS, probe_mode

OUTPUT_FORMATS = ("same", "PNG", "JPEG", "WEBP", "TIFF")
MAX_LISTED = 5


@dataclass(frozen=True)
class AugmentOptions:
    """How to run ``augcli augment`` (the CLI's options, resolved)."""

    copies: int = 4
    seed: int = 0
    workers: int = 1
    include_original: bool = False
    out_format: str = "same"
    quality: int = 95
    name_template: str = DEFAULT_TEMPLATE
    existing: str = "refuse"
    manifest: bool = True
    fail_fast: bool = False
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    labels: LabelOptions = LabelOptions()


@dataclass(frozen=True, slots=True)
class Output:
    """One file a task writes: which copy (None for the original) and its name in the folder."""

    copy: int | None
    name: str


@dataclass(frozen=True, slots=True)
class Task:
    """One input and everything to write for it: the unit an executor runs (small, picklable).

    Attributes
    ----------
    src : str
        The input file.
    key : str
        Its path relative to SRC (POSIX): the seeding key and the manifest's ``source``.
    rel : str
        Its folder relative to SRC (POSIX, ``""`` for SRC), mirrored under DST.
    out_dir : str
        The destination folder of its outputs.
    outputs : tuple of Output
        The outputs to write, in order (those ``--resume`` keeps are left out).
    skipped : int
        Outputs that exist already and ``--resume`` keeps.
    copy_original : bool
        The original output keeps the input's extension, so it is the input's bytes.
    labels : LabelTask or None
        Its labels (masks, YOLO, COCO), when the run carries any.
    """

    src: str
    key: str
    rel: str
    out_dir: str
    outputs: tuple[Output, ...]
    skipped: int = 0
    copy_original: bool = False
    labels: LabelTask | None = None

    def final_path(self, output: Output) -> str:
        """Where ``output`` ends up."""
        return str(Path(self.out_dir) / output.name)

    def temp_path(self, output: Output) -> str:
        """Where ``output`` is written before it is renamed into place."""
        return str(Path(self.out_dir) / (TEMP_PREFIX + output.name))

    def manifest_path(self, output: Output) -> str:
        """``output``'s path relative to DST (POSIX), as the manifest records it."""
        return f"{self.rel}/{output.name}" if self.rel else output.name


@dataclass
class Plan:
    """What a run will do: every task, counts, per-folder inputs and a few example names."""

    src: Path
    dst: Path
    options: AugmentOptions
    tasks: list[Task] = field(default_factory=list)
    inputs: int = 0
    outputs: int = 0
    existing: int = 0
    not_images: int = 0
    folders: list[tuple[str, int]] = field(default_factory=list)
    more_folders: int = 0
    examples: list[str] = field(default_factory=list)
    coco: CocoIndex | None = None
    unlisted: int = 0

    def to_text(self) -> str:
        """The ``--dry-run`` report."""
        lines = [
            f"plan: {self.inputs} input image(s) in {len(self.folders) + self.more_folders} "
            f"folder(s) -> {self.outputs} output(s) under {self.dst}"
            + (f" ({self.existing} already exist)" if self.existing else "")
            + (f"; {self.not_images} other file(s) ignored" if self.not_images else "")
        ]
        for rel, count in self.folders:
            lines.append(f"  {rel or '.'}: {count} image(s)")
        if self.more_folders:
            lines.append(f"  ... and {self.more_folders} more folder(s)")
        if self.examples:
            lines.append("example outputs:")
            lines.extend(f"  {name}" for name in self.examples)
        return "\n".join(lines)


def resolve_paths(src: Path, dst: Path) -> tuple[Path, Path, Path | None]:
    """Check SRC and DST; return them and the folder to leave out of the walk (DST)."""
    if not src.exists():
        raise UsageError(f"SRC {src}: no such file or folder")
    if dst.exists() and not dst.is_dir():
        raise UsageError(f"DST {dst}: exists and is not a folder")
    real_src, real_dst = src.resolve(), dst.resolve()
    if src.is_file():
        if real_dst == real_src.parent:
            raise UsageError(f"DST {dst} is the folder SRC is in; choose another destination")
        return src, dst, None
    if real_src == real_dst:
        raise UsageError(f"DST {dst} is SRC: outputs would mix with the inputs")
    # Always left out of the walk (by identity), not only when inside SRC: a symlink in SRC
    # may lead to DST, and outputs must never become inputs.
    return src, dst, real_dst


def make_plan(src: Path, dst: Path, options: AugmentOptions, max_listed: int = 50) -> Plan:
    """Check everything that can be checked before any work, and list the work.

    Parameters
    ----------
    src, dst : pathlib.Path
        Source folder (or one image) and destination folder.
    options : AugmentOptions
        The run's options (copies, names, format, policy for existing outputs).
    max_listed : int
        Folders listed one by one in :meth:`Plan.to_text`.

    Returns
    -------
    Plan
        Every task in walk order (sorted), with the counts the dry run prints.

    Raises
    ------
    UsageError
        For any of the refusals in the module docstring (exit status 2).
    """
    if options.out_format not in OUTPUT_FORMATS:
        raise UsageError(f"--format {options.out_format}: allowed: {', '.join(OUTPUT_FORMATS)}")
    check_template(options.name_template, options.copies)
    src, dst, exclude = resolve_paths(src, dst)
    plan = Plan(src, dst, options)
    resume = options.existing == "resume"
    labelled = options.labels.any
    if labelled:
        check_label_paths(options.labels, src, dst)
        if options.labels.coco and resume and not options.manifest:
            raise UsageError(
                "--coco with --resume needs the manifest (the earlier outputs' annotations "
                "are kept there); leave out --no-manifest"
            )
        if options.labels.coco is not None:
            plan.coco = load_coco(options.labels.coco[0])
    planner = LabelPlanner(options.labels, plan.coco)
    cannot_hold: list[str] = []
    existing_example = None
    for folder in walk(src, exclude):
        plan.not_images += folder.not_images
        if not folder.images:
            continue
        if len(plan.folders) < max_listed:
            plan.folders.append((folder.rel, len(folder.images)))
        else:
            plan.more_folders += 1
        out_dir = dst / folder.rel
        present = _listing(out_dir)
        claimed: dict[str, str] = {}
        for name in folder.images:
            plan.inputs += 1
            labels = planner.task(folder.rel, name, _rel(folder, name)) if labelled else None
            outputs: list[Output] = []
            skipped = 0
            for copy, out in _output_names(folder, name, options):
                if out in claimed:
                    raise UsageError(
                        f"{_rel(folder, name)} and {_rel(folder, claimed[out])} would both be "
                        f"written to {_rel(folder, out)}; use --name with {{ext}} or another "
                        "--format"
                    )
                claimed[out] = name
                plan.outputs += 1
                some, every = out in present, out in present
                if labels is not None:
                    _claim_stem(folder, name, out, claimed)
                    any_label, all_labels = planner.existing(labels, out)
                    some, every = some or any_label, every and all_labels
                if some:
                    plan.existing += 1
                    existing_example = existing_example or _rel(folder, out)
                if len(plan.examples) < MAX_LISTED:
                    plan.examples.append(str(out_dir / out))
                if resume and every:
                    skipped += 1
                else:
                    outputs.append(Output(copy, out))
            same_ext = output_extension(name, options.out_format) == os.path.splitext(name)[1]
            plan.tasks.append(
                Task(
                    str(folder.path / name),
                    _rel(folder, name),
                    folder.rel,
                    str(out_dir),
                    tuple(outputs),
                    skipped,
                    same_ext,
                    labels,
                )
            )
            if options.out_format in ("JPEG", "WEBP") and len(cannot_hold) < MAX_LISTED:
                reason = _cannot_hold(folder.path / name, options.out_format)
                if reason:
                    cannot_hold.append(f"  {_rel(folder, name)}: {reason}")
    if cannot_hold:
        raise UsageError(
            f"--format {options.out_format.lower()} cannot hold some inputs:\n"
            + "\n".join(cannot_hold)
            + "\nchoose --format png or tiff, or leave --format at same"
        )
    if plan.inputs == 0:
        others = f"; {plan.not_images} other file(s) ignored" if plan.not_images else ""
        raise UsageError(
            f"SRC {src}: no images found (extensions {', '.join(sorted(IMAGE_EXTENSIONS))}, "
            f"any case; hidden files skipped){others}"
        )
    plan.unlisted = planner.unlisted
    if options.existing == "refuse":
        coco_dst = options.labels.coco[1] if options.labels.coco else None
        if coco_dst is not None and Path(coco_dst).exists():
            raise UsageError(
                f"--coco destination {coco_dst} already exists; use --resume to finish that "
                "run or --overwrite to replace it"
            )
        manifest = options.manifest and (dst / MANIFEST_NAME).exists()
        if plan.existing or manifest:
            what = (
                f"{plan.existing} of the {plan.outputs} outputs (e.g. {existing_example})"
                if plan.existing
                else f"a manifest ({MANIFEST_NAME}) from an earlier run"
            )
            raise UsageError(
                f"DST {dst} already holds {what}; use --resume to skip existing outputs or "
                "--overwrite to replace them"
            )
    return plan


def _output_names(
    folder: Folder, name: str, options: AugmentOptions
) -> list[tuple[int | None, str]]:
    """``(copy index or None for the original, output name)`` of one input."""
    parent = os.path.basename(folder.path) if folder.rel else ""
    return output_names(
        name,
        parent,
        options.copies,
        options.name_template,
        options.out_format,
        options.include_original,
    )


def _claim_stem(folder: Folder, name: str, out: str, claimed: dict[str, str]) -> None:
    """Label files are named by the output's stem: two outputs must not share one."""
    key = "\0" + os.path.splitext(out)[0]
    if key in claimed:
        raise UsageError(
            f"{_rel(folder, name)} and {_rel(folder, claimed[key])} would both write labels "
            f"named {_rel(folder, os.path.splitext(out)[0])}.*; use a --name template that "
            "gives them different stems"
        )
    claimed[key] = name


def _listing(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _rel(folder: Folder, name: str) -> str:
    return f"{folder.rel}/{name}" if folder.rel else name


def _cannot_hold(path: Path, out_format: str) -> str | None:
    try:
        mode = probe_mode(path)
    except InputError:
        return None  # reported as a failed input when the run reaches it
    return format_can_hold(out_format, mode)
