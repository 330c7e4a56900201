"""A SQLite store file looked at before SQLite opens it, so that a broken one gets one line, not a traceback.

SQLite's own errors ("file is not a database", "unable to open database
file", "attempt to write a readonly database") name neither the file nor
the way out. `inspect` reads the 100-byte header and the permissions and
says which: not a database, truncated, a folder, unreadable, or read-only
(which is fine for reading: the store then opens the file read-only).
"""

from __future__ import annotations

import os
import sqlite3
from typing import Callable

from autotrack.exceptions import StoreUnusable

__all__ = ["inspect", "is_damage", "read_only_connector", "unusable"]

_HEADER = b"SQLite format 3\x00"
# SQLite's (and its driver's) words for a damaged file
_DAMAGE = ("malformed", "not a database", "unsupported file format", "could not decode to utf-8",
           "codec can't decode")


# (device, inode) of the database files this process has opened with SQLite.
opened: set[tuple[int, int]] = set()


def inspect(path: str) -> bool:
    """Raise `StoreUnusable` when `path` cannot be a SQLite store; else whether this process may write it.

    A file this process already holds SQLite connections on is not read again: closing any descriptor of
    a file drops every POSIX lock the process holds on it, its SQLite connections' included, and another
    process would then take them for gone (sqlite.org/howtocorrupt.html, 2.2).
    """
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise StoreUnusable(f"{path} is a folder, not a SQLite database: point the tracking URI at the folder "
                            "that holds autotrack.db, or at sqlite:///path/to/file.db.")
    if not os.path.exists(path):
        if not os.access(folder, os.W_OK):
            raise StoreUnusable(f"No store at {path}, and its folder {folder} is not writable, so none can be "
                                "created there: choose another tracking URI.")
        return True
    try:
        stat = os.stat(path)
        if (stat.st_dev, stat.st_ino) in opened:
            return os.access(path, os.W_OK) and os.access(folder, os.W_OK)
        with open(path, "rb") as handle:
            header = handle.read(100)
    except OSError as error:
        raise StoreUnusable(f"{path}: the store database cannot be read ({error.strerror}).") from None
    if header and not header.startswith(_HEADER[: len(header)]):
        start = header[:16].decode("ascii", "replace").split("\n")[0]
        begins = f"it begins {start!r}" if start and start.isprintable() and "\ufffd" not in start else "no SQLite header"
        raise StoreUnusable(f"{path} is not a SQLite database ({begins}): point the tracking URI at an autotrack "
                            "store, or move this file away.")
    if header:
        _check_length(path, header)
    return os.access(path, os.W_OK) and os.access(folder, os.W_OK)


def _check_length(path: str, header: bytes) -> None:
    """A file shorter than the page count its header records was cut short (a partial copy, a full disk).

    Not while a write-ahead log holds frames: a checkpoint that stopped midway (its process killed) has
    written page 1, with the new count, before the pages past the old end; the log still holds them all,
    and SQLite finishes the checkpoint from it.
    """
    wal = path + "-wal"
    if os.path.exists(wal) and os.path.getsize(wal) > 0:
        return
    size = os.path.getsize(path)
    if len(header) < 100:
        raise StoreUnusable(f"{path} is truncated: {size} bytes, shorter than a SQLite header. "
                            "Restore it from a copy, or move it away to start a new store.")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counted = header[24:28] == header[92:96]  # the header's page count is valid only when these agree
    if counted and pages and size < pages * page_size:
        raise StoreUnusable(f"{path} is truncated: {size:,} bytes of the {pages * page_size:,} its header records. "
                            "Restore it from a copy, or move it away to start a new store.")


def read_only_connector(path: str) -> Callable[[], sqlite3.Connection]:
    """Connections that read a store this process may not write.

    SQLite in WAL mode needs to create `-shm` and `-wal` files beside the
    database even to read; in a read-only folder it cannot. When no WAL is
    left over from a writer, the file is opened `immutable` (no lock files at
    all); when one is, read-only against the existing files, so its pages count.
    """
    wal, shm = path + "-wal", path + "-shm"
    leftover = os.path.exists(shm) and os.path.exists(wal) and os.path.getsize(wal) > 0
    mode = "mode=ro" if leftover else "mode=ro&immutable=1"
    from urllib.parse import quote

    uri = f"file:{quote(path)}?{mode}"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=60, check_same_thread=False)

    return connect


def is_damage(error: BaseException) -> bool:
    """Whether a database error says the file itself is damaged (met mid-use, on a page not read at open)."""
    message = str(getattr(error, "orig", None) or error).lower()
    return any(sign in message for sign in _DAMAGE)


def unusable(location: str, error: BaseException) -> StoreUnusable:
    """A database error met while opening a store, as one line naming the store and what is wrong."""
    message = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    lowered = message.lower()
    if any(sign in lowered for sign in _DAMAGE):
        what = (f"is damaged or not a SQLite database (SQLite: {message}). "
                "Restore it from a copy, or move it away to start a new store.")
    elif "readonly" in lowered or "read-only" in lowered:
        what = ("is read-only: reading works, writing needs write permission on the file and its folder "
                f"(SQLite: {message}).")
    elif "unable to open" in lowered:
        what = f"cannot be opened (SQLite: {message}): check that the file and its folder are readable."
    else:
        what = f"cannot be used: {message}"
    return StoreUnusable(f"The store {location} {what}")
