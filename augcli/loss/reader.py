"""Streaming reading of numeric CSV tables (labels and model outputs) in bounded memory.

The file is read as bytes in chunks that end at a newline, each chunk is decoded as UTF-8
and parsed with :func:`numpy.loadtxt` (the fastest correct parser measured for this job;
see ``benchmarks/bench_loss.py``). A chunk that the fast path rejects (an empty cell, a
non-numeric value, a short row, a blank line) is parsed again line by line with the
:mod:`csv` module, which finds the exact line, column and value to report. Memory is
bounded by the chunk size plus the longest allowed line, whatever the row count.

Every record must fit on one line (no newlines inside quoted fields). Fields after the
selected columns may hold anything, including quoted text with commas.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from augcli.errors import InputError, UsageError
from augcli.loss.columns import select_columns

DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Chunk:
    """A block of parsed rows.

    Attributes
    ----------
    lines : ndarray of int64, shape (n,)
        1-based line number of each row in the file (the header is line 1).
    y : ndarray of float64, shape (n,)
        Labels.
    pred : ndarray of float64, shape (n, k)
        Predictions, one column per selected prediction column.
    """

    lines: np.ndarray
    y: np.ndarray
    pred: np.ndarray


def _display(source: str) -> str:
    return "<stdin>" if source == "-" else source


def _open(source: str) -> BinaryIO:
    if source == "-":
        return sys.stdin.buffer
    try:
        return open(source, "rb")  # noqa: SIM115 - closed by the reader
    except OSError as exc:
        raise InputError(f"cannot open {source}: {exc.strerror or exc}") from None


class TableReader:
    """Iterate over a CSV file in parsed chunks.

    Parameters
    ----------
    source : str
        A path, or ``'-'`` for standard input.
    true : str
        Label column name.
    pred : sequence of str
        Prediction column names or globs.
    dropna : bool
        Skip rows with an empty, NaN or infinite selected cell (counted in ``dropped``)
        instead of failing.
    chunk_bytes : int
        Target size of a chunk in bytes (a chunk always ends at a line end).
    max_line_bytes : int
        Longest line accepted; longer lines are an error (this bounds memory).

    Notes
    -----
    Without ``dropna``, the first missing cell switches the reader to counting mode: the rest
    of the file is scanned to report how many cells are missing, then :class:`InputError`
    is raised. The header is read on construction, so column errors surface immediately.
    """

    unit = "line"  # what the row numbers in :class:`Chunk` count

    def __init__(
        self,
        source: str,
        true: str = "y_true",
        pred: Sequence[str] = ("y_pred",),
        *,
        dropna: bool = False,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        if chunk_bytes < 1:
            raise UsageError("chunk size must be at least 1 byte")
        self.name = _display(source)
        self.dropna = dropna
        self.dropped = 0
        self.rows = 0
        self._chunk_bytes = chunk_bytes
        self._max_line = max(max_line_bytes, 1)
        self._stream = _open(source)
        self._owns = source != "-"
        self._buffer = b""
        self._eof = False
        self._line = 1
        try:
            header_line = self._read_header()
            self.columns = select_columns(header_line, true, pred)
        except BaseException:
            self.close()
            raise
        self._usecols = (self.columns.true, *self.columns.pred)
        self._needed = max(self._usecols) + 1

    # -- raw reading ---------------------------------------------------------------------
    def _fill(self) -> bytes | None:
        """Return the next block of complete lines (bytes), or None at the end."""
        while True:
            size = len(self._buffer)
            if size >= self._chunk_bytes or self._eof:
                cut = self._buffer.find(b"\n", max(min(self._chunk_bytes, size) - 1, 0))
                if cut >= 0:
                    block, self._buffer = self._buffer[: cut + 1], self._buffer[cut + 1 :]
                    return block
                if self._eof:
                    block, self._buffer = self._buffer, b""
                    return block or None
            tail = size - self._buffer.rfind(b"\n") - 1
            if tail > self._max_line:
                line = self._line + self._buffer.count(b"\n")
                raise InputError(
                    f"{self.name}: line {line} is longer than {self._max_line} bytes; "
                    "is this a CSV file?"
                )
            data = self._stream.read(self._chunk_bytes)
            if not data:
                self._eof = True
            else:
                self._buffer += data

    def _decode(self, block: bytes) -> str:
        try:
            return block.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = self._line + block.count(b"\n", 0, exc.start)
            raise InputError(
                f"{self.name}: line {line} is not valid UTF-8 (byte 0x{block[exc.start]:02x}); "
                "save the file as UTF-8 text"
            ) from None

    def _read_header(self) -> list[str]:
        while self._buffer.find(b"\n") < 0 and not self._eof:
            if len(self._buffer) > self._max_line:
                raise InputError(
                    f"{self.name}: the header line is longer than {self._max_line} bytes; "
                    "is this a CSV file?"
                )
            data = self._stream.read(4096)
            if not data:
                self._eof = True
            self._buffer += data
        if self._buffer.startswith(_BOM):
            self._buffer = self._buffer[len(_BOM) :]
        if not self._buffer.strip():
            raise InputError(f"{self.name} is empty; expected a header row such as y_true,y_pred")
        cut = self._buffer.find(b"\n")
        raw = self._buffer if cut < 0 else self._buffer[: cut + 1]
        self._buffer = b"" if cut < 0 else self._buffer[cut + 1 :]
        text = self._decode(raw)
        self._line = 2
        try:
            fields = next(csv.reader([text.rstrip("\r\n")]), [])
        except csv.Error as exc:
            raise InputError(f"{self.name}: cannot parse the header line: {exc}") from None
        return [f.strip() for f in fields]

    # -- parsing -------------------------------------------------------------------------
    def _parse_fast(self, text: str) -> np.ndarray | None:
        if "\n\n" in text or "\n\r\n" in text or text.startswith(("\n", "\r\n")) or "\0" in text:
            return None  # blank lines would shift line numbers; NUL confuses the parser
        try:
            data = np.loadtxt(
                io.StringIO(text),
                delimiter=",",
                dtype=np.float64,
                comments=None,
                quotechar='"',
                usecols=self._usecols,
                ndmin=2,
            )
        except (ValueError, TypeError):
            return None
        expected = text.count("\n") + (0 if text.endswith("\n") else 1)
        return data if len(data) == expected else None

    def _parse_slow(self, text: str, first_line: int) -> tuple[np.ndarray, np.ndarray]:
        """Parse line by line; raise InputError naming the line, column and value."""
        names = (self.columns.true_name, *self.columns.pred_names)
        rows: list[list[float]] = []
        lines: list[int] = []
        raw_lines = text.split("\n")
        if raw_lines and raw_lines[-1] == "":
            raw_lines.pop()  # the text after the final line end
        for offset, raw in enumerate(raw_lines):
            line = first_line + offset
            raw = raw.removesuffix("\r")
            if raw == "":
                continue  # blank line
            try:
                fields = next(csv.reader([raw]), [])
            except csv.Error as exc:
                raise InputError(f"{self.name}: line {line}: {exc}") from None
            if len(fields) < self._needed:
                raise InputError(
                    f"{self.name}: line {line} has {len(fields)} field(s), but column "
                    f"{names[self._usecols.index(max(self._usecols))]!r} is field "
                    f"{self._needed} of the header"
                )
            values: list[float] = []
            for name, col in zip(names, self._usecols, strict=True):
                cell = fields[col].strip()
                if cell == "":
                    values.append(np.nan)
                    continue
                try:
                    if "_" in cell:
                        raise ValueError(cell)
                    values.append(float(cell))
                except ValueError:
                    shown = cell if len(cell) <= 40 else cell[:40] + "..."
                    raise InputError(
                        f"{self.name}: line {line}, column {name!r}: {shown!r} is not a number"
                    ) from None
            rows.append(values)
            lines.append(line)
        data = np.array(rows, dtype=np.float64).reshape(len(rows), len(self._usecols))
        return data, np.array(lines, dtype=np.int64)

    def __iter__(self) -> Iterator[Chunk]:
        """Yield parsed chunks until the end of the file.

        Yields
        ------
        Chunk
            Rows with all selected cells finite (bad rows dropped or reported).
        """
        missing = 0
        first_missing: tuple[int, str] | None = None
        names = (self.columns.true_name, *self.columns.pred_names)
        try:
            while (block := self._fill()) is not None:
                text = self._decode(block)
                first_line = self._line
                self._line += block.count(b"\n")
                data = self._parse_fast(text)
                if data is not None:
                    lines = np.arange(first_line, first_line + len(data), dtype=np.int64)
                else:
                    data, lines = self._parse_slow(text, first_line)
                finite = np.isfinite(data)
                if not finite.all():
                    bad_rows = ~finite.all(axis=1)
                    if not self.dropna:
                        if first_missing is None:
                            r = int(np.argmax(bad_rows))
                            c = int(np.argmax(~finite[r]))
                            first_missing = (int(lines[r]), names[c])
                        missing += int((~finite).sum())
                        continue
                    self.dropped += int(bad_rows.sum())
                    data, lines = data[~bad_rows], lines[~bad_rows]
                if first_missing is not None or len(data) == 0:
                    continue
                self.rows += len(data)
                yield Chunk(lines, data[:, 0].copy(), data[:, 1:])
        finally:
            self.close()
        if first_missing is not None:
            line, col = first_missing
            raise InputError(
                f"{self.name}: {missing} empty, NaN or infinite cell(s) in the selected columns; "
                f"the first is at line {line}, column {col!r} (use --dropna to skip those rows)"
            )
        if self.rows == 0:
            if self.dropped:
                raise InputError(
                    f"{self.name}: no rows left after dropping {self.dropped} row(s) "
                    "with empty, NaN or infinite cells"
                )
            raise InputError(f"{self.name} has a header but no data rows")

    def close(self) -> None:
        """Close the file (standard input is left open)."""
        if self._owns and not self._stream.closed:
            self._stream.close()


def spool_stdin(chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> str:
    """Copy standard input to a temporary file so it can be read twice.

    Parameters
    ----------
    chunk_bytes : int
        Copy buffer size.

    Returns
    -------
    str
        Path of the temporary file; the caller removes it.
    """
    import tempfile

    fd, path = tempfile.mkstemp(prefix="augcli-stdin-", suffix=".csv")
    with os.fdopen(fd, "wb") as out:
        while data := sys.stdin.buffer.read(chunk_bytes):
            out.write(data)
    return path
