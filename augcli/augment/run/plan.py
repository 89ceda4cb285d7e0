"""Planning an augment run: the complete task list, and every check that can fail before work.

A plan walks the source once (folder by folder) and computes, once, every task of the run:
each input with its key, its outputs and their names, the outputs ``--resume`` keeps, and
whether the original is copied byte for byte. Executors run these tasks; nothing downstream
names outputs again. It refuses, with exit status 2 and nothing written: a missing source, a
destination that is a file or the source itself, a bad name template, two inputs mapping to
one output name (suggesting a ``--name`` that tells them apart), inputs the chosen output
format cannot hold (:mod:`.output_formats`), existing outputs unless ``--overwrite`` or
``--resume`` says what to do with them, and for ``--resume`` existing outputs its manifest does
not list with their size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from augcli.augment.labels.coco import CocoIndex
from augcli.augment.labels.files import LabelPlanner, check_label_paths
from augcli.augment.labels.formats import by_key
from augcli.augment.record.resume import is_recorded, recorded_sizes, unproven_message
from augcli.augment.record.shards import UNSHARDED, run_manifest_name
from augcli.augment.run.naming import check_template, output_names, suggest_template
from augcli.augment.run.output_formats import Targets
from augcli.augment.run.walk import Folder, names_in, walk
from augcli.augment.tasks import AugmentOptions, Output, Task
from augcli.core.errors import UsageError
from augcli.core.gate import Inputs, check_write_target, kind_of, write_refusal
from augcli.images.formats import IMAGE_EXTENSIONS

OUTPUT_FORMATS = ("same", "PNG", "JPEG", "WEBP", "TIFF")
MAX_LISTED = 5
MAX_IGNORED_EXAMPLES = 3


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
    ignored: dict[str, list[str]] = field(default_factory=dict)
    ignored_counts: dict[str, int] = field(default_factory=dict)
    converted: list[dict[str, object]] = field(default_factory=list)
    coco: CocoIndex | None = None
    unlisted: int = 0
    label_lines: list[str] = field(default_factory=list)
    not_regular: int = 0
    not_regular_examples: list[str] = field(default_factory=list)
    guard: Inputs = field(default_factory=Inputs)

    def ignored_by_extension(self) -> dict[str, dict[str, object]]:
        """Files that are not images, by extension: ``{".txt": {"count", "examples"}}``."""
        return {
            ext: {"count": self.ignored_counts[ext], "examples": self.ignored[ext]}
            for ext in sorted(self.ignored_counts)
        }

    def to_dict(self) -> dict[str, object]:
        """The ``--dry-run --json`` report."""
        return {
            "dry_run": True,
            "src": str(self.src),
            "dst": str(self.dst),
            "inputs": self.inputs,
            **(
                {
                    "shard": f"{self.options.shard.k}/{self.options.shard.n}",
                    "all_inputs": self.all_inputs,
                }
                if self.options.shard
                else {}
            ),
            "outputs": self.outputs,
            "existing": self.existing,
            "folders": [{"folder": rel or ".", "images": n} for rel, n in self.folders],
            "more_folders": self.more_folders,
            "examples": self.examples,
            "not_images": self.not_images,
            "ignored": self.ignored_by_extension(),
            "converted": self.converted,
            **({"labels": self.label_lines} if self.label_lines else {}),
            "not_regular": {"count": self.not_regular, "examples": self.not_regular_examples},
        }

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
        for ext, info in self.ignored_by_extension().items():
            lines.append(
                f"ignored {info['count']} {ext or '(no extension)'} file(s), e.g. "
                + ", ".join(info["examples"])  # type: ignore[arg-type]
            )
        if self.not_regular:
            lines.append(
                f"{self.not_regular} input(s) are not regular files and will be reported "
                "failed without being opened, e.g.:"
            )
            lines.extend(f"  {example}" for example in self.not_regular_examples)
        for item in self.converted:
            lines.append(
                f"{item['count']} input(s) written as {item['written_as']}: {item['reason']}"
            )
        if self.label_lines:
            lines.append("labels:")
            lines.extend(f"  {line}" for line in self.label_lines)
        if self.examples:
            lines.append("example outputs:")
            lines.extend(f"  {name}" for name in self.examples)
        return "\n".join(lines)


def resolve_paths(src: Path, dst: Path) -> tuple[Path, Path, Path | None]:
    """Check SRC and DST; return them and the folder to leave out of the walk (DST)."""
    if not src.exists():
        raise UsageError(f"SRC {src}: no such file or folder")
    if not src.is_dir() and not src.is_file():
        raise UsageError(
            f"SRC {src} is {kind_of(os.stat(src).st_mode)}; augcli reads only regular files "
            "and folders"
        )
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
    template_ext = check_template(options.name_template, options.copies)
    targets = Targets(options.out_format, template_ext)
    src, dst, exclude = resolve_paths(src, dst)
    plan = Plan(src, dst, options, guard=guard_paths(src, dst, options))
    resume = options.existing == "resume"
    shard = options.shard
    temp_tag = (shard or UNSHARDED).temp_tag
    recorded = recorded_sizes(dst, options) if resume else None
    labelled = options.labels.any
    if labelled:
        check_label_paths(options.labels, src, dst)
        if options.labels.coco and resume and not options.manifest:
            raise UsageError(
                "--coco with --resume needs the manifest (the earlier outputs' annotations "
                "are kept there); leave out --no-manifest"
            )
        if options.labels.coco is not None and shard is not None:
            raise UsageError(
                "--coco with --shard is not supported yet (each shard would write its own "
                "COCO file); run --coco unsharded, or shard with --masks/--yolo"
            )
    states = {
        fmt.name: fmt.start(pair, options.labels, options.max_pixels)  # type: ignore[arg-type]
        for fmt, pair in options.labels.given()
    }
    plan.coco = states.get("coco")
    planner = LabelPlanner(options.labels, states)
    existing_example = None
    for folder in walk(src, exclude):
        _count_ignored(plan, folder)
        if not folder.images and not folder.special:
            continue
        out_dir = dst / folder.rel
        present: set[str] = set()
        listed = False
        claimed: dict[str, str] = {}
        parent = folder.path.resolve().name  # {parent}: SRC's own name for files at its root
        members = 0
        for name in folder.images:
            plan.all_inputs += 1
            key = _rel(folder, name)
            if shard is not None and not shard.owns(key):
                # Every shard refuses the same collisions; only members' headers are probed.
                ext = targets.extension(folder.path / name, key, probe=False)
                for _copy, out in _output_names(name, parent, ext, options):
                    _claim(claimed, folder, name, out, options)
                continue
            if not listed:
                present, listed = names_in(out_dir), True
            members += 1
            plan.inputs += 1
            labels = planner.task(folder.rel, name, key, folder.path / name) if labelled else None
            outputs: list[Output] = []
            skipped = 0
            ext = targets.extension(folder.path / name, key)
            for copy, out in _output_names(name, parent, ext, options):
                _claim(claimed, folder, name, out, options)
                plan.outputs += 1
                some, every = out in present, out in present
                if some:
                    _refuse_unwritable(out_dir / out, _rel(folder, out))
                if labels is not None:
                    _claim_stem(folder, name, out, claimed)
                    any_label, all_labels = planner.existing(labels, out)
                    if any_label:
                        for kind, (final, rel) in labels.outputs(out).items():
                            flag = by_key(kind).flag  # type: ignore[union-attr]
                            _refuse_unwritable(Path(final), rel, f"the {flag} destination")
                    some, every = some or any_label, every and all_labels
                if some:
                    plan.existing += 1
                    existing_example = existing_example or _rel(folder, out)
                if len(plan.examples) < MAX_LISTED:
                    plan.examples.append(str(out_dir / out))
                proven = (
                    resume
                    and out in present
                    and is_recorded(recorded, out_dir / out, _rel(folder, out))
                )
                if proven and every:
                    skipped += 1  # image and every label file exist: --resume keeps them
                elif resume and out in present and not proven:
                    plan.unproven.append(_rel(folder, out))
                else:
                    outputs.append(Output(copy, out))
            plan.tasks.append(
                Task(
                    str(folder.path / name),
                    key,
                    folder.rel,
                    str(out_dir),
                    tuple(outputs),
                    skipped,
                    ext == os.path.splitext(name)[1],
                    labels,
                    temp_tag,
                )
            )
        for name, reason in folder.special:  # never opened: each fails, named, at run time
            plan.all_inputs += 1
            key = _rel(folder, name)
            if shard is None or shard.owns(key):
                members += 1
                plan.inputs += 1
                plan.tasks.append(
                    Task(
                        str(folder.path / name),
                        key,
                        folder.rel,
                        str(out_dir),
                        (),
                        temp_tag=temp_tag,
                        refusal=reason,
                    )
                )
                plan.not_regular += 1
                if len(plan.not_regular_examples) < MAX_LISTED:
                    plan.not_regular_examples.append(f"{key}: {reason}")
        if not members:
            continue
        if len(plan.folders) < max_listed:
            plan.folders.append((folder.rel, members))
        else:
            plan.more_folders += 1
    targets.refuse_if_any()
    if plan.coco is not None:
        plan.coco.refuse_mismatches()
    plan.converted = targets.conversions()
    if plan.all_inputs == 0:
        others = (
            f"; {plan.not_images} other file(s) ignored ("
            + ", ".join(
                f"{n} {ext or 'without extension'}" for ext, n in plan.ignored_counts.items()
            )
            + ")"
            if plan.not_images
            else ""
        )
        raise UsageError(
            f"SRC {src}: no images found (none of the {len(IMAGE_EXTENSIONS)} image extensions "
            "Pillow reads: .jpg .png .tif .webp .bmp .gif .ppm .pgm .tga .jp2 ..., any case; "
            f"hidden files skipped){others}"
        )
    if plan.unproven:
        raise UsageError(unproven_message(plan.unproven, dst, options, recorded is not None))
    plan.unlisted = planner.unlisted
    plan.label_lines = planner.dry_run_lines() if labelled else []
    if options.existing == "refuse":
        coco_dst = options.labels.coco[1] if options.labels.coco else None
        if coco_dst is not None and Path(coco_dst).exists():
            raise UsageError(
                f"--coco destination {coco_dst} already exists; use --resume to finish that "
                "run or --overwrite to replace it"
            )
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


def guard_paths(src: Path, dst: Path, options: AugmentOptions) -> Inputs:
    """The run's inputs, with every output place checked against them (exit 2 on a clash).

    DST, each label destination and the COCO file to write must not be an input or lie inside
    one (SRC, a label source, the COCO source); the names augcli owns in DST (its manifest)
    must not be links or special files.
    """
    labels = options.labels
    guard = Inputs.of([("SRC", src), *((fmt.flag, pair[0]) for fmt, pair in labels.given())])
    guard.refuse_output("DST", dst, folder=True)
    for fmt, pair in labels.given():
        if fmt.extension is not None:
            guard.refuse_output(f"{fmt.flag} destination", pair[1], folder=True)
    if labels.coco is not None:
        out = Path(labels.coco[1])
        guard.refuse_output("--coco OUT", out)
        if out.suffix.lower() != ".json":
            raise UsageError(
                f"--coco OUT {str(out)!r}: the COCO file to write must end in .json "
                "(so it can never be an image, label file or manifest)"
            )
    if options.manifest and dst.is_dir():
        check_write_target(dst / run_manifest_name(options.shard), "DST's manifest")
    return guard


def _refuse_unwritable(path: Path, rel: str, where: str = "DST") -> None:
    """Refuse (exit 2, before work) an existing output name augcli may not replace."""
    reason = write_refusal(path)
    if reason:
        raise UsageError(
            f"{where} holds {rel} where an output goes, and it {reason}; "
            "augcli replaces only regular files it wrote: move it away"
        )


def _output_names(
    name: str, parent: str, ext: str, options: AugmentOptions
) -> list[tuple[int | None, str]]:
    """``(copy index or None for the original, output name)`` of one input."""
    return output_names(
        name,
        parent,
        options.copies,
        options.name_template,
        ext,
        options.include_original,
    )


def _count_ignored(plan: Plan, folder: Folder) -> None:
    """Count a folder's files that are not images, by extension, with a few examples."""
    plan.not_images += len(folder.others)
    for name in folder.others:
        ext = os.path.splitext(name)[1].lower()
        plan.ignored_counts[ext] = plan.ignored_counts.get(ext, 0) + 1
        examples = plan.ignored.setdefault(ext, [])
        if len(examples) < MAX_IGNORED_EXAMPLES:
            examples.append(_rel(folder, name))


def _rel(folder: Folder, name: str) -> str:
    return f"{folder.rel}/{name}" if folder.rel else name


def _claim(
    claimed: dict[str, str], folder: Folder, name: str, out: str, options: AugmentOptions
) -> None:
    """Record that ``name`` writes ``out``; refuse a second input writing it."""
    if out in claimed:
        raise UsageError(
            f"{_rel(folder, name)} and {_rel(folder, claimed[out])} would both be "
            f"written to {_rel(folder, out)}; tell them apart with "
            f"--name '{suggest_template(options.name_template)}' "
            "({srcext} is the input's extension)"
        )
    claimed[out] = name


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
