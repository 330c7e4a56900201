"""Shared fixtures: a fresh store per test, SQLite always, PostgreSQL when configured."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid

import pytest

import autotrack
from autotrack import fluent, tracking_uri

POSTGRES_ENV = "AUTOTRACK_TEST_POSTGRES_URI"
# A local Ray started by a test uses 127.0.0.1 for its node, never the machine's network address.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
# The model-signing key of this test session, not the user's own (~/.autotrack).
os.environ["AUTOTRACK_HOME"] = tempfile.mkdtemp(prefix="autotrack-home-")


@pytest.fixture(autouse=True)
def _clean_fluent_state(tmp_path, monkeypatch):
    """Each test logs to its own folder and starts with no active run or experiment."""
    monkeypatch.chdir(tmp_path)
    for name in ("AUTOTRACK_RUN_ID", "AUTOTRACK_TRACKING_URI", "AUTOTRACK_EXPERIMENT_NAME", "AUTOTRACK_EXPERIMENT_ID"):
        monkeypatch.delenv(name, raising=False)
    tracking_uri.set_tracking_uri(str(tmp_path / "autotrack-runs"))
    yield
    while autotrack.active_run():
        autotrack.end_run()
    if "autotrack.context" in sys.modules:  # context files a test left pending (e.g. for a server it stopped)
        sys.modules["autotrack.context"]._forget_after_fork()  # are not the next test's to upload
    if "autotrack.deferred" in sys.modules:  # nor are artifacts autologging deferred (autotrack.deferred)
        sys.modules["autotrack.deferred"].forget()
    tracking_uri._current_uri = None
    fluent._experiment_id = None
    fluent._last_run_id = None


@pytest.fixture
def client():
    return autotrack.Client()


def _postgres_database(base_uri: str):
    import sqlalchemy as sa

    name = f"autotrack_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_uri, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    uri = sa.engine.make_url(base_uri).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return uri, drop


@pytest.fixture
def postgres_uri():
    """A new empty PostgreSQL database made for this test, dropped after it."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (CI sets it; see .ci/run)")
    uri, drop = _postgres_database(base)
    yield uri
    from autotrack.tracking_uri import _stores

    for key in [k for k in _stores if k[0] == uri]:
        _stores.pop(key)[0]._engine.dispose()
    drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_uri(request, tmp_path):
    """A new empty database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.db"
    return request.getfixturevalue("postgres_uri")


@pytest.fixture
def store(database_uri, tmp_path):
    from autotrack.store.sql import SqlStore

    created = SqlStore(database_uri, str(tmp_path / "artifacts"))
    yield created
    created._engine.dispose()
