"""Name lookups shared by ops, losses and pooling methods: exact match or a helpful error."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest valid name, or ``""`` when none is close."""
    close = difflib.get_close_matches(str(name), list(valid), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_name_message(kind: str, name: str, valid: Iterable[str]) -> str:
    """One line: ``unknown op 'rotat' (did you mean 'rotate'?); valid: flip, rotate, ...``."""
    names = list(valid)
    return f"unknown {kind} '{name}'{did_you_mean(name, names)}; valid: {', '.join(names)}"
