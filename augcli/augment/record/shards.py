"""Shard files: the manifest and temporary names of a ``--shard K/N`` run in a shared DST.

Which inputs a shard owns is :class:`augcli.augment.tasks.Shard`'s. Each shard writes its own
manifest, ``augcli-manifest.K-of-N.jsonl``, and temporary files whose names carry ``KofN``, so
shards sharing one DST never touch each other's.
"""

from __future__ import annotations

import re

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.augment.tasks import Shard
from augcli.core.atomic import TEMP_PREFIX

UNSHARDED = Shard(0, 1)


def shard_manifest_name(k: int, n: int) -> str:
    """``augcli-manifest.K-of-N.jsonl``."""
    stem = MANIFEST_NAME.removesuffix(".jsonl")
    return f"{stem}.{k}-of-{n}.jsonl"


SHARD_MANIFEST = re.compile(
    re.escape(MANIFEST_NAME.removesuffix(".jsonl")) + r"\.(\d+)-of-(\d+)\.jsonl"
)


def run_manifest_name(shard: Shard | None) -> str:
    """The manifest a run writes: its shard's, or ``augcli-manifest.jsonl`` unsharded."""
    return shard_manifest_name(shard.k, shard.n) if shard is not None else MANIFEST_NAME


def temp_scope(shard: Shard | None) -> str:
    """The prefix of every temporary name a run writes and the only ones it removes."""
    return TEMP_PREFIX + (shard or UNSHARDED).temp_tag
