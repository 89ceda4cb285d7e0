"""Streaming CSV reader: chunking, line numbers, errors with line/column/value."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.core.errors import InputError
from augcli.loss.reader import TableReader


def write(tmp_path, text: str | bytes, name: str = "t.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def read_all(path, **kw):
    reader = TableReader(path, **kw)
    chunks = list(reader)
    lines = np.concatenate([c.lines for c in chunks])
    y = np.concatenate([c.y for c in chunks])
    pred = np.concatenate([c.pred for c in chunks])
    return reader, lines, y, pred


CSV = 'id,y_true,y_pred,note\n1,1,0.9,"a,b"\n2,0,0.2,x\n\n3,1,0.6,\n4,0,0.55,"q"\n'


@pytest.mark.parametrize("chunk", [1, 2, 5, 17, 64, 1 << 20])
def test_chunking_gives_same_rows(tmp_path, chunk):
    path = write(tmp_path, CSV)
    reader, lines, y, pred = read_all(path, chunk_bytes=chunk)
    assert lines.tolist() == [2, 3, 5, 6]  # blank line 4 skipped, numbering kept
    assert y.tolist() == [1, 0, 1, 0]
    assert pred[:, 0].tolist() == [0.9, 0.2, 0.6, 0.55]
    assert reader.rows == 4


def test_crlf_bom_no_final_newline_and_quotes(tmp_path):
    path = write(tmp_path, b'\xef\xbb\xbfy_true,"y_pred"\r\n1,"0.25"\r\n0, 0.5 ')
    _, lines, y, pred = read_all(path, chunk_bytes=3)
    assert lines.tolist() == [2, 3] and y.tolist() == [1, 0] and pred[:, 0].tolist() == [0.25, 0.5]


@pytest.mark.parametrize("chunk", [4, 1 << 20])
def test_non_numeric_cell_names_line_column_value(tmp_path, chunk):
    path = write(tmp_path, "y_true,y_pred\n1,0.5\n0,0.25\n1,abc\n")
    with pytest.raises(InputError, match=r"line 4, column 'y_pred': 'abc' is not a number"):
        read_all(path, chunk_bytes=chunk)


def test_empty_and_nan_cells_counted(tmp_path):
    path = write(tmp_path, "y_true,y_pred\n1,0.5\n0,\n1,nan\n,0.3\n1,0.1\n")
    with pytest.raises(InputError, match=r"3 empty, NaN or infinite cell\(s\).*line 3"):
        read_all(path, chunk_bytes=7)
    reader, lines, y, _ = read_all(path, dropna=True, chunk_bytes=7)
    assert lines.tolist() == [2, 6] and reader.dropped == 3


def test_short_row(tmp_path):
    path = write(tmp_path, "y_true,y_pred\n1,0.5\n0\n")
    with pytest.raises(InputError, match=r"line 3 has 1 field"):
        read_all(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"y_true,y_pred\n", "no data rows"),
        (b"y_true,y_pred\n1,0.5\n\xff\xfe,1\n", "line 3 is not valid UTF-8"),
        (b"y_true,y_pred\n1," + b"9" * 5000 + b"\n", "line 2 is longer than 1000 bytes"),
        (b"y_true,y_pred\n1,0\x005\n", "line 2"),
    ],
)
def test_bad_files(tmp_path, data, message):
    path = write(tmp_path, data)
    with pytest.raises(InputError, match=message):
        read_all(path, max_line_bytes=1000)


def test_all_rows_dropped(tmp_path):
    path = write(tmp_path, "y_true,y_pred\n1,\n")
    with pytest.raises(InputError, match="no rows left after dropping 1"):
        read_all(path, dropna=True)


def test_missing_file():
    with pytest.raises(InputError, match="no such file"):
        TableReader("/nonexistent/x.csv")


TEXT = "id\tlabel\tp\tw\n1\tcat\t0.9\t1\n2\tdog\t0.2\t2.5\n\n3\t cat \t0.6\t0\n4\tdog\t0.55\t1\n"


@pytest.mark.parametrize("chunk", [1, 3, 11, 1 << 20])
@pytest.mark.parametrize("ext", ["", ".gz", ".bz2", ".xz"])
def test_text_labels_weights_tsv_any_chunking_and_compression(tmp_path, chunk, ext):
    import bz2
    import gzip
    import lzma

    pack = {"": bytes, ".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[ext]
    path = write(tmp_path, pack(TEXT.encode()), "t.tsv" + ext)
    reader = TableReader(path, "label", ["p"], weight="w", pos_label="cat", chunk_bytes=chunk)
    chunks = list(reader)
    assert np.concatenate([c.lines for c in chunks]).tolist() == [2, 3, 5, 6]
    assert np.concatenate([c.y for c in chunks]).tolist() == [1, 0, 1, 0]  # cat is positive
    assert np.concatenate([c.weight for c in chunks]).tolist() == [1, 2.5, 0, 1]
    assert np.concatenate([c.pred for c in chunks])[:, 0].tolist() == [0.9, 0.2, 0.6, 0.55]


def test_no_header_reads_the_first_line_as_data(tmp_path):
    path = write(tmp_path, "1,0.5\n0,0.25\n")
    reader, lines, y, pred = read_all(path, true="0", pred=["1"], header=False)
    assert lines.tolist() == [1, 2] and y.tolist() == [1, 0] and reader.columns.header == ("0", "1")


def test_class_names_become_column_indices(tmp_path):
    from augcli.core.errors import UsageError

    path = write(tmp_path, "y,p_b,p_a\na,0.1,0.9\nb,0.8,0.2\n")
    with pytest.raises(UsageError, match="--classes names 3 class"):
        TableReader(path, "y", [], pred_prefix="p_", classes=["b", "a", "c"])
    _, _, y, _ = read_all(path, true="y", pred=[], pred_prefix="p_")
    assert y.tolist() == [1, 0]  # classes b, a in column order
    numeric = write(tmp_path, "y,s1,s2\n2,0.1,0.9\n1.0,0.8,0.2\n", "n.csv")
    _, _, y, _ = read_all(numeric, true="y", pred=["s1,s2"], classes=["1", "2"])
    assert y.tolist() == [1, 0]  # matched as numbers: 1.0 is class 1


def test_missing_weight_cell_is_counted_like_other_cells(tmp_path):
    path = write(tmp_path, "y_true,y_pred,w\n1,0.5,\n0,0.25,1\n")
    with pytest.raises(InputError, match="line 2, column 'w'"):
        read_all(path, weight="w")


def test_gzip_named_csv_is_read_by_its_magic_bytes(tmp_path):
    import gzip

    path = write(tmp_path, gzip.compress(b"y_true,y_pred\n1,0.5\n"), "plain.csv")
    _, lines, y, _ = read_all(path)
    assert y.tolist() == [1] and lines.tolist() == [2]


@pytest.mark.parametrize("chunk", [1, 2, 64])
def test_text_labels_after_blank_lines_are_still_read_as_text(tmp_path, chunk):
    path = write(tmp_path, "y,p\n\n\nyes,0.5\nno,0.25\n")
    _, lines, y, _ = read_all(path, true="y", pred=["p"], chunk_bytes=chunk)
    assert lines.tolist() == [4, 5] and y.tolist() == [1, 0]
