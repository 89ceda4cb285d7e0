"""The label formats, by name: the registry the CLI, manifest, dry run, preview and docs ask.

Each entry is one module's :class:`~augcli.augment.labels.formats.base.LabelFormat`. Their
order is the order of the CLI options, of the manifest's ``labels`` keys and of drawing.
"""

from __future__ import annotations

from augcli.augment.labels.formats.base import LabelFormat
from augcli.augment.labels.formats.coco import CocoFormat
from augcli.augment.labels.formats.masks import MasksFormat
from augcli.augment.labels.formats.pose import PoseFormat
from augcli.augment.labels.formats.voc import VocFormat
from augcli.augment.labels.formats.yolo import YoloFormat

FORMATS: dict[str, LabelFormat] = {
    f.name: f for f in (MasksFormat(), YoloFormat(), CocoFormat(), PoseFormat(), VocFormat())
}
"""Registry name -> format, in CLI and drawing order."""


def by_key(key: str) -> LabelFormat | None:
    """The format whose manifest ``labels`` key is ``key``."""
    return next((f for f in FORMATS.values() if f.key == key), None)


def docs_table() -> str:
    """The Markdown table of label formats (generated from the registry for the docs)."""
    rows = ["| Flag | Manifest key | Format | Example |", "|---|---|---|---|"]
    for f in FORMATS.values():
        rows.append(f"| `{f.flag} {f.metavar}` | `{f.key}` | {f.summary} | `{f.example}` |")
    return "\n".join(rows)
