"""The manifest of a store run: written in parts, merged once at the end.

An object store has no append and no rename, so a run's manifest lines go to *parts*: one
object per batch of lines, ``DST/augcli-manifest.parts/<K-of-N>.<session>.<seq>.jsonl``, each
put once under a name no other writer uses (the shard, a time-ordered session token, a
sequence number). When the run ends, its lines (the earlier manifest's, then every part of the
shard, later lines winning) whose objects exist with the recorded size are sorted in walk
order and put as the run's manifest (``augcli-manifest.jsonl``, or the shard's
``augcli-manifest.K-of-N.jsonl``); then the shard's parts are removed. A run killed before
that leaves its parts, which ``--resume`` reads.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from augcli.augment.record.manifest import entries_from_bytes
from augcli.augment.record.merge import walk_order
from augcli.augment.record.shards import UNSHARDED, run_manifest_name
from augcli.augment.tasks import Shard
from augcli.core.errors import InputError, UsageError
from augcli.core.stores import Store

PARTS = "augcli-manifest.parts"
PART_LINES = 500
PART_SECONDS = 2.0
MANIFEST_CAP = 1 << 30
_PART = re.compile(r"(\d+)-of-(\d+)\.(\d{20}-[0-9a-f]{8})\.(\d{6})\.jsonl")


def shard_tag(shard: Shard | None) -> str:
    """``K-of-N`` of a run (``0-of-1`` unsharded)."""
    part = shard or UNSHARDED
    return f"{part.k}-of-{part.n}"


def part_keys(dst: Store, shard: Shard | None, listing: dict[str, int] | None = None) -> list[str]:
    """The keys of a shard's manifest parts in DST, oldest first."""
    tag = shard_tag(shard)
    keys = listing if listing is not None else dict(dst.files())
    found = []
    for key in keys:
        folder, _, name = key.rpartition("/")
        match = _PART.fullmatch(name)
        if folder == PARTS and match and f"{match[1]}-of-{match[2]}" == tag:
            found.append((match[3], match[4], key))
    return [key for *_, key in sorted(found)]


def read_object_entries(dst: Store, key: str) -> list[dict[str, Any]]:
    """The valid lines of a manifest object (absent: none; hostile lines refused, exit 2)."""
    if dst.size(key) is None:
        return []
    try:
        data = dst.read(key, MANIFEST_CAP)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    return entries_from_bytes(data, dst.url_of(key))


def recorded_entries(dst: Store, shard: Shard | None) -> list[dict[str, Any]]:
    """Every line a shard has recorded in DST: its manifest's, then its parts', in order."""
    entries = read_object_entries(dst, run_manifest_name(shard))
    for key in part_keys(dst, shard):
        entries.extend(read_object_entries(dst, key))
    return entries


class PartWriter:
    """Collects manifest lines and puts them as parts (every ``PART_LINES`` lines or
    ``PART_SECONDS`` seconds, and on close). ``dst`` None: no manifest (``--no-manifest``)."""

    def __init__(self, dst: Store | None, shard: Shard | None) -> None:
        self.dst = dst
        self.tag = shard_tag(shard)
        self.session = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        self.seq = 0
        self.lines: list[str] = []
        self.since = time.monotonic()

    def write(self, entry: dict[str, Any]) -> None:
        """Add one line (its output object is already in place); put a part when due."""
        if self.dst is None:
            return
        self.lines.append(json.dumps(entry, sort_keys=True) + "\n")
        if len(self.lines) >= PART_LINES or time.monotonic() - self.since >= PART_SECONDS:
            self.flush()

    def retract_last(self) -> None:
        """Drop the line just added (not yet put)."""
        if self.lines:
            self.lines.pop()

    def flush(self) -> None:
        """Put the collected lines as the next part."""
        self.since = time.monotonic()
        if self.dst is None or not self.lines:
            return
        key = f"{PARTS}/{self.tag}.{self.session}.{self.seq:06d}.jsonl"
        self.dst.put(key, "".join(self.lines).encode("utf-8"))
        self.seq += 1
        self.lines = []

    def close(self) -> None:
        """Put what is left."""
        self.flush()


def finish_manifest(dst: Store, shard: Shard | None) -> list[dict[str, Any]]:
    """Merge a shard's manifest and parts into its manifest object; remove the parts.

    Keeps one line per output (the latest), only for objects that exist with the recorded
    size, sorted as an unsharded run's manifest; returns those lines.
    """
    listing = dict(dst.files())
    kept: dict[str, dict[str, Any]] = {}
    for entry in recorded_entries(dst, shard):
        if listing.get(entry["output"]) == entry.get("size"):
            kept[entry["output"]] = entry
    entries = sorted(kept.values(), key=walk_order)
    data = "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries).encode("utf-8")
    dst.put(run_manifest_name(shard), data)
    for key in part_keys(dst, shard, listing):
        dst.delete(key)
    return entries
