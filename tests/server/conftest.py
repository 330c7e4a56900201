"""Live servers for the server tests, all on 127.0.0.1 and stopped by the test that started them.

`server_process` runs `autotrack server` as a real process (what users run);
`thread_server` runs the same app under uvicorn in a thread of the test
process, with a fresh store per test, so the store conformance suite can run
over real HTTP at a few milliseconds per server.
"""

from __future__ import annotations

import socket
import threading

import pytest
from live_server import ServerProcess, free_port, wait_until_up

__all__ = ["ServerProcess", "free_port", "wait_until_up"]


@pytest.fixture
def server_process(tmp_path):
    started = ServerProcess(str(tmp_path / "server-store")).start()
    yield started
    assert started.stop()


class ThreadServer:
    """The server app under uvicorn in a thread, over a store made for one test."""

    def __init__(self, store, artifact_root: str):
        import uvicorn

        from autotrack.server.app import create_app
        from autotrack.server.state import ServerState

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(create_app(ServerState(store, artifact_root)), log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        wait_until_up(self.url)

    def stop(self) -> None:
        from autotrack.store.http import close_session

        close_session(self.url)
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@pytest.fixture
def thread_server(database_uri, tmp_path):
    """A server over a fresh SQLite (or, when configured, PostgreSQL) store."""
    from autotrack.store.sql import SqlStore

    store = SqlStore(database_uri, str(tmp_path / "server-artifacts"))
    server = ThreadServer(store, str(tmp_path / "server-artifacts"))
    yield server
    server.stop()
    store._engine.dispose()
