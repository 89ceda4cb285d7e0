"""Each input's output format, decided before any work for every way it can be chosen.

``--format X`` or a ``--name`` ending in X's extension: every input X cannot hold is listed and
the run refused (exit status 2) with advice that works. ``--format same``: each input keeps its
format where that format holds its pixels, else becomes PNG (TIFF for float), counted with the
reason for the summary. Headers are opened only for inputs whose format may hold a mode the
output cannot (a PNG input never needs it for PNG output).
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from pathlib import Path

from augcli.core.errors import InputError, UsageError
from augcli.images.formats import (
    EXTENSION_FORMATS,
    FORMAT_EXTENSIONS,
    FORMAT_MODES,
    SAME_FALLBACK,
    format_can_hold,
    needs_probe,
    same_format_extension,
)
from augcli.images.reading import probe_mode

MAX_LISTED = 20


class Targets:
    """Decides output extensions input by input; collects what cannot be held and conversions.

    Parameters
    ----------
    out_format : str
        ``"same"`` or a Pillow format name (``"PNG"``).
    template_ext : str or None
        The extension a ``--name`` template spells out (it then decides the format).
    """

    def __init__(self, out_format: str, template_ext: str | None) -> None:
        self.explicit: tuple[str, str] | None = None
        self.flag = f"--format {out_format.lower()}"
        if template_ext is not None:
            fmt = EXTENSION_FORMATS[template_ext.lower()]  # checked by check_template
            if out_format not in ("same", fmt):
                raise UsageError(
                    f"--name ends in {template_ext} but --format is {out_format.lower()}; "
                    "drop one of them (or end --name with {ext})"
                )
            self.explicit = (fmt, template_ext)
            self.flag = f"--name ending in {template_ext}"
        elif out_format != "same":
            self.explicit = (out_format, FORMAT_EXTENSIONS[out_format])
        self.cannot_hold: list[tuple[str, str]] = []
        self.refused = 0
        self.converted: Counter[tuple[str, str]] = Counter()

    def fresh(self) -> Targets:
        """The same decisions with empty tallies (for planning the same inputs again)."""
        other = copy.copy(self)
        other.cannot_hold, other.refused, other.converted = [], 0, Counter()
        return other

    def extension(self, path: Path, shown: str, probe: bool = True) -> str:
        """The output extension of the input at ``path`` (``shown``: its path for messages).

        ``probe=False`` decides from the extension alone, opening no file and recording
        nothing (another shard's input: only its name matters here).
        """
        src_ext = os.path.splitext(path.name)[1]
        if not probe:
            if self.explicit is not None:
                return self.explicit[1]
            return same_format_extension(src_ext, None)[0]
        if self.explicit is not None:
            fmt, ext = self.explicit
            if needs_probe(src_ext, fmt, ext):
                mode = _probe(path)
                reason = format_can_hold(fmt, mode, ext) if mode else None
                if reason:
                    self.refused += 1
                    if len(self.cannot_hold) < MAX_LISTED:
                        self.cannot_hold.append((shown, reason))
            return ext
        fmt = EXTENSION_FORMATS.get(src_ext.lower(), "")
        kept = fmt in FORMAT_MODES and fmt not in SAME_FALLBACK
        probe = not kept or needs_probe(src_ext, fmt, src_ext)
        mode = _probe(path) if probe and fmt not in SAME_FALLBACK else None
        ext, reason = same_format_extension(src_ext, mode)
        if reason:
            self.converted[(reason, ext)] += 1
        return ext

    def refuse_if_any(self) -> None:
        """Refuse the run (exit status 2) when an explicit format cannot hold some inputs."""
        if not self.refused:
            return
        lines = [f"  {shown}: {reason}" for shown, reason in self.cannot_hold]
        if self.refused > len(lines):
            lines.append(f"  ... and {self.refused - len(lines)} more")
        floats = any("float" in reason for _, reason in self.cannot_hold)
        advice = "tiff" if floats else "png"
        raise UsageError(
            f"{self.flag} cannot hold {self.refused} input(s):\n"
            + "\n".join(lines)
            + f"\nuse --format {advice} (it holds every one of these"
            + (", float included" if floats else ", alpha and 16-bit included")
            + "), or --format same, or leave these inputs out"
        )

    def conversions(self) -> list[dict[str, object]]:
        """``--format same`` inputs written in another format: reason, new extension, count."""
        return [
            {"reason": reason, "written_as": ext, "count": n}
            for (reason, ext), n in sorted(self.converted.items())
        ]


def _probe(path: Path) -> str | None:
    try:
        return probe_mode(path)
    except InputError:
        return None  # reported as a failed input when the run reaches it
