"""Naming outputs: the ``--name`` template, its checks, and the suggestion when names collide."""

from __future__ import annotations

import os
import re
import string

from augcli.core.atomic import TEMP_PREFIX
from augcli.core.errors import UsageError
from augcli.images.formats import EXTENSION_FORMATS, FORMAT_MODES

TEMPLATE_FIELDS = ("stem", "index", "ext", "parent", "srcext")
_EXT_MARK = "\x00ext"
MAX_NAME_BYTES = 255


def check_template(template: str, copies: int) -> str | None:
    """Refuse a template that cannot name every output; return its literal extension, if any.

    Parameters
    ----------
    template : str
        The ``--name`` value.
    copies : int
        Outputs per input (more than one needs ``{index}``).

    Returns
    -------
    str or None
        None when names end with ``{ext}`` (the output format decides); otherwise the
        extension the template spells out (``".jpg"``), which then decides the output format.

    Raises
    ------
    UsageError
        Unknown fields, no ``{index}`` for several copies, slashes, or no output extension.
    """
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
    _check_specs(template)
    try:
        sample = template.format(stem="s", index=0, ext=_EXT_MARK, parent="p", srcext="e")
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise UsageError(f"--name {template!r}: {exc}") from None
    if sample.replace(_EXT_MARK, ".png").startswith(TEMP_PREFIX):
        raise UsageError(
            f"--name {template!r}: names starting with {TEMP_PREFIX!r} are reserved for "
            "augcli's temporary files"
        )
    if sample.endswith(_EXT_MARK):
        return None
    ext = os.path.splitext(sample.replace(_EXT_MARK, ""))[1]
    if EXTENSION_FORMATS.get(ext.lower()) in FORMAT_MODES:
        return ext
    raise UsageError(
        f"--name {template!r}: the names it gives have no image extension augcli writes; "
        f"end it with {{ext}} (the --format's extension), e.g. {_suggest_ext(template)!r}, "
        "or with .png, .jpg, .tif, .webp"
    )


def _check_specs(template: str) -> None:
    """Refuse a format spec (``{index:>999999999}``) that could make a name over 255 bytes."""
    for _, field_name, spec, conversion in string.Formatter().parse(template):
        if field_name is None:
            continue
        if conversion or "{" in (spec or ""):
            raise UsageError(
                f"--name {template!r}: {{{field_name}}} takes a plain format spec "
                "(no !r/!s conversion, no nested fields)"
            )
        widths = [int(n) for n in re.findall(r"\d+", spec or "")]
        if any(n > MAX_NAME_BYTES for n in widths):
            raise UsageError(
                f"--name {template!r}: width {max(widths)} in {{{field_name}:{spec}}} is over "
                f"{MAX_NAME_BYTES} (a file name's limit)"
            )


def _suggest_ext(template: str) -> str:
    stem, ext = os.path.splitext(template)
    return (stem if ext and "}" not in ext else template) + "{ext}"


def suggest_template(template: str) -> str:
    """A ``--name`` value that tells apart inputs differing only by extension (adds {srcext})."""
    if "{srcext}" in template:
        return template
    if "{stem}" in template:
        return template.replace("{stem}", "{stem}_{srcext}", 1)
    return "{srcext}_" + template


def output_names(
    name: str, parent: str, copies: int, template: str, ext: str, original: bool
) -> list[tuple[int | None, str]]:
    """``(copy index or None for the original, output file name)`` for one input.

    The original is named ``{stem}{ext}`` (``{stem}_{srcext}{ext}`` when the template uses
    ``{srcext}``); copies follow the template. ``ext`` is the output extension.
    """
    stem, src_ext = os.path.splitext(name)
    srcext = src_ext.lstrip(".")
    names: list[tuple[int | None, str]] = []
    if original:
        names.append((None, f"{stem}_{srcext}{ext}" if "{srcext}" in template else stem + ext))
    for i in range(copies):
        names.append(
            (i, template.format(stem=stem, index=i, ext=ext, parent=parent, srcext=srcext))
        )
    return names
