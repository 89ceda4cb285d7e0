"""Record PyTorch's pooling results as golden vectors for the tests (tests/data/torch_golden.*).

Run with torch installed (its CPU build is enough), from the repository root::

    python tools/make_golden_vectors.py

It runs the test modules that take torch as their oracle with recording on: every reference they
ask ``tests/pool/torch_oracle.py`` for is computed with torch and stored under its key. It then
writes ``tests/data/torch_golden.npz`` and, beside it, ``torch_golden.json`` with torch's and
numpy's versions and the keys recorded. The light test install compares against these files.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = [f"tests/pool/test_{name}.py" for name in ("torch", "infinities", "command")]


def main() -> int:
    import torch

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from tests.pool import torch_oracle

    os.environ[torch_oracle.RECORD_ENV] = "1"
    code = pytest.main(["-q", "-p", "no:cacheprovider", *MODULES])
    if code != 0:
        print("the tests failed while recording: nothing written", file=sys.stderr)
        return 1
    recorded = dict(sorted(torch_oracle.RECORDED.items()))
    np.savez_compressed(torch_oracle.GOLDEN, **recorded)
    about = {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "made_by": "python tools/make_golden_vectors.py",
        "keys": len(recorded),
    }
    torch_oracle.GOLDEN.with_suffix(".json").write_text(json.dumps(about, indent=2) + "\n")
    size = torch_oracle.GOLDEN.stat().st_size
    print(f"{len(recorded)} vectors from torch {torch.__version__}: {size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
