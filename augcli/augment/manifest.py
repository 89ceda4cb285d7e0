"""The run manifest: ``DST/augcli-manifest.jsonl``, one JSON line per written output.

Each line is written and flushed *before* its image is renamed into place, so every output
that exists has its line; a line whose output does not exist (the run was killed between the
two) is dropped when the run is resumed, as is a torn last line. Lines are single ``write``
calls of whole lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from augcli.atomic import atomic_write
from augcli.errors import OutputError

MANIFEST_NAME = "augcli-manifest.jsonl"


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The valid lines of a manifest (torn or malformed lines are skipped)."""
    entries = []
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    break  # torn last line
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("output"), str):
                    entries.append(entry)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror}") from None
    return entries


def repair(path: Path, dst: Path) -> list[dict[str, Any]]:
    """Keep one line per output that exists; rewrite the manifest atomically; return them."""
    kept: dict[str, dict[str, Any]] = {}
    for entry in read_entries(path):
        if (dst / entry["output"]).is_file():
            kept[entry["output"]] = entry
    entries = list(kept.values())
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(e, sort_keys=True) + "\n" for e in entries)
    return entries


class ManifestWriter:
    """Appends lines to the manifest, flushing each one (or does nothing when disabled)."""

    def __init__(self, path: Path | None, truncate: bool) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        self._last_start: int | None = None
        if path is not None:
            try:
                self._handle = open(path, "w" if truncate else "a", encoding="utf-8")
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror}") from None

    def write(self, entry: dict[str, Any]) -> None:
        """Append one entry as one line and flush it to the OS."""
        if self._handle is None:
            return
        try:
            self._last_start = self._handle.tell()
            self._handle.write(json.dumps(entry, sort_keys=True) + "\n")
            self._handle.flush()
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror}") from None

    def retract_last(self) -> None:
        """Remove the line just written (its output could not be renamed into place)."""
        if self._handle is None or self._last_start is None:
            return
        try:
            self._handle.truncate(self._last_start)
            self._handle.flush()
        except OSError:
            pass  # a resumed run drops lines whose output does not exist
        self._last_start = None

    def close(self) -> None:
        """Close the file."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
