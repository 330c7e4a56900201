"""The tracking server: start to first answered request, and metrics/s logged over HTTP.

autotrack: `autotrack server` (SQLite store in a folder), clients through `HttpStore`.
MLflow (when `BENCH_MLFLOW_PYTHON`, default /tmp/benchvenv/bin/python, has a
full MLflow): `mlflow server` on a sqlite:/// store, and MLflow's client
logging with `mlflow.log_metric` (one synchronous request per call, so fewer
calls; compared as metrics per second).
MLflow's client from this environment (mlflow-skinny, when installed) also logs
against autotrack's own server, so the client comparison is made on one server.
Targets: start < 2 s and >= 20x faster than `mlflow server`; 100,000 metrics
durable at >= 50,000 metrics/s and >= 100x MLflow's client; a filtered
`search_runs` over 5,000 runs through the server in < 30 ms (median of 20).
MLflow's client logs MLFLOW_N metrics (one request each: 100,000 would take
about half an hour); the comparison is of metrics per second.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from _common import report, user_env

N = 100_000
MLFLOW_N = 1_000
MLFLOW_PYTHON = os.environ.get("BENCH_MLFLOW_PYTHON", "/tmp/benchvenv/bin/python")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def first_answer(command: list[str], url: str, timeout: float = 180.0) -> tuple[float, subprocess.Popen]:
    """Seconds from starting `command` to the first 200 from `url` (an API call, not just a port); the
    process may cache its bytecode, as users' do (`user_env`)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=user_env())
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - start, process
        except OSError:
            time.sleep(0.01)
    process.kill()
    raise TimeoutError(f"{command[0]} did not answer {url} within {timeout} s")


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children: a server with all its workers."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


