"""core.gate: reads of regular files only, writes never through links, deletes only in DST."""

from __future__ import annotations

import os

import pytest

from augcli.core.errors import InputError, OutputError, UsageError
from augcli.core.gate import (
    Inputs,
    check_write_target,
    open_regular,
    read_text,
    safe_replace,
    write_refusal,
)


def test_read_text_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO; augcli reads only regular files"):
        read_text(fifo, "-c")


def test_read_text_refuses_a_folder_and_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        read_text(tmp_path, "-c")
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "nope.yaml", "-c")


def test_read_text_caps_the_size_and_drops_a_bom(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbfhello")
    assert read_text(path, "x") == "hello"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match="101 bytes; the limit for this file is 100"):
        read_text(path, "x", cap=100)


def test_read_text_names_the_line_of_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"ok\nok\n\xff\n")
    with pytest.raises(InputError, match="line 3: not UTF-8"):
        read_text(path, "x")


def test_open_regular_follows_a_symlink_to_a_regular_file(tmp_path):
    (tmp_path / "real").write_bytes(b"abc")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with open_regular(tmp_path / "link", "x") as handle:
        assert handle.read() == b"abc"


def test_write_refusal_names_links_special_files_and_hard_links(tmp_path):
    assert write_refusal(tmp_path / "new") is None
    (tmp_path / "plain").write_bytes(b"")
    assert write_refusal(tmp_path / "plain") is None
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert "symlink" in write_refusal(tmp_path / "dangling")
    os.mkfifo(tmp_path / "fifo")
    assert write_refusal(tmp_path / "fifo") == "is a FIFO"
    assert write_refusal(tmp_path) == "is a folder"
    os.link(tmp_path / "plain", tmp_path / "second")
    assert "2 hard links" in write_refusal(tmp_path / "plain")


def test_safe_replace_refuses_a_symlink_and_leaves_its_target(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    (tmp_path / "out").symlink_to(victim)
    temp = tmp_path / "temp"
    temp.write_bytes(b"new")
    with pytest.raises(OutputError, match="symlink"):
        safe_replace(temp, tmp_path / "out")
    assert victim.read_bytes() == b"keep" and (tmp_path / "out").is_symlink()
    safe_replace(temp, tmp_path / "fresh")
    assert (tmp_path / "fresh").read_bytes() == b"new"


def test_check_write_target_is_a_usage_error(tmp_path):
    (tmp_path / "l").symlink_to(tmp_path)
    with pytest.raises(UsageError, match="--per-row '.*l' is a symlink"):
        check_write_target(tmp_path / "l", "--per-row")


def test_inputs_refuse_an_output_that_is_an_input_by_any_name(tmp_path):
    src = tmp_path / "in.png"
    src.write_bytes(b"x")
    os.link(src, tmp_path / "hard.png")
    (tmp_path / "soft.png").symlink_to(src)
    inputs = Inputs.of([("IMAGE", src), ("stdin", "-"), ("none", None)])
    for name in ("in.png", "hard.png", "soft.png"):
        with pytest.raises(UsageError, match="is or lies inside the input IMAGE"):
            inputs.refuse_output("-o", tmp_path / name)
    inputs.refuse_output("-o", tmp_path / "other.png")


def test_inputs_refuse_an_output_inside_an_input_folder_but_allow_src_inside_dst(tmp_path):
    dst = tmp_path / "dst"
    src = dst / "src"
    src.mkdir(parents=True)
    inputs = Inputs.of([("SRC", src)])
    with pytest.raises(UsageError, match="inside the input SRC"):
        inputs.refuse_output("DST", src / "out", folder=True)
    with pytest.raises(UsageError, match="inside the input SRC"):
        inputs.refuse_output("DST", src, folder=True)
    inputs.refuse_output("DST", dst, folder=True)


def test_deletion_refusal_protects_inputs_links_and_outside_files(tmp_path):
    dst = tmp_path / "dst"
    src = dst / "src"
    src.mkdir(parents=True)
    (src / "a.png").write_bytes(b"input")
    (dst / "old.png").write_bytes(b"output")
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"x")
    (dst / "link.png").symlink_to(outside)
    inputs = Inputs.of([("SRC", src)])
    assert "is an input" in inputs.deletion_refusal(src / "a.png", dst)
    assert "symlink" in inputs.deletion_refusal(dst / "link.png", dst)
    assert inputs.deletion_refusal(dst / "gone.png", dst) == "no longer exists"
    assert inputs.deletion_refusal(dst / "old.png", dst) is None
