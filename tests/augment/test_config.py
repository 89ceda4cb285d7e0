"""Strict pipeline validation: exact messages, hostile YAML, example configs.

Generated (hypothesis) documents are in test_hostile_configs.py.

The expected messages are written out by hand from the format every error follows:
``FILE:LINE: step N (op): key: got VALUE (type); allowed: WHAT``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from augcli.augment.config import MAX_CONFIG_BYTES, load_pipeline, parse_pipeline
from augcli.augment.kernels.fill import FILL_MODES, INTERPOLATIONS
from augcli.augment.ops import OPS
from augcli.augment.ops.base import Choice, Fixed, Uniform
from augcli.augment.pipeline import Pipeline
from augcli.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
ALL_OPS = "flip, rotate, scale, crop, translate, gaussian_noise, salt_and_pepper"
NUMBER_OR_RANGE = "a number in [-360, 360], or a [lo, hi] range, or {choice: [...]}"
POSITIVE_OR_RANGE = "a number in [0.01, 100], or a [lo, hi] range, or {choice: [...]}"
FILLS = "constant | edge | reflect | symmetric | wrap"


def error_of(text: str, source: str = "cfg.yaml") -> str:
    with pytest.raises(ConfigError) as info:
        parse_pipeline(text, source)
    return str(info.value)


EXACT = [
    (
        "unknown op, with suggestion",
        "pipeline:\n  - rotat: {angle: 10}\n",
        f"cfg.yaml:2: step 1: unknown op 'rotat' (did you mean 'rotate'?); valid: {ALL_OPS}",
    ),
    (
        "unknown op, nothing close",
        "pipeline:\n  - flip\n  - blur: {sigma: 2}\n",
        f"cfg.yaml:3: step 2: unknown op 'blur'; valid: {ALL_OPS}",
    ),
    (
        "unknown key, with suggestion",
        "pipeline:\n  - rotate: {angle: 10, angel: 3}\n",
        "cfg.yaml:2: step 1 (rotate): unknown key 'angel' (did you mean 'angle'?); "
        "allowed: angle, expand, fill, cval, interpolation, p",
    ),
    (
        "wrong type: string for a number",
        "pipeline:\n  - rotate: {angle: ten}\n",
        f"cfg.yaml:2: step 1 (rotate): angle: got 'ten' (string); allowed: {NUMBER_OR_RANGE}",
    ),
    (
        "wrong type: string for a boolean",
        "pipeline:\n  - rotate:\n      angle: 10\n      expand: maybe\n",
        "cfg.yaml:4: step 1 (rotate): expand: got 'maybe' (string); allowed: true | false",
    ),
    (
        "p above 1",
        "pipeline:\n  - flip: {p: 1.5}\n",
        "cfg.yaml:2: step 1 (flip): p: got 1.5 (number); allowed: a number in [0, 1]",
    ),
    (
        "p negative",
        "pipeline:\n  - flip: {p: -0.1}\n",
        "cfg.yaml:2: step 1 (flip): p: got -0.1 (number); allowed: a number in [0, 1]",
    ),
    (
        "factor zero",
        "pipeline:\n  - scale: {factor: 0}\n",
        f"cfg.yaml:2: step 1 (scale): factor: got 0 (integer); allowed: {POSITIVE_OR_RANGE}",
    ),
    (
        "reversed range",
        "pipeline:\n  - scale: {factor: [1.2, 0.8]}\n",
        "cfg.yaml:2: step 1 (scale): factor: got [1.2, 0.8] (list); allowed: "
        f"{POSITIVE_OR_RANGE} (a range is [lo, hi] with lo <= hi)",
    ),
    (
        "unknown fill mode, with suggestion",
        "pipeline:\n  - rotate: {angle: 10, fill: reflct}\n",
        f"cfg.yaml:2: step 1 (rotate): fill: got 'reflct' (string); allowed: {FILLS} "
        "(did you mean 'reflect'?)",
    ),
    (
        "unknown fill mode",
        "pipeline:\n  - rotate: {angle: 10, fill: mirror}\n",
        f"cfg.yaml:2: step 1 (rotate): fill: got 'mirror' (string); allowed: {FILLS}",
    ),
    (
        "fill on flip",
        "pipeline:\n  - flip: {fill: reflect}\n",
        "cfg.yaml:2: step 1 (flip): fill: flip exposes no new pixels, so it takes no fill",
    ),
    (
        "fill on a noise op",
        "pipeline:\n  - flip\n  - gaussian_noise: {std: 0.1, fill: edge}\n",
        "cfg.yaml:3: step 2 (gaussian_noise): fill: gaussian_noise exposes no new pixels, "
        "so it takes no fill",
    ),
    (
        "cval out of range",
        "pipeline:\n  - rotate: {angle: 3, cval: 2}\n",
        "cfg.yaml:2: step 1 (rotate): cval: got 2 (integer); allowed: a number in [0, 1] "
        "(fraction of full intensity), or a list of 1-4 such",
    ),
    (
        "NaN",
        "pipeline:\n  - rotate: {angle: .nan}\n",
        f"cfg.yaml:2: step 1 (rotate): angle: got nan (number); allowed: {NUMBER_OR_RANGE}",
    ),
    (
        "missing required key",
        "pipeline:\n  - rotate: {}\n",
        f"cfg.yaml:2: step 1 (rotate): missing required key 'angle' ({NUMBER_OR_RANGE})",
    ),
    (
        "crop with neither size nor pixels",
        "pipeline:\n  - crop: {}\n",
        "cfg.yaml:2: step 1 (crop): crop needs size (a fraction of each side) or height and width",
    ),
    (
        "step that is not a mapping",
        "pipeline:\n  - 3\n",
        "cfg.yaml:2: step 1: got 3 (integer); each step is a one-key mapping such as "
        "'rotate: {angle: 10}'",
    ),
    (
        "empty document",
        "",
        "cfg.yaml: the document is empty; expected a mapping with a 'pipeline' list",
    ),
    (
        "comments only",
        "# nothing here\n",
        "cfg.yaml: the document is empty; expected a mapping with a 'pipeline' list",
    ),
    (
        "non-mapping document",
        "- flip\n",
        "cfg.yaml: the document is a list; expected a mapping with a 'pipeline' list",
    ),
    (
        "empty pipeline",
        "pipeline: []\n",
        "cfg.yaml:1: pipeline: got [] (list); allowed: a non-empty list of steps",
    ),
    (
        "unknown top-level key",
        "seed: 1\npipelines: [flip]\n",
        "cfg.yaml:2: unknown top-level key 'pipelines' (did you mean 'pipeline'?); "
        "allowed: seed, copies, resampler, pipeline\n"
        "cfg.yaml: missing 'pipeline': a list of steps such as '- flip: {p: 0.5}'",
    ),
    (
        "copies zero",
        "copies: 0\npipeline: [flip]\n",
        "cfg.yaml:1: copies: got 0 (integer); allowed: an integer in [1, 100000]",
    ),
    (
        "YAML syntax error",
        "pipeline:\n  - rotate: {angle: 10\n  - flip\n",
        "cfg.yaml:4: YAML error: expected ',' or '}', but got '<stream end>' "
        "(while parsing a flow mapping at line 2)",
    ),
    (
        "tab indentation",
        "pipeline:\n\t- flip\n",
        "cfg.yaml:2: YAML error: found character '\\t' that cannot start any token",
    ),
    (
        "duplicate key",
        "pipeline:\n  - rotate:\n      angle: 1\n      angle: 2\n",
        "cfg.yaml:4: duplicate key 'angle' (first at line 3); "
        "YAML would silently keep only the last",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in EXACT], ids=[c[0] for c in EXACT])
def test_exact_error_messages(text, expected):
    assert error_of(text) == expected


def test_every_problem_is_reported_in_file_order():
    text = "pipeline:\n  - flip: {p: 2}\n  - rotat: {}\n  - scale: {factor: -1}\n"
    assert error_of(text).splitlines() == [
        "cfg.yaml:2: step 1 (flip): p: got 2 (integer); allowed: a number in [0, 1]",
        f"cfg.yaml:3: step 2: unknown op 'rotat' (did you mean 'rotate'?); valid: {ALL_OPS}",
        f"cfg.yaml:4: step 3 (scale): factor: got -1 (integer); allowed: {POSITIVE_OR_RANGE}",
    ]


def test_many_problems_are_capped():
    text = "pipeline:\n" + "".join(f"  - flip: {{p: {i + 2}}}\n" for i in range(30))
    lines = error_of(text).splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 10 more problems"


def test_python_tags_are_refused_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"pipeline: !!python/object/apply:os.system ['touch {marker}']\n"
    message = error_of(text)
    assert message.startswith("cfg.yaml:1: YAML error: could not determine a constructor")
    assert message.endswith("; tags that build Python objects are not allowed")
    assert not marker.exists()


def test_billion_laughs_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        refs = ",".join([f"*{prev}"] * 9)
        lines.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{refs}]")
    lines.append("pipeline: [flip]")
    start = time.perf_counter()
    message = error_of("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 2.0
    assert "too large or too deeply nested" in message


def test_deep_nesting_is_refused():
    assert "nested" in error_of("pipeline: " + "[" * 200 + "]" * 200 + "\n")


def test_values_are_typed():
    spec = parse_pipeline(
        "seed: 7\ncopies: 2\npipeline:\n"
        "  - rotate: {angle: [-10, 10], p: 0.25}\n"
        "  - scale: {factor: {choice: [0.5, 2]}}\n"
        "  - translate: {x: 3, units: pixels, cval: [0, 0.5, 1]}\n"
        "  - flip\n"
    )
    assert (spec.seed, spec.copies, len(spec.steps)) == (7, 2, 4)
    rotate, scale, translate, flip = (s.op for s in spec.steps)
    assert rotate.config.angle == Uniform(-10.0, 10.0) and spec.steps[0].p == 0.25
    assert scale.config.factor == Choice((0.5, 2.0))
    assert translate.config.x == Fixed(3.0) and translate.config.cval == (0.0, 0.5, 1.0)
    assert flip.config.direction == "horizontal" and spec.steps[3].p == 1.0
    assert [s.index for s in spec.steps] == [1, 2, 3, 4]
    assert [s.line for s in spec.steps] == [4, 5, 6, 7]


# -- files ---------------------------------------------------------------------------------


def test_load_pipeline_file_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yaml': no such file$"):
        load_pipeline(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="is a folder; augcli reads only regular files"):
        load_pipeline(tmp_path)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"pipeline: [flip]\n# caf\xe9\n")
    with pytest.raises(ConfigError, match=r"line 2: not UTF-8 text \(byte 22\)"):
        load_pipeline(bad)
    big = tmp_path / "big.yaml"
    big.write_text("#" * MAX_CONFIG_BYTES + "\n")
    with pytest.raises(ConfigError, match=f"the limit for this file is {MAX_CONFIG_BYTES} bytes"):
        load_pipeline(big)


def test_load_pipeline_names_the_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("pipeline:\n  - flip: {p: 3}\n")
    with pytest.raises(ConfigError) as info:
        load_pipeline(path)
    assert str(info.value).startswith(f"{path}:2: step 1 (flip): p: got 3")


def test_builtin_default_loads():
    spec = load_pipeline(None)
    assert spec.source == "<built-in default.yaml>"
    assert [s.op.name for s in spec.steps] == [
        "flip",
        "rotate",
        "scale",
        "crop",
        "gaussian_noise",
    ]


def test_configs_default_is_byte_identical_to_packaged_default():
    assert (ROOT / "configs" / "default.yaml").read_bytes() == (
        ROOT / "augcli" / "augment" / "data" / "default.yaml"
    ).read_bytes()


CONFIG_FILES = sorted((ROOT / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: p.name)
def test_every_example_config_validates_and_runs(path):
    assert path.read_text().startswith("#"), "each example starts with a comment header"
    spec = load_pipeline(path)
    image = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    out, records = Pipeline(spec).run(image, 0, "x.png", 0)
    assert out.dtype == np.uint8 and out.shape[2] == 3 and len(records) == len(spec.steps)


def test_example_configs_cover_every_op_fill_mode_and_interpolation():
    ops, fills, interpolations = set(), set(), set()
    for path in CONFIG_FILES:
        for step in load_pipeline(path).steps:
            ops.add(step.op.name)
            cfg = step.op.config
            if hasattr(cfg, "fill") and (step.op.name != "crop" or cfg.padding > 0):
                fills.add(cfg.fill)
            if hasattr(cfg, "interpolation"):
                interpolations.add(cfg.interpolation)
    assert ops == set(OPS)
    assert fills == set(FILL_MODES)
    assert interpolations == set(INTERPOLATIONS)
