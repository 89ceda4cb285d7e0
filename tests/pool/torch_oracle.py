"""PyTorch as the pooling oracle: its recorded results always, live torch where it is installed.

Every reference that a test takes from torch goes through :func:`references`: it returns torch's
result recorded in ``tests/data/torch_golden.npz`` (``python tools/make_golden_vectors.py``
regenerates the file with torch and writes torch's version to ``torch_golden.json``), and, when
torch is importable, torch's result computed now as well. A test checks its assertion against
each reference, so without torch the recorded results are still compared (nothing is skipped)
and with torch (CI installs its CPU build) both are.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import numpy as np

try:
    import torch
except ImportError:  # the light test install: recorded results only
    torch = None

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "torch_golden.npz"
RECORD_ENV = "AUGCLI_RECORD_GOLDEN"
#: Filled instead of read while tools/make_golden_vectors.py records (it sets RECORD_ENV).
RECORDED: dict[str, np.ndarray] = {}
F = torch.nn.functional if torch is not None else None


def recording() -> bool:
    return bool(os.environ.get(RECORD_ENV))


@cache
def golden() -> dict[str, np.ndarray]:
    with np.load(GOLDEN) as data:
        return {key: data[key] for key in data.files}


def t(x: np.ndarray):
    """A numpy array as a torch tensor (only called where torch is installed)."""
    return torch.from_numpy(np.ascontiguousarray(x))


def references(key: str, fn, *args, **kwargs) -> list[np.ndarray]:
    """torch's result for ``key``: the recorded one, then the live one where torch is installed.

    The live result is ``fn(*args, **kwargs)``, with ``fn`` a name in
    ``torch.nn.functional`` or a function of tensors, and every numpy array in ``args`` made a
    tensor; it is computed only when torch is importable. While recording, it is stored under
    ``key`` and returned alone.
    """
    if recording():
        if torch is None:
            raise RuntimeError("recording golden vectors needs torch")
        value = _live(fn, args, kwargs)
        if key in RECORDED and not np.array_equal(RECORDED[key], value, equal_nan=True):
            raise RuntimeError(f"golden key {key!r} recorded twice with different values")
        RECORDED[key] = value
        return [value]
    table = golden()
    if key not in table:
        raise KeyError(f"{key!r} is not in {GOLDEN.name}: run python tools/make_golden_vectors.py")
    refs = [table[key]]
    if torch is not None:
        refs.append(_live(fn, args, kwargs))
    return refs


def _live(fn, args, kwargs) -> np.ndarray:
    fn = getattr(F, fn) if isinstance(fn, str) else fn
    value = fn(*(t(a) if isinstance(a, np.ndarray) else a for a in args), **kwargs)
    if isinstance(value, torch.Tensor):
        return value.detach().numpy().copy()
    return np.asarray(value)
