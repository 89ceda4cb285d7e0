"""``augcli manifest verify``: does DST hold exactly what its manifest says?

Every line's output must exist as a regular file inside DST with the recorded size and SHA-256
(the proof :func:`augcli.augment.record.manifest.unproven` applies), no output may be listed twice,
and no file in DST may lack a line. The manifest is ``augcli-manifest.jsonl`` or, before a
merge, the shard manifests together. Files that are not outputs are ignored: the manifests
themselves, and augcli's temporary files (``.augcli-tmp-*``, reported separately: they are
what a killed run leaves until it is resumed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augcli.augment.record.manifest import MANIFEST_NAME, read_entries, unproven
from augcli.augment.record.shards import SHARD_MANIFEST
from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import UsageError


@dataclass
class VerifyReport:
    """What differs between DST and its manifest (all empty: they agree)."""

    manifests: list[str]
    lines: int = 0
    differ: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    temporaries: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether DST and the manifest agree."""
        return not (self.differ or self.duplicates or self.unlisted)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            "ok": self.ok,
            "manifests": self.manifests,
            "lines": self.lines,
            "differ": [{"output": o, "reason": r} for o, r in self.differ],
            "listed_twice": self.duplicates,
            "unlisted": self.unlisted,
            "temporaries": self.temporaries,
        }

    def to_lines(self) -> list[str]:
        """Human lines: one per difference, then a summary."""
        out = [f"{o}: {r}" for o, r in self.differ]
        out += [f"{o}: listed more than once" for o in self.duplicates]
        out += [f"{o}: in DST but in no manifest line" for o in self.unlisted]
        out += [f"{o}: temporary file (a killed run's; resume it)" for o in self.temporaries]
        verdict = "OK" if self.ok else "DIFFERS"
        out.append(
            f"{verdict}: {self.lines} line(s) in {', '.join(self.manifests)}; "
            f"{len(self.differ)} differ, {len(self.duplicates)} listed twice, "
            f"{len(self.unlisted)} unlisted"
        )
        return out


def manifests_of(dst: Path) -> list[Path]:
    """The manifests describing DST: the run's, else every shard's (sorted).

    Raises
    ------
    UsageError
        DST is not a folder or holds no manifest.
    """
    if not dst.is_dir():
        raise UsageError(f"DST {dst}: no such folder")
    if (dst / MANIFEST_NAME).is_file():
        return [dst / MANIFEST_NAME]
    shards = sorted(p for p in dst.iterdir() if SHARD_MANIFEST.fullmatch(p.name))
    if not shards:
        raise UsageError(f"DST {dst}: no manifest ({MANIFEST_NAME} or shard manifests)")
    return shards


def verify(dst: Path) -> VerifyReport:
    """Compare DST with its manifest; see the module docstring.

    Parameters
    ----------
    dst : pathlib.Path
        A destination folder of ``augcli augment``.

    Returns
    -------
    VerifyReport
    """
    paths = manifests_of(dst)
    report = VerifyReport([p.name for p in paths])
    listed: set[str] = set()
    for path in paths:
        for entry in read_entries(path):
            report.lines += 1
            output = entry["output"]
            if output in listed:
                report.duplicates.append(output)
                continue
            listed.add(output)
            listed.update(_label_files(entry))
            reason = unproven(dst, entry)
            if reason is not None:
                report.differ.append((output, reason))
    for rel in _files(dst):
        name = rel.rsplit("/", 1)[-1]
        if name.startswith(TEMP_PREFIX):
            report.temporaries.append(rel)
        elif rel not in listed and not (
            "/" not in rel and (rel == MANIFEST_NAME or SHARD_MANIFEST.fullmatch(rel))
        ):
            report.unlisted.append(rel)
    return report


def _label_files(entry: dict[str, Any]) -> list[str]:
    """Files a line's ``labels`` name (``{"kind": {"file": path}}``), which it vouches for."""
    labels = entry.get("labels")
    if not isinstance(labels, dict):
        return []
    return [
        info["file"]
        for info in labels.values()
        if isinstance(info, dict) and isinstance(info.get("file"), str)
    ]


def _files(dst: Path) -> list[str]:
    """Every file under DST (relative POSIX paths, sorted); symlinks count as files."""
    found = []
    for folder, dirs, names in os.walk(dst):
        dirs.sort()
        rel = os.path.relpath(folder, dst).replace(os.sep, "/")
        for name in sorted(names):
            found.append(name if rel == "." else f"{rel}/{name}")
    return found
