"""Parsing blocks of identically laid-out numeric lines with numpy alone, exactly, or declining.

Machine-written tables often have one layout on every line: ``%d`` labels and ``%.8f``
probabilities give lines of equal length whose separators, decimal points and signs sit at the
same byte offsets. :func:`parse_fixed` recognises such a block from its first line and reads
every selected cell as a matrix of digits, without a Python object per cell. Anything it is
not sure of (lines of other lengths, quotes, spaces, exponents, ``inf``/``nan``, more than 15
digits, a field that is not a plain decimal) makes it return None, and the caller parses the
block the general way.

The values are exact: a cell with at most 15 digits is an integer ``M < 2**53`` times
``10**-k`` with ``k <= 15``; both are exact doubles, and the one correctly rounded division
``M / 10**k`` gives the double nearest to the decimal, which is what :func:`float` returns
(Clinger's fast path, as in every correct ``strtod``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: At most this many digits in a cell: its integer value stays below 2**53.
MAX_DIGITS = 15

_ZEROS = 0x3030303030303030  # eight ASCII '0'
_OVER_NINE = 0x7676767676767676  # a byte above 9 gets its high bit set when this is added
_HIGH_BITS = 0x8080808080808080
_MASK = 0x000000FF000000FF
_MUL1 = 100 + (1000000 << 32)
_MUL2 = 1 + (10000 << 32)


def _digit_run(buf: bytes, offset: int, length: int, width: int, n: int) -> np.ndarray | None:
    """The integer value of the ``length`` bytes at ``offset`` of every line, or None.

    Eight bytes at a time, as one little-endian integer each (the digits-in-a-word method
    of fast number parsers); None when a byte is not an ASCII digit.
    """
    if length > 8:
        high = _digit_run(buf, offset, length - 8, width, n)
        low = _digit_run(buf, offset + length - 8, 8, width, n)
        if high is None or low is None:
            return None
        return high * np.uint64(10**8) + low
    if length == 1:
        x = np.ndarray((n,), np.uint8, buf, offset, (width,)) - np.uint8(ord("0"))
        return x if (x < 10).all() else None
    x = np.ndarray((n,), "<u8", buf, offset, (width,)) - np.uint64(_ZEROS)
    x <<= np.uint64(8 * (8 - length))  # drop the bytes after the run: leading zeros
    if ((x | (x + np.uint64(_OVER_NINE))) & np.uint64(_HIGH_BITS)).any():
        return None
    x = x * np.uint64(10) + (x >> np.uint64(8))
    low = (x >> np.uint64(16)) & np.uint64(_MASK)
    x &= np.uint64(_MASK)
    x *= np.uint64(_MUL1)
    low *= np.uint64(_MUL2)
    x += low
    x >>= np.uint64(32)
    return x


def _cell(line: bytes, start: int, end: int) -> tuple[bool, list[tuple[int, int]], int] | None:
    """How to read one field of the template line: (negative, digit runs, scale) or None.

    A run is (offset, length); the cell is the runs' digits read as one integer, divided by
    ``scale`` (10 to the number of decimals), negated when it starts with ``'-'``.
    """
    cell = line[start:end]
    sign = cell[:1] in (b"-", b"+")
    first = start + int(sign)
    body = line[first:end]
    dot = body.find(b".")
    parts = [body] if dot < 0 else [body[:dot], body[dot + 1 :]]
    digits = b"".join(parts)
    if not digits or not digits.isdigit() or not digits.isascii() or len(digits) > MAX_DIGITS:
        return None
    runs = [(first, len(parts[0]))]
    if dot >= 0:
        runs.append((first + dot + 1, len(parts[1])))
    return cell.startswith(b"-"), [r for r in runs if r[1]], 10 ** len(parts[-1]) if dot >= 0 else 1


def parse_fixed(block: bytes, sep: str, cols: Sequence[int]) -> np.ndarray | None:
    """The selected cells of a block of identically laid-out lines, or None to decline.

    Parameters
    ----------
    block : bytes
        Complete lines, each ending with ``'\\n'`` (or ``'\\r\\n'`` on every line).
    sep : str
        The one-character delimiter.
    cols : sequence of int
        0-based fields to read, in output order.

    Returns
    -------
    ndarray of float64, shape (lines, len(cols)), or None
        ``float(cell)`` of every selected cell; None when the block is not one layout of plain
        decimals (then nothing is known about it: parse it the general way, which also finds
        the errors to report).

    Notes
    -----
    A block qualifies when it is ASCII without NUL or quotes, every line has the length of
    the first, the separators, line ends, signs and decimal points sit where the first
    line has them and nowhere else, and the selected fields hold digits where the first
    line does. Selected fields must be ``[+-]digits[.digits]`` with 1 to 15 digits; the
    other fields may hold anything else.

    Examples
    --------
    >>> parse_fixed(b"1,0.25\\n0,-.50\\n", ",", [0, 1]) is None  # '-' where a digit was
    True
    >>> parse_fixed(b"1,0.25\\n0,0.50\\n", ",", [1, 0]).tolist()
    [[0.25, 1.0], [0.5, 0.0]]
    """
    width = block.find(b"\n") + 1
    if width < 2 or len(block) % width or len(sep.encode()) != 1 or not block.isascii():
        return None
    n = len(block) // width
    line = block[:width]
    crlf = line.endswith(b"\r\n")
    end = width - 2 if crlf else width - 1
    sep_byte = sep.encode()
    bounds = [-1, *(i for i in range(end) if line[i] == sep_byte[0]), end]
    if max(cols) + 1 >= len(bounds):
        return None  # a short line: the general path names it
    if set(cols) != set(range(len(bounds) - 1)) and (  # other fields: count what they hold
        b'"' in block
        or b"\0" in block
        or block.count(b"\n") != n
        or block.count(b"\r") != (n if crlf else 0)
        or block.count(sep_byte) != n * (len(bounds) - 2)
    ):
        return None
    cells = []
    marks = [*bounds[1:-1], *range(end, width)]  # separators and the line end
    for col in cols:
        cell = _cell(line, bounds[col] + 1, bounds[col + 1])
        if cell is None:
            return None
        cells.append(cell)
        marks.extend(i for i in range(bounds[col] + 1, bounds[col + 1]) if not 48 <= line[i] <= 57)
    rows = np.frombuffer(block, dtype=np.uint8).reshape(n, width)
    template = rows[0, marks]
    if not (rows[:, marks] == template).all():
        return None
    reach = max((o + 8 for _, runs, _ in cells for o, length in runs if length > 1), default=0)
    buf = block if reach <= width else block + bytes(8)  # every eight-byte read stays inside
    out = np.empty((n, len(cols)), dtype=np.float64)
    for j, (negative, runs, scale) in enumerate(cells):
        value = None
        for offset, length in runs:
            part = _digit_run(buf, offset, length, width, n)
            if part is None:
                return None
            if value is None:
                value = part
            else:
                value = value.astype(np.uint64) * np.uint64(10**length) + part
        column = value.astype(np.float64)  # exact: below 2**53
        if scale != 1:
            column /= float(scale)  # one correctly rounded division: float(cell)
        if negative:
            np.negative(column, out=column)
        out[:, j] = column
    return out
