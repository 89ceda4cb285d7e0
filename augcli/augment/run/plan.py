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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from augcli.augment.labels.coco import CocoIndex
from augcli.augment.labels.files import LabelPlanner, check_label_paths
from augcli.augment.record.resume import recorded_sizes, unproven_message
from augcli.augment.record.shards import UNSHARDED, run_manifest_name
from augcli.augment.run.folders import PlanContext, walk_tasks
from augcli.augment.run.naming import check_template
from augcli.augment.run.output_formats import Targets
from augcli.augment.tasks import AugmentOptions, Task
from augcli.core.errors import UsageError
from augcli.core.gate import Inputs, check_write_target, kind_of
from augcli.images.formats import IMAGE_EXTENSIONS

OUTPUT_FORMATS = ("same", "PNG", "JPEG", "WEBP", "TIFF")
MAX_LISTED = 5


@dataclass
class Plan:
    """What a run will do: every task, counts, per-folder inputs and a few example names."""

    src: Path
    dst: Path
    options: AugmentOptions
    inputs: int = 0
    all_inputs: int = 0
    outputs: int = 0
    existing: int = 0
    not_images: int = 0
    folders: list[tuple[str, int]] = field(default_factory=list)
    more_folders: int = 0
    examples: list[str] = field(default_factory=list)
    unproven: list[str] = field(default_factory=list)
    unproven_count: int = 0
    ignored: dict[str, list[str]] = field(default_factory=dict)
    ignored_counts: dict[str, int] = field(default_factory=dict)
    converted: list[dict[str, object]] = field(default_factory=list)
    coco: CocoIndex | None = None
    unlisted: int = 0
    not_regular: int = 0
    not_regular_examples: list[str] = field(default_factory=list)
    guard: Inputs = field(default_factory=Inputs)
    existing_example: str | None = None
    context: PlanContext | None = field(default=None, repr=False, compare=False)
    labels: dict[str, object] = field(default_factory=dict)
    """What :meth:`LabelPlanner.report` counted (empty without labels)."""
    yolo_orphans: list[str] = field(default_factory=list)
    coco_keys: list[str] = field(default_factory=list, repr=False)
    """SRC-relative paths of the inputs COCO's file names are matched against (check pass)."""

    def tasks(self) -> Iterator[Task]:
        """The run's tasks in walk order, planned again folder by folder as they are needed.

        The check pass (:func:`make_plan`) kept only counts and a few examples, so the plan's
        memory does not grow with the number of inputs; this second pass yields the same
        tasks the check pass saw (under the run lock, nothing else writes DST meanwhile).
        """
        if self.context is None:
            raise RuntimeError("a plan made by make_plan() is needed")
        scratch = Plan(self.src, self.dst, self.options, coco=self.coco)
        yield from walk_tasks(scratch, self.context.fresh())

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
            "not_regular": {"count": self.not_regular, "examples": self.not_regular_examples},
            **({"labels": self.labels} if self.labels else {}),
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
        if self.examples:
            lines.append("example outputs:")
            lines.extend(f"  {name}" for name in self.examples)
        lines.extend(label_lines(self.labels))
        return "\n".join(lines)


def label_lines(report: dict[str, object]) -> list[str]:
    """The dry run's lines about labels, from :meth:`LabelPlanner.report`."""
    if not report:
        return []
    lines = ["labels:"]
    masks, yolo, coco = (report.get(k) for k in ("masks", "yolo", "coco"))
    if isinstance(masks, dict):
        lines.append(
            f"  --masks {masks['source']} -> {masks['destination']}: {masks['found']} input(s) "
            f"have their mask, {masks['missing']} have none and will fail"
        )
        lines.extend(f"    {example}" for example in masks["missing_examples"])
    if isinstance(yolo, dict):
        lines.append(
            f"  --yolo {yolo['source']} -> {yolo['destination']}: {yolo['label_files']} label "
            f"file(s); {yolo['images_with_labels']} input(s) have one, "
            f"{yolo['images_without_labels']} have none (no objects)"
        )
        if yolo["files_without_image"]:
            lines.append(
                f"    {yolo['files_without_image']} label file(s) have no image under SRC, e.g. "
                + ", ".join(yolo["files_without_image_examples"])
            )
    if isinstance(coco, dict):
        lines.append(
            f"  --coco {coco['source']} -> {coco['destination']}: {coco['image_entries']} image "
            f"entr(ies), {coco['annotations']} annotation(s); {coco['images_listed']} input(s) "
            f"listed, {coco['images_unlisted']} not listed (no annotations)"
        )
        if coco["entries_without_file"]:
            lines.append(
                f"    {coco['entries_without_file']} entr(ies) have no file under SRC, e.g. "
                + ", ".join(coco["entries_without_file_examples"])
            )
    for name, entry in report.items():  # the other formats of the registry (VOC, YOLO-pose)
        if name in ("masks", "yolo", "coco") or not isinstance(entry, dict):
            continue
        lines.append(
            f"  --{name} {entry['source']} -> {entry['destination']}: {entry['found']} input(s) "
            f"have a label file, {entry['missing']} have none (no objects)"
        )
    if "skipped_unlabelled" in report:
        lines.append(
            f"  --skip-unlabelled: {report['skipped_unlabelled']} input(s) without labels left out"
        )
    return lines


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
        The counts the dry run prints; :meth:`Plan.tasks` yields every task in walk order
        (sorted), planned again folder by folder. With
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
    states = {
        fmt.name: fmt.start(pair, options.labels, options.max_pixels)  # type: ignore[arg-type]
        for fmt, pair in options.labels.given()
    }
    plan.coco = states.get("coco")
    context = PlanContext(
        targets, LabelPlanner(options.labels, states), recorded, exclude, temp_tag, max_listed
    )
    for _task in walk_tasks(plan, context):
        pass  # the check pass: counts and refusals only; tasks are planned again to run
    planner = context.planner
    plan.context = context
    targets.refuse_if_any()
    if plan.coco is not None:
        plan.coco.refuse_no_match(src, plan.coco_keys)
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
    if plan.unproven_count:
        raise UsageError(
            unproven_message(plan.unproven, plan.unproven_count, dst, options, recorded is not None)
        )
    plan.unlisted = planner.unlisted
    if labelled:
        plan.labels = planner.report()
        plan.yolo_orphans = planner.yolo_orphans()
    if options.existing == "refuse":
        # A shard writes no COCO file: `augcli manifest merge --coco` builds it from all shards.
        coco_dst = options.labels.coco[1] if options.labels.coco and not shard else None
        if coco_dst is not None and Path(coco_dst).exists():
            raise UsageError(
                f"--coco destination {coco_dst} already exists; use --resume to finish that "
                "run or --overwrite to replace it"
            )
        manifest_name = run_manifest_name(shard)
        manifest = options.manifest and (dst / manifest_name).exists()
        if plan.existing or manifest:
            what = (
                f"{plan.existing} of the {plan.outputs} outputs (e.g. {plan.existing_example})"
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
