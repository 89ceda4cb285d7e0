"""Streaming reading of delimited tables (labels, model outputs, weights) in bounded memory.

The input (see :mod:`augcli.loss.source` for compression and the delimiter) is read as bytes
in chunks that end at a newline, each chunk is decoded as UTF-8 and parsed with
:func:`numpy.loadtxt` (the fastest correct parser measured for this job; see
``benchmarks/bench_loss.py``). A chunk that the fast path rejects (an empty cell, a
non-numeric value, a short row, a blank line) is parsed again line by line with the
:mod:`csv` module, which finds the exact line, column and value to report. Labels are read
as numbers, or as text coded by :class:`~augcli.loss.labels.LabelCoder` when they are not
numbers or when ``--classes``, ``--pos-label`` or ``--pred-prefix`` names them. Memory is
bounded by the chunk size plus the longest allowed line, whatever the row count.

Every record must fit on one line (no newlines inside quoted fields). Fields after the
selected columns may hold anything, including quoted text with commas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from augcli.core.errors import InputError, UsageError
from augcli.loss.chunk import Chunk, check_weights
from augcli.loss.columns import select_columns
from augcli.loss.labels import LabelCoder, make_coder
from augcli.loss.layout import parse_fixed
from augcli.loss.source import (
    DECOMPRESS_ERRORS,
    decompress_message,
    default_sep,
    display_name,
    open_source,
)

DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class TableReader:
    """Iterate over a delimited text file in parsed chunks.

    Parameters
    ----------
    source : str
        A path (``.gz``, ``.bz2``, ``.xz`` decompressed), or ``'-'`` for standard input.
    true : str
        Label column name (a 0-based index when ``header`` is False).
    pred : sequence of str
        Prediction column names or globs, each possibly comma-separated.
    weight : str, optional
        Sample-weight column.
    sep : str, optional
        Delimiter; default tab for ``.tsv``, else comma.
    header : bool
        Whether the first line names the columns; without it columns are ``'0'``, ``'1'``, ...
    pred_prefix : str, optional
        Prediction columns are those starting with it; the rest of each name is its class.
    classes : sequence of str, optional
        The class of each prediction column (labels are then read as text).
    pos_label : str, optional
        The positive label of a binary column (labels are then read as text).
    numeric_labels : bool
        Labels must be numbers (regression): never read them as text.
    name : str, optional
        How messages name the input (default: the path, ``<stdin>`` for ``'-'``).
    dropna : bool
        Skip rows with an empty, NaN or infinite selected cell (counted in ``dropped``)
        instead of failing.
    chunk_bytes, max_line_bytes : int
        Target chunk size (a chunk ends at a line end); longest line accepted (bounds memory).

    Notes
    -----
    Without ``dropna``, a missing cell switches to counting the rest, then raises
    :class:`InputError`. The header is read on construction (column errors come first).
    """

    unit = "line"  # what the row numbers in :class:`Chunk` count

    def __init__(
        self,
        source: str,
        true: str = "y_true",
        pred: Sequence[str] = ("y_pred",),
        *,
        weight: str | None = None,
        sep: str | None = None,
        header: bool = True,
        pred_prefix: str | None = None,
        classes: Sequence[str] | None = None,
        pos_label: str | None = None,
        numeric_labels: bool = False,
        name: str | None = None,
        dropna: bool = False,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        if chunk_bytes < 1:
            raise UsageError("chunk size must be at least 1 byte")
        self.source = source
        self.name = name or display_name(source)
        self.sep = sep or default_sep(source)
        self.dropna = dropna
        self.dropped = 0
        self.rows = 0
        self.coder: LabelCoder | None = None
        self._chunk_bytes = chunk_bytes
        self._max_line = max(max_line_bytes, 1)
        self._buffer = b""
        self._eof = False
        self._line = 1  # of the first line not yet handed out
        self._missing = 0  # empty, NaN or infinite cells seen (without dropna)
        self._first_missing: tuple[int, str] | None = None
        self._stream, self._owns = open_source(source)
        try:
            fields = self._read_first_line(consume=header)
            names = fields if header else [str(i) for i in range(len(fields))]
            try:
                self.columns = select_columns(
                    names, true, pred, weight=weight, pred_prefix=pred_prefix
                )
            except InputError as exc:
                where = "the header (line 1)" if header else "--no-header: columns are 0-based"
                other = [d for d in ",\t;|" if d != self.sep and d in "".join(fields)]
                hint = (
                    f"; is the delimiter {other[0]!r}? (--sep)"
                    if len(fields) == 1 and other
                    else ""
                )
                raise InputError(f"{self.name}: {exc} [{where}]{hint}") from None
            self._classes, self._pos_label = classes, pos_label
            self._text_labels = bool(classes or pos_label or pred_prefix) or (
                False if numeric_labels else None
            )
            if self._text_labels:
                self.coder = make_coder(self.name, self.unit, self.columns, classes, pos_label)
        except BaseException:
            self.close()
            raise
        cols = self.columns
        self._numeric = (*cols.pred, *(() if cols.weight is None else (cols.weight,)))
        self._k = len(cols.pred)
        self._needed = max(cols.true, *self._numeric) + 1

    # -- raw reading ---------------------------------------------------------------------
    def _read(self, size: int) -> bytes:
        try:
            return self._stream.read(size)
        except DECOMPRESS_ERRORS as exc:
            line = self._line + self._buffer.count(b"\n")
            raise InputError(decompress_message(self.name, self.source, line, exc)) from None

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
                    "is this a delimited text file?"
                )
            data = self._read(self._chunk_bytes)
            if not data:
                self._eof = True
            else:
                self._buffer += data

    def _decode(self, block: bytes, first_line: int | None = None) -> str:
        try:
            return block.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = (first_line or self._line) + block.count(b"\n", 0, exc.start)
            raise InputError(
                f"{self.name}: line {line} is not valid UTF-8 (byte 0x{block[exc.start]:02x}); "
                "save the file as UTF-8 text (.gz, .bz2 and .xz are decompressed by extension)"
            ) from None

    def _split(self, text: str) -> list[str]:
        return next(csv.reader([text], delimiter=self.sep), [])

    def _read_first_line(self, consume: bool) -> list[str]:
        while self._buffer.find(b"\n") < 0 and not self._eof:
            if len(self._buffer) > self._max_line:
                raise InputError(
                    f"{self.name}: the first line is longer than {self._max_line} bytes; "
                    "is this a delimited text file?"
                )
            data = self._read(4096)
            if not data:
                self._eof = True
            self._buffer += data
        if self._buffer.startswith(_BOM):
            self._buffer = self._buffer[len(_BOM) :]
        if not self._buffer.strip():
            raise InputError(f"{self.name} is empty; expected a header row such as y_true,y_pred")
        cut = self._buffer.find(b"\n")
        raw = self._buffer if cut < 0 else self._buffer[: cut + 1]
        text = self._decode(raw)
        if consume:
            self._buffer = b"" if cut < 0 else self._buffer[cut + 1 :]
            self._line = 2
        try:
            fields = self._split(text.rstrip("\r\n"))
        except csv.Error as exc:
            raise InputError(f"{self.name}: cannot parse line 1: {exc}") from None
        return [f.strip() for f in fields]

    # -- labels --------------------------------------------------------------------------
    def _decide_labels(self, text: str) -> None:
        """Read labels as text when the first data row's label is not a number."""
        first = text.lstrip("\r\n").partition("\n")[0]
        if not first.strip():
            return  # only blank lines so far: decide on the next block
        try:
            fields = self._split(first.rstrip("\r"))
        except csv.Error:
            fields = []  # the parser reports it, with its line
        cell = fields[self.columns.true].strip() if len(fields) > self.columns.true else "0"
        try:
            float(cell or "0")
            self._text_labels = False
        except ValueError:
            self._text_labels = True
        if self._text_labels:
            self.coder = make_coder(
                self.name, self.unit, self.columns, self._classes, self._pos_label
            )

    # -- parsing -------------------------------------------------------------------------
    def _loadtxt(self, text: str, cols: tuple[int, ...], dtype: type) -> np.ndarray:
        return np.loadtxt(
            io.StringIO(text),
            delimiter=self.sep,
            dtype=dtype,
            comments=None,
            quotechar='"',
            usecols=cols,
            ndmin=2,
        )

    def _parse_fast(self, text: str) -> tuple[np.ndarray, np.ndarray | None] | None:
        if "\n\n" in text or "\n\r\n" in text or text.startswith(("\n", "\r\n")) or "\0" in text:
            return None  # blank lines would shift line numbers; NUL confuses the parser
        try:
            if self._text_labels:
                data = self._loadtxt(text, self._numeric, np.float64)
                labels = self._loadtxt(text, (self.columns.true,), str)[:, 0]
            else:
                data = self._loadtxt(text, (self.columns.true, *self._numeric), np.float64)
                labels = None
        except (ValueError, TypeError):
            return None
        expected = text.count("\n") + (0 if text.endswith("\n") else 1)
        if len(data) != expected or (labels is not None and len(labels) != expected):
            return None
        return data, labels

    def _parse_slow(
        self, text: str, first_line: int
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Parse line by line; raise InputError naming the line, column and value."""
        header = self.columns.header
        cols = self._numeric if self._text_labels else (self.columns.true, *self._numeric)
        rows: list[list[float]] = []
        labels: list[str] = []
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
                fields = self._split(raw)
            except csv.Error as exc:
                raise InputError(f"{self.name}: line {line}: {exc}") from None
            if len(fields) < self._needed:
                raise InputError(
                    f"{self.name}: line {line} has {len(fields)} field(s), but column "
                    f"{header[self._needed - 1]!r} is field {self._needed}"
                    + ("" if self.sep == "," else f" (delimiter {self.sep!r})")
                )
            values: list[float] = []
            for col in cols:
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
                        f"{self.name}: line {line}, column {header[col]!r}: {shown!r} is not "
                        "a number"
                    ) from None
            if self._text_labels:
                labels.append(fields[self.columns.true])
            rows.append(values)
            lines.append(line)
        data = np.array(rows, dtype=np.float64).reshape(len(rows), len(cols))
        text_labels = np.array(labels, dtype=str) if self._text_labels else None
        return data, text_labels, np.array(lines, dtype=np.int64)

    def _parse(self, block: bytes, first_line: int) -> tuple[np.ndarray, np.ndarray]:
        """Lines and values ``[y, pred..., weight]`` of a block of complete lines."""
        if self._text_labels is not True:
            head = block[: block.find(b"\n") + 1]  # all of a fixed layout's non-digits
            if self._text_labels is None:
                self._decide_labels(self._decode(head, first_line))
            if self._text_labels is False:
                data = parse_fixed(block, self.sep, (self.columns.true, *self._numeric))
                if data is not None:
                    self._decode(head, first_line)  # the rest is ASCII
                    last = first_line + len(data)
                    return np.arange(first_line, last, dtype=np.int64), data
        text = self._decode(block, first_line)
        if self._text_labels is None:
            self._decide_labels(text)
        fast = self._parse_fast(text)
        if fast is not None:
            data, labels = fast
            lines = np.arange(first_line, first_line + len(data), dtype=np.int64)
        else:
            data, labels, lines = self._parse_slow(text, first_line)
        if labels is not None and self.coder is not None:
            data = np.column_stack([self.coder.code(labels, lines), data])
        return lines, data

    def __iter__(self) -> Iterator[Chunk]:
        """Yield parsed chunks until the end of the file.

        The file is read here; each block is parsed in a second thread while the caller works
        on the chunk before it (numpy releases the interpreter lock inside its loops). The
        chunks, their order and the errors are those of reading in one thread. The parsing
        thread never reads, and standard input is not read ahead: a pipe that stays open
        cannot delay a chunk already read, an error or Ctrl-C.

        Yields
        ------
        Chunk
            Rows with all selected cells finite (bad rows dropped or reported).
        """
        self._missing, self._first_missing = 0, None
        with ThreadPoolExecutor(1, thread_name_prefix="augcli-parse") as pool:
            try:
                pending = None
                while True:
                    try:
                        block = self._fill()
                    except InputError:
                        if pending is not None:  # the chunks before a read error come first
                            yield from pending.result()
                        raise
                    if block is None:
                        break
                    first_line = self._line
                    self._line += block.count(b"\n")
                    future = pool.submit(self._chunk, block, first_line)
                    if pending is not None:
                        yield from pending.result()
                    pending = future
                    if self.source == "-":  # the next read may wait for the writer: hand over
                        yield from pending.result()  # what is read so far before it
                        pending = None
                if pending is not None:
                    yield from pending.result()
            finally:
                self.close()
        if self._first_missing is not None:
            line, col = self._first_missing
            raise InputError(
                f"{self.name}: {self._missing} empty, NaN or infinite cell(s) in the selected "
                f"columns; the first is at line {line}, column {col!r} (use --dropna to skip "
                "those rows)"
            )
        if self.rows == 0:
            if self.dropped:
                raise InputError(
                    f"{self.name}: no rows left after dropping {self.dropped} row(s) "
                    "with empty, NaN or infinite cells"
                )
            raise InputError(f"{self.name} has a header but no data rows")
        if self.coder is not None:
            self.coder.finish()

    def _chunk(self, block: bytes, first_line: int) -> list[Chunk]:
        """Parse one block and check its cells: its chunk, or none (runs in the parse thread)."""
        lines, data = self._parse(block, first_line)
        finite = np.isfinite(data)
        if not finite.all():
            bad_rows = ~finite.all(axis=1)
            if not self.dropna:
                if self._first_missing is None:
                    r = int(np.argmax(bad_rows))
                    c = int(np.argmax(~finite[r]))
                    names = [self.columns.header[i] for i in (self.columns.true, *self._numeric)]
                    self._first_missing = (int(lines[r]), names[c])
                self._missing += int((~finite).sum())
                return []
            self.dropped += int(bad_rows.sum())
            data, lines = data[~bad_rows], lines[~bad_rows]
        if self._first_missing is not None or len(data) == 0:
            return []
        weight = None if self.columns.weight is None else data[:, -1].copy()
        if weight is not None:
            column = self.columns.header[self.columns.weight]
            check_weights(f"{self.name}: ", column, weight, lines)
        self.rows += len(data)
        return [Chunk(lines, data[:, 0].copy(), data[:, 1 : 1 + self._k], weight)]

    def close(self) -> None:
        """Close the file (standard input is left open)."""
        if self._owns and not self._stream.closed:
            self._stream.close()
