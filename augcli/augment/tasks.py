"""The values a run is made of: its resolved options, and its tasks with their outputs.

A :class:`Task` is the unit an executor runs (small and picklable); the plan
(:mod:`augcli.augment.run.plan`) computes every task of a run once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from augcli.augment.labels.files import LabelOptions, LabelTask
from augcli.augment.record.shards import Shard
from augcli.augment.run.naming import DEFAULT_TEMPLATE
from augcli.core.atomic import TEMP_PREFIX
from augcli.images.reading import DEFAULT_MAX_PIXELS


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
