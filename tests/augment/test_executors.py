"""Choosing an executor: refusals that need no cluster (exit 2, nothing written)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.executors import make_executor
from augcli.augment.executors.local import LocalExecutor
from augcli.cli import cli
from augcli.errors import UsageError


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(folder / "a.png")
    return folder


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def test_dask_without_the_extra_exits_2_saying_how_to_install(src, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    dst = tmp_path / "dst"
    result = invoke("augment", str(src), str(dst), "--seed", "1", "--executor", "dask")
    assert result.exit_code == 2
    assert 'pip install "augcli[dask]"' in result.output
    assert not dst.exists()


@pytest.mark.parametrize("flag", ["--scheduler", "--scheduler-file"])
def test_a_scheduler_without_executor_dask_exits_2(src, tmp_path, flag):
    dst = tmp_path / "dst"
    result = invoke("augment", str(src), str(dst), "--seed", "1", flag, "x")
    assert result.exit_code == 2 and f"{flag} needs --executor dask" in result.output
    assert not dst.exists()


def test_scheduler_and_scheduler_file_exclude_each_other():
    with pytest.raises(UsageError, match="exclude each other"):
        make_executor("dask", 1, "tcp://127.0.0.1:1", Path("s.json"))


def test_local_is_the_default_executor():
    executor = make_executor("local", 3)
    assert isinstance(executor, LocalExecutor) and executor.workers == 3


def test_an_unreachable_scheduler_exits_2_before_anything_is_written(src, tmp_path):
    pytest.importorskip("distributed", reason='Dask is not installed (pip install "augcli[dask]")')
    from augcli.augment.config import parse_pipeline
    from augcli.augment.executors.dask import DaskExecutor
    from augcli.augment.plan import AugmentOptions
    from augcli.augment.runner import augment_tree

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    executor = DaskExecutor(scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=0.5)
    spec = parse_pipeline("pipeline:\n  - flip: {}\n")
    with pytest.raises(UsageError, match=f"cannot connect to tcp://127.0.0.1:{port}"):
        augment_tree(spec, src, tmp_path / "dst", AugmentOptions(seed=1), executor=executor)
    assert not (tmp_path / "dst").exists()
