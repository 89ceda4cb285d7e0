"""Planning one folder at a time: each input's task, its output names and the clashes refused.

Both passes of a plan run :func:`walk_tasks`: the check pass (counting, refusing) and the run
pass (:meth:`augcli.augment.run.plan.Plan.tasks`), so a task is described in one place.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from augcli.augment.labels.files import LabelPlanner
from augcli.augment.labels.formats import by_key
from augcli.augment.record.resume import is_recorded
from augcli.augment.run.naming import output_names, suggest_template
from augcli.augment.run.output_formats import Targets
from augcli.augment.run.walk import Folder, names_in, walk
from augcli.augment.tasks import AugmentOptions, Output, Task
from augcli.core.errors import UsageError
from augcli.core.gate import write_refusal

if TYPE_CHECKING:
    from augcli.augment.run.plan import Plan

MAX_LISTED = 5
MAX_IGNORED_EXAMPLES = 3


@dataclass
class PlanContext:
    """What both passes over SRC share: format decisions, label lookups, resume proofs."""

    targets: Targets
    planner: LabelPlanner
    recorded: dict[str, object] | None
    exclude: Path | None
    temp_tag: str
    max_listed: int
    counting: bool = True
    """True for the check pass; the run pass keeps no lists that grow with the inputs."""

    def fresh(self) -> PlanContext:
        """A copy for the run pass, whose counters start again (the check pass's are kept)."""
        return replace(
            self,
            counting=False,
            targets=self.targets.fresh(),
            planner=self.planner.fresh(),
        )


def walk_tasks(plan: Plan, ctx: PlanContext) -> Iterator[Task]:
    """Every task of the run, folder by folder, counting into ``plan`` and refusing clashes."""
    options, dst = plan.options, plan.dst
    shard, resume, labelled = options.shard, options.existing == "resume", options.labels.any
    targets, planner = ctx.targets, ctx.planner
    for folder in walk(plan.src, ctx.exclude):
        _count_ignored(
            plan, folder, planner.label_files_among(folder.path, folder.others) if labelled else ()
        )
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
                if labelled:
                    planner.claim(folder.rel, name)
                continue
            if plan.coco is not None and ctx.counting:
                plan.coco_keys.append(key)
            if labelled and planner.unlabelled(folder.rel, name, key):
                continue  # --skip-unlabelled
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
                    refuse_unwritable(out_dir / out, _rel(folder, out))
                if labels is not None:
                    _claim_stem(folder, name, out, claimed)
                    any_label, all_labels = planner.existing(labels, out)
                    if any_label:
                        for kind, (final, rel) in labels.outputs(out).items():
                            flag = by_key(kind).flag  # type: ignore[union-attr]
                            refuse_unwritable(Path(final), rel, f"the {flag} destination")
                    some, every = some or any_label, every and all_labels
                if some:
                    plan.existing += 1
                    plan.existing_example = plan.existing_example or _rel(folder, out)
                if len(plan.examples) < MAX_LISTED:
                    plan.examples.append(str(out_dir / out))
                proven = (
                    resume
                    and out in present
                    and is_recorded(ctx.recorded, out_dir / out, _rel(folder, out))
                )
                if proven and every:
                    skipped += 1  # image and every label file exist: --resume keeps them
                elif resume and out in present and not proven:
                    plan.unproven_count += 1
                    if len(plan.unproven) < MAX_LISTED:
                        plan.unproven.append(_rel(folder, out))
                else:
                    outputs.append(Output(copy, out))
            yield Task(
                str(folder.path / name),
                key,
                folder.rel,
                str(out_dir),
                tuple(outputs),
                skipped,
                ext == os.path.splitext(name)[1],
                labels,
                ctx.temp_tag,
            )
        for name, reason in folder.special:  # never opened: each fails, named, at run time
            plan.all_inputs += 1
            key = _rel(folder, name)
            if shard is None or shard.owns(key):
                members += 1
                plan.inputs += 1
                yield Task(
                    str(folder.path / name),
                    key,
                    folder.rel,
                    str(out_dir),
                    (),
                    temp_tag=ctx.temp_tag,
                    refusal=reason,
                )
                plan.not_regular += 1
                if len(plan.not_regular_examples) < MAX_LISTED:
                    plan.not_regular_examples.append(f"{key}: {reason}")
        if not members:
            continue
        if len(plan.folders) < ctx.max_listed:
            plan.folders.append((folder.rel, members))
        else:
            plan.more_folders += 1


def refuse_unwritable(path: Path, rel: str, where: str = "DST") -> None:
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


def _count_ignored(plan: Plan, folder: Folder, labels: Collection[str] = ()) -> None:
    """Count a folder's files that are not images, by extension, with a few examples.

    ``labels`` are the run's label sources among them (read, not ignored).
    """
    others = [name for name in folder.others if name not in labels]
    plan.not_images += len(others)
    for name in others:
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
