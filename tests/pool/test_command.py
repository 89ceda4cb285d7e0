"""``augcli pool`` promises end to end: layouts, --method all, GIF, outputs that are inputs,
--json for every outcome, failure lines with their paths, DPP's full guide, --torch-compat."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.cli import cli
from augcli.pool.registry import METHODS, Geometry, dpp_pool, max_pool
from tests.pool.torch_oracle import references


def run(*args):
    return CliRunner().invoke(cli, ["pool", *map(str, args)])


def one_json(result) -> dict:
    """stdout holds exactly one JSON object; human messages are on stderr."""
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict)
    assert payload["exit_code"] == result.exit_code
    return payload


# --------------------------------------------------------------------------- layouts


@pytest.mark.parametrize(
    ("shape", "axes", "layout"),
    [
        ((3, 9, 12), None, "chw"),  # PyTorch CHW: 3 channels of 9x12
        ((9, 12, 3), (2, 0, 1), "hwc"),
        ((2, 3, 9, 12), None, "nchw"),
        ((2, 9, 12, 3), (0, 3, 1, 2), "nhwc"),  # a TensorFlow batch
    ],
)
def test_layout_is_read_from_a_shape_that_decides_it(tmp_path, shape, axes, layout):
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    result = run(tmp_path / "x.npy", "-o", tmp_path / "y.npy", "--json")
    assert result.exit_code == 0, result.output
    assert one_json(result)["files"][0]["layout"] == layout
    planes = np.transpose(x, axes) if axes else x
    expect = max_pool(planes)
    if axes:
        expect = np.transpose(expect, np.argsort(axes))
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), expect)
    explicit = run(tmp_path / "x.npy", "--layout", layout, "-o", tmp_path / "z.npy")
    assert explicit.exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "z.npy"), expect)


@pytest.mark.parametrize(
    ("shape", "readings"),
    [
        ((64, 32, 32), ["hwc: 32 channel(s) of 64x32", "chw: 64 channel(s) of 32x32"]),
        ((3, 9, 4), ["hwc: 4 channel(s) of 3x9", "chw: 3 channel(s) of 9x4"]),
        ((8, 16, 32, 32), ["nchw: 8 x 16 channel(s) of 32x32", "nhwc: 8 x 32 channel(s)"]),
    ],
)
def test_ambiguous_shape_exits_2_saying_what_each_layout_would_mean(tmp_path, shape, readings):
    np.save(tmp_path / "x.npy", np.zeros(shape, dtype=np.float32))
    result = run(tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert result.exit_code == 2 and "--layout" in result.stderr
    for reading in readings:
        assert reading in result.stderr
    assert not (tmp_path / "y.npy").exists()


# --------------------------------------------------------------------------- method all, dtypes


def test_method_all_on_signed_input_skips_stochastic_with_its_reason(tmp_path):
    x = np.random.default_rng(1).normal(size=(6, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    result = run(tmp_path / "x.npy", "-m", "all", "-o", tmp_path / "y.npy", "--json", "--seed", 1)
    assert result.exit_code == 0, result.output
    skipped = one_json(result)["files"][0]["skipped"]
    assert [s["method"] for s in skipped] == ["stochastic"]
    assert "negative" in skipped[0]["reason"] and "--relu" in skipped[0]["reason"]
    assert "skipped stochastic" in result.stderr
    for name in METHODS:
        assert (tmp_path / f"y_{name}.npy").exists() == (name != "stochastic")
    explicit = run(tmp_path / "x.npy", "-m", "stochastic", "--seed", 1)
    assert explicit.exit_code == 2 and "--relu" in explicit.stderr


def test_uint8_npy_keeps_its_dtype_for_max_and_gives_float32_averages(tmp_path):
    x = np.random.default_rng(2).integers(0, 256, size=(6, 8), dtype=np.uint8)
    np.save(tmp_path / "x.npy", x)
    result = run(tmp_path / "x.npy", "-m", "max,avg", "-o", tmp_path / "y.npy")
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "y_max.npy").dtype == np.uint8
    assert np.load(tmp_path / "y_avg.npy").dtype == np.float32


@pytest.mark.parametrize("mode", ["L", "RGB"])
@pytest.mark.parametrize("methods", ["max", "max,avg"])
def test_gif_output_is_accepted_like_every_listed_extension(tmp_path, mode, methods):
    image = Image.fromarray(np.random.default_rng(3).integers(0, 256, (12, 10, 3), np.uint8))
    image.convert(mode).save(tmp_path / "in.png")
    result = run(tmp_path / "in.png", "-m", methods, "-o", tmp_path / "out.gif")
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "out.gif") as written:
        assert written.format == "GIF"
        if methods == "max":
            assert written.size == (5, 6)


# --------------------------------------------------------------------------- never an input


def _input(tmp_path, name="x.npy"):
    path = tmp_path / name
    np.save(path, np.arange(16.0).reshape(4, 4))
    return path, path.read_bytes()


def test_output_that_is_the_input_exits_2_and_leaves_it_alone(tmp_path):
    path, before = _input(tmp_path)
    assert run(path, "-o", path).exit_code == 2
    link = tmp_path / "link.npy"
    link.symlink_to(path)
    result = run(path, "-o", link)
    assert result.exit_code == 2 and "never writes over or among its inputs" in result.stderr
    assert path.read_bytes() == before


def test_per_method_output_name_that_is_the_input_exits_2(tmp_path):
    path, before = _input(tmp_path, "out_avg.npy")
    result = run(path, "-m", "max,avg", "-o", tmp_path / "out.npy")
    assert result.exit_code == 2 and "out_avg.npy" in result.stderr
    assert path.read_bytes() == before and not (tmp_path / "out_max.npy").exists()


def test_side_inputs_are_never_outputs(tmp_path):
    path, _ = _input(tmp_path)
    logits, before = _input(tmp_path, "g.npy")
    result = run(path, "-m", "lip", "--importance", logits, "-o", logits)
    assert result.exit_code == 2 and "--importance" in result.stderr
    assert logits.read_bytes() == before


def test_folder_output_colliding_with_an_input_is_refused_before_any_write(tmp_path):
    root = tmp_path / "dst" / "sub"
    (root / "sub").mkdir(parents=True)
    np.save(root / "x.npy", np.ones((4, 4)))
    np.save(root / "sub" / "x.npy", np.zeros((4, 4)))  # its output would be root / "x.npy"
    before = (root / "x.npy").read_bytes()
    result = run(root, "-o", tmp_path / "dst", "--json")
    assert result.exit_code == 2 and "never writes over or among its inputs" in result.stderr
    assert one_json(result)["error"]
    assert (root / "x.npy").read_bytes() == before
    assert not (tmp_path / "dst" / "x.npy").exists()


# --------------------------------------------------------------------------- JSON, failures


def test_json_for_success_failure_usage_error_and_interrupt(tmp_path, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    np.save(src / "good.npy", np.ones((8, 8)))
    np.save(src / "small.npy", np.ones((2, 2)))
    (src / "bad.npy").write_bytes(b"garbage")
    ok = run(src / "good.npy", "--json")
    assert ok.exit_code == 0 and one_json(ok)["files"][0]["results"][0]["shape"] == [4, 4]
    failed = run(src, "--kernel", "3", "-o", tmp_path / "out", "--json")
    payload = one_json(failed)
    assert failed.exit_code == 1
    assert sorted(os.path.basename(f["path"]) for f in payload["failed"]) == [
        "bad.npy",
        "small.npy",
    ]
    assert all(f["path"] in f["error"] for f in payload["failed"])
    assert payload["written"] == [str(tmp_path / "out" / "good.npy")]
    usage = run(src / "good.npy", "--kernel", "0", "--json")
    assert usage.exit_code == 2 and "kernel" in one_json(usage)["error"]
    assert "kernel" in usage.stderr

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("augcli.pool.run.run_pool", interrupted)
    stopped = run(src / "good.npy", "--json")
    assert stopped.exit_code == 130 and one_json(stopped)["interrupted"] is True


def test_every_folder_failure_line_names_its_file(tmp_path):
    src = tmp_path / "src"
    (src / "deep").mkdir(parents=True)
    for name in ("a.npy", "deep/b.npy"):
        np.save(src / name, np.ones((2, 2)))
    result = run(src, "--kernel", "3", "-o", tmp_path / "out")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "larger than" in line]
    assert len(lines) == 2
    assert str(src / "a.npy") in lines[0] and str(src / "deep" / "b.npy") in lines[1]


# --------------------------------------------------------------------------- dpp full, torch


def test_dpp_full_guide_from_a_filter_file(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 8, 10))
    weight = rng.normal(size=(3, 3, 3))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "w.npy", weight)
    args = ["--guide-filter", tmp_path / "w.npy", "--guide-bias", "0.5"]
    result = run(tmp_path / "x.npy", "-m", "dpp", *args, "-o", tmp_path / "y.npy")
    assert result.exit_code == 0, result.output
    expect = dpp_pool(x, guide="full", guide_filter=weight, guide_bias=0.5)
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), expect)
    lite = dpp_pool(x)
    assert not np.allclose(expect, lite)
    bad = run(tmp_path / "x.npy", "-m", "dpp", "--guide", "full")
    assert bad.exit_code == 2 and "--guide-filter" in bad.stderr


def test_torch_compat_flag_reproduces_lp_pool2d(tmp_path):
    """torch's recorded result, and its live one where installed (tests/pool/torch_oracle.py)."""
    x = np.random.default_rng(5).normal(size=(3, 7, 9)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    args = ["-m", "power", "--p", "1", "--ceil-mode", "--torch-compat", "-o", tmp_path / "y.npy"]
    result = run(tmp_path / "x.npy", *args)
    assert result.exit_code == 0, result.output
    got = np.load(tmp_path / "y.npy")
    for want in references("command/compat", "lp_pool2d", x, 1.0, 2, ceil_mode=True):
        np.testing.assert_array_equal(got, want)
        assert Geometry(2, ceil_mode=True).output_shape(7, 9) == want.shape[-2:]


def test_extreme_parameters_print_no_numpy_warning(tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(6).normal(size=(6, 6)) * 1e200)
    for args in (["-m", "power", "--p", "1e-300"], ["-m", "softpool"], ["-m", "dpp"]):
        result = run(tmp_path / "x.npy", *args, "--json")
        assert result.exit_code == 0, result.output
        assert "Warning" not in result.stderr and ".py" not in result.stderr
        one_json(result)


def test_image_to_npy_keeps_uint8_for_max_and_float32_for_averages(tmp_path):
    from skimage.measure import block_reduce

    array = np.random.default_rng(7).integers(0, 256, (12, 10, 3), dtype=np.uint8)
    Image.fromarray(array).save(tmp_path / "in.png")
    result = run(tmp_path / "in.png", "-m", "max,avg", "-o", tmp_path / "y.npy")
    assert result.exit_code == 0, result.output
    maxed = np.load(tmp_path / "y_max.npy")
    assert maxed.dtype == np.uint8
    np.testing.assert_array_equal(maxed, block_reduce(array, (2, 2, 1), np.max))
    averaged = np.load(tmp_path / "y_avg.npy")
    assert averaged.dtype == np.float32
    np.testing.assert_allclose(averaged, block_reduce(array.astype(float), (2, 2, 1), np.mean))
