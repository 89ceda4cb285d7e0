"""docs/object-stores.md's walkthrough runs as written against the local S3 endpoint.

Every ``bash`` and ``python`` block runs in order from the repository root (``text`` blocks
are illustrations); each must exit 0, and the results must be what the page says: the
bucket-to-bucket run verifies, the shards merge into the unsharded run's COCO file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.augment.stores.conftest import REPO, download

DOC = REPO / "docs" / "object-stores.md"
BLOCK = re.compile(r"^```(bash|python)\n(.*?)^```", re.M | re.S)


def test_the_walkthrough_blocks_run_against_the_local_endpoint(s3, tmp_path: Path):
    pytest.importorskip("distributed")
    for bucket in ("my-datasets", "my-augmented"):
        s3.mkdir(bucket)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    blocks = BLOCK.findall(DOC.read_text("utf-8"))
    assert [kind for kind, _ in blocks].count("bash") >= 4
    for kind, code in blocks:
        command = ["bash", "-euo", "pipefail", "-c", code] if kind == "bash" else [
            sys.executable, "-c", code]  # fmt: skip
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, f"{code}\n{done.stderr}"
    run1 = download(s3, "my-augmented/run1")
    assert len([k for k in run1 if k.endswith(".jpg")]) == 12
    run2 = download(s3, "my-augmented/run2")
    assert {k: v for k, v in run2.items() if "manifest" not in k} == {
        k: v for k, v in run1.items() if "manifest" not in k
    }
    assert s3.cat_file("my-augmented/run2.json") == s3.cat_file("my-augmented/run1.json")
