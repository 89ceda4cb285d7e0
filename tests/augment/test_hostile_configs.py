"""Hostile pipeline files: random YAML, alias bombs, Python tags, huge and odd documents.

Every one must end in either a valid pipeline or a clean ConfigError (exit 2 from
``augcli validate`` and ``augcli augment -c``): never a traceback, never code run, in bounded
time and memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augcli.augment.config import PipelineSpec, parse_pipeline
from augcli.augment.kernels.fill import FILL_MODES, INTERPOLATIONS
from augcli.augment.ops import OPS
from augcli.augment.pipeline import Pipeline
from augcli.cli import cli
from augcli.core.errors import ConfigError, InputError

ROOT = Path(__file__).resolve().parents[2]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["nan", ".inf", "-.inf", "1e999", "0x1F", "~", "yes", "1_000", "1e-3"]),
    st.text(min_size=2000, max_size=5000).map(lambda s: s or "x"),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
keys = st.sampled_from(["seed", "copies", "pipeline", "p", "pipelines", ""]) | st.text(max_size=6)
op_names = st.sampled_from(sorted(OPS)) | st.text(max_size=8)
param_names = st.sampled_from(
    ["p", "angle", "factor", "size", "height", "width", "direction", "fill", "cval", "x", "y",
     "std", "interpolation", "expand", "resize", "padding", "choice"]
) | st.text(max_size=5)  # fmt: skip
steps = st.one_of(
    op_names,
    st.dictionaries(
        op_names, st.none() | st.dictionaries(param_names, values, max_size=4), max_size=2
    ),
    values,
)
pipelines = st.fixed_dictionaries(
    {"pipeline": st.lists(steps, max_size=5) | values},
    optional={"seed": values, "copies": values},
) | st.dictionaries(keys, values, max_size=4)


# Registry-aware documents: real op and key names with arbitrary values.
KEYS = sorted(
    {"seed", "copies", "pipeline", "p", "choice"}
    | set(OPS)
    | {name for cls in OPS.values() for name in cls.config_cls.__dataclass_fields__}
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 0.5, -1, 1e308, -1e-308, 2**64, 90]),
    st.text(max_size=30),
    st.text(min_size=100, max_size=400),
    st.sampled_from(list(FILL_MODES) + list(INTERPOLATIONS) + ["pixels", "both", "vertical"]),
)
NODES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=5
        ),
    ),
    max_leaves=30,
)
STEP = st.builds(
    lambda name, params: {name: params},
    st.sampled_from(sorted(OPS)),
    st.one_of(st.none(), st.dictionaries(st.sampled_from(KEYS), NODES, max_size=5)),
)
DOCUMENTS = st.one_of(
    NODES,
    st.fixed_dictionaries(
        {"pipeline": st.lists(st.one_of(STEP, NODES), max_size=5)},
        optional={"seed": NODES, "copies": NODES},
    ),
)


def check_outcome(text: str) -> None:
    """A document is a clean ConfigError naming the file, or a spec that runs on an image."""
    try:
        spec = parse_pipeline(text, "fuzz.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.yaml"), str(exc)
        return
    assert isinstance(spec, PipelineSpec) and spec.steps
    # A valid spec must run (or refuse an image it cannot take with an InputError).
    image = np.full((6, 5, 3), 100, np.uint8)
    try:
        out, _ = Pipeline(spec).run(image, 0, "a.png", 0)
    except InputError:
        return
    assert out.dtype == np.uint8 and out.shape[2] == 3


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(pipelines, DOCUMENTS))
def test_generated_documents_give_a_spec_or_a_config_error(document):
    try:
        text = yaml.safe_dump(document, allow_unicode=True)
    except (yaml.YAMLError, RecursionError):
        return
    check_outcome(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_gives_a_spec_or_a_config_error(text):
    check_outcome(text)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(OPS)),
    st.sampled_from(KEYS),
    st.one_of(SCALARS, st.lists(SCALARS, max_size=3)),
)
def test_single_key_values_give_a_spec_or_a_config_error(op, key, value):
    document = {"pipeline": [{op: {key: value}}]}
    if op == "rotate" and key != "angle":
        document["pipeline"][0][op]["angle"] = 10
    check_outcome(yaml.safe_dump(document))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=pipelines)
def test_generated_documents_through_the_cli(tmp_path, doc):
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    for args in (
        ["validate", str(path)],
        ["augment", str(tmp_path / "none"), str(tmp_path / "d"), "-c", str(path), "--dry-run"],
    ):
        result = CliRunner().invoke(cli, args)
        assert isinstance(result.exception, SystemExit | None), repr(result.exception)
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 2)


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels):
        refs = ", ".join(f"*a{i - 1}" for _ in range(width))
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(f"pipeline: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return "pipeline: " + "[" * depth + "]" * depth + "\n"


HOSTILE = {
    "billion_laughs": billion_laughs(),
    "alias_mapping_bomb": (
        "a: &a {x: 1, y: 1}\nb: &b {x: *a, y: *a, z: *a}\nc: &c {x: *b, y: *b, z: *b}\n"
    )
    + "".join(
        f"d{i}: &d{i} [*{'c' if i == 0 else f'd{i - 1}'}, *{'c' if i == 0 else f'd{i - 1}'}]\n"
        for i in range(40)
    )
    + "pipeline: *d39\n",
    "deep_flow_nesting": nested(5000),
    "deep_block_nesting": "".join(" " * i + "a:\n" for i in range(400)) + " " * 400 + "b: 1\n",
    "long_string": "pipeline:\n  - flip: {direction: " + "x" * 200_000 + "}\n",
    "huge_numbers": (
        "seed: 1e400\ncopies: 99999999999999999999999999\npipeline:\n"
        "  - rotate: {angle: [-1e308, 1e308]}\n  - scale: {factor: .inf}\n"
        "  - crop: {size: .nan}\n"
    ),
    "many_steps": "pipeline:\n" + "  - flip: {}\n" * 12_000,
    "many_keys": "pipeline:\n  - rotate:\n" + "".join(f"      k{i}: {i}\n" for i in range(2000)),
    "duplicate_keys": "pipeline: [flip]\npipeline: [flip]\n",
    "not_mapping": "- just\n- a list\n",
    "binary_junk": "\x00\x01\x02 pipeline: [\x7f",
    "tab_indent": "pipeline:\n\t- flip\n",
    "merge_key": "base: &b {p: 0.5}\npipeline:\n  - flip: {<<: *b}\n",
    "timestamp": "seed: 2001-12-14t21:59:43.10-05:00\npipeline: [flip]\n",
    "binary_tag": "seed: !!binary aGVsbG8=\npipeline: [flip]\n",
    "set_tag": "pipeline: !!set {flip: null}\n",
    "complex_key": "? [a, b]\n: 1\npipeline: [flip]\n",
}


def python_tags(marker: Path) -> dict[str, str]:
    command = f"touch {marker}"
    return {
        "apply_os_system": f'pipeline: !!python/object/apply:os.system ["{command}"]\n',
        "apply_subprocess": (
            "seed: !!python/object/apply:subprocess.check_call "
            f'[["touch", "{marker}"]]\npipeline: [flip]\n'
        ),
        "object_new": f"pipeline:\n  - !!python/object/new:pathlib.Path.touch [{marker}]\n",
        "name_tag": "pipeline: !!python/name:os.system\n",
        "module_tag": "pipeline: !!python/module:os\n",
        "tuple_tag": "pipeline: !!python/tuple [flip]\n",
        "local_tag": f"pipeline: !mytag {marker}\n",
        "verbatim_tag": (
            f'pipeline: !<tag:yaml.org,2002:python/object/apply:os.system> ["{command}"]\n'
        ),
    }


def check_refused_or_valid(path: Path, allow_valid: bool = False) -> None:
    for args in (
        ["validate", str(path)],
        ["augment", str(path.parent / "no-src"), str(path.parent / "d"), "-c", str(path)],
    ):
        result = CliRunner().invoke(cli, args)
        assert isinstance(result.exception, SystemExit | None), repr(result.exception)
        assert "Traceback" not in result.output
        assert result.exit_code == 2 or (
            allow_valid and args[0] == "validate" and result.exit_code == 0
        ), result.output
        if result.exit_code == 2:
            assert "Error: " in result.stderr, result.output
    assert not (path.parent / "d").exists()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_bounded(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(HOSTILE[name], encoding="utf-8")
    valid_ok = name in ("merge_key", "duplicate_keys")
    start = time.process_time()  # CPU of this process: other load cannot fail it
    check_refused_or_valid(path, allow_valid=valid_ok)
    # 1.5 s in the dev venv, 11 s of CPU for deep_flow_nesting in CI's fresh venv (not explained
    # yet): the bound is against a hang or an exponential blow-up, not a speed target.
    assert time.process_time() - start < 30
    if "bomb" not in name and "laughs" not in name:
        return  # memory is checked where it could explode; tracemalloc slows the rest a lot
    tracemalloc.start()
    try:
        check_refused_or_valid(path, allow_valid=valid_ok)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20, peak


def test_python_tags_never_run_code(tmp_path):
    marker = tmp_path / "pwned"
    for name, text in python_tags(marker).items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        check_refused_or_valid(path)
        assert not marker.exists(), name
    text = python_tags(marker)["apply_os_system"]
    with pytest.raises(ConfigError, match="not allowed"):
        parse_pipeline(text)


def test_python_tag_in_a_subprocess_runs_nothing(tmp_path):
    """The real entry point, a fresh interpreter: exit 2, a one-line reason, no marker file."""
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(python_tags(marker)["apply_os_system"], encoding="utf-8")
    for args in (
        ["validate", str(path)],
        ["augment", str(tmp_path), str(tmp_path / "d"), "-c", str(path)],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "augcli", *args],
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=60,
        )
        assert proc.returncode == 2
        assert b"Traceback" not in proc.stderr and b"Error:" in proc.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe\x00p\x00i\x00",
        "pipeline: [flip]".encode("utf-16"),
        b"\x00" * 100,
        b"pipeline: [fl\xe9p]\n",
    ],
    ids=["empty", "utf16_bom_fragment", "utf16", "nul_bytes", "latin1"],
)
def test_undecodable_or_empty_files(tmp_path, content):
    path = tmp_path / "c.yaml"
    path.write_bytes(content)
    check_refused_or_valid(path)


def test_oversized_file_refused_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.write(b"pipeline: [flip]\n")
        handle.truncate(64 * 2**20)  # sparse: 64 MiB of NULs, instant to create
    start = time.process_time()  # CPU of this process: other load cannot fail it
    check_refused_or_valid(path)
    assert time.process_time() - start < 5


def test_config_is_a_folder_or_missing(tmp_path):
    check_refused_or_valid(tmp_path / "missing.yaml")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    result = CliRunner().invoke(
        cli, ["augment", str(tmp_path), str(tmp_path / "d"), "-c", str(folder)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_nan_and_inf_values_are_refused():
    for value in (".nan", ".inf", "-.inf", "1e999"):
        with pytest.raises(ConfigError, match="angle"):
            parse_pipeline(f"pipeline:\n  - rotate: {{angle: {value}}}\n")
        with pytest.raises(ConfigError, match="p: got"):
            parse_pipeline(f"pipeline:\n  - flip: {{p: {value}}}\n")
    with pytest.raises(ConfigError, match=r"angle: got .*1e300.*in \[-360, 360\]"):
        parse_pipeline("pipeline:\n  - rotate: {angle: 1e300}\n")
