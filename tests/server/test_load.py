"""Many client processes at once through one `autotrack server --workers 4` on SQLite (issue 13, item 6).

The issue's load is 32 clients; on this 2-core machine the test runs 8 real
client processes (5,000 metrics with steps, 20 params and 2 files each) and
`benchmarks/bench_server_load.py` runs the 32, with figures beside MLflow's.
"""

from __future__ import annotations

import pytest
from server_load import AUTOTRACK_CLIENT, MLFLOW_CLIENT, check_runs, run_clients

from live_server import ServerProcess

CLIENTS = 8
METRICS = 5_000


@pytest.fixture
def four_workers(tmp_path):
    server = ServerProcess(str(tmp_path / "store"), extra=("--workers", "4")).start()
    yield server
    assert server.stop()


@pytest.mark.timeout(600)
def test_eight_clients_at_once_lose_nothing(four_workers):
    result = run_clients(AUTOTRACK_CLIENT, four_workers.url, CLIENTS, METRICS)
    assert result.errors == []
    assert len(result.run_ids) == CLIENTS and len(set(result.run_ids.values())) == CLIENTS
    assert len(result.latencies) == CLIENTS * METRICS // 1_000
    assert check_runs(four_workers.url, result, METRICS) == []


@pytest.mark.timeout(600)
def test_mlflow_clients_at_once_lose_nothing(four_workers):
    pytest.importorskip("mlflow")
    result = run_clients(MLFLOW_CLIENT, four_workers.url, 4, 2_000)
    assert result.errors == []
    assert check_runs(four_workers.url, result, 2_000) == []
