"""Object stores (``s3://``, ``gs://``, ``az://``...) through fsspec: the gate for URLs.

Every object augcli reads or writes in a store passes here: :func:`is_url` tells a URL from a
path (``file://`` URLs become plain paths and keep the local code path), :class:`Store` is a
prefix of a store (SRC or DST) whose keys are checked (:func:`check_key`: no ``..``, ``.``,
empty segment, absolute key or NUL; nothing outside the prefix), reads are size-capped, and a
write is one complete object put under its final key (a single PUT or a completed multipart
upload: object stores have no rename, and no reader ever sees a partial object).

Credentials and endpoints come only from the environment and fsspec's configuration
(``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL``, ``~/.config/fsspec``); augcli never takes them as
arguments, and no message it prints carries an exception's text from the store's library (which
may quote an endpoint or a signed request): only the URL augcli was given and a short reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from augcli.core.errors import InputError, OutputError, UsageError

MAX_OBJECT = 2 << 30
"""Default cap of an object read whole (an input image, a label file)."""
HEADER_BLOCK = 1 << 16
"""Read-ahead of a header probe (a range read, not the whole object)."""

_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
EXTRAS = {
    "s3": "s3",
    "s3a": "s3",
    "gs": "gcs",
    "gcs": "gcs",
    "az": "azure",
    "abfs": "azure",
    "abfss": "azure",
}
"""URL scheme -> the augcli extra that installs its fsspec backend (``pip install augcli[s3]``)."""


def is_url(value: object) -> bool:
    """Whether ``value`` is a URL (``scheme://...``) rather than a local path."""
    return isinstance(value, str) and _URL.match(value) is not None


def file_url_path(url: str) -> str | None:
    """The local path of a ``file://`` URL (None for any other URL).

    Raises
    ------
    UsageError
        A ``file://`` URL naming another host.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        return None
    if parts.netloc not in ("", "localhost"):
        raise UsageError(f"{url}: a file:// URL must name a local path (file:///path)")
    return unquote(parts.path)


def check_key(key: str, label: str) -> str:
    """``key`` if it is a plain relative key (``a/b.jpg``), else UsageError (exit 2).

    Refused: empty, absolute (``/``), ``..`` or ``.`` segments, empty segments (``a//b``), a
    backslash-separated path, NUL, or control characters.
    """
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or any(ord(c) < 32 for c in key)
        or "\\" in key
    ):
        raise UsageError(
            f"{label} {key!r}: not a plain relative key (absolute, '..', '.', an empty "
            "segment, a backslash or a control character); augcli will not read or write it"
        )
    return key


def _reason(exc: BaseException) -> str:
    """A short reason that never quotes the store library's text (endpoints, signatures)."""
    if isinstance(exc, FileNotFoundError):
        return "no such object"
    if isinstance(exc, PermissionError):
        return "access denied"
    if isinstance(exc, IsADirectoryError):
        return "is a prefix (folder), not an object"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def _filesystem(url: str, label: str) -> tuple[Any, str]:
    """``(fsspec filesystem, path without protocol)`` of ``url``."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise UsageError(f"{label} {url}: URLs need fsspec: pip install fsspec") from None
    scheme = _URL.match(url)[1].lower()  # type: ignore[index]
    try:
        fs, path = url_to_fs(url)
    except ImportError:
        extra = EXTRAS.get(scheme, scheme)
        raise UsageError(
            f'{label} {url}: {scheme}:// needs its fsspec backend: pip install "augcli[{extra}]"'
        ) from None
    except ValueError:
        raise UsageError(f"{label} {url}: unknown URL scheme {scheme}://") from None
    return fs, path.rstrip("/")


@dataclass(frozen=True)
class Store:
    """A prefix in an object store (SRC, DST, a label source or destination).

    Attributes
    ----------
    url : str
        The URL as given (without a trailing ``/``): what messages show.
    label : str
        The argument or option that named it (``SRC``, ``DST``, ``--masks``).
    """

    url: str
    label: str

    @classmethod
    def open(cls, url: str, label: str) -> Store:
        """The store at ``url`` (its key part checked; the backend imported here)."""
        url = url.rstrip("/")
        scheme = _URL.match(url)
        if scheme is None:
            raise UsageError(f"{label} {url!r}: not a URL")
        rest = url[scheme.end() :]
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise UsageError(f"{label} {url!r}: no bucket or container")
        if prefix:
            check_key(prefix, label)
        _filesystem(url, label)
        return cls(url, label)

    @property
    def fs(self) -> Any:
        """The fsspec filesystem (fsspec caches instances; each process makes its own)."""
        return _filesystem(self.url, self.label)[0]

    @property
    def root(self) -> str:
        """The prefix as the filesystem names it (``bucket/prefix``)."""
        return _filesystem(self.url, self.label)[1]

    def url_of(self, key: str) -> str:
        """The URL of ``key`` under this prefix (``key`` checked)."""
        return f"{self.url}/{check_key(key, self.label)}" if key else self.url

    def _path(self, key: str) -> str:
        return f"{self.root}/{check_key(key, self.label)}"

    def child(self, key: str) -> Store:
        """The store at ``key`` under this prefix."""
        return Store(self.url_of(key), self.label) if key else self

    def files(self) -> Iterator[tuple[str, int]]:
        """``(key relative to the prefix, size)`` of every object under it, sorted by key.

        Keys that are not plain relative keys (``..``, empty segments) are yielded as they are:
        the caller decides (a walk refuses them, naming the key).
        """
        fs, root = self.fs, self.root
        fs.invalidate_cache()
        try:
            found = fs.find(root, detail=True)
        except FileNotFoundError:
            return
        except Exception as exc:
            raise UsageError(f"{self.label} {self.url}: cannot list it ({_reason(exc)})") from None
        prefix = root + "/"
        for path in sorted(found):
            info = found[path]
            if info.get("type", "file") != "file" or not path.startswith(prefix):
                continue
            yield path[len(prefix) :], int(info.get("size") or 0)

    def exists(self) -> bool:
        """Whether any object lies under the prefix, or an object has its exact name."""
        fs, root = self.fs, self.root
        fs.invalidate_cache()
        try:
            return bool(fs.exists(root))
        except Exception:
            return False

    def is_object(self) -> bool:
        """Whether the URL names one object (not a prefix)."""
        fs = self.fs
        fs.invalidate_cache()
        try:
            return bool(fs.isfile(self.root))
        except Exception:
            return False

    def size(self, key: str) -> int | None:
        """The size of object ``key`` (None: no such object)."""
        try:
            return int(self.fs.size(self._path(key)))
        except FileNotFoundError:
            return None
        except Exception as exc:
            raise OutputError(f"cannot examine {self.url_of(key)}: {_reason(exc)}") from None

    def read(self, key: str = "", cap: int = MAX_OBJECT) -> bytes:
        """The bytes of object ``key`` ("": the URL itself names it), at most ``cap``.

        Raises
        ------
        InputError
            No such object, unreadable, or larger than ``cap``.
        """
        path = self._path(key) if key else self.root
        shown = self.url_of(key)
        fs = self.fs
        try:
            size = fs.size(path)
            if size is not None and size > cap:
                raise InputError(
                    f"{self.label} {shown} is {size} bytes; the limit for this object is {cap}"
                )
            data = fs.cat_file(path, start=0, end=cap + 1) if size else b""
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"{self.label} {shown}: cannot read ({_reason(exc)})") from None
        if len(data) > cap:
            raise InputError(f"{self.label} {shown} is over {cap} bytes; the limit is {cap}")
        return bytes(data)

    def open_header(self, key: str) -> Any:
        """A seekable read handle on ``key`` that fetches blocks on demand (header probes)."""
        return self.fs.open(self._path(key), "rb", block_size=HEADER_BLOCK, cache_type="readahead")

    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` as object ``key`` in one piece (a reader sees all of it or none).

        Raises
        ------
        OutputError
            The store refused the write (the message names the URL, not the store's reply).
        """
        path = self._path(key)
        try:
            self.fs.pipe_file(path, data)
        except Exception as exc:
            raise OutputError(f"cannot write {self.url_of(key)}: {_reason(exc)}") from None

    def delete(self, key: str) -> None:
        """Remove object ``key`` (one already gone is not an error)."""
        try:
            self.fs.rm_file(self._path(key))
        except FileNotFoundError:
            pass
        except Exception as exc:
            raise OutputError(f"cannot remove {self.url_of(key)}: {_reason(exc)}") from None

    def digest(self, key: str) -> tuple[int, str] | None:
        """``(size, SHA-256 hex)`` of object ``key``'s bytes (None: no such object)."""
        try:
            data = self.fs.cat_file(self._path(key))
        except FileNotFoundError:
            return None
        except Exception as exc:
            raise OutputError(f"cannot read {self.url_of(key)}: {_reason(exc)}") from None
        return len(data), hashlib.sha256(data).hexdigest()


def split_url(url: str, label: str) -> tuple[Store, str]:
    """``(store of the parent prefix, last key segment)`` of an object URL."""
    url = url.rstrip("/")
    head, _, name = url.rpartition("/")
    if not name or head.endswith(":/") or head.endswith(":"):
        raise UsageError(f"{label} {url!r}: name an object (scheme://bucket/key)")
    return Store.open(head, label), check_key(name, label)


def read_url(url: str, label: str, cap: int = MAX_OBJECT) -> bytes:
    """The bytes of the object at ``url`` (see :meth:`Store.read`)."""
    store, name = split_url(url, label)
    return store.read(name, cap)


def write_url(url: str, data: bytes, label: str) -> None:
    """Put ``data`` as the object at ``url`` in one piece (see :meth:`Store.put`)."""
    store, name = split_url(url, label)
    store.put(name, data)
