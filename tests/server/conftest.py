"""Live servers for the server tests, all on 127.0.0.1 and stopped by the test that started them.

`server_process` runs `autotrack server` as a real process (what users run);
`thread_server` runs the same app under uvicorn in a thread of the test
process, with a fresh store per test, so the store conformance suite can run
over real HTTP at a few milliseconds per server.
"""

from __future__ import annotations

import pytest
from live_server import ServerProcess, ThreadServer


@pytest.fixture
def server_process(tmp_path):
    started = ServerProcess(str(tmp_path / "server-store")).start()
    yield started
    assert started.stop()


@pytest.fixture
def thread_server(database_uri, tmp_path):
    """A server over a fresh SQLite (or, when configured, PostgreSQL) store."""
    from autotrack.store.sql import SqlStore

    store = SqlStore(database_uri, str(tmp_path / "server-artifacts"))
    server = ThreadServer(store, str(tmp_path / "server-artifacts"))
    yield server
    server.stop()
    store._engine.dispose()
