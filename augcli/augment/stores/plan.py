"""Planning a run into an object store: the same tasks as a local plan, from store listings.

SRC (a URL, or a local folder) and DST (a URL) are each listed once. Inputs are walked in the
local walk's order (folders depth-first, sorted; hidden keys skipped), named by
:mod:`augcli.augment.run.naming` and claimed as in :mod:`augcli.augment.run.plan`, so a store
run writes the same names and, seeded the same, the same bytes. Refused (exit 2, nothing
written): a key under SRC that is not a plain relative key (``..``, ``.``, an empty segment,
absolute); outputs or a manifest already in DST unless ``--resume`` or ``--overwrite``;
``--resume`` over another run's manifest.

``--resume`` keeps an output only when its manifest line (the run's manifest, or a part a
killed run left) and the SHA-256 of the object's bytes agree, and its label objects exist. An
output object with no line (the run died between its PUT and the part that would have listed
it), or whose bytes differ, is written again: outputs are deterministic, so it is replaced by
the bytes the run would have written.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augcli.augment.labels.coco import load_coco
from augcli.augment.labels.files import YOLO_EXTENSION, LabelOptions, LabelTask
from augcli.augment.labels.masks import MASK_EXTENSION
from augcli.augment.run.folders import _claim, _claim_stem, _count_ignored, _output_names
from augcli.augment.run.naming import check_template
from augcli.augment.run.output_formats import Targets
from augcli.augment.run.plan import MAX_LISTED, Plan
from augcli.augment.run.walk import Folder, is_image_name
from augcli.augment.stores.parts import recorded_entries
from augcli.augment.tasks import AugmentOptions, Output, Task
from augcli.core.errors import UsageError
from augcli.core.stores import Store, check_key, is_url
from augcli.images.formats import IMAGE_EXTENSIONS

_NOWHERE = Path(".")


def open_place(value: str | os.PathLike[str], label: str) -> Store:
    """A store for a URL, or for a local folder (read through fsspec's local filesystem)."""
    if is_url(value):
        return Store.open(str(value), label)
    path = Path(value).resolve()
    return Store(f"file://{path.as_posix()}", label)


@dataclass
class StorePlan(Plan):
    """A :class:`~augcli.augment.run.plan.Plan` over stores, with what the runner needs."""

    src_store: Store | None = None
    dst_store: Store | None = None
    recorded: list[dict[str, Any]] = field(default_factory=list)
    listing: dict[str, int] = field(default_factory=dict)
    task_list: list[Task] = field(default_factory=list, repr=False)
    """A store's plan keeps its tasks: it is built from listings already in memory."""

    def tasks(self) -> Iterator[Task]:
        """The run's tasks in walk order (as :meth:`Plan.tasks`)."""
        return iter(self.task_list)


def make_store_plan(src: str, dst: str, options: AugmentOptions) -> StorePlan:
    """List the work of a run into the store at ``dst``; see the module docstring.

    Parameters
    ----------
    src : str
        SRC: a URL (a prefix, or one image object) or a local path.
    dst : str
        DST: a URL (``s3://bucket/prefix``).
    options : AugmentOptions
        The run's options.

    Raises
    ------
    UsageError
        Any refusal of the module docstring.
    """
    if not is_url(dst):
        raise UsageError(
            f"DST {dst}: a URL SRC needs a URL DST (s3://..., gs://..., az://...); copy SRC "
            "locally to write a local DST"
        )
    template_ext = check_template(options.name_template, options.copies)
    targets = Targets(options.out_format, template_ext)
    src_store, dst_store = open_place(src, "SRC"), Store.open(dst, "DST")
    if src_store.url == dst_store.url:
        raise UsageError(f"DST {dst} is SRC: outputs would mix with the inputs")
    plan = StorePlan(Path(), Path(), options, src_store=src_store, dst_store=dst_store)
    plan.src, plan.dst = src_store.url, dst_store.url  # type: ignore[assignment]
    folders, single = _walk(src_store, dst_store)
    labels = _LabelLister(options.labels, dst_store)
    if options.labels.coco is not None:
        plan.coco = load_coco(options.labels.coco[0])
    plan.listing = dict(dst_store.files())
    resume, shard = options.existing == "resume", options.shard
    plan.recorded = recorded_entries(dst_store, options.shard) if options.manifest else []
    if resume and not options.manifest:
        raise UsageError("--resume needs the manifest; drop --no-manifest")
    lines = {e["output"]: e for e in plan.recorded}
    existing_example = None
    for folder in folders:
        _count_ignored(plan, folder)
        if not folder.images:
            continue
        claimed: dict[str, str] = {}
        parent = single or (folder.rel.rsplit("/", 1)[-1] if folder.rel else _last(src_store))
        members = 0
        for name in folder.images:
            plan.all_inputs += 1
            key = f"{folder.rel}/{name}" if folder.rel else name
            src_key = key if single is None else ""
            if shard is not None and not shard.owns(key):
                ext = targets.extension(Path(name), key, probe=False)
                for _copy, out in _output_names(name, parent, ext, options):
                    _claim(claimed, folder, name, out, options)
                continue
            members += 1
            plan.inputs += 1
            label_task = labels.task(folder.rel, name, key, plan) if options.labels.any else None
            ext = _extension(targets, src_store, src_key, name, key)
            outputs: list[Output] = []
            skipped = 0
            for copy, out in _output_names(name, parent, ext, options):
                _claim(claimed, folder, name, out, options)
                rel_out = f"{folder.rel}/{out}" if folder.rel else out
                plan.outputs += 1
                present = rel_out in plan.listing
                every = present
                if label_task is not None:
                    _claim_stem(folder, name, out, claimed)
                    some_label, every_label = labels.existing(label_task, out)
                    present, every = present or some_label, every and every_label
                if present:
                    plan.existing += 1
                    existing_example = existing_example or rel_out
                if len(plan.examples) < MAX_LISTED:
                    plan.examples.append(dst_store.url_of(rel_out))
                if resume and every and _proven(dst_store, plan.listing, lines.get(rel_out)):
                    skipped += 1
                else:
                    outputs.append(Output(copy, out))
            plan.task_list.append(
                Task(
                    src_store.url_of(src_key) if is_url(src) else _local(src, src_key),
                    key,
                    folder.rel,
                    dst_store.url_of(folder.rel),
                    tuple(outputs),
                    skipped,
                    ext == os.path.splitext(name)[1],
                    label_task,
                    (shard.temp_tag if shard else ""),
                )
            )
        if members:
            plan.folders.append((folder.rel, members))
    targets.refuse_if_any()
    plan.converted = targets.conversions()
    if plan.all_inputs == 0:
        raise UsageError(
            f"SRC {src}: no images found (none of the {len(IMAGE_EXTENSIONS)} image extensions "
            "Pillow reads; hidden keys skipped)"
        )
    if options.existing == "refuse" and (plan.existing or plan.recorded):
        what = (
            f"{plan.existing} of the {plan.outputs} outputs (e.g. {existing_example})"
            if plan.existing
            else "a manifest (or manifest parts) from an earlier run"
        )
        raise UsageError(
            f"DST {dst} already holds {what}; use --resume to skip existing outputs or "
            "--overwrite to replace them"
        )
    return plan


def _local(src: str, key: str) -> str:
    root = Path(src)
    return str(root / key) if key else str(root)


def _last(store: Store) -> str:
    return store.url.rstrip("/").rsplit("/", 1)[-1]


def _extension(targets: Targets, store: Store, key: str, name: str, shown: str) -> str:
    """The output extension; the header probe, when needed, reads only the first block."""
    header = _Header(store, key, name)
    try:
        return targets.extension(header, shown)  # type: ignore[arg-type]
    finally:
        header.close()


class _Header:
    """A lazily opened, seekable handle on an object, named like a path (for the probe)."""

    def __init__(self, store: Store, key: str, name: str) -> None:
        self.store, self.key, self.name, self._handle = store, key, name, None

    def _open(self) -> Any:
        if self._handle is None:
            if self.key:
                self._handle = self.store.open_header(self.key)
            else:
                self._handle = self.store.fs.open(self.store.root, "rb")
        return self._handle

    def read(self, size: int = -1) -> bytes:
        return self._open().read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._open().seek(offset, whence)

    def tell(self) -> int:
        return self._open().tell()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def __str__(self) -> str:
        return self.name


def _walk(src: Store, dst: Store) -> tuple[list[Folder], str | None]:
    """SRC's folders in the local walk's order, and SRC's parent name when it is one object."""
    if src.is_object():
        name = _last(src)
        ok = is_image_name(name)
        parent = src.url.rsplit("/", 2)[-2] if src.url.count("/") > 2 else ""
        return [Folder("", _NOWHERE, (name,) if ok else (), () if ok else (name,))], parent
    inside = dst.url.startswith(src.url + "/")
    skip = dst.url[len(src.url) + 1 :] + "/" if inside else None
    images: dict[str, list[str]] = defaultdict(list)
    others: dict[str, list[str]] = defaultdict(list)
    for key, _size in src.files():
        check_key(key, "SRC key")
        if skip is not None and (key + "/").startswith(skip):
            continue
        parts = key.split("/")
        if any(part.startswith(".") for part in parts):
            continue
        rel, name = "/".join(parts[:-1]), parts[-1]
        (images if is_image_name(name) else others)[rel].append(name)
    rels = sorted(set(images) | set(others), key=lambda r: tuple(r.split("/")) if r else ())
    folders = [
        Folder(r, _NOWHERE, tuple(sorted(images[r])), tuple(sorted(others[r]))) for r in rels
    ]
    return folders, None


def _proven(dst: Store, listing: dict[str, int], entry: dict[str, Any] | None) -> bool:
    """Whether an output object is the one its manifest line records (size, then SHA-256)."""
    if entry is None or not isinstance(entry.get("sha256"), str):
        return False
    output = entry["output"]
    if listing.get(output) != entry.get("size"):
        return False
    found = dst.digest(output)
    return found is not None and found == (entry["size"], entry["sha256"])


class _LabelLister:
    """Label sources and existing label outputs of a store run, each prefix listed once."""

    def __init__(self, options: LabelOptions, dst: Store) -> None:
        self.options = options
        self.masks: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.present: dict[str, set[str]] = {}
        self.stores: dict[str, tuple[Store, Store]] = {}
        others = [f"--{name}" for name in options.paths if name not in ("masks", "yolo", "coco")]
        if others:
            raise UsageError(
                f"{', '.join(others)}: with URLs, labels travel as --masks, --yolo and --coco "
                "only; copy the dataset locally for the other label formats"
            )
        for kind, flag, pair in (
            ("mask", "--masks", options.masks),
            ("yolo", "--yolo", options.yolo),
        ):
            if pair is None:
                continue
            source, target = open_place(pair[0], flag), Store.open(_url(pair[1], flag), flag)
            if target.url in (dst.url, source.url):
                raise UsageError(f"{flag} destination {pair[1]} is a source or DST")
            self.stores[kind] = (source, target)
            self.present[kind] = {key for key, _ in target.files()}
            if kind == "mask":
                for key, _ in source.files():
                    folder, _, name = key.rpartition("/")
                    stem, ext = os.path.splitext(name)
                    if ext.lower() in IMAGE_EXTENSIONS and not name.startswith("."):
                        self.masks[folder][stem].append(name)
            else:
                self.yolo = {key for key, _ in source.files()}

    def task(self, rel: str, name: str, key: str, plan: Plan) -> LabelTask:
        """The labels of one input (URLs of its sources and destination prefixes).

        Its YOLO source is ``""`` when the image has no label file (no objects).
        """
        stem = os.path.splitext(name)[0]
        sources: list[tuple[str, str | None, str | None, str | None]] = []
        if "mask" in self.stores:
            source, target = self.stores["mask"]
            found = sorted(self.masks.get(rel, {}).get(stem, []))
            where = f"{rel}/{stem}" if rel else stem
            mask_src, problem = None, None
            if len(found) == 1:
                mask_src = source.url_of(f"{rel}/{found[0]}" if rel else found[0])
            elif not found:
                problem = f"no mask {source.url_of(where)}.* (any image extension)"
            else:
                problem = f"several masks for one image under {source.url}: {found}"
            sources.append(("masks", mask_src, problem, target.url_of(rel)))
        if "yolo" in self.stores:
            source, target = self.stores["yolo"]
            label_key = (f"{rel}/" if rel else "") + stem + YOLO_EXTENSION
            yolo_src = source.url_of(label_key) if label_key in self.yolo else ""
            sources.append(("yolo", yolo_src, None, target.url_of(rel)))
        if plan.coco is not None:
            sources.append(("coco", plan.coco.payload(key), None, None))
            if key not in plan.coco.payloads:
                plan.unlisted += 1
        return LabelTask(rel, tuple(sources))

    def existing(self, task: LabelTask, output_name: str) -> tuple[bool, bool]:
        """``(any, all)``: whether any / all of an output's label objects exist already."""
        stem = os.path.splitext(output_name)[0]
        found = []
        for kind, ext in (("mask", MASK_EXTENSION), ("yolo", YOLO_EXTENSION)):
            if kind in self.stores:
                key = (f"{task.rel}/" if task.rel else "") + stem + ext
                found.append(key in self.present[kind])
        return any(found), all(found)


def _url(value: str, flag: str) -> str:
    if not is_url(value):
        raise UsageError(
            f"{flag} destination {value}: with a URL DST, label destinations are URLs too"
        )
    return value
