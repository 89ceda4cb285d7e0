"""Every input form of `augcli loss` against scikit-learn on the same data read by the csv module.

Each test writes a table in one form (TSV, a delimiter, gzip/bz2/xz, no header, standard
input, weights, text and class-name labels, 1-based labels), reads it back with the standard
library's ``csv`` module (an independent reader, decompressing by extension), computes
the expected values with scikit-learn (``sample_weight`` where it takes one) and compares with
the JSON document of ``augcli loss --format json``.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="needs scikit-learn: pip install '.[test]'")

from click.testing import CliRunner
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    hinge_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
    zero_one_loss,
)

from augcli.cli import cli

RNG = np.random.default_rng(15)
N = 300
COMPRESS = {"": lambda b: b, ".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}
DECOMPRESS = {
    "": lambda b: b,
    ".gz": gzip.decompress,
    ".bz2": bz2.decompress,
    ".xz": lzma.decompress,
}


class Frame(dict):
    """Columns by name (or by 0-based index without a header), each a numpy array."""

    def to_text(self, sep: str = ",", header: bool = True) -> str:
        """The table as delimited text; floats with ``%.17g`` (every bit kept)."""
        columns = [np.asarray(values) for values in self.values()]
        cells = [
            [f"{v:.17g}" for v in col] if col.dtype.kind == "f" else [str(v) for v in col]
            for col in columns
        ]
        lines = [sep.join(map(str, self))] if header else []
        lines += [sep.join(row) for row in zip(*cells, strict=True)]
        return "\n".join(lines) + "\n"

    def cols(self, names: list) -> np.ndarray:
        """The named columns side by side (rows x len(names))."""
        return np.column_stack([self[name] for name in names])

    def rename(self, columns: dict) -> Frame:
        return Frame({columns.get(k, k): v for k, v in self.items()})


def _column(cells: list[str], as_str: bool) -> np.ndarray:
    """Integers if every cell is one, else floats if every cell is one, else text."""
    if not as_str:
        for kind in (int, float):
            try:
                return np.array([kind(c) for c in cells])
            except ValueError:
                pass
    return np.array(cells)


def parse(data: bytes, sep: str = ",", header: bool = True, text: tuple = ()) -> Frame:
    """Read delimited bytes with the csv module; ``text`` columns stay strings."""
    rows = list(csv.reader(io.StringIO(data.decode()), delimiter=sep))
    names = rows.pop(0) if header else list(range(len(rows[0])))
    return Frame(
        {name: _column([r[j] for r in rows], name in text) for j, name in enumerate(names)}
    )


def read_table(path: str, sep: str = ",", header: bool = True, text: tuple = ()) -> Frame:
    """:func:`parse` a file, decompressed according to its extension."""
    ext = next((e for e in (".gz", ".bz2", ".xz") if path.endswith(e)), "")
    with open(path, "rb") as f:
        return parse(DECOMPRESS[ext](f.read()), sep, header, text)


def weights(n: int = N) -> np.ndarray:
    """Non-negative weights with some zeros, rounded to what the file holds."""
    w = np.round(RNG.uniform(0, 3, n), 6)
    w[RNG.choice(n, n // 10, replace=False)] = 0.0
    return w


def write(tmp_path, frame: Frame, name: str, sep: str = ",", header: bool = True) -> str:
    """Write ``frame`` as text, compressed according to ``name``'s extension."""
    text = frame.to_text(sep=sep, header=header)
    ext = next((e for e in (".gz", ".bz2", ".xz") if name.endswith(e)), "")
    path = tmp_path / name
    path.write_bytes(COMPRESS[ext](text.encode()))
    return str(path)


