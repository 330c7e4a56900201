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
          artifacts_destination: str | None = None, workers: int = 1, insecure_no_auth: bool = False,
          auth: bool = False, auth_default_permission: str = "READ") -> None:
    """Run the tracking server until SIGTERM or Ctrl-C; with `auth`, users and permissions guard every route."""
    from autotrack.optional import require

    require("uvicorn", "server", "autotrack server")
    require("starlette", "server", "autotrack server")
    import uvicorn

    from autotrack.server.app import ARTIFACTS_ENV, BACKEND_ENV
    from autotrack.server.auth import AUTH_ENV
    from autotrack.server.state import ServerState
    from autotrack.tracking_uri import absolute_uri

    if workers < 1:
        raise InvalidInput(f"--workers must be at least 1, got {workers}.")
    if not is_loopback(host) and not auth:
        if not insecure_no_auth:
            raise InvalidInput(
                f"Refusing to listen on {host} without authentication: anyone who can reach this address could "
                "read and change every run. Pass --auth (create users first: `autotrack server users create "
                "NAME --admin`), bind to 127.0.0.1 (the default) and use an SSH tunnel, or pass "
                "--insecure-no-auth if the network is yours alone."
            )
        print(f"WARNING: autotrack server on {host} without authentication: anyone who reaches it can read "
              "and change every run.", file=sys.stderr, flush=True)
    backend = absolute_uri(backend_store_uri)
    destination = os.path.abspath(artifacts_destination) if artifacts_destination else ""
    state = ServerState.open(backend, destination or None)  # creates the schema once, before the workers
    settings = _auth_settings(state, auth, auth_default_permission)
    os.environ[AUTH_ENV] = settings.default_permission if settings else ""
    os.environ[BACKEND_ENV] = backend
    os.environ[ARTIFACTS_ENV] = destination
    print(f"autotrack server on http://{_url_host(host)}:{port} (store {backend}, artifacts {state.artifact_root}, "
          f"{workers} worker{'s' if workers > 1 else ''}, "
          f"{f'auth on, default permission {settings.default_permission}' if settings else 'no auth'})",
          file=sys.stderr, flush=True)
    options = dict(host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=30)
    if workers == 1:  # this process serves: the store opened above is the one it uses
        from autotrack.server.app import create_app

        uvicorn.run(create_app(state, settings), **options)
    else:
        uvicorn.run("autotrack.server.app:app_from_env", factory=True, workers=workers, **options)


def _auth_settings(state, auth: bool, default_permission: str):
    """`--auth` needs a user to sign in with: refuse to start a server nobody could use."""
    if not auth:
        return None
    from autotrack.server.auth import AuthSettings
    from autotrack.server.auth_store import LEVELS, AuthStore

    permission = str(default_permission).upper()
    if permission not in LEVELS:
        raise InvalidInput(f"--auth-default-permission '{default_permission}': use one of {', '.join(LEVELS)}.")
    if not AuthStore(state.store).count_users():
        raise InvalidInput("--auth needs at least one user: run `autotrack server users create NAME --admin "
                           "--backend-store-uri <the same store>` first.")
    return AuthSettings(permission)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
