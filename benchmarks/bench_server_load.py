"""32 client processes at once through one tracking server with 4 workers on SQLite (issue 13, item 6).

Each client logs one run: 20 params, 5,000 metrics with steps in log_batch
calls of 1,000 (MLflow's limit per request, so both clients send the same
requests), 2 artifact files. Timed from "go" (every client imported and
connected) until the last client is done; p99 is over every log_batch call.
Runs, in one go:
- autotrack's client against `autotrack server --workers 4`, every row and file checked afterwards;
- MLflow's client (mlflow-skinny, in this environment) against the same kind of server;
- MLflow's client against `mlflow server --workers 4` when `BENCH_MLFLOW_PYTHON` (default
  /tmp/benchvenv/bin/python) has the full MLflow with its server.
Targets: total >= 10x shorter than through `mlflow server`; p99 of log_batch < 100 ms.
`BENCH_CLIENTS` and `BENCH_METRICS` change the load. autotrack's clients run with
AUTOTRACK_CAPTURE=none (MLflow's client records no run context either). Beside wall times,
the CPU seconds the servers (all workers) and the clients spent are printed: on a machine
shared with other work they say more than wall times, which grow with everything else running.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from _common import report, user_env  # noqa: E402
from bench_server import MLFLOW_PYTHON, first_answer, free_port, mlflow_available, stop, tree_cpu_seconds  # noqa: E402
from live_server import ServerProcess  # noqa: E402
from server_load import AUTOTRACK_CLIENT, MLFLOW_CLIENT, check_runs, run_clients  # noqa: E402

# The server's workers and the clients are fresh processes: they cache their bytecode, as users' do.
os.environ.clear()
os.environ.update(user_env())
ENV = {"AUTOTRACK_CAPTURE": "none"}
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
METRICS = int(os.environ.get("BENCH_METRICS", "5000"))
WORKERS = "4"


def loaded(name: str, program: str, url: str, pid: int, strict: bool = True, **options) -> dict:
    """Run the load against a server (its process `pid`) and return its figures."""
    before = tree_cpu_seconds(pid)
    result = run_clients(program, url, CLIENTS, METRICS, **options)
    figures = figures_of(name, result, strict)
    figures[f"{name}_server_cpu_s"] = tree_cpu_seconds(pid) - before
    return figures, result


def figures_of(name: str, result, strict: bool = True) -> dict:
    """Figures of one load; a failed client stops the benchmark for autotrack, and is counted for MLflow."""
    if result.errors and strict:
        raise RuntimeError(f"{name}: {len(result.errors)} clients failed; first: {result.errors[0]}")
    ordered = sorted(result.latencies) or [float("nan")]
    found = {f"{name}_total_s": result.total_seconds,
             f"{name}_slowest_client_s": max(result.client_seconds, default=float("nan")),
             f"{name}_log_batch_p50_ms": ordered[len(ordered) // 2] * 1000,
             f"{name}_log_batch_p99_ms": result.p99_ms(),
             f"{name}_log_batch_calls": len(result.latencies), f"{name}_failed_clients": len(result.errors),
             f"{name}_clients_cpu_s": result.client_cpu_seconds}
    if result.errors:
        found[f"{name}_first_error"] = result.errors[0][-300:]
    return found


def through_autotrack(folder: str) -> dict:
    server = ServerProcess(os.path.join(folder, "autotrack-store"), extra=("--workers", WORKERS)).start()
    try:
        figures, result = loaded("autotrack", AUTOTRACK_CLIENT, server.url, server.process.pid, env=ENV)
        problems = check_runs(server.url, result, METRICS)
        if problems:
            raise RuntimeError(f"rows or files missing after the load: {problems[:5]}")
        figures["autotrack_runs_checked"] = len(result.run_ids)
        if importlib.util.find_spec("mlflow") is not None:
            figures.update(loaded("mlflow_client_autotrack_server", MLFLOW_CLIENT, server.url, server.process.pid,
                                  strict=False)[0])
    finally:
        stop(server.process)
    return figures


def through_mlflow_server(folder: str) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    _, process = first_answer(
        [MLFLOW_PYTHON, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{folder}/mlflow.db", "--artifacts-destination", f"{folder}/mlflow-artifacts",
         "--workers", WORKERS],
        f"{url}/api/2.0/mlflow/experiments/search?max_results=1")
    try:
        figures, _ = loaded("mlflow_server", MLFLOW_CLIENT, url, process.pid, strict=False, python=MLFLOW_PYTHON,
                            env={"PYTHONWARNINGS": "ignore"})
    finally:
        stop(process)
    return figures


def main() -> None:
    figures: dict = {"clients": CLIENTS, "metrics_per_client": METRICS, "server_workers": int(WORKERS)}
    with tempfile.TemporaryDirectory() as folder:
        figures.update(through_autotrack(folder))
        if mlflow_available():
            figures.update(through_mlflow_server(folder))
            figures["total_speedup_vs_mlflow_server"] = figures["mlflow_server_total_s"] / figures["autotrack_total_s"]
        else:
            figures["mlflow_server"] = f"not run: no full MLflow at {MLFLOW_PYTHON} (mlflow-skinny has no server)"
    report("server_load", figures)


if __name__ == "__main__":
    main()