def loss_json(*args: str, input: bytes | None = None) -> dict:
    result = CliRunner().invoke(cli, ["loss", *args, "--format", "json"], input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def binary_frame() -> Frame:
    y = RNG.integers(0, 2, N)
    p = np.round(np.clip(np.where(y == 1, 0.65, 0.35) + RNG.normal(0, 0.25, N), 0, 1), 6)
    return Frame({"id": np.arange(N), "y_true": y, "y_pred": p, "w": weights()})


def expect_binary(y01, p, w) -> dict:
    """scikit-learn's weighted values for 0/1 labels and probabilities of class 1."""
    return {
        "log": log_loss(y01, p, sample_weight=w),
        "zero_one": zero_one_loss(y01, p >= 0.5, sample_weight=w),
        "hinge": hinge_loss(y01, 2 * p - 1, sample_weight=w),
        "accuracy": accuracy_score(y01, p >= 0.5, sample_weight=w),
        "brier": brier_score_loss(y01, p, sample_weight=w),
    }


def check(doc: dict, expected: dict) -> None:
    got = {**doc["losses"], **doc["metrics"]}
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize(
    ("name", "sep", "extra"),
    [
        ("p.csv", ",", []),
        ("p.tsv", "\t", []),
        ("p.txt", ";", ["--sep", ";"]),
        ("p.txt", "|", ["--sep", "pipe"]),
        ("p.txt", "\t", ["--sep", "\\t"]),
        ("p.csv.gz", ",", []),
        ("p.tsv.bz2", "\t", []),
        ("p.csv.xz", ",", []),
        ("p.tsv.gz", "\t", []),
    ],
)
def test_delimiters_and_compression_match_sklearn_weighted(tmp_path, name, sep, extra):
    frame = binary_frame()
    path = write(tmp_path, frame, name, sep=sep)
    read = read_table(path, sep=sep)
    doc = loss_json(path, "--weight", "w", *extra)
    assert doc["task"] == "binary" and doc["rows"] == N
    assert doc["weight_sum"] == pytest.approx(read["w"].sum())
    check(doc, expect_binary(read["y_true"], read["y_pred"], read["w"]))


@pytest.mark.parametrize("ext", ["", ".gz", ".bz2", ".xz"])
def test_stdin_plain_or_compressed_matches_sklearn(ext):
    frame = binary_frame()
    text = frame.to_text().encode()
    read = parse(text)
    doc = loss_json("-", "--weight", "w", input=COMPRESS[ext](text))
    check(doc, expect_binary(read["y_true"], read["y_pred"], read["w"]))


def test_no_header_columns_by_index_matches_sklearn(tmp_path):
    path = write(tmp_path, binary_frame(), "p.tsv.gz", sep="\t", header=False)
    read = read_table(path, sep="\t", header=False)
    doc = loss_json(path, "--no-header", "--true", "1", "--pred", "2", "--weight", "3")
    assert doc["rows"] == N
    check(doc, expect_binary(read[1], read[2], read[3]))


def test_weighted_sum_reduction_matches_sklearn_unnormalised(tmp_path):
    frame = binary_frame()
    path = write(tmp_path, frame, "p.csv")
    y, p, w = frame["y_true"], frame["y_pred"], frame["w"]
    doc = loss_json(path, "--weight", "w", "--reduction", "sum")
    assert doc["losses"]["log"] == pytest.approx(log_loss(y, p, sample_weight=w, normalize=False))
    assert doc["losses"]["zero_one"] == pytest.approx(
        zero_one_loss(y, p >= 0.5, sample_weight=w, normalize=False)
    )
    assert doc["metrics"]["accuracy"] == pytest.approx(accuracy_score(y, p >= 0.5, sample_weight=w))


def test_weighted_binary_scores_match_sklearn_and_numpy(tmp_path):
    y = RNG.choice([-1, 1], N)
    f = np.round(RNG.normal(0, 2, N), 6)
    w = weights()
    path = write(tmp_path, Frame({"y_true": y, "y_pred": f, "w": w}), "s.csv")
    read = read_table(path)
    y, f, w = read["y_true"], read["y_pred"], read["w"]
    doc = loss_json(path, "--weight", "w")
    assert doc["pred_kind"] == "score"
    check(
        doc,
        {
            "log": log_loss(y, 1 / (1 + np.exp(-f)), sample_weight=w),
            "hinge": hinge_loss(y, f, sample_weight=w),
            "zero_one": zero_one_loss(y, np.where(f >= 0, 1, -1), sample_weight=w),
            "accuracy": accuracy_score(y, np.where(f >= 0, 1, -1), sample_weight=w),
            # no scikit-learn function: numpy's weighted average of the definitions
            "exponential": np.average(np.exp(-y * f), weights=w),
            "perceptron": np.average(np.maximum(0, -y * f), weights=w),
        },
    )
    assert "brier" not in doc["metrics"]  # scores are not probabilities


def test_weighted_regression_matches_sklearn(tmp_path):
    y = np.round(RNG.normal(5, 3, N), 6)
    f = np.round(y + RNG.normal(0, 1.5, N), 6)
    path = write(tmp_path, Frame({"y": y, "f": f, "w": weights()}), "r.tsv.xz", sep="\t")
    read = read_table(path, sep="\t")
    y, f, w = read["y"], read["f"], read["w"]
    r = np.abs(y - f)
    doc = loss_json(path, "--true", "y", "--pred", "f", "--weight", "w")
    assert doc["task"] == "regression"
    check(
        doc,
        {
            "mae": mean_absolute_error(y, f, sample_weight=w),
            "absolute": mean_absolute_error(y, f, sample_weight=w),
            "mse": mean_squared_error(y, f, sample_weight=w),
            "squared": mean_squared_error(y, f, sample_weight=w),
            "rmse": root_mean_squared_error(y, f, sample_weight=w),
            "r2": r2_score(y, f, sample_weight=w),
            "huber": np.average(np.where(r <= 1, r**2 / 2, r - 0.5), weights=w),
        },
    )
    assert set(doc["metrics"]) == {"rmse", "r2"}


def test_weighted_multiclass_integer_labels_match_sklearn(tmp_path):
    k = 4
    y = RNG.integers(0, k, N)
    proba = RNG.dirichlet(np.ones(k), N).round(8)
    proba /= proba.sum(axis=1, keepdims=True)
    frame = Frame({"y": y, **{f"p_{j}": proba[:, j] for j in range(k)}, "w": weights()})
    path = write(tmp_path, frame, "m.csv.bz2")
    read = read_table(path)
    y, w = read["y"], read["w"]
    P = read.cols([f"p_{j}" for j in range(k)])
    doc = loss_json(path, "--true", "y", "--pred", "p_*", "--weight", "w")
    labels = list(range(k))
    check(
        doc,
        {
            "log": log_loss(y, P, sample_weight=w, labels=labels),
            "hinge": hinge_loss(y, P, sample_weight=w, labels=labels),
            "zero_one": zero_one_loss(y, P.argmax(axis=1), sample_weight=w),
            "accuracy": accuracy_score(y, P.argmax(axis=1), sample_weight=w),
            "brier": brier_score_loss(y, P, sample_weight=w, labels=labels),
        },
    )


@pytest.mark.parametrize(
    ("labels", "extra", "positive"),
    [
        (("cat", "dog"), ["--pos-label", "dog"], "dog"),
        (("cat", "dog"), ["--pos-label", "cat"], "cat"),
        (("False", "True"), [], "True"),
        (("no", "yes"), [], "yes"),
        (("neg", "pos"), [], "pos"),
        ((1, 2), ["--pos-label", "2"], 2),
        ((1, 2), ["--pos-label", "1"], 1),
    ],
)
def test_binary_text_and_two_valued_labels_match_sklearn(tmp_path, labels, extra, positive):
    frame = binary_frame()
    frame["y_true"] = np.where(frame["y_true"] == 1, labels[1], labels[0])
    path = write(tmp_path, frame, "t.csv.gz")
    read = read_table(path, text=("y_true",))
    is_pos = (read["y_true"] == str(positive)).astype(int)
    p = read["y_pred"]  # the probability of the positive label
    doc = loss_json(path, "--weight", "w", *extra)
    assert doc["task"] == "binary"
    expected = expect_binary(is_pos, p, read["w"])
    # scikit-learn with the labels themselves: pos_label where it takes one
    expected["brier"] = brier_score_loss(
        read["y_true"], p, sample_weight=read["w"], pos_label=str(positive)
    )
    check(doc, expected)


def test_class_name_labels_matched_to_columns_in_any_order(tmp_path):
    classes = ["cat", "dog", "bird"]  # column order; sorted order is bird, cat, dog
    y = RNG.choice(classes, N)
    proba = RNG.dirichlet(np.ones(3), N)
    frame = Frame({"label": y, **{c: proba[:, j] for j, c in enumerate(classes)}})
    path = write(tmp_path, frame, "names.tsv", sep="\t")
    read = read_table(path, sep="\t")
    ordered = sorted(classes)  # scikit-learn's column order is the sorted labels
    P = read.cols(ordered)
    expected = {
        "log": log_loss(read["label"], P, labels=ordered),
        "hinge": hinge_loss(read["label"], P, labels=ordered),
        "zero_one": zero_one_loss(read["label"], np.array(ordered)[P.argmax(axis=1)]),
        "brier": brier_score_loss(read["label"], P, labels=ordered),
    }
    check(loss_json(path, "--true", "label", "--pred", "cat,dog,bird"), expected)
    prefixed = read.rename(columns={c: "p_" + c for c in classes})
    path2 = write(tmp_path, prefixed, "prefixed.csv")
    check(loss_json(path2, "--true", "label", "--pred-prefix", "p_"), expected)
    renamed = read.rename(columns={c: f"s{j}" for j, c in enumerate(classes)})
    path3 = write(tmp_path, renamed, "listed.csv")
    doc = loss_json(path3, "--true", "label", "--pred", "s*", "--classes", "cat,dog,bird")
    check(doc, expected)


@pytest.mark.parametrize("how", [["--pred-prefix", "p_"], ["--pred", "p_*", "--classes", "1,2,3"]])
def test_one_based_labels_match_sklearn(tmp_path, how):
    y = RNG.integers(1, 4, N)
    proba = RNG.dirichlet(np.ones(3), N)
    frame = Frame({"y": y, **{f"p_{j + 1}": proba[:, j] for j in range(3)}})
    path = write(tmp_path, frame, "one.csv")
    read = read_table(path)
    P = read.cols(["p_1", "p_2", "p_3"])
    doc = loss_json(path, "--true", "y", *how)
    check(
        doc,
        {
            "log": log_loss(read["y"], P, labels=[1, 2, 3]),
            "zero_one": zero_one_loss(read["y"], P.argmax(axis=1) + 1),
            "accuracy": accuracy_score(read["y"], P.argmax(axis=1) + 1),
        },
    )


def test_two_valued_integer_labels_are_regression_only_when_asked(tmp_path):
    frame = Frame({"y_true": [1, 2, 2, 1], "y_pred": [1.5, 1.75, 2.5, 0.5]})
    path = write(tmp_path, frame, "two.csv")
    result = CliRunner().invoke(cli, ["loss", path])
    assert result.exit_code == 2 and "--pos-label" in result.output
    doc = loss_json(path, "--task", "regression")
    assert doc["metrics"]["r2"] == pytest.approx(r2_score(frame["y_true"], frame["y_pred"]))
    assert doc["losses"]["mse"] == pytest.approx(
        mean_squared_error(frame["y_true"], frame["y_pred"])
    )


def test_zero_weight_rows_with_infinite_loss_add_nothing(tmp_path):
    frame = Frame({"y_true": [1, -1, 1], "y_pred": [2.0, 800.0, -1.0], "w": [1, 0, 2]})
    path = write(tmp_path, frame, "z.csv")
    doc = loss_json(path, "--weight", "w", "-l", "exponential")
    assert doc["losses"]["exponential"] == pytest.approx((np.exp(-2) + 2 * np.exp(1)) / 3)


@pytest.mark.parametrize("chunk", ["7", "64", "4096"])
def test_weighted_text_labels_do_not_depend_on_chunk_size(tmp_path, chunk):
    frame = binary_frame()
    frame["y_true"] = np.where(frame["y_true"] == 1, "yes", "no")
    path = write(tmp_path, frame, "c.tsv.gz", sep="\t")
    read = read_table(path, sep="\t")
    y01 = (read["y_true"] == "yes").astype(int)
    doc = loss_json(path, "--weight", "w", "--chunk-bytes", chunk)
    check(doc, expect_binary(y01, read["y_pred"], read["w"]))


def test_python_api_sample_weight_matches_sklearn():
    from augcli import evaluate_losses

    frame = binary_frame()
    y, p, w = frame["y_true"], frame["y_pred"], frame["w"]
    report = evaluate_losses(y, p, ["log", "hinge"], sample_weight=w)
    assert report.values["log"] == pytest.approx(log_loss(y, p, sample_weight=w))
    assert report.values["hinge"] == pytest.approx(hinge_loss(y, 2 * p - 1, sample_weight=w))
    assert report.metrics["brier"] == pytest.approx(brier_score_loss(y, p, sample_weight=w))
    with pytest.raises(ValueError, match="sample_weight"):
        evaluate_losses(y, p, ["log"], sample_weight=-w)
