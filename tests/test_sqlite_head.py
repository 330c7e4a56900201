"""A new SQLite store is made from the schema snapshot (`store/migrations/sqlite_head.py`), not by running
every migration: the snapshot must be exactly what the migrations make.

When a migration is added or changed, regenerate the snapshot: `.venv/bin/python tests/test_sqlite_head.py`.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from autotrack.store import schema
from autotrack.store.migrations import sqlite_head
from autotrack.store.sql import SqlStore

SNAPSHOT = Path(sqlite_head.__file__)


def _schema(path: Path) -> list[tuple]:
    """Every schema object SQLite holds, in creation order (autoindexes by name: they have no SQL)."""
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows; the Default experiment's times are the moment it was made."""
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {table: connection.execute(f'SELECT * FROM "{table}"').fetchall() for table in tables}
    found["experiments"] = [row[:4] for row in found["experiments"]]
    return found


def _migrated(folder: Path, monkeypatch) -> Path:
    """A new store made by running the migrations, as before the snapshot."""
    monkeypatch.setattr(sqlite_head, "REVISION", "none")
    SqlStore(f"sqlite:///{folder}/migrated.db", str(folder))._engine.dispose()
    monkeypatch.undo()
    return folder / "migrated.db"


def statements_of(path: Path) -> list[str]:
    """What the snapshot holds: the SQL of each object the migrations made, SQLite's own excluded."""
    return [sql for _type, name, _table, sql in _schema(path) if sql and not name.startswith("sqlite_")]


def test_the_snapshot_is_what_the_migrations_make(tmp_path, monkeypatch):
    migrated = _migrated(tmp_path, monkeypatch)
    assert sqlite_head.REVISION == schema.HEAD_REVISION, "regenerate: .venv/bin/python tests/test_sqlite_head.py"
    assert list(sqlite_head.STATEMENTS) == statements_of(migrated), \
        "the migrations changed: regenerate the snapshot with .venv/bin/python tests/test_sqlite_head.py"


def test_a_store_made_from_the_snapshot_equals_a_migrated_one(tmp_path, monkeypatch):
    migrated = _migrated(tmp_path, monkeypatch)
    store = SqlStore(f"sqlite:///{tmp_path}/new.db", str(tmp_path))
    assert "alembic" not in sys.modules or store  # (Alembic may be loaded by another test; the store is what counts)
    store._engine.dispose()
    assert _schema(tmp_path / "new.db") == _schema(migrated)
    assert _rows(tmp_path / "new.db") == _rows(migrated)
    with sqlite3.connect(tmp_path / "new.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    reopened = SqlStore(f"sqlite:///{tmp_path}/new.db", str(tmp_path))  # at head: opened as is
    assert reopened.get_experiment("0").name == "Default"
    reopened._engine.dispose()


def test_a_new_store_does_not_import_alembic(tmp_path):
    import subprocess

    code = ("import sys; from autotrack.store.sql import SqlStore; "
            f"SqlStore('sqlite:///{tmp_path}/s.db', '{tmp_path}'); print('alembic' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == ["False"]


def _write_snapshot() -> None:
    import tempfile

    from _pytest.monkeypatch import MonkeyPatch

    with tempfile.TemporaryDirectory() as folder:
        statements = statements_of(_migrated(Path(folder), MonkeyPatch()))
    body = "".join(f"    {statement!r},\n" for statement in statements)
    text = SNAPSHOT.read_text()
    head, _, _ = text.partition("REVISION = ")
    SNAPSHOT.write_text(f"{head}REVISION = {schema.HEAD_REVISION!r}\nSTATEMENTS = (\n{body})\n")
    print(f"wrote {SNAPSHOT}: {len(statements)} statements at revision {schema.HEAD_REVISION}")


if __name__ == "__main__":
    _write_snapshot()
