"""What `autotrack server --auth` costs a client: requests/s of a small read (`runs/get`) and metrics/s of
100,000 metrics logged through `HttpStore`, on an open server and on an `--auth` one (basic auth, whose
scrypt check is paid once per credential and then remembered, and a bearer token), in the same run.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from live_server import ServerProcess  # noqa: E402

REQUESTS = 2_000
METRICS = 100_000
USER = ("bench", "bench-pass-1")


def _server(folder: str, auth: bool) -> tuple[ServerProcess, str]:
    token = ""
    if auth:
        from autotrack.server.auth_store import AuthStore
        from autotrack.server.state import ServerState

        state = ServerState.open(folder)
        store = AuthStore(state.store)
        store.create_user(*USER)
        token = store.create_token(USER[0])[1]
        state.store._engine.dispose()
    return ServerProcess(folder, extra=("--auth",) if auth else ()).start(), token


def _reads(url: str, **client) -> tuple[float, float]:
    """(requests/s of runs/get, seconds of the first request: where a password's scrypt is paid)."""
    with httpx.Client(base_url=url, timeout=30, **client) as http:
        start = time.perf_counter()
        experiment = http.post("/api/2.0/mlflow/experiments/create", json={"name": f"e{time.time_ns()}"}).json()
        first = time.perf_counter() - start
        run = http.post("/api/2.0/mlflow/runs/create", json={"experiment_id": experiment["experiment_id"]}).json()
        run_id = run["run"]["info"]["run_id"]
        start = time.perf_counter()
        for _ in range(REQUESTS):
            assert http.get("/api/2.0/mlflow/runs/get", params={"run_id": run_id}).status_code == 200
        return REQUESTS / (time.perf_counter() - start), first


def _metrics_per_second(url: str, env: dict) -> float:
    from autotrack.store.http import HttpStore, close_session

    os.environ.update(env)
    close_session(url)
    try:
        store = HttpStore(url)
        experiment = store.create_experiment(f"m{time.time_ns()}")
        run = store.create_run(experiment, "r", "bench", int(time.time() * 1000), [])
        entries = [(run.info.run_id, "loss", float(i), 1, i) for i in range(METRICS)]
        start = time.perf_counter()
        store.log_metrics(entries)
        return METRICS / (time.perf_counter() - start)
    finally:
        for name in env:
            os.environ.pop(name, None)
        close_session(url)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        open_server, _ = _server(os.path.join(folder, "open"), auth=False)
        auth_server, token = _server(os.path.join(folder, "auth"), auth=True)
        try:
            # Alternated and best of 3: on a shared machine the order of runs would otherwise decide.
            rounds = [(_reads(open_server.url)[0], _reads(auth_server.url, auth=USER),
                       _reads(auth_server.url, headers={"Authorization": f"Bearer {token}"})[0],
                       _metrics_per_second(open_server.url, {}),
                       _metrics_per_second(auth_server.url, {"AUTOTRACK_TRACKING_USERNAME": USER[0],
                                                             "AUTOTRACK_TRACKING_PASSWORD": USER[1]}))
                      for _ in range(3)]
            open_rps = max(r[0] for r in rounds)
            basic_rps, first_basic = max(r[1][0] for r in rounds), rounds[0][1][1]
            token_rps = max(r[2] for r in rounds)
            open_mps, auth_mps = max(r[3] for r in rounds), max(r[4] for r in rounds)
        finally:
            open_server.stop()
            auth_server.stop()
    report("server_auth", {
        "runs_get_per_s_open": open_rps, "runs_get_per_s_basic_auth": basic_rps,
        "runs_get_per_s_token": token_rps, "basic_auth_vs_open": basic_rps / open_rps,
        "token_vs_open": token_rps / open_rps, "first_basic_request_s": first_basic,
        "metrics_per_s_open": open_mps, "metrics_per_s_basic_auth": auth_mps, "metrics_auth_vs_open": auth_mps / open_mps,
    })


if __name__ == "__main__":
    main()
