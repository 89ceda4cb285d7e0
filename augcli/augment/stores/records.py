"""``augcli manifest merge`` and ``verify`` for a DST in an object store.

The same rules as on disk (:mod:`augcli.augment.record.merge`, :mod:`..record.verify`): the
merge needs every shard manifest of one run, every listed output present with its size, and
puts ``augcli-manifest.jsonl`` as one object in walk order; verify re-hashes every listed
object and lists the objects no line vouches for (manifests and manifest parts aside).
"""

from __future__ import annotations

from typing import Any

from augcli.augment.config import PipelineSpec
from augcli.augment.labels.coco import write_coco
from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.augment.record.merge import (
    MergeReport,
    _listed,
    check_pipeline,
    coco_of,
    collect_shards,
    walk_order,
)
from augcli.augment.record.shards import SHARD_MANIFEST, shard_manifest_name
from augcli.augment.record.verify import VerifyReport, _label_files
from augcli.augment.stores.parts import PARTS, read_object_entries
from augcli.core.errors import UsageError
from augcli.core.stores import Store


def merge_store(
    url: str, spec: PipelineSpec | None = None, coco: tuple[str, str] | None = None
) -> MergeReport:
    """Merge the shard manifests under ``url`` into its ``augcli-manifest.jsonl``."""
    import json

    dst = Store.open(url, "DST")
    listing = dict(dst.files())
    found: dict[int, dict[int, str]] = {}
    for key in listing:
        match = SHARD_MANIFEST.fullmatch(key)
        if match and int(match[1]) < int(match[2]):
            found.setdefault(int(match[2]), {})[int(match[1])] = key
    if not found:
        raise UsageError(f"DST {dst.url}: no shard manifests (augcli-manifest.K-of-N.jsonl)")
    if len(found) > 1:
        raise UsageError(f"DST {dst.url}: shard manifests of different runs: N = {sorted(found)}")
    ((n, keys),) = found.items()
    missing = [shard_manifest_name(k, n) for k in range(n) if k not in keys]
    if missing:
        raise UsageError(
            f"DST {dst.url}: {len(missing)} of {n} shard manifests missing: {_listed(missing)}; "
            "run those shards (or --resume them) before merging"
        )
    entries, first = collect_shards(
        n, [(keys[k], read_object_entries(dst, keys[k])) for k in range(n)]
    )
    absent = [e["output"] for e in entries if listing.get(e["output"]) != e.get("size")]
    if absent:
        raise UsageError(
            f"DST {dst.url}: {len(absent)} listed output(s) missing or changed (size differs): "
            f"{_listed(absent)}; resume the shards that wrote them"
        )
    check_pipeline(spec, first)
    entries.sort(key=walk_order)
    prepared = coco_of(entries, coco) if coco is not None else None  # refused: nothing written
    dst.put(MANIFEST_NAME, "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries).encode())
    if coco is not None and prepared is not None:
        write_coco(*prepared, coco[1])
    return MergeReport(n, len(entries))


def verify_store(url: str) -> VerifyReport:
    """Compare the objects under ``url`` with its manifest (or its shard manifests)."""
    dst = Store.open(url, "DST")
    listing = dict(dst.files())
    if MANIFEST_NAME in listing:
        names = [MANIFEST_NAME]
    else:
        names = sorted(k for k in listing if SHARD_MANIFEST.fullmatch(k))
    if not names:
        raise UsageError(f"DST {dst.url}: no manifest ({MANIFEST_NAME} or shard manifests)")
    report = VerifyReport(names)
    listed: set[str] = set()
    for name in names:
        for entry in read_object_entries(dst, name):
            report.lines += 1
            output = entry["output"]
            if output in listed:
                report.duplicates.append(output)
                continue
            listed.add(output)
            listed.update(_label_files(entry))
            reason = _unproven(dst, listing, entry)
            if reason is not None:
                report.differ.append((output, reason))
    for key in sorted(listing):
        if key.startswith(PARTS + "/"):
            report.temporaries.append(key)
        elif key not in listed and key != MANIFEST_NAME and not SHARD_MANIFEST.fullmatch(key):
            report.unlisted.append(key)
    return report


def _unproven(dst: Store, listing: dict[str, int], entry: dict[str, Any]) -> str | None:
    output = entry["output"]
    if output not in listing:
        return "no longer exists"
    if not isinstance(entry.get("size"), int) or not isinstance(entry.get("sha256"), str):
        return "its manifest line records no size and hash"
    if listing[output] != entry["size"]:
        return f"was changed since (size {listing[output]}, recorded {entry['size']})"
    found = dst.digest(output)
    if found is None:
        return "no longer exists"
    return None if found[1] == entry["sha256"] else "was changed since (its SHA-256 differs)"
