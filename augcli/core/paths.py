"""Path rules every command shares: no empty paths, and no output that is one of the inputs."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from augcli.core.errors import UsageError


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name the same file or folder (symlinks and hard links followed)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet): compare where they would resolve
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_overwriting_inputs(
    outputs: Iterable[tuple[str, str | os.PathLike[str]]],
    inputs: Iterable[tuple[str, str | os.PathLike[str]]],
) -> None:
    """Refuse (exit 2, before anything is written) an output that resolves to an input.

    Parameters
    ----------
    outputs, inputs : iterable of (label, path)
        Each path with the option or argument that named it (``"--per-row"``, ``"SRC"``).
        ``"-"`` (standard input or output) is never a file and is skipped.

    Raises
    ------
    UsageError
        Naming both options and the path: an output is the same file or folder as an input
        (after following symlinks, and hard links where the output exists).

    Examples
    --------
    >>> refuse_overwriting_inputs([("-o", "out.png")], [("INPUT", "in.png")])
    """
    inputs = [(label, Path(p)) for label, p in inputs if str(p) != "-"]
    for out_label, out in outputs:
        if str(out) == "-":
            continue
        for in_label, source in inputs:
            if _same(Path(out), source):
                raise UsageError(
                    f"{out_label} {os.fspath(out)!r} is the input {in_label} "
                    f"({os.path.realpath(source)}): augcli never writes over its inputs; "
                    "choose another output path"
                )
