"""``augcli pool`` end to end through CliRunner: round trips, grids, folders, seeds, bad input."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from skimage.measure import block_reduce

from augcli.cli import cli
from augcli.core.seeding import generator
from augcli.pool.registry import (
    METHODS,
    Geometry,
    lip_pool,
    max_pool,
    method_options,
    stochastic_pool,
)


def run(*args: str):
    return CliRunner().invoke(cli, ["pool", *map(str, args)])


@pytest.fixture
def rgb(tmp_path):
    """A 12x10 asymmetric RGB image."""
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, size=(12, 10, 3), dtype=np.uint8)
    path = tmp_path / "img.png"
    Image.fromarray(array).save(path)
    return path, array


def ok(result):
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


# --------------------------------------------------------------------------- images


def test_image_max_and_avg_round_trip(rgb, tmp_path):
    path, array = rgb
    ok(run(path, "-m", "max", "-o", tmp_path / "max.png"))
    got = np.asarray(Image.open(tmp_path / "max.png"))
    np.testing.assert_array_equal(got, block_reduce(array, (2, 2, 1), np.max))
    ok(run(path, "-m", "avg", "-o", tmp_path / "avg.png"))
    got = np.asarray(Image.open(tmp_path / "avg.png"))
    expect = np.rint(block_reduce(array.astype(float), (2, 2, 1), np.mean))
    np.testing.assert_array_equal(got, expect)


def test_image_upscale_is_nearest_to_input_size(rgb, tmp_path):
    path, array = rgb
    ok(run(path, "-m", "max", "--upscale", "-o", tmp_path / "up.png"))
    got = np.asarray(Image.open(tmp_path / "up.png"))
    small = block_reduce(array, (2, 2, 1), np.max)
    np.testing.assert_array_equal(got, small.repeat(2, axis=0).repeat(2, axis=1))


def test_grey_image_and_npy_output_in_input_units(tmp_path):
    grey = np.arange(16, dtype=np.uint8).reshape(4, 4) * 10
    Image.fromarray(grey).save(tmp_path / "g.png")
    ok(run(tmp_path / "g.png", "-m", "softpool", "-o", tmp_path / "g.npy"))
    got = np.load(tmp_path / "g.npy")
    assert got.dtype == np.float32 and got.shape == (2, 2)
    expect = max_pool(grey / 255.0)  # sanity bound, then the exact formula below
    x = grey / 255.0
    blocks = x.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)
    soft = (np.exp(blocks) * blocks).sum(-1) / np.exp(blocks).sum(-1) * 255
    np.testing.assert_allclose(got, soft, rtol=1e-6)
    assert np.all(got <= expect * 255 + 1e-4)


def test_method_all_makes_one_labelled_grid(rgb, tmp_path):
    path, _ = rgb
    result = ok(run(path, "--method", "all", "--seed", "1", "-o", tmp_path / "grid.png"))
    assert "seed" not in result.output  # the seed was given, so it is not echoed
    sheet = np.asarray(Image.open(tmp_path / "grid.png"))
    assert sheet.ndim == 3 and sheet.shape[0] > 3 * 12 and sheet.shape[1] > 3 * 10


def test_seed_is_echoed_when_not_given(rgb, tmp_path):
    path, _ = rgb
    result = ok(run(path, "-m", "stochastic", "-o", tmp_path / "s.png"))
    assert "pass --seed" in result.output


# --------------------------------------------------------------------------- arrays


@pytest.mark.parametrize(
    ("shape", "layout", "axes"),
    [
        ((6, 8), None, None),
        ((6, 8, 3), None, (2, 0, 1)),
        ((3, 6, 8), "chw", None),
        ((2, 3, 6, 8), None, None),
    ],
)
def test_npy_keeps_layout(tmp_path, shape, layout, axes):
    x = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    extra = ["--layout", layout] if layout else []
    ok(run(tmp_path / "x.npy", "-m", "max", "-o", tmp_path / "y.npy", *extra))
    got = np.load(tmp_path / "y.npy")
    planes = np.transpose(x, axes) if axes else x
    expect = max_pool(planes)
    if axes:
        expect = np.moveaxis(expect, 0, -1)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expect)


def test_npy_dtypes_and_several_methods(tmp_path):
    x = np.arange(32, dtype=np.float64).reshape(4, 8)
    np.save(tmp_path / "x.npy", x)
    ok(run(tmp_path / "x.npy", "-m", "max,avg", "-m", "gap", "-o", tmp_path / "out.npy"))
    assert np.load(tmp_path / "out_max.npy").dtype == np.float64
    np.testing.assert_array_equal(
        np.load(tmp_path / "out_avg.npy"), block_reduce(x, (2, 2), np.mean)
    )
    np.testing.assert_array_equal(np.load(tmp_path / "out_gap.npy"), [[x.mean()]])
    np.save(tmp_path / "i.npy", x.astype(np.int16))
    ok(run(tmp_path / "i.npy", "-m", "max,avg", "-o", tmp_path / "i_out.npy"))
    maxed = np.load(tmp_path / "i_out_max.npy")
    assert maxed.dtype == np.int16  # max-type: one of the input's values, dtype kept
    np.testing.assert_array_equal(maxed, block_reduce(x.astype(np.int16), (2, 2), np.max))
    assert np.load(tmp_path / "i_out_avg.npy").dtype == np.float32  # averages: float32


def test_summary_without_output(tmp_path):
    x = np.stack([np.full((6, 6), 1.0), np.full((6, 6), 3.0)], axis=-1)
    np.save(tmp_path / "x.npy", x)
    result = ok(run(tmp_path / "x.npy", "-m", "avg", "-m", "gap"))
    assert "avg (k2 s2) -> shape (3, 3, 2) float64" in result.output
    assert "values: 1 3" in result.output


def test_stochastic_seeded_like_the_contract(tmp_path):
    x = np.random.default_rng(2).random((5, 6, 6))
    np.save(tmp_path / "x.npy", x)
    outs = []
    for _ in range(2):
        ok(
            run(
                tmp_path / "x.npy",
                "--layout",
                "chw",
                "-m",
                "stochastic",
                "--seed",
                "9",
                "-o",
                tmp_path / "s.npy",
            )
        )
        outs.append(np.load(tmp_path / "s.npy"))
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], stochastic_pool(x, rng=np.random.default_rng(9)))


def test_lip_default_geometry_and_importance(tmp_path):
    x = np.random.default_rng(3).random((6, 6))
    np.save(tmp_path / "x.npy", x)
    ok(run(tmp_path / "x.npy", "-m", "lip", "-o", tmp_path / "l.npy"))
    np.testing.assert_allclose(np.load(tmp_path / "l.npy"), lip_pool(x, Geometry(3, 2, 1)))
    ok(run(tmp_path / "x.npy", "-m", "lip", "--kernel", "2", "-o", tmp_path / "l2.npy"))
    np.testing.assert_allclose(np.load(tmp_path / "l2.npy"), lip_pool(x, Geometry(2)))
    g = np.random.default_rng(4).normal(size=(6, 6))
    np.save(tmp_path / "g.npy", g)
    ok(
        run(
            tmp_path / "x.npy",
            "-m",
            "lip",
            "--importance",
            tmp_path / "g.npy",
            "-o",
            tmp_path / "l3.npy",
        )
    )
    np.testing.assert_allclose(
        np.load(tmp_path / "l3.npy"), lip_pool(x, Geometry(3, 2, 1), logits=g)
    )


def test_nan_and_inf_counted_in_one_warning(tmp_path):
    x = np.ones((4, 4))
    x[0, 0] = x[3, 3] = np.nan
    x[0, 3] = np.inf
    np.save(tmp_path / "x.npy", x)
    result = ok(run(tmp_path / "x.npy", "-m", "max,avg", "-o", tmp_path / "y.npy"))
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "2 NaN and 1 infinite value(s) in the input" in warnings[0]
    assert "max: 2 NaN, 1 inf, avg: 2 NaN, 1 inf" in warnings[0]
    assert np.isnan(np.load(tmp_path / "y_max.npy")).sum() == 2


def test_folder_is_mirrored_with_per_file_seeds(tmp_path, rgb):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    x = np.random.default_rng(5).random((4, 4))
    np.save(src / "sub" / "a.npy", x)
    Image.open(rgb[0]).save(src / "b.png")
    (src / "notes.txt").write_text("ignored")
    ok(run(src, "-m", "stochastic", "--seed", "4", "-o", tmp_path / "dst"))
    got = np.load(tmp_path / "dst" / "sub" / "a.npy")
    np.testing.assert_array_equal(got, stochastic_pool(x, rng=generator(4, "sub/a.npy")))
    assert (tmp_path / "dst" / "b.png").is_file()
    assert not (tmp_path / "dst" / "notes.txt").exists()


def test_folder_with_a_bad_file_exits_1(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    np.save(src / "good.npy", np.ones((4, 4)))
    (src / "bad.npy").write_bytes(b"garbage")
    result = run(src, "-o", tmp_path / "dst")
    assert result.exit_code == 1 and "bad.npy" in result.output and "Traceback" not in result.output
    assert (tmp_path / "dst" / "good.npy").is_file()


# --------------------------------------------------------------------------- bad input


def _write(tmp_path, name, array=None, raw=None, pickled=None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    elif pickled is not None:
        np.save(path, pickled, allow_pickle=True)
    else:
        np.save(path, array)
    return path


Z44 = dict(array=np.zeros((4, 4)))
BAD = [
    ("corrupt.npy", dict(raw=b"\x93NUMPY\x01\x00garbage"), [], "not a valid .npy"),
    ("random.npy", dict(raw=bytes(range(256)) * 4), [], "npy"),
    (
        "pickled.npy",
        dict(pickled=np.array([{"a": 1}], dtype=object)),
        [],
        "pickled data is refused",
    ),
    ("complex.npy", dict(array=np.zeros((4, 4), complex)), [], "complex128 cannot be pooled"),
    ("strings.npy", dict(array=np.array([["a", "b"], ["c", "d"]])), [], "cannot be pooled"),
    ("flat.npy", dict(array=np.zeros(8)), [], "1-D array"),
    ("five.npy", dict(array=np.zeros((1, 1, 1, 4, 4))), [], "5-D array"),
    ("two.npy", dict(array=np.zeros((4, 4))), ["--layout", "chw"], "layout chw needs a 3-D array"),
    ("empty.npy", dict(array=np.zeros((0, 4))), [], "empty array"),
    ("small.npy", dict(array=np.zeros((3, 3))), ["--kernel", "5"], "larger than the padded input"),
    ("k0.npy", dict(array=np.zeros((4, 4))), ["--kernel", "0"], "kernel must be a positive"),
    ("s0.npy", dict(array=np.zeros((4, 4))), ["--stride", "0"], "stride must be a positive"),
    ("sneg.npy", dict(array=np.zeros((4, 4))), ["--stride", "-1"], "stride must be a positive"),
    ("kx.npy", dict(array=np.zeros((4, 4))), ["--kernel", "2x"], "KHxKW"),
    ("pad.npy", dict(array=np.zeros((4, 4))), ["--padding", "2"], "more than half the kernel"),
    ("neg.npy", dict(array=-np.ones((4, 4))), ["-m", "stochastic", "--seed", "1"], "--relu"),
    ("img.png", dict(raw=np.random.default_rng(0).bytes(500)), [], "cannot read image"),
    ("x.npy", dict(array=np.zeros((4, 4))), ["-m", "maxx"], "did you mean 'max'"),
    ("x.npy", dict(array=np.zeros((4, 4))), ["-m", "max", "--p", "3"], "--p applies to power"),
    ("x.npy", dict(array=np.zeros((4, 4))), ["-m", "power", "--p", "0"], "--p must be > 0"),
    (
        "x.npy",
        dict(array=np.zeros((4, 4))),
        ["-m", "mixed", "--lam", "2"],
        "--lam must be in [0, 1]",
    ),
    ("x.npy", Z44, ["-m", "power", "--p", "-1"], "--p must be > 0, got -1.0"),
    (
        "x.npy",
        dict(array=np.zeros((4, 4))),
        ["-m", "dpp", "--lambda", "-1"],
        "Error: --lambda must be >= 0, got -1.0\n",
    ),
    ("x.npy", dict(array=np.zeros((4, 4))), ["-m", "dpp", "--alpha", "-1"], "--alpha must be >= 0"),
    ("x.npy", dict(array=np.zeros((4, 4))), ["-m", "dpp", "--eps2", "0"], "--eps2 must be > 0"),
    ("x.npy", Z44, ["-m", "lip", "--beta", "inf"], "--beta must be finite"),
    (
        "x.npy",
        dict(array=np.zeros((3, 3))),
        ["--kernel", "6", "--padding", "1"],
        "Error: kernel 6 (span 6) is larger than the padded input height 3 + 2*1 = 5; "
        "use a smaller --kernel or more --padding\n",
    ),
    (
        "x.npy",
        dict(array=np.zeros((4, 4))),
        ["-m", "mixed", "--lam", "3"],
        "Error: --lam must be in [0, 1], got 3.0\n",
    ),
    ("x.npy", Z44, ["-o", "out.png", "--upscale"], "a .npy written to an image is a montage"),
    ("x.npy", dict(array=np.zeros((4, 4))), ["-o", "out.xyz"], "unknown extension"),
    ("x.npy", dict(array=np.zeros((4, 4))), ["-m", "avg", "--dilation", "2"], "max pooling only"),
]


@pytest.mark.parametrize(
    ("name", "content", "args", "message"), BAD, ids=[b[0] + str(i) for i, b in enumerate(BAD)]
)
def test_bad_input_exits_2_with_a_message(tmp_path, monkeypatch, name, content, args, message):
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, name, **content)
    result = run(path, *args)
    assert result.exit_code == 2, result.output
    assert message.removeprefix("Error: ") in result.output
    assert "Traceback" not in result.output


def test_pickle_payload_is_never_executed(tmp_path):
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit(99)",))

    path = tmp_path / "evil.npy"
    with open(path, "wb") as handle:  # a .npy header followed by a pickle, as numpy writes it
        np.lib.format.write_array_header_1_0(
            handle, {"descr": "|O", "fortran_order": False, "shape": (1,)}
        )
        pickle.dump(np.array([Boom()], dtype=object), handle)
    result = run(path)
    assert result.exit_code == 2 and "pickled data is refused" in result.output


def test_wrong_importance_shape_and_relu(tmp_path):
    np.save(tmp_path / "x.npy", -np.ones((4, 4)))
    np.save(tmp_path / "g.npy", np.ones((3, 3)))
    result = run(tmp_path / "x.npy", "-m", "lip", "--importance", tmp_path / "g.npy")
    assert result.exit_code == 2 and "importance map shape" in result.output
    ok(run(tmp_path / "x.npy", "-m", "stochastic", "--relu", "--seed", "1"))
    result = run(tmp_path / "missing.npy")
    assert result.exit_code == 2 and "no such file" in result.output


def test_pool_help_lists_every_registry_option_with_its_methods():
    result = ok(CliRunner().invoke(cli, ["pool", "--help"]))
    text = " ".join(result.output.split())  # help lines are wrapped
    for entry in method_options():
        assert entry.option.name in text
        assert f"{'/'.join(entry.methods)}: {entry.option.help}" in text, entry.option.name


def _an_unselected_method(methods: tuple[str, ...]) -> str:
    return next(name for name in METHODS if name not in methods)


@pytest.mark.parametrize("entry", method_options(), ids=lambda entry: entry.option.name)
def test_method_option_without_its_method_exits_2_naming_it(tmp_path, entry):
    np.save(tmp_path / "x.npy", np.ones((4, 4)))
    np.save(tmp_path / "g.npy", np.ones((4, 4)))
    option = entry.option
    value = {"flag": [], "choice": list(option.choices[:1]), "path": [tmp_path / "g.npy"]}
    args = [option.name, *value.get(option.kind, ["1"])]
    result = run(tmp_path / "x.npy", "-m", _an_unselected_method(entry.methods), *args)
    named = option.name
    if option.values is not None:  # an alias reports the option it stands for
        method, keyword = next(iter(entry.keywords.items()))
        named = METHODS[method].params[keyword].options[0].name
    assert result.exit_code == 2, result.output
    assert f"Error: {named} applies to {' / '.join(entry.methods)}, which is not selected" in (
        result.output
    )


def test_npy_headers_are_checked_before_loading(tmp_path):
    """Garbage, a malformed header and a header promising terabytes: exit 2, nothing allocated."""
    garbage = tmp_path / "latin.npy"
    garbage.write_bytes("é".encode("latin-1") * 100)
    bad_header = tmp_path / "header.npy"
    bad_header.write_bytes(
        b"\x93NUMPY\x01\x00" + (200).to_bytes(2, "little") + b"{" + b" " * 198 + b"\n"
    )
    huge = tmp_path / "huge.npy"
    with open(huge, "wb") as handle:
        header = {"descr": "<f4", "fortran_order": False, "shape": (100000, 100000, 64)}
        np.lib.format.write_array_header_1_0(handle, header)
        handle.write(b"\0" * 100)
    for path, message in [
        (garbage, "not a .npy file"),
        (bad_header, "bad header"),
        (huge, "header promises 2,560,000,000,000 bytes"),
    ]:
        result = CliRunner().invoke(cli, ["pool", str(path), "-m", "max"])
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
