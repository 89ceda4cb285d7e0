"""What DST holds from an earlier run: ``--resume``'s same-run check, ``--overwrite``'s cleanup.

``--resume`` continues a run only when every manifest line records the same seed and run
identity (:mod:`augcli.augment.identity`) as this run. ``--overwrite`` removes the earlier run's
outputs that this run does not write, so that DST afterwards holds exactly the new run; it
deletes only what it can prove it wrote (:func:`augcli.augment.manifest.unproven`) and leaves
and reports everything else.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augcli.augment.identity import identity_differences
from augcli.augment.manifest import MANIFEST_NAME, read_entries, unproven
from augcli.errors import UsageError


@dataclass
class Cleanup:
    """What ``--overwrite`` did with the earlier run's outputs this run does not write."""

    removed: int = 0
    kept: list[tuple[str, str]] = field(default_factory=list)


def check_same_run(
    dst: Path, identity: dict[str, Any], seed: int, manifest_name: str = MANIFEST_NAME
) -> None:
    """Refuse ``--resume`` when the manifest in ``dst`` was written by another run.

    ``manifest_name`` is the run's manifest (a shard's own, with ``--shard``).

    Raises
    ------
    UsageError
        Naming the manifest line and every key that differs, old vs new.
    """
    path = dst / manifest_name
    for number, entry in enumerate(read_entries(path), 1):
        differences = identity_differences(entry.get("run"), identity)
        if entry.get("seed") != seed:
            differences.insert(0, f"seed: {entry.get('seed')!r} vs {seed!r}")
        if differences:
            hint = (
                f"; pass --seed {entry['seed']} to finish that run"
                if isinstance(entry.get("seed"), int) and entry["seed"] != seed
                else ""
            )
            raise UsageError(
                f"--resume: {path} (entry {number}) records another run than this one "
                f"(earlier vs now): {'; '.join(differences)}{hint}; run with the earlier "
                "settings, or use --overwrite to replace that run"
            )


def remove_stale(dst: Path, writes: Iterable[str], manifest_name: str = MANIFEST_NAME) -> Cleanup:
    """Delete the earlier run's outputs that this run will not write, where provably augcli's.

    Parameters
    ----------
    dst : pathlib.Path
        The destination folder (its manifest is the earlier run's record).
    writes : iterable of str
        This run's outputs, relative to DST as the manifest records them.
    manifest_name : str
        The earlier run's manifest in ``dst`` (a shard's own, with ``--shard``).

    Returns
    -------
    Cleanup
        How many were removed, and which were kept with the reason.
    """
    cleanup = Cleanup()
    new = set(writes)
    seen: set[str] = set()
    for entry in read_entries(dst / manifest_name):
        output = entry["output"]
        if output in new or output in seen:
            continue
        seen.add(output)
        reason = unproven(dst, entry)
        if reason == "no longer exists":
            continue
        if reason is None:
            try:
                os.unlink(dst / output)
                cleanup.removed += 1
                continue
            except OSError as exc:
                reason = f"cannot be removed ({exc.strerror})"
        cleanup.kept.append((output, reason))
    return cleanup