def start_autotrack(folder: str) -> tuple[float, subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    seconds, process = first_answer(
        [sys.executable, "-m", "autotrack", "server", "--port", str(port), "--backend-store-uri", folder],
        f"{url}/api/2.0/mlflow/experiments/search?max_results=1")
    return seconds, process, url


def bench_metrics(url: str, server_pid: int) -> dict:
    """100,000 metrics until durable; also the CPU seconds client and server spent on them, which on a
    machine shared with other work say more than the wall time (it grows with everything else running)."""
    os.environ.setdefault("AUTOTRACK_CAPTURE", "none")
    import autotrack

    autotrack.set_tracking_uri(url)
    client = autotrack.Client()
    with autotrack.start_run() as run:
        for step in range(100):  # warm up: the connection pool, the writer thread
            autotrack.log_metric("warmup", 0.0, step=step)
        autotrack.flush()
        start, cpu, server_cpu = time.perf_counter(), time.process_time(), tree_cpu_seconds(server_pid)
        for step in range(N):
            autotrack.log_metric("loss", 1.0 / (step + 1), step=step)
        autotrack.flush()
        seconds, cpu, server_cpu = (time.perf_counter() - start, time.process_time() - cpu,
                                    tree_cpu_seconds(server_pid) - server_cpu)
    assert len(client.get_metric_history(run.info.run_id, "loss")) == N
    return {"autotrack_metrics_s": seconds, "autotrack_metrics_per_s": N / seconds,
            "autotrack_metrics_client_cpu_s": cpu, "autotrack_metrics_server_cpu_s": server_cpu,
            "autotrack_metrics_per_cpu_s": N / (cpu + server_cpu)}


def bench_search(folder: str, n_runs: int = 5_000) -> dict:
    """A filtered search over 5,000 runs through the server (runs written straight into its store first)."""
    from autotrack.entities import Metric, Param
    from autotrack.store.http import HttpStore
    from autotrack.store.sql import SqlStore

    store_folder = os.path.join(folder, "search-store")
    os.makedirs(store_folder)
    local = SqlStore(f"sqlite:///{store_folder}/autotrack.db", os.path.join(store_folder, "artifacts"))
    for i in range(n_runs):
        run = local.create_run("0", f"run-{i}", "bench", 1000 + i, params=[Param("model", ("rf", "gbm", "lin")[i % 3])])
        local.log_batch(run.info.run_id, metrics=[Metric("rmse", (i % 100) / 100, 1, 0)])
    local._engine.dispose()
    seconds, process, url = start_autotrack(store_folder)
    try:
        remote = HttpStore(url)
        query = "metrics.rmse < 0.05 and params.model = 'rf'"
        found, _ = remote.search_runs(["0"], query, max_results=1000)
        timings = []
        for _ in range(20):
            start = time.perf_counter()
            remote.search_runs(["0"], query, max_results=1000)
            timings.append(time.perf_counter() - start)
    finally:
        stop(process)
    return {"search_5000_runs_ms": sorted(timings)[len(timings) // 2] * 1000, "search_matches": len(found)}


def mlflow_available() -> bool:
    return os.path.exists(MLFLOW_PYTHON) and subprocess.run(
        [MLFLOW_PYTHON, "-c", "import mlflow.server, flask"], capture_output=True).returncode == 0


MLFLOW_CLIENT = """
import sys, time, mlflow
mlflow.set_tracking_uri(sys.argv[1])
n = int(sys.argv[2])
with mlflow.start_run():
    for step in range(20):
        mlflow.log_metric("warmup", 0.0, step=step)
    start = time.perf_counter()
    for step in range(n):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    print("SECONDS", time.perf_counter() - start)
"""


def mlflow_client_seconds(python: str, url: str) -> float:
    """Seconds MLflow's client (in `python`) takes to log MLFLOW_N metrics to the server at `url`."""
    out = subprocess.run([python, "-c", MLFLOW_CLIENT, url, str(MLFLOW_N)], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return float(next(line for line in out.stdout.splitlines() if line.startswith("SECONDS")).split()[1])


def bench_mlflow_client_on_autotrack(url: str) -> dict:
    """MLflow's client (mlflow-skinny here) against autotrack's server: the same server for both clients."""
    per_s = MLFLOW_N / mlflow_client_seconds(sys.executable, url)
    return {"mlflow_client_on_autotrack_metrics_per_s": per_s}


def bench_mlflow(folder: str) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    seconds, process = first_answer(
        [MLFLOW_PYTHON, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{folder}/mlflow.db", "--artifacts-destination", f"{folder}/artifacts",
         "--workers", "1"],
        f"{url}/api/2.0/mlflow/experiments/search?max_results=1")
    try:
        logging_s = mlflow_client_seconds(MLFLOW_PYTHON, url)
    finally:
        stop(process)
    return {"mlflow_start_s": seconds, "mlflow_metrics_per_s": MLFLOW_N / logging_s}


def main() -> None:
    figures: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        starts = []
        for attempt in range(4):  # a warm-up start writes the bytecode caches, as a user's first start does
            seconds, process, url = start_autotrack(os.path.join(folder, f"store-{attempt}"))
            starts.append(seconds)
            if attempt < 3:
                stop(process)
        figures["autotrack_start_s"] = sorted(starts[1:])[1]  # the median of three, each on a new store
        try:
            figures.update(bench_metrics(url, process.pid))
            if importlib.util.find_spec("mlflow") is not None:
                figures.update(bench_mlflow_client_on_autotrack(url))
                figures["metrics_speedup_same_server"] = (
                    figures["autotrack_metrics_per_s"] / figures["mlflow_client_on_autotrack_metrics_per_s"])
        finally:
            stop(process)
        figures.update(bench_search(folder))
        if mlflow_available():
            figures.update(bench_mlflow(folder))
            figures["start_speedup"] = figures["mlflow_start_s"] / figures["autotrack_start_s"]
            figures["metrics_speedup"] = figures["autotrack_metrics_per_s"] / figures["mlflow_metrics_per_s"]
    report("server", figures)


if __name__ == "__main__":
    main()
