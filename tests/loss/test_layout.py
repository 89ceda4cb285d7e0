"""Fixed-layout parsing: every value equals float(cell), and every doubtful block is declined.

Oracles: Python's ``float`` of each cell and the :mod:`csv` module's split of each line,
independent of numpy and of the reader; the reader is checked against them across chunk
sizes that put a chunk boundary at every byte (inside a row, between ``\\r`` and ``\\n``).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from augcli.core.errors import InputError
from augcli.loss.layout import parse_fixed
from augcli.loss.reader import TableReader

pytestmark = pytest.mark.filterwarnings("error")


def oracle(block: bytes, sep: str, cols: list[int]) -> np.ndarray:
    """float() of the selected cells of every line, as the csv module splits them."""
    rows = csv.reader(io.StringIO(block.decode(), newline=""), delimiter=sep)
    return np.array([[float(row[c]) for c in cols] for row in rows], dtype=np.float64)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values, signs of zero included (float's -0.0 stays -0.0)."""
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def random_column(rng: np.random.Generator, n: int) -> list[str]:
    """n cells of one layout: an optional sign, 0-8 integer digits, maybe a point and decimals."""
    sign = str(rng.choice(["", "-", "+"]))
    whole = int(rng.integers(0, 9))
    decimals = int(rng.integers(0, 16 - max(whole, 1))) if rng.random() < 0.8 else -1
    if whole == 0 and decimals <= 0:
        whole = 1
    digits = rng.integers(0, 10, size=(n, max(whole, 0) + max(decimals, 0)))
    cells = []
    for row in digits:
        text = "".join(map(str, row))
        cell = text[:whole] + ("." + text[whole:] if decimals >= 0 else "")
        cells.append(sign + cell)
    return cells


@pytest.mark.parametrize("seed", range(40))
def test_random_layouts_equal_float_of_each_cell(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 300)), int(rng.integers(1, 5))
    sep = str(rng.choice([",", "\t", ";", "|"]))
    end = "\r\n" if rng.random() < 0.3 else "\n"
    columns = [random_column(rng, n) for _ in range(k)]
    block = "".join(sep.join(cells) + end for cells in zip(*columns, strict=True)).encode()
    cols = list(rng.permutation(k)[: int(rng.integers(1, k + 1))])
    got = parse_fixed(block, sep, cols)
    assert got is not None
    assert same_bits(got, oracle(block, sep, cols))


@pytest.mark.parametrize(
    "cell",
    [
        "0", "-0", "+0", "-0.0", "0.", ".5", "-.5", "+.5", "5.", "000000000000001",
        "999999999999999", "900719925474.099", ".000000000000001", "0.30000000000000",
        "1.000000000000000"[:16], "123456.789012345", "-99999999.9999999", "0.1", "0.7",
    ],
)  # fmt: skip
def test_edge_cells_equal_float(cell):
    block = "".join(f"1,{cell}\n" for _ in range(3)).encode()
    got = parse_fixed(block, ",", [1, 0])
    assert got is not None
    assert same_bits(got, oracle(block, ",", [1, 0]))


def test_every_digit_at_every_place_equals_float():
    cells = [f"{a}{b}.{c}{d}{e}" for a in "09" for b in "0123456789" for c in "05" for d in "19"
             for e in "0123456789"]  # fmt: skip
    block = "".join(f"{c}\n" for c in cells).encode()
    assert same_bits(parse_fixed(block, ",", [0]), oracle(block, ",", [0]))


@pytest.mark.parametrize(
    "block",
    [
        b"1,0.5\n0,0.25\n",  # lines of two lengths
        b"1,1e-5\n0,2e-5\n",  # exponent
        b"1,inf\n0,nan\n",  # inf and nan spellings (the general path reads them)
        b"1, 0.5\n0, 0.2\n",  # spaces
        b'1,"0.5"\n0,"0.2"\n',  # quoted numbers
        b"1,0.1234567890123456\n0,0.1234567890123456\n",  # 16 digits
        b"1,\n0,\n",  # empty cells
        b"1,.\n0,.\n",  # a point alone
        b"1,-\n0,-\n",  # a sign alone
        b"1,1_0\n0,2_0\n",  # underscores (float accepts them, the reader does not)
        b"1,0.5\n0,-.25\n",  # a sign where the first line has a digit
        b"1,0.5\n0,0x5\n",  # a letter where the first line has a digit
        b"1,0\xc3\xa9\n0,0\xc3\xa9\n",  # not ASCII
        b"1\n0\n",  # too few fields for the columns asked
        b"1,0.5\r\n0,0.5\n\n",  # a CR on one line only (lengths differ)
        b"1,0.5\n\n0,0.5\n\n",  # blank lines
        b"1,0.5",  # no line end
    ],
)
def test_doubtful_blocks_are_declined(block):
    assert parse_fixed(block, ",", [0, 1]) is None


