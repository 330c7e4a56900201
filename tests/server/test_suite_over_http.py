"""A slice of the existing suite (fluent API, registry) run unchanged against a live server.

Each test of `tests/test_fluent.py` and `tests/test_registry.py` listed here runs with the
tracking URI set to an `autotrack server` (uvicorn in a thread, its own SQLite store) instead
of a local folder: same assertions, `http://` store.
"""

from __future__ import annotations

import pytest

import autotrack
import test_fluent
import test_registry

from live_server import ThreadServer

SLICE = (test_fluent, test_registry)  # every test of these but those named in _LOCAL_ONLY
# Tests that choose their own store (URI forms, PostgreSQL, another folder) or run scripts pinned to
# a local folder: over HTTP they would not touch the server, so they are not counted in the slice.
_LOCAL_ONLY = {
    "test_tracking_uri_forms", "test_postgresql_tracking_uri_end_to_end", "test_unknown_tracking_uri_is_a_clear_error",
    "test_mlflow_style_script_runs_unchanged", "test_git_commit_tag_from_a_script_in_a_repository",
    "test_autotrack_run_id_attaches_start_run_to_an_existing_run",
    "test_a_client_for_another_store_registers_and_resolves_there",
}

for _module in SLICE:
    for _name in dir(_module):
        if _name.startswith("test_") and _name not in _LOCAL_ONLY:
            globals()[_name] = getattr(_module, _name)
for _name in ("data",):
    if hasattr(test_registry, _name):
        globals()[_name] = getattr(test_registry, _name)


@pytest.fixture(autouse=True)
def _over_http(_clean_fluent_state, tmp_path, monkeypatch):
    from autotrack.store.sql import SqlStore

    store = SqlStore(f"sqlite:///{tmp_path}/server.db", str(tmp_path / "server-artifacts"))
    server = ThreadServer(store, str(tmp_path / "server-artifacts"))
    autotrack.set_tracking_uri(server.url)
    monkeypatch.setenv("AUTOTRACK_TRACKING_URI", server.url)  # for the scripts some tests run
    yield server
    while autotrack.active_run():
        autotrack.end_run()
    server.stop()
    store._engine.dispose()
