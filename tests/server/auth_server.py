"""`autotrack server --auth` as a real process for the auth tests, with three users made beforehand:
an admin, alice and bob (plain users), and helpers to call it as any of them."""

from __future__ import annotations

import http.client

import httpx
from live_server import ServerProcess

ADMIN = ("admin", "admin-pass-1")
ALICE = ("alice", "alice-pass-1")
BOB = ("bob", "bob-pass-12")
API = "/api/2.0/mlflow"


def start_auth_server(folder, default_permission: str = "READ", extra: tuple[str, ...] = (),
                      backend: str | None = None) -> ServerProcess:
    """On a folder store under `folder`, or on `backend` (a database URI) with artifacts under `folder`."""
    from autotrack.server.auth_store import AuthStore
    from autotrack.server.state import ServerState

    if backend is not None:
        extra = ("--artifacts-destination", str(folder / "artifacts"), *extra)
    backend = backend or str(folder / "auth-store")
    state = ServerState.open(backend, str(folder / "artifacts") if "://" in backend else None)
    auth = AuthStore(state.store)
    for (name, password), admin in ((ADMIN, True), (ALICE, False), (BOB, False)):
        auth.create_user(name, password, admin)
    state.store._engine.dispose()
    return ServerProcess(backend, extra=("--auth", "--auth-default-permission", default_permission, *extra)).start()


class As:
    """Calls to the server as one user (or nobody)."""

    def __init__(self, url: str, credentials=None):
        self.url = url
        self.client = httpx.Client(base_url=url, auth=credentials, timeout=30)

    def get(self, endpoint: str, **params) -> httpx.Response:
        return self.client.get(API + endpoint, params=params)

    def post(self, endpoint: str, body: dict | None = None, method: str = "POST") -> httpx.Response:
        return self.client.request(method, API + endpoint, json=body or {})

    def create_experiment(self, name: str) -> str:
        answer = self.post("/experiments/create", {"name": name})
        assert answer.status_code == 200, answer.text
        return answer.json()["experiment_id"]

    def create_run(self, experiment_id: str) -> str:
        answer = self.post("/runs/create", {"experiment_id": experiment_id})
        assert answer.status_code == 200, answer.text
        return answer.json()["run"]["info"]["run_id"]


def raw(url: str, method: str, path: str, credentials=None, body: bytes | None = None) -> tuple[int, bytes, dict]:
    """A request with the path sent byte for byte as given (httpx would normalize `//`, `%2F`, `..`)."""
    import base64

    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Content-Type": "application/json"}
    if credentials:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(credentials).encode()).decode()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()
