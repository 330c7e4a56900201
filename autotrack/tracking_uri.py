"""Tracking URIs: which store a process logs to.

Forms:
- a folder path (default `./autotrack-runs`) or `file:///path`: an embedded
  SQLite database `autotrack.db` plus an `artifacts/` folder inside it;
- `sqlite:///path/to.db`: that database, artifacts in `autotrack-artifacts/`
  beside it;
- `postgresql://user:password@host:port/db`: a shared database, artifacts in
  `$AUTOTRACK_ARTIFACT_ROOT` (default `./autotrack-artifacts`).
`AUTOTRACK_ARTIFACT_ROOT` overrides the artifact folder for every form.
"""

from __future__ import annotations

import os
import threading

from autotrack.exceptions import InvalidInput, StoreUnusable

__all__ = [
    "DEFAULT_TRACKING_URI",
    "TRACKING_URI_ENV",
    "absolute_uri",
    "get_tracking_uri",
    "require_existing_store",
    "resolve_store_location",
    "set_tracking_uri",
    "store_for",
]

DEFAULT_TRACKING_URI = "./autotrack-runs"
TRACKING_URI_ENV = "AUTOTRACK_TRACKING_URI"
ARTIFACT_ROOT_ENV = "AUTOTRACK_ARTIFACT_ROOT"

_current_uri: str | None = None
_stores: dict[tuple[str, str], object] = {}
_stores_lock = threading.Lock()


def set_tracking_uri(uri: str) -> None:
    """Where this process logs from now on (fluent API and `Client()` alike)."""
    global _current_uri
    _current_uri = str(uri)


def get_tracking_uri() -> str:
    return _current_uri or os.environ.get(TRACKING_URI_ENV) or DEFAULT_TRACKING_URI


def resolve_store_location(uri: str) -> tuple[str, str]:
    """(database URI, artifact root) for a tracking URI; raises on unknown forms."""
    artifact_root = os.environ.get(ARTIFACT_ROOT_ENV)
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    if uri.startswith("sqlite:"):
        path = uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else ""
        if not path or path.startswith(":memory:"):
            raise InvalidInput(
                f"Tracking URI '{uri}' has no database file: use sqlite:///path/to/file.db "
                "(an in-memory database would vanish between connections)."
            )
        path = os.path.abspath(path)
        _make_folder(os.path.dirname(path), uri)
        return f"sqlite:///{path}", os.path.abspath(artifact_root or os.path.join(os.path.dirname(path), "autotrack-artifacts"))
    if uri.startswith(("postgresql:", "postgresql+", "postgres:")):
        return uri, os.path.abspath(artifact_root or "autotrack-artifacts")
    if uri.startswith(("http://", "https://")):
        return uri, ""  # an `autotrack server`: artifacts go through it (HttpStore)
    if "://" in uri or uri.startswith(("mysql", "mssql", "databricks")):
        raise InvalidInput(
            f"Unknown tracking URI '{uri}'. Use a folder path (default ./autotrack-runs), "
            "sqlite:///path.db or postgresql://user@host/db."
        )
    folder = os.path.abspath(uri)
    if os.path.isfile(folder):
        hint = f" It is a SQLite database: use sqlite:///{folder}" if _is_sqlite(folder) else ""
        raise StoreUnusable(f"{folder} is a file, not a store folder: a tracking URI that is a path names a folder "
                            f"holding autotrack.db and artifacts/.{hint}")
    _make_folder(folder, uri)
    return f"sqlite:///{os.path.join(folder, 'autotrack.db')}", os.path.abspath(
        artifact_root or os.path.join(folder, "artifacts")
    )


def _make_folder(folder: str, uri: str) -> None:
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:  # a file in the way, no permission, a read-only file system
        raise StoreUnusable(f"Tracking URI '{uri}': the folder {folder} cannot be created "
                            f"({error.strerror}: {error.filename}).") from None


def _is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def require_existing_store(uri: str) -> None:
    """Raise `StoreUnusable` when a path or sqlite:/// URI names no store: commands that only read create none.

    A mistyped `--tracking-uri` would otherwise become a new empty store and an empty table."""
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    if uri.startswith("sqlite:///"):
        path = os.path.abspath(uri[len("sqlite:///"):])
        if not os.path.exists(path):
            raise StoreUnusable(f"No store at {path}: the database file does not exist. Check the tracking URI "
                                "(--tracking-uri or $AUTOTRACK_TRACKING_URI); logging to it creates it.")
        return
    if "://" in uri or uri.startswith(("sqlite:", "postgres")):
        return  # a database server or tracking server: it answers for itself
    folder = os.path.abspath(uri)
    if os.path.isfile(folder) or os.path.exists(os.path.join(folder, "autotrack.db")):
        return  # a file in the way is said by resolve_store_location
    what = "the folder holds no autotrack.db" if os.path.isdir(folder) else "the folder does not exist"
    raise StoreUnusable(f"No store at {folder}: {what}. Check the tracking URI (--tracking-uri or "
                        "$AUTOTRACK_TRACKING_URI); logging to it creates it.")


def absolute_uri(uri: str) -> str:
    """The same store named so that another process, in another folder, finds it too."""
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return "sqlite:///" + os.path.abspath(uri[len("sqlite:///"):])
    if "://" in uri or uri.startswith(("sqlite:", "postgres")):
        return uri
    return os.path.abspath(uri)


def store_for(uri: str):
    """The process-wide (store, writer) pair for a tracking URI, created once."""
    location = resolve_store_location(uri)
    found = _stores.get(location)
    if found is None:
        with _stores_lock:
            found = _stores.get(location)
            if found is None:
                found = _stores[location] = _open(location)
    return found


def _open(location: tuple[str, str]):
    """A new (store, writer): the first one imports SQLAlchemy (or the HTTP client) and may migrate a database."""
    from autotrack import gc_pause

    with gc_pause.paused():
        from autotrack.writer import BackgroundWriter

        if location[0].startswith(("http://", "https://")):
            from autotrack.store.http import HttpStore

            store = HttpStore(location[0])
        else:
            from autotrack.store.sql import SqlStore

            store = SqlStore(*location)
        return store, BackgroundWriter(store)


def _after_fork_in_child() -> None:
    for store, writer in _stores.values():
        store.after_fork()
        writer.after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
