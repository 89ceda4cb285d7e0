"""Hostile CSV for ``augcli loss``: random bytes, huge lines, wrong encodings -> exit 2, cleanly."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augcli.cli import cli


def run_loss(path, *extra: str):
    result = CliRunner().invoke(cli, ["loss", str(path), "--format", "json", *extra])
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert "Traceback" not in result.output
    return result


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000))
def test_random_bytes_exit_2(tmp_path, data):
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    result = run_loss(path)
    assert result.exit_code == 2, result.output
    assert "Error: " in result.stderr


cells = st.one_of(
    st.sampled_from(["0", "1", "0.5", "-1", "nan", "inf", "", " ", "1e999", "0x1", '"1"']),
    st.text(max_size=6),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(cells, min_size=0, max_size=4), min_size=1, max_size=8))
def test_header_with_random_cells_ok_or_exit_2(tmp_path, rows):
    path = tmp_path / "p.csv"
    text = "y_true,y_pred\n" + "\n".join(",".join(row) for row in rows) + "\n"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = run_loss(path)
    assert result.exit_code in (0, 2), result.output


@pytest.mark.parametrize(
    "content",
    [
        "y_true,y_pred\n1,0.9\n".encode("utf-16"),
        "y_true,y_pred\n1,0.9\n".encode("utf-32"),
        b"y_true,y_pred\n1,0.9\n0,\xe9\xe8\n",
        b"y_true,y_pred\n1,0\x009\n",
        b"\x00" * 5000,
        b"",
        b"\n\n\n",
        b"y_true,y_pred\n",
        b"y_true\xff,y_pred\n1,0.9\n",
        b'y_true,y_pred\n"1,0.9\n',
    ],
    ids=[
        "utf16",
        "utf32",
        "latin1_cell",
        "nul_in_cell",
        "nuls",
        "empty",
        "blank_lines",
        "header_only",
        "latin1_header",
        "open_quote",
    ],
)
def test_bad_files_exit_2(tmp_path, content):
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    result = run_loss(path)
    assert result.exit_code == 2, result.output
    assert "Error: " in result.stderr


@pytest.mark.parametrize("where", ["header", "cell", "no_newline"])
def test_huge_lines_exit_2_quickly(tmp_path, where):
    path = tmp_path / "p.csv"
    huge = "9" * (32 * 2**20)
    text = {
        "header": "y_true,y_pred," + "x" * (32 * 2**20) + "\n1,0.5,1\n",
        "cell": "y_true,y_pred\n1," + huge + "\n",
        "no_newline": "y_true,y_pred\n1,0.5\n0," + huge,
    }[where]
    path.write_text(text)
    start = time.perf_counter()
    result = run_loss(path)
    assert time.perf_counter() - start < 20
    assert result.exit_code == 2, result.output


def test_missing_file_and_folder(tmp_path):
    assert run_loss(tmp_path / "missing.csv").exit_code == 2
    assert run_loss(tmp_path).exit_code == 2


text_cells = st.one_of(
    cells, st.sampled_from(["cat", "dog", "True", "yes", "pos", "a,b", "\t", "2", "1.0", "-"])
)
option_sets = st.sampled_from(
    [
        [],
        ["--weight", "w"],
        ["--pos-label", "cat"],
        ["--pred", "y_pred,w", "--classes", "cat,dog"],
        ["--pred-prefix", "y_"],
        ["--sep", "tab"],
        ["--task", "regression", "--weight", "w"],
    ]
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(text_cells, min_size=0, max_size=4), min_size=1, max_size=8),
    option_sets,
    st.sampled_from(["", ".gz", ".xz"]),
)
def test_text_labels_weights_and_options_ok_or_exit_2_with_one_json_object(
    tmp_path, rows, options, ext
):
    import gzip
    import json
    import lzma

    sep = "\t" if "--sep" in options else ","
    text = sep.join(["y_true", "y_pred", "w"]) + "\n" + "\n".join(sep.join(r) for r in rows)
    data = text.encode("utf-8", "surrogatepass")
    data = {"": bytes, ".gz": gzip.compress, ".xz": lzma.compress}[ext](data)
    path = tmp_path / f"p.csv{ext}"
    path.write_bytes(data)
    result = run_loss(path, *options)
    assert result.exit_code in (0, 2), result.output
    doc = json.loads(result.stdout)
    assert ("error" in doc) == (result.exit_code == 2)


def test_scores_whose_squares_overflow_give_inf_and_no_warning(tmp_path):
    # Found by Hypothesis: two scores near 9.48e153 overflow the sum of the regression
    # candidate's squared terms (detection keeps it until the end). numpy's warning must not
    # escape (the suite turns warnings into errors), on the main thread or the candidates'.
    a, b = 9.480751908109176e153, 9.480751908109177e153
    path = tmp_path / "big.csv"
    path.write_text(f"y_true,y_pred\n0,{a!r}\n0,{b!r}\n")
    result = run_loss(path)
    assert result.exit_code == 0, result.output
    losses = json.loads(result.output)["losses"]
    assert losses["hinge"] == ((1 + a) + (1 + b)) / 2  # label 0 is -1: max(0, 1 + f)
    assert losses["exponential"] == "inf"  # exp(f) overflows: reported, not warned
