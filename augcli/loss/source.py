"""Opening a table's bytes: standard input, compression (extension or magic bytes), delimiter."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import sys
import zlib
from typing import BinaryIO

from augcli.core.errors import InputError, UsageError
from augcli.core.gate import open_regular

#: Errors a decompressing stream raises on corrupt or truncated data.
DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
)

_OPENERS = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}
_EXTENSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"))
_SEP_NAMES = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|"}


def display_name(source: str) -> str:
    """How messages name an input: the path, or ``<stdin>`` for ``'-'``."""
    return "<stdin>" if source == "-" else source


def compression_of(source: str) -> str | None:
    """The compression named by the extension (``'gzip'``, ``'bz2'``, ``'xz'``) or None.

    Examples
    --------
    >>> compression_of("preds.tsv.gz"), compression_of("preds.csv")
    ('gzip', None)
    """
    return _EXTENSIONS.get(os.path.splitext(source)[1].lower())


def default_sep(source: str) -> str:
    """The delimiter a file name implies: tab for ``.tsv``/``.tab`` (also compressed), else comma.

    Examples
    --------
    >>> default_sep("a.tsv.xz"), default_sep("a.csv"), default_sep("-")
    ('\\t', ',', ',')
    """
    stem = source[: -len(os.path.splitext(source)[1])] if compression_of(source) else source
    return "\t" if os.path.splitext(stem)[1].lower() in (".tsv", ".tab") else ","


def parse_sep(value: str) -> str:
    """Validate a ``--sep`` value: one character, or ``\\t``/``tab``/``comma``/... by name.

    Raises
    ------
    UsageError
        For anything but one character that is not a quote or a line end.
    """
    sep = _SEP_NAMES.get(value.lower(), value)
    if len(sep) != 1 or sep in '"\r\n':
        raise UsageError(
            f"--sep {value!r}: the delimiter must be one character other than a quote or a "
            "line end (or one of: " + ", ".join(_SEP_NAMES) + ")"
        )
    return sep


def _sniff(raw: BinaryIO) -> str | None:
    head = raw.peek(8)[:8] if hasattr(raw, "peek") else b""  # type: ignore[attr-defined]
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


def open_source(source: str) -> tuple[BinaryIO, bool]:
    """Open ``source`` for reading bytes, decompressing by extension, else by magic bytes.

    Parameters
    ----------
    source : str
        A path, or ``'-'`` for standard input (compressed input is recognised there too).

    Returns
    -------
    (stream, owned)
        The byte stream, and whether the caller closes it (standard input is left open).

    Raises
    ------
    InputError
        If the file cannot be opened, or is not a regular file (a FIFO would be read once
        and then block a second pass; a stream goes through ``'-'``, which is spooled).
    """
    if source == "-":
        raw: BinaryIO = sys.stdin.buffer
        if not hasattr(raw, "peek"):  # e.g. a BytesIO standing in for stdin
            raw = io.BufferedReader(raw)  # type: ignore[arg-type]
    else:  # a regular file only: a FIFO or device is refused (read a stream through '-')
        try:
            raw = open_regular(source, "PREDICTIONS.csv")
        except InputError as exc:
            if os.path.exists(source) and not os.path.isfile(source):  # a FIFO, a device
                raise InputError(f"{exc}; to read a stream, pass '-' and redirect it") from None
            raise
    kind = (compression_of(source) if source != "-" else None) or _sniff(raw)
    if kind is None:
        return raw, source != "-"
    stream = _OPENERS[kind](raw, "rb")
    if source == "-":
        return stream, True  # closing the decompressor leaves stdin itself open
    return _Owning(stream, raw), True


class _Owning:
    """A decompressing stream that also closes the file under it."""

    def __init__(self, stream: BinaryIO, raw: BinaryIO) -> None:
        self._stream, self._raw = stream, raw

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    @property
    def closed(self) -> bool:
        return self._raw.closed

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._raw.close()


def decompress_message(name: str, source: str, line: int, exc: BaseException) -> str:
    """The one line for a corrupt or truncated compressed input."""
    kind = compression_of(source) or "compressed"
    detail = str(exc) or type(exc).__name__
    return (
        f"{name}: cannot read {kind} data (at line {line}): {detail}; "
        "is the file corrupt or truncated?"
    )


def spool_stdin(chunk_bytes: int = 4 << 20) -> str:
    """Copy standard input to a temporary file so it can be read twice.

    Parameters
    ----------
    chunk_bytes : int
        Copy buffer size.

    Returns
    -------
    str
        Path of the temporary file (raw bytes, compressed or not); the caller removes it.
    """
    import tempfile

    fd, path = tempfile.mkstemp(prefix="augcli-stdin-")
    with os.fdopen(fd, "wb") as out:
        while data := sys.stdin.buffer.read(chunk_bytes):
            out.write(data)
    return path
