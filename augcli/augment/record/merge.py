"""``augcli manifest merge``: the shard manifests of one run -> ``augcli-manifest.jsonl``.

The merge refuses (exit status 2, nothing written) unless DST holds the manifests of all ``N``
shards of one run: one ``N``, every ``K`` present, one seed and one run identity (pipeline
digest, copies, names, format, quality, augcli version), every line in the manifest of the
shard its source belongs to, no output listed twice, and every listed output present with its
recorded size. It then writes ``augcli-manifest.jsonl`` atomically, in the order an unsharded
run writes it (the walk's order: folders depth-first, sorted; a folder's images before its
subfolders; the original before copy 0, 1, ...), so it is the unsharded run's manifest byte for
byte. With ``--coco`` it also builds the run's one COCO file from the shards' lines. With SRC
it also re-plans the run and lists the outputs no shard wrote (exit status 1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from augcli.augment.config import PipelineSpec
from augcli.augment.labels.coco import load_coco, write_coco
from augcli.augment.record.identity import identity_differences, pipeline_digest
from augcli.augment.record.manifest import MANIFEST_NAME, read_entries, write_entries
from augcli.augment.record.shards import SHARD_MANIFEST, shard_manifest_name
from augcli.augment.run.plan import make_plan
from augcli.augment.tasks import MAX_SHARDS, AugmentOptions, Shard
from augcli.core.errors import UsageError

MAX_LISTED = 10


@dataclass
class MergeReport:
    """What a merge did: shards and lines merged, and (with SRC) the outputs no shard wrote."""

    shards: int
    lines: int
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            "shards": self.shards,
            "lines": self.lines,
            "missing": self.missing,
            "unexpected": self.unexpected,
        }


def walk_order(entry: dict[str, Any]) -> tuple[tuple[str, ...], str, int, str]:
    """Sort key of a manifest line: where an unsharded run puts it (see the module docstring).

    The walk (:func:`augcli.augment.run.walk.walk`) visits folders depth-first with sorted names
    and lists a folder's images (sorted) before entering its subfolders; that is the order of
    ``(folder parts, file name)`` tuples.
    """
    source = str(entry.get("source", ""))
    folder, _, name = source.rpartition("/")
    copy = entry.get("copy")
    return (
        tuple(folder.split("/")) if folder else (),
        name,
        copy if isinstance(copy, int) else -1,
        entry["output"],
    )


def find_shards(dst: Path) -> tuple[int, dict[int, Path]]:
    """``(N, {K: manifest path})`` of the shard manifests in DST.

    Raises
    ------
    UsageError
        None found, manifests of different ``N``, or some ``K`` missing.
    """
    found: dict[int, dict[int, Path]] = {}
    try:
        names = os.listdir(dst)
    except OSError as exc:
        raise UsageError(f"DST {dst}: cannot list it ({exc.strerror})") from None
    for name in names:
        match = SHARD_MANIFEST.fullmatch(name)
        if not match:
            continue
        # a name's digits may be many: compare lengths before converting (no huge ints)
        if len(match[2].lstrip("0")) > len(str(MAX_SHARDS)) or int(match[2]) > MAX_SHARDS:
            raise UsageError(
                f"DST {dst}: {name[:80]}{'...' if len(name) > 80 else ''} names more than "
                f"{MAX_SHARDS} shards, the most --shard K/N allows; no augcli run wrote it "
                "(move it out of DST)"
            )
        if int(match[1]) < int(match[2]):
            found.setdefault(int(match[2]), {})[int(match[1])] = dst / name
    if not found:
        raise UsageError(
            f"DST {dst}: no shard manifests (augcli-manifest.K-of-N.jsonl); run "
            "`augcli augment SRC DST --shard K/N` for K = 0..N-1 first"
        )
    if len(found) > 1:
        counts = ", ".join(f"{n} ({len(ks)} found)" for n, ks in sorted(found.items()))
        raise UsageError(f"DST {dst}: shard manifests of different runs: N = {counts}")
    ((n, shards),) = found.items()
    absent = n - len(shards)
    if absent:
        first = islice((shard_manifest_name(k, n) for k in range(n) if k not in shards), MAX_LISTED)
        listed = ", ".join(first) + (", ..." if absent > MAX_LISTED else "")
        raise UsageError(
            f"DST {dst}: {absent} of {n} shard manifests missing: {listed}; run those "
            "shards (or --resume them) before merging"
        )
    return n, shards


def merge_shards(
    dst: Path,
    src: Path | None = None,
    spec: PipelineSpec | None = None,
    coco: tuple[str, str] | None = None,
) -> MergeReport:
    """Merge DST's shard manifests into ``augcli-manifest.jsonl``; see the module docstring.

    Parameters
    ----------
    dst : pathlib.Path
        The destination every shard wrote into.
    src : pathlib.Path, optional
        The run's SRC: re-plan the run and list the outputs no shard wrote.
    spec : PipelineSpec, optional
        The run's pipeline: its digest must be the one the manifests record.
    coco : (str, str), optional
        The COCO file the shards read and the one to write from their lines
        (:func:`coco_of`).

    Returns
    -------
    MergeReport

    Raises
    ------
    UsageError
        Any refusal of the module docstring (nothing written).
    """
    n, paths = find_shards(dst)
    entries, first = collect_shards(n, [(paths[k].name, read_entries(paths[k])) for k in range(n)])
    absent = [e["output"] for e in entries if not _present(dst / e["output"], e.get("size"))]
    if absent:
        raise UsageError(
            f"DST {dst}: {len(absent)} listed output(s) missing or changed (size differs): "
            f"{_listed(absent)}; resume the shards that wrote them"
        )
    check_pipeline(spec, first)
    report = MergeReport(n, len(entries))
    if src is not None and first is not None:
        report.missing, report.unexpected = _against_plan(src, dst, first[1], entries)
    entries.sort(key=walk_order)
    prepared = coco_of(entries, coco) if coco is not None else None  # refused: nothing written
    write_entries(dst / MANIFEST_NAME, entries)
    if coco is not None and prepared is not None:
        write_coco(*prepared, coco[1])
    return report


def coco_of(entries: list[dict[str, Any]], coco: tuple[str, str]) -> tuple[Any, Any]:
    """The COCO file of a merged run, checked before anything is written: ``(meta, images)``
    for :func:`~augcli.augment.labels.coco.write_coco`; ``coco = (source annotations, file
    to write)``.

    The source gives ``info``, ``licenses`` and ``categories``; each line's ``labels.coco``
    the image's moved annotations. Outputs are numbered by path, so it is the unsharded
    run's file byte for byte.

    Raises
    ------
    UsageError
        No line records COCO annotations, or the source is not valid COCO.
    """
    from augcli.augment.run.runner import coco_entries

    source, _ = coco
    if not any(isinstance((e.get("labels") or {}).get("coco"), dict) for e in entries):
        raise UsageError(
            f"--coco {source}: the shards' manifests record no COCO annotations (were the "
            "shards run with --coco?)"
        )
    return load_coco(source).meta, coco_entries(entries)


def collect_shards(
    n: int, manifests: list[tuple[str, list[dict[str, Any]]]]
) -> tuple[list[dict[str, Any]], tuple[str, dict[str, Any]] | None]:
    """Check the lines of shards ``0..n-1`` (``(name, lines)`` each) are one run's; return all
    lines and the first (where, line).

    Raises
    ------
    UsageError
        Lines of different runs, a source in the wrong shard, an output listed twice.
    """
    entries: list[dict[str, Any]] = []
    first: tuple[str, dict[str, Any]] | None = None
    owner: dict[str, str] = {}
    duplicates: list[str] = []
    for k in range(n):
        name, lines = manifests[k]
        shard = Shard(k, n)
        for number, entry in enumerate(lines, 1):
            where = f"{name}:{number}"
            first = first or (where, entry)
            _same_run(first, where, entry)
            source = entry.get("source")
            if not isinstance(source, str) or not shard.owns(source):
                raise UsageError(
                    f"{where}: source {source!r} does not belong to shard {k}/{n}; this "
                    "manifest comes from another sharding of the run, or was edited"
                )
            if entry["output"] in owner:
                duplicates.append(f"{entry['output']} ({owner[entry['output']]} and {where})")
            owner[entry["output"]] = where
            entries.append(entry)
    if duplicates:
        raise UsageError(f"outputs listed twice: {_listed(duplicates)}")
    return entries, first


def check_pipeline(spec: PipelineSpec | None, first: tuple[str, dict[str, Any]] | None) -> None:
    """Refuse a ``-c`` pipeline whose digest is not the one the shards recorded."""
    if spec is not None and first is not None:
        recorded = (first[1].get("run") or {}).get("pipeline")
        if recorded != pipeline_digest(spec):
            raise UsageError(
                f"-c: this pipeline's digest is {pipeline_digest(spec)}, the shards recorded "
                f"{recorded} ({first[0]}): not the pipeline of this run"
            )


def _same_run(first: tuple[str, dict[str, Any]], where: str, entry: dict[str, Any]) -> None:
    if not isinstance(entry.get("run"), dict):
        raise UsageError(
            f"{where}: the line records no run (pipeline digest, copies, ...): written by an "
            "older augcli, or not by augcli; re-run that shard with this version"
        )
    where0, entry0 = first
    differences = identity_differences(entry0.get("run"), entry.get("run") or {})
    if entry0.get("seed") != entry.get("seed"):
        differences.insert(0, f"seed: {entry0.get('seed')!r} vs {entry.get('seed')!r}")
    if differences:
        raise UsageError(
            f"{where} and {where0} come from different runs ({where0} vs {where}): "
            f"{'; '.join(differences)}"
        )


def _present(path: Path, size: Any) -> bool:
    try:
        return path.is_file() and (not isinstance(size, int) or path.stat().st_size == size)
    except OSError:
        return False


def _against_plan(
    src: Path, dst: Path, entry: dict[str, Any], entries: list[dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """Re-plan the run the manifests describe; ``(outputs no shard wrote, listed extras)``."""
    run = entry.get("run") or {}
    options = AugmentOptions(
        copies=run.get("copies", 1),
        name_template=run.get("name", AugmentOptions.name_template),
        out_format=run.get("format", "same"),
        quality=run.get("quality", 95),
        include_original=any(e.get("copy") is None for e in entries),
        existing="overwrite",  # DST holds the shards' outputs: only names are wanted
    )
    plan = make_plan(src, dst, options)
    expected = [t.manifest_path(o) for t in plan.tasks() for o in t.outputs]
    listed = {e["output"] for e in entries}
    return [o for o in expected if o not in listed], sorted(listed - set(expected))


def _listed(items: list[str]) -> str:
    shown = sorted(items)[:MAX_LISTED]
    more = f", ... ({len(items)} in all)" if len(items) > MAX_LISTED else ""
    return ", ".join(shown) + more
