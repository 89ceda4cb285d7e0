"""Naming outputs: the ``--name`` template, its check, and each output's extension."""

from __future__ import annotations

import os
import string

from augcli.errors import UsageError
from augcli.formats import FORMAT_EXTENSIONS

DEFAULT_TEMPLATE = "{stem}_aug{index}{ext}"
TEMPLATE_FIELDS = ("stem", "index", "ext", "parent")


def check_template(template: str, copies: int) -> None:
    """Refuse a name template with unknown fields, or one that would give copies one name."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise UsageError(f"--name {template!r}: {exc}") from None
    unknown = fields - set(TEMPLATE_FIELDS)
    if unknown:
        raise UsageError(
            f"--name {template!r}: unknown field {{{sorted(unknown)[0]}}}; "
            f"allowed: {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}"
        )
    if copies > 1 and "index" not in fields:
        raise UsageError(f"--name {template!r}: needs {{index}} to tell {copies} copies apart")
    if "/" in template or "\\" in template:
        raise UsageError(f"--name {template!r}: a name, not a path (no slashes)")


def output_extension(name: str, out_format: str) -> str:
    """The extension of an input's outputs: its own for ``same`` (GIF becomes .png)."""
    ext = os.path.splitext(name)[1]
    if out_format == "same":
        return ".png" if ext.lower() == ".gif" else ext
    return FORMAT_EXTENSIONS[out_format]


def output_names(
    name: str, parent: str, copies: int, template: str, out_format: str, original: bool
) -> list[tuple[int | None, str]]:
    """``(copy index or None for the original, output file name)`` for one input."""
    stem = os.path.splitext(name)[0]
    ext = output_extension(name, out_format)
    names: list[tuple[int | None, str]] = []
    if original:
        names.append((None, stem + ext))
    for i in range(copies):
        names.append((i, template.format(stem=stem, index=i, ext=ext, parent=parent)))
    return names
