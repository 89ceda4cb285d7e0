"""Streaming CSV reader: chunking, line numbers, errors with line/column/value."""

from __future__ import annotations

import numpy as np
import pytest

from augcli.errors import InputError
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
    with pytest.raises(InputError, match="cannot open"):
        TableReader("/nonexistent/x.csv")
