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
from augcli.augment.manifest import read_entries
from augcli.augment.naming import DEFAULT_TEMPLATE, check_template, output_extension, output_names
from augcli.augment.shards import UNSHARDED, Shard, run_manifest_name
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
    shard: Shard | None = None


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
    temp_tag : str
        What its temporary names carry after ``TEMP_PREFIX``: the run's shard (``"KofN-"``),
        and for an executor that may run a task twice, a token unique to the attempt.
    """

    src: str
    key: str
    rel: str
    out_dir: str
    outputs: tuple[Output, ...]
    skipped: int = 0
    copy_original: bool = False
    temp_tag: str = ""

    def final_path(self, output: Output) -> str:
        """Where ``output`` ends up."""
        return str(Path(self.out_dir) / output.name)

    def temp_path(self, output: Output) -> str:
        """Where ``output`` is written before it is renamed into place."""
        return str(Path(self.out_dir) / (TEMP_PREFIX + self.temp_tag + output.name))

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
    all_inputs: int = 0
    outputs: int = 0
    existing: int = 0
    not_images: int = 0
    folders: list[tuple[str, int]] = field(default_factory=list)
    more_folders: int = 0
    examples: list[str] = field(default_factory=list)
    unproven: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """The ``--dry-run`` report."""
        shard = self.options.shard
        lines = [
            (
                f"shard {shard.k}/{shard.n}: {self.inputs} of {self.all_inputs} inputs; "
                if shard
                else ""
            )
            + f"plan: {self.inputs} input image(s) in {len(self.folders) + self.more_folders} "
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
        Every task in walk order (sorted), with the counts the dry run prints. With
        ``options.shard``, the whole tree is still checked (names, collisions), but only the
        shard's inputs are listed, probed and checked against existing outputs.

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
    shard = options.shard
    temp_tag = (shard or UNSHARDED).temp_tag
    recorded = _recorded_sizes(dst, options) if resume else None
    cannot_hold: list[str] = []
    existing_example = None
    for folder in walk(src, exclude):
        plan.not_images += folder.not_images
        if not folder.images:
            continue
        out_dir = dst / folder.rel
        present: set[str] | None = None
        claimed: dict[str, str] = {}
        members = 0
        for name in folder.images:
            plan.all_inputs += 1
            key = _rel(folder, name)
            names = _output_names(folder, name, options)
            if shard is not None and not shard.owns(key):
                for _copy, out in names:  # every shard refuses the same collisions
                    _claim(claimed, folder, name, out)
                continue
            if present is None:
                present = _listing(out_dir)
            members += 1
            plan.inputs += 1
            outputs: list[Output] = []
            skipped = 0
            for copy, out in names:
                _claim(claimed, folder, name, out)
                plan.outputs += 1
                if out in present:
                    plan.existing += 1
                    existing_example = existing_example or _rel(folder, out)
                if len(plan.examples) < MAX_LISTED:
                    plan.examples.append(str(out_dir / out))
                if resume and out in present and _is_recorded(recorded, out_dir / out, folder, out):
                    skipped += 1
                elif resume and out in present:
                    plan.unproven.append(_rel(folder, out))
                else:
                    outputs.append(Output(copy, out))
            same_ext = output_extension(name, options.out_format) == os.path.splitext(name)[1]
            plan.tasks.append(
                Task(
                    str(folder.path / name),
                    key,
                    folder.rel,
                    str(out_dir),
                    tuple(outputs),
                    skipped,
                    same_ext,
                    temp_tag,
                )
            )
            if options.out_format in ("JPEG", "WEBP") and len(cannot_hold) < MAX_LISTED:
                reason = _cannot_hold(folder.path / name, options.out_format)
                if reason:
                    cannot_hold.append(f"  {_rel(folder, name)}: {reason}")
        if not members:
            continue
        if len(plan.folders) < max_listed:
            plan.folders.append((folder.rel, members))
        else:
            plan.more_folders += 1
    if cannot_hold:
        raise UsageError(
            f"--format {options.out_format.lower()} cannot hold some inputs:\n"
            + "\n".join(cannot_hold)
            + "\nchoose --format png or tiff, or leave --format at same"
        )
    if plan.all_inputs == 0:
        others = f"; {plan.not_images} other file(s) ignored" if plan.not_images else ""
        raise UsageError(
            f"SRC {src}: no images found (extensions {', '.join(sorted(IMAGE_EXTENSIONS))}, "
            f"any case; hidden files skipped){others}"
        )
    if plan.unproven:
        raise UsageError(_unproven_message(plan, dst, recorded is not None))
    if options.existing == "refuse":
        manifest_name = run_manifest_name(shard)
        manifest = options.manifest and (dst / manifest_name).exists()
        if plan.existing or manifest:
            what = (
                f"{plan.existing} of the {plan.outputs} outputs (e.g. {existing_example})"
                if plan.existing
                else f"a manifest ({manifest_name}) from an earlier run"
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


def _claim(claimed: dict[str, str], folder: Folder, name: str, out: str) -> None:
    """Record that ``name`` writes ``out``; refuse a second input writing it."""
    if out in claimed:
        raise UsageError(
            f"{_rel(folder, name)} and {_rel(folder, claimed[out])} would both be "
            f"written to {_rel(folder, out)}; use --name with {{ext}} or another --format"
        )
    claimed[out] = name


def _recorded_sizes(dst: Path, options: AugmentOptions) -> dict[str, object] | None:
    """``--resume``: each output the manifest lists, with its recorded size (None: no manifest)."""
    if not options.manifest:
        raise UsageError(
            "--resume needs the manifest to tell which outputs the earlier run wrote; "
            "drop --no-manifest"
        )
    path = dst / run_manifest_name(options.shard)
    if not path.is_file():
        return None
    return {entry["output"]: entry.get("size") for entry in read_entries(path)}


def _is_recorded(recorded: dict[str, object] | None, path: Path, folder: Folder, out: str) -> bool:
    """Whether an existing output is listed in the manifest with its current size."""
    if recorded is None:
        return False
    size = recorded.get(_rel(folder, out), -1)
    try:
        return path.stat().st_size == size
    except OSError:
        return False


def _unproven_message(plan: Plan, dst: Path, has_manifest: bool) -> str:
    n = len(plan.unproven)
    listed = ", ".join(plan.unproven[:MAX_LISTED]) + (", ..." if n > MAX_LISTED else "")
    why = (
        "not listed in its manifest, or changed since (size differs)"
        if has_manifest
        else f"and there is no manifest ({run_manifest_name(plan.options.shard)}) to tell "
        "which run wrote them"
    )
    return (
        f"--resume: DST {dst} holds {n} output(s) that cannot be shown to come from this run "
        f"({why}): {listed}; use --overwrite to replace them, or choose another DST"
    )


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
