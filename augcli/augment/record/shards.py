"""Shards: which inputs a ``--shard K/N`` run owns, and the names its files carry.

An input belongs to shard ``K`` of ``N`` when the BLAKE2b digest of its relative path (the
same digest the seeding contract uses, :func:`augcli.core.seeding.key_digest`), read as a
little-endian integer, is ``K`` modulo ``N``. Membership needs no global count and does not
move when SRC grows. Each shard writes its own manifest, ``augcli-manifest.K-of-N.jsonl``, and
temporary files whose names carry ``KofN``, so shards sharing one DST never touch each other's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import UsageError
from augcli.core.seeding import key_digest

MAX_SHARDS = 1_000_000
_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard ``k`` (0-based) of ``n``."""

    k: int
    n: int

    def __post_init__(self) -> None:
        if not (1 <= self.n <= MAX_SHARDS and 0 <= self.k < self.n):
            raise ValueError(f"shard {self.k}/{self.n}: need 0 <= K < N <= {MAX_SHARDS}")

    def owns(self, key: str) -> bool:
        """Whether the input with relative path ``key`` belongs to this shard."""
        return int.from_bytes(key_digest(key), "little") % self.n == self.k

    @property
    def manifest_name(self) -> str:
        """This shard's manifest file name in DST."""
        return shard_manifest_name(self.k, self.n)

    @property
    def temp_tag(self) -> str:
        """What this shard's temporary names carry after ``TEMP_PREFIX``: ``"KofN-"``."""
        return f"{self.k}of{self.n}-"


UNSHARDED = Shard(0, 1)


def shard_manifest_name(k: int, n: int) -> str:
    """``augcli-manifest.K-of-N.jsonl``."""
    stem = MANIFEST_NAME.removesuffix(".jsonl")
    return f"{stem}.{k}-of-{n}.jsonl"


SHARD_MANIFEST = re.compile(
    re.escape(MANIFEST_NAME.removesuffix(".jsonl")) + r"\.(\d+)-of-(\d+)\.jsonl"
)


def parse_shard(text: str) -> Shard:
    """``"K/N"`` -> :class:`Shard`; K is 0-based (``$SLURM_ARRAY_TASK_ID/$N`` works as is).

    Raises
    ------
    UsageError
        Not two integers ``K/N`` with ``0 <= K < N``.
    """
    match = _SPEC.fullmatch(text)
    if not match:
        raise UsageError(f"--shard {text}: expected K/N, e.g. 0/8 (K counts from 0)")
    k, n = int(match[1]), int(match[2])
    try:
        return Shard(k, n)
    except ValueError:
        raise UsageError(
            f"--shard {text}: K must be in 0..N-1 and N in 1..{MAX_SHARDS} (K counts from 0)"
        ) from None


def run_manifest_name(shard: Shard | None) -> str:
    """The manifest a run writes: its shard's, or ``augcli-manifest.jsonl`` unsharded."""
    return shard.manifest_name if shard is not None else MANIFEST_NAME


def temp_scope(shard: Shard | None) -> str:
    """The prefix of every temporary name a run writes and the only ones it removes."""
    return TEMP_PREFIX + (shard or UNSHARDED).temp_tag
