"""Label folders found by Ultralytics' rule (``--yolo-auto``): ``images`` -> ``labels``.

Ultralytics finds an image's label file by replacing the last ``images`` part of its path with
``labels`` (and the suffix with ``.txt``). ``--yolo-auto`` (and ``--yolo-pose-auto``) applies
that rule to SRC and to DST: ``augment ds/images/train out/images/train --yolo-auto`` reads
``ds/labels/train`` and writes ``out/labels/train``, as ``--yolo ds/labels/train
out/labels/train`` would.
"""

from __future__ import annotations

import os
from pathlib import Path

from augcli.augment.labels.datayaml import rule_folder
from augcli.augment.labels.files import LabelOptions, attribute
from augcli.augment.labels.formats import FORMATS
from augcli.core.errors import UsageError


def rule_flag(name: str) -> str:
    """The flag of format ``name``'s rule (``--yolo-auto``)."""
    return f"{FORMATS[name].flag}-auto"


def labels_beside(path: str | os.PathLike[str], name: str, what: str) -> str:
    """The label folder Ultralytics' rule gives for the image folder ``path`` (absolute).

    Raises
    ------
    UsageError
        ``path`` has no ``images`` part: the message names the flag, ``what`` (SRC or DST) and
        the path.
    """
    found = rule_folder(os.path.abspath(path))
    if found is None:
        raise UsageError(
            f"{rule_flag(name)}: {what} {path} has no 'images' folder in its path, so "
            "Ultralytics' rule (.../images/... -> .../labels/...) gives no label folder; give "
            f"the folders with {FORMATS[name].flag} SRC DST"
        )
    return str(found)


def resolve_beside(
    labels: LabelOptions, src: str | os.PathLike[str], dst: str | os.PathLike[str]
) -> LabelOptions:
    """``labels`` with each ``--<format>-auto`` replaced by the folders the rule gives.

    SRC may be one image: the rule then applies to its folder.

    Raises
    ------
    UsageError
        A format given both ways, SRC or DST an object-store URL, or a path without an
        ``images`` part.
    """
    if not labels.beside:
        return labels
    pairs = dict(labels.paths)
    for name in labels.beside:
        flag = rule_flag(name)
        if name in pairs:
            raise UsageError(f"{flag} and {FORMATS[name].flag} SRC DST exclude each other")
        if "://" in str(src) or "://" in str(dst):
            raise UsageError(f"{flag} needs SRC and DST on this machine, not URLs")
        folder = Path(src).parent if Path(src).is_file() else Path(src)
        pairs[name] = (labels_beside(folder, name, "SRC"), labels_beside(dst, name, "DST"))
    return LabelOptions(
        mask_fill=labels.mask_fill,
        min_visibility=labels.min_visibility,
        min_area=labels.min_area,
        skip_unlabelled=labels.skip_unlabelled,
        **{attribute(name): pair for name, pair in pairs.items()},
        **labels.settings,
    )
