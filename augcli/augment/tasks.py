"""The values a run is made of: its resolved options, its shard, and its tasks with their outputs.

A :class:`Task` is the unit an executor runs (small and picklable); the plan
(:mod:`augcli.augment.run.plan`) computes every task of a run once. A :class:`Shard` says which
inputs a ``--shard K/N`` run owns; the names its files carry are
:mod:`augcli.augment.record.shards`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from augcli.augment.labels.files import LabelOptions, LabelTask
from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import UsageError
from augcli.core.seeding import key_digest
from augcli.images.reading import DEFAULT_MAX_PIXELS

DEFAULT_TEMPLATE = "{stem}_aug{index}{ext}"
"""The default ``--name`` template (:mod:`augcli.augment.run.naming` checks templates)."""
MAX_SHARDS = 1_000_000
_SHARD_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard ``k`` (0-based) of ``n``.

    An input belongs to shard ``k`` of ``n`` when the BLAKE2b digest of its relative path (the
    same digest the seeding contract uses, :func:`augcli.core.seeding.key_digest`), read as a
    little-endian integer, is ``k`` modulo ``n``. Membership needs no global count and does not
    move when SRC grows.
    """

    k: int
    n: int

    def __post_init__(self) -> None:
        if not (1 <= self.n <= MAX_SHARDS and 0 <= self.k < self.n):
            raise ValueError(f"shard {self.k}/{self.n}: need 0 <= K < N <= {MAX_SHARDS}")

    def owns(self, key: str) -> bool:
        """Whether the input with relative path ``key`` belongs to this shard."""
        return int.from_bytes(key_digest(key), "little") % self.n == self.k

    @property
    def temp_tag(self) -> str:
        """What this shard's temporary names carry after ``TEMP_PREFIX``: ``"KofN-"``."""
        return f"{self.k}of{self.n}-"


def parse_shard(text: str) -> Shard:
    """``"K/N"`` -> :class:`Shard`; K is 0-based (``$SLURM_ARRAY_TASK_ID/$N`` works as is).

    Raises
    ------
    UsageError
        Not two integers ``K/N`` with ``0 <= K < N``.
    """
    match = _SHARD_SPEC.fullmatch(text)
    if not match:
        raise UsageError(f"--shard {text}: expected K/N, e.g. 0/8 (K counts from 0)")
    k, n = int(match[1]), int(match[2])
    try:
        return Shard(k, n)
    except ValueError:
        raise UsageError(
            f"--shard {text}: K must be in 0..N-1 and N in 1..{MAX_SHARDS} (K counts from 0)"
        ) from None


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
    labels: LabelOptions = LabelOptions()
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
    labels : LabelTask or None
        Its labels (masks, YOLO, COCO), when the run carries any.
    temp_tag : str
        What its temporary names carry after ``TEMP_PREFIX``: the run's shard (``"KofN-"``),
        and for an executor that may run a task twice, a token unique to the attempt.
    refusal : str
        Why the input fails without being opened (found at plan time: not a regular file).
    """

    src: str
    key: str
    rel: str
    out_dir: str
    outputs: tuple[Output, ...]
    skipped: int = 0
    copy_original: bool = False
    labels: LabelTask | None = None
    temp_tag: str = ""
    refusal: str = ""

    def final_path(self, output: Output) -> str:
        """Where ``output`` ends up."""
        return str(Path(self.out_dir) / output.name)

    def temp_path(self, output: Output) -> str:
        """Where ``output`` is written before it is renamed into place."""
        return str(Path(self.out_dir) / (TEMP_PREFIX + self.temp_tag + output.name))

    def manifest_path(self, output: Output) -> str:
        """``output``'s path relative to DST (POSIX), as the manifest records it."""
        return f"{self.rel}/{output.name}" if self.rel else output.name
