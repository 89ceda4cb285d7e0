"""What DST holds from an earlier run: ``--resume``'s same-run check, ``--overwrite``'s cleanup.

``--resume`` continues a run only when every manifest line records the same seed and run
identity (:mod:`.identity`) as this run. ``--overwrite`` removes the earlier run's
outputs that this run does not write, so that DST afterwards holds exactly the new run; it
deletes only what it can prove it wrote (:func:`augcli.augment.record.manifest.unproven`) and leaves
and reports everything else.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augcli.augment.record.identity import identity_differences
from augcli.augment.record.manifest import MANIFEST_NAME, read_entries, unproven
from augcli.augment.record.shards import run_manifest_name
from augcli.augment.tasks import AugmentOptions
from augcli.core.errors import UsageError
from augcli.core.gate import Inputs

MAX_LISTED = 5


@dataclass
class Cleanup:
    """What ``--overwrite`` did with the earlier run's outputs this run does not write."""

    removed: int = 0
    labels_removed: int = 0
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


def remove_stale(
    dst: Path,
    writes: Iterable[str],
    manifest_name: str = MANIFEST_NAME,
    guard: Inputs | None = None,
    label_dsts: Mapping[str, Path] | None = None,
) -> Cleanup:
    """Delete the earlier run's outputs that this run will not write, where provably augcli's.

    An output's label files (its manifest line's ``labels``) go with it, each under the same
    proof as the image: inside its label DST, a regular singly linked file, not an input, with
    the size and SHA-256 its line records. The image goes first, so an image that exists
    always has its labels; an image kept keeps its label files.

    Parameters
    ----------
    dst : pathlib.Path
        The destination folder (its manifest is the earlier run's record).
    writes : iterable of str
        This run's outputs, relative to DST as the manifest records them.
    manifest_name : str
        The earlier run's manifest in ``dst`` (a shard's own, with ``--shard``).
    guard : Inputs, optional
        The run's inputs: a file that is one, or lies inside one, is never deleted.
    label_dsts : mapping, optional
        Label kind (``mask``, ``yolo``) -> this run's destination folder of that kind. Label
        files of kinds this run does not name are left alone (nothing says where they are).

    Returns
    -------
    Cleanup
        How many outputs (and label files) were removed, and which were kept with the reason.
    """
    cleanup = Cleanup()
    guard = guard or Inputs()
    new = set(writes)
    seen: set[str] = set()
    for entry in read_entries(dst / manifest_name):
        output = entry["output"]
        if output in new or output in seen:
            continue
        seen.add(output)
        reason = guard.deletion_refusal(dst / output, dst) or unproven(dst, entry)
        if reason is None:
            try:
                os.unlink(dst / output)
                cleanup.removed += 1
            except OSError as exc:
                reason = f"cannot be removed ({exc.strerror})"
        if reason is None or reason == "no longer exists":
            _remove_labels(entry, label_dsts or {}, guard, cleanup)
        else:
            cleanup.kept.append((output, reason))
    return cleanup


def _remove_labels(
    entry: dict[str, Any], label_dsts: Mapping[str, Path], guard: Inputs, cleanup: Cleanup
) -> None:
    """Delete the label files of a removed (or vanished) output, each where proven."""
    labels = entry.get("labels")
    if not isinstance(labels, dict):
        return
    for kind, folder in label_dsts.items():
        item = labels.get(kind)
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            continue
        rel = item["file"]
        path = folder / rel
        if not _plain_relative(rel):
            reason: str | None = "is named by its manifest line outside its label DST"
        else:
            reason = guard.deletion_refusal(path, folder) or unproven(
                folder, {"output": rel, "size": item.get("size"), "sha256": item.get("sha256")}
            )
        if reason == "no longer exists":
            continue
        if reason is None:
            try:
                os.unlink(path)
                cleanup.labels_removed += 1
                continue
            except OSError as exc:
                reason = f"cannot be removed ({exc.strerror})"
        cleanup.kept.append((str(path), reason))


def _plain_relative(rel: str) -> bool:
    """Whether a manifest's label path is a plain relative path (no ``..``, not absolute)."""
    parts = rel.replace("\\", "/").split("/")
    return (
        bool(rel)
        and "\0" not in rel
        and not os.path.isabs(rel)
        and not any(part in ("", ".", "..") for part in parts)
    )


def recorded_sizes(dst: Path, options: AugmentOptions) -> dict[str, object] | None:
    """``--resume``: each output the manifest lists, with its line (None: no manifest)."""
    if not options.manifest:
        raise UsageError(
            "--resume needs the manifest to tell which outputs the earlier run wrote; "
            "drop --no-manifest"
        )
    path = dst / run_manifest_name(options.shard)
    if not os.path.lexists(path):
        return None
    return {entry["output"]: entry for entry in read_entries(path)}


def is_recorded(recorded: dict[str, object] | None, path: Path, rel: str) -> bool:
    """Whether the existing output at ``path`` (``rel`` in DST) is listed with its bytes.

    Proof by content: a regular, singly linked file whose size and SHA-256 are those its
    manifest line records (a same-size file from another run does not pass).
    """
    if recorded is None:
        return False
    entry = recorded.get(rel)
    if not isinstance(entry, dict):
        return False
    return unproven(path.parent, {**entry, "output": path.name}) is None


def unproven_message(
    unproven: list[str], n: int, dst: Path, options: AugmentOptions, has_manifest: bool
) -> str:
    """The ``--resume`` refusal for ``n`` outputs no manifest vouches for (a few listed)."""
    listed = ", ".join(unproven[:MAX_LISTED]) + (", ..." if n > MAX_LISTED else "")
    why = (
        "not listed in its manifest, or changed since (size or SHA-256 differs)"
        if has_manifest
        else f"and there is no manifest ({run_manifest_name(options.shard)}) to tell "
        "which run wrote them"
    )
    return (
        f"--resume: DST {dst} holds {n} output(s) that cannot be shown to come from this run "
        f"({why}): {listed}; use --overwrite to replace them, or choose another DST"
    )
