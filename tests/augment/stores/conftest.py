"""A real S3 endpoint for the store tests: moto's server on 127.0.0.1, one per session.

The endpoint and fake credentials reach augcli (and its subprocesses and Dask workers) the
usual way only: ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` in the
environment. The credentials are distinctive so a test can show they appear nowhere.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import warm

pytest.importorskip("s3fs", reason='s3fs is not installed (pip install "augcli[s3]")')
moto_server = pytest.importorskip(
    "moto.server", reason="needs moto[s3] and flask: pip install '.[test]'"
)

KEY_ID = "AKIAAUGCLIFAKE7Q2XZ9"
SECRET = "augcliFakeSecret/Kq8vZr3mWn5pLt0sYb1uXc4dHe"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def s3() -> Any:
    """The endpoint URL, with the environment set for it; yields an s3fs filesystem."""
    import fsspec

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = {k: os.environ.get(k) for k in _ENV}
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://{host}:{port}",
        AWS_ACCESS_KEY_ID=KEY_ID,
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_DEFAULT_REGION="us-east-1",
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    try:
        yield fs
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
)


def augcli(*args: str, check: int | None = 0, **popen: Any) -> subprocess.CompletedProcess:
    """Run ``python -m augcli ARGS`` with this checkout first on the path.

    The process is forked from a warm interpreter (:mod:`tests.warm`) when no Popen option is
    given, else started fresh.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if not popen and warm.available():
        try:
            code, out, err = warm.run(args, Path.cwd(), env, None, 120, None)
        except warm.Timeout:
            raise AssertionError(f"augcli {' '.join(args)} did not finish in 120 s") from None
        done = subprocess.CompletedProcess(
            [sys.executable, "-m", "augcli", *args], code, out.decode(), err.decode()
        )
        if check is not None:
            assert done.returncode == check, done.stderr
        return done
    done = subprocess.run(
        [sys.executable, "-m", "augcli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        **popen,
    )
    if check is not None:
        assert done.returncode == check, done.stderr
    return done


def download(fs: Any, prefix: str) -> dict[str, bytes]:
    """Every object under ``bucket/prefix``: key relative to it -> bytes."""
    fs.invalidate_cache()
    found = fs.find(prefix)
    return {p[len(prefix) + 1 :]: fs.cat_file(p) for p in found}


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root``: POSIX path relative to it -> bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
