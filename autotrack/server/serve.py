"""Start the server: check the settings, open the store once, then hand over to uvicorn.

Each uvicorn worker builds its own app and store from the environment this
process sets (`app.app_from_env`), so `--workers N` gives N processes sharing
one database (SQLite in WAL mode, or PostgreSQL). SIGTERM and Ctrl-C stop
accepting connections and let requests in flight finish: an answered write
is already in the database.
"""

from __future__ import annotations

import ipaddress
import os
import sys

from autotrack.exceptions import InvalidInput

__all__ = ["LOOPBACK_HOSTS", "is_loopback", "serve"]

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 5000, backend_store_uri: str = "./autotrack-runs",
          artifacts_destination: str | None = None, workers: int = 1, insecure_no_auth: bool = False) -> None:
    """Run the tracking server until SIGTERM or Ctrl-C."""
    from autotrack.optional import require

    require("uvicorn", "server", "autotrack server")
    require("starlette", "server", "autotrack server")
    import uvicorn

    from autotrack.server.app import ARTIFACTS_ENV, BACKEND_ENV
    from autotrack.server.state import ServerState
    from autotrack.tracking_uri import absolute_uri

    if workers < 1:
        raise InvalidInput(f"--workers must be at least 1, got {workers}.")
    if not is_loopback(host):
        if not insecure_no_auth:
            raise InvalidInput(
                f"Refusing to listen on {host}: the server has no authentication yet, so anyone who can reach "
                "this address could read and change every run. Bind to 127.0.0.1 (the default) and reach it "
                "through an SSH tunnel, or pass --insecure-no-auth if the network is yours alone."
            )
        print(f"WARNING: autotrack server on {host} without authentication: anyone who reaches it can read "
              "and change every run.", file=sys.stderr, flush=True)
    backend = absolute_uri(backend_store_uri)
    destination = os.path.abspath(artifacts_destination) if artifacts_destination else ""
    state = ServerState.open(backend, destination or None)  # creates the schema once, before the workers
    os.environ[BACKEND_ENV] = backend
    os.environ[ARTIFACTS_ENV] = destination
    print(f"autotrack server on http://{_url_host(host)}:{port} (store {backend}, artifacts {state.artifact_root}, "
          f"{workers} worker{'s' if workers > 1 else ''})", file=sys.stderr, flush=True)
    options = dict(host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=30)
    if workers == 1:  # this process serves: the store opened above is the one it uses
        from autotrack.server.app import create_app

        uvicorn.run(create_app(state), **options)
    else:
        uvicorn.run("autotrack.server.app:app_from_env", factory=True, workers=workers, **options)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