@pytest.mark.parametrize(
    "block",
    [
        b"1,0.5,ab\n0,0.2,a,\n",  # another separator in an unselected field
        b'1,0.5,"a\n0,0.2,"b\n',  # a quote in an unselected field
        b"1,0.5,a\x00\n0,0.2,b\x00\n",  # NUL
        b"1,0.5,a\r\n0,0.2,\rb\n",  # a CR inside a line
        b"1,0.5,ab\n0,0.2\n\n",  # a line end inside the lines' width
    ],
)
def test_unselected_fields_that_could_move_a_boundary_are_declined(block):
    assert parse_fixed(block, ",", [0, 1]) is None


def test_a_delimiter_that_is_not_one_byte_is_declined():
    assert parse_fixed("1§0.5\n0§0.2\n".encode(), "§", [0, 1]) is None
    assert parse_fixed(b"1,0.5\n0,0.2\n", "§", [0]) is None


def test_unselected_fields_may_hold_other_text():
    block = b"a1,0.5,xyz\nb2,0.2,zz \n"
    assert same_bits(parse_fixed(block, ",", [1]), np.array([[0.5], [0.2]]))


def write_table(tmp_path, text: bytes, name: str = "t.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text)
    return str(path)


def read_all(path: str, **kw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    chunks = list(TableReader(path, **kw))
    lines = np.concatenate([c.lines for c in chunks])
    return lines, np.concatenate([c.y for c in chunks]), np.concatenate([c.pred for c in chunks])


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_reader_equals_csv_oracle_with_a_boundary_at_every_byte(tmp_path, end):
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 40)
    p = rng.random(40)
    body = "".join(f"{a},{b:.6f}{end}" for a, b in zip(y, p, strict=True))
    body += f"1,0.5{end}0,0.25{end}"  # a second layout at the end
    text = (f"y_true,y_pred{end}" + body).encode()
    expected = oracle(body.encode(), ",", [0, 1])
    for chunk in range(1, 60):
        lines, got_y, got_p = read_all(write_table(tmp_path, text), chunk_bytes=chunk)
        assert lines.tolist() == list(range(2, 44)), chunk
        assert same_bits(np.column_stack([got_y, got_p[:, 0]]), expected), chunk


def test_reader_fixed_chunks_then_a_bad_cell_names_its_line(tmp_path):
    rows = "".join(f"{i % 2},0.{i:04d}\n" for i in range(1000))
    text = ("y_true,y_pred\n" + rows + "1,0.x123\n").encode()
    with pytest.raises(InputError) as err:
        read_all(write_table(tmp_path, text), chunk_bytes=64)
    assert str(err.value).endswith("line 1002, column 'y_pred': '0.x123' is not a number")


def test_reader_fixed_chunks_then_bad_utf8_names_its_line(tmp_path):
    rows = "".join(f"{i % 2},0.{i:04d}\n" for i in range(100)).encode()
    text = b"y_true,y_pred\n" + rows + b"1,0.\xff123\n"
    with pytest.raises(InputError, match=r"line 102 is not valid UTF-8 \(byte 0xff\)"):
        read_all(write_table(tmp_path, text), chunk_bytes=64)


def test_reader_without_final_newline_and_weights(tmp_path):
    text = b"y_true,y_pred,w\n1,0.50,1.5\n0,0.25,0.0\n1,0.75,2.0"
    lines, y, p = read_all(write_table(tmp_path, text), weight="w")
    assert lines.tolist() == [2, 3, 4] and y.tolist() == [1, 0, 1]
    assert p[:, 0].tolist() == [0.5, 0.25, 0.75]
