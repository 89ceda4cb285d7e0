"""executors.registry: executors by name, their CLI options, refusals that need no cluster."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.executors.local import LocalExecutor
from augcli.augment.executors.registry import (
    EXECUTORS,
    executor_options,
    get_executor,
    make_executor,
)
from augcli.cli import cli
from augcli.core.errors import UsageError


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
        make_executor(
            "dask", 1, {"scheduler": "tcp://127.0.0.1:1", "scheduler_file": Path("s.json")}
        )


def test_local_is_the_default_executor():
    executor = make_executor("local", 3)
    assert isinstance(executor, LocalExecutor) and executor.workers == 3


def test_an_unreachable_scheduler_exits_2_before_anything_is_written(src, tmp_path):
    pytest.importorskip("distributed", reason='Dask is not installed (pip install "augcli[dask]")')
    from augcli.augment.config import parse_pipeline
    from augcli.augment.executors.dask import DaskExecutor
    from augcli.augment.run.runner import augment_tree
    from augcli.augment.tasks import AugmentOptions

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    executor = DaskExecutor(scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=0.5)
    spec = parse_pipeline("pipeline:\n  - flip: {}\n")
    with pytest.raises(UsageError, match=f"cannot connect to tcp://127.0.0.1:{port}"):
        augment_tree(spec, src, tmp_path / "dst", AugmentOptions(seed=1), executor=executor)
    assert not (tmp_path / "dst").exists()


# -- the registry ------------------------------------------------------------------------------


def test_the_registry_holds_local_then_dask_by_name():
    assert list(EXECUTORS) == ["local", "dask"]
    assert all(spec.name == name for name, spec in EXECUTORS.items())


def test_an_unknown_executor_name_is_refused_listing_the_allowed_ones():
    with pytest.raises(UsageError, match=r"^--executor ray: allowed: local, dask$"):
        get_executor("ray")
    with pytest.raises(UsageError, match="allowed: local, dask"):
        make_executor("ray", 2)


def test_an_unknown_executor_on_the_command_line_exits_2_listing_the_choices(src, tmp_path):
    result = invoke("augment", str(src), str(tmp_path / "dst"), "--executor", "ray")
    assert result.exit_code == 2
    assert "'local'" in result.output and "'dask'" in result.output
    assert not (tmp_path / "dst").exists()


def test_dask_declares_the_scheduler_options_and_local_none():
    flags = {name: [o.flag for o in spec.options] for name, spec in EXECUTORS.items()}
    assert flags == {"local": [], "dask": ["--scheduler", "--scheduler-file"]}
    assert [o.dest for _, o in executor_options()] == ["scheduler", "scheduler_file"]


def test_only_dask_needs_an_extra_and_its_help_says_how_to_install_it():
    assert EXECUTORS["local"].requires is None
    assert EXECUTORS["dask"].requires.module == "distributed"
    assert EXECUTORS["dask"].help_text == 'a Dask cluster (pip install "augcli[dask]")'


def _augment_help() -> str:
    result = CliRunner().invoke(cli, ["augment", "--help"], terminal_width=200)
    assert result.exit_code == 0
    return result.output


def test_the_executor_choice_lists_every_registered_executor():
    text = _augment_help()
    assert f"--executor [{'|'.join(EXECUTORS)}]" in text
    assert "Where tasks run: local processes, or a Dask cluster" in text


@pytest.mark.parametrize(("name", "flag"), [(s.name, o.flag) for s, o in executor_options()])
def test_each_executors_options_appear_in_augment_help_with_their_help(name, flag):
    option = next(o for o in get_executor(name).options if o.flag == flag)
    text = _augment_help()
    assert f"{flag} " in text and option.help in " ".join(text.split())


def test_an_option_of_another_executor_names_the_executor_it_needs():
    with pytest.raises(UsageError, match="^--scheduler-file needs --executor dask$"):
        make_executor("local", 1, {"scheduler": None, "scheduler_file": Path("s.json")})


def test_a_value_that_is_no_executor_option_is_a_programming_error():
    with pytest.raises(TypeError, match="not an executor option: nodes"):
        make_executor("local", 1, {"nodes": 3})


def test_local_options_given_as_none_are_not_given():
    executor = make_executor("local", 2, {"scheduler": None, "scheduler_file": None})
    assert isinstance(executor, LocalExecutor) and executor.workers == 2
