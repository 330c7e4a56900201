"""The store conformance suite (tests/test_store.py, tests/test_registry_store.py) over HTTP.

Same test functions, same assertions; `store` is an `HttpStore` talking to a
live server whose own store is SQLite (and PostgreSQL when configured).
"""

from __future__ import annotations

import pytest

import test_registry_store
import test_store

# A client may not choose a folder on the server: through a server, experiments keep their artifacts under
# the server's artifact root (an experiment with a local artifact_location is refused, tested below).
_NOT_OVER_HTTP = {"test_custom_artifact_location"}

for _module in (test_store, test_registry_store):
    for _name in dir(_module):
        if _name.startswith("test_") and _name not in _NOT_OVER_HTTP:
            globals()[_name] = getattr(_module, _name)
populated = test_store.populated


@pytest.fixture
def store(thread_server):
    from autotrack.store.http import HttpStore

    return HttpStore(thread_server.url)


def test_client_chosen_server_folder_is_refused(store, tmp_path):
    from autotrack.exceptions import InvalidInput

    with pytest.raises(InvalidInput, match="artifact root"):
        store.create_experiment("custom", artifact_location=str(tmp_path / "elsewhere"))
