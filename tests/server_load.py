"""Many client processes logging into one tracking server at once (issue 13, item 6).

Shared by `tests/server/test_load.py` (fewer clients: 2 cores here) and
`benchmarks/bench_server_load.py` (32 clients, against MLflow too). Each
client is a fresh Python process that logs one run: 20 params, N metrics with
steps in `log_batch` calls of 1,000 (MLflow's per-request limit, so both
clients send the same requests and each call can be timed), and 2 artifact
files. Clients import and connect first, then wait for "go" on stdin, so the
timed part is only the load on the server, all clients together.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

__all__ = ["AUTOTRACK_CLIENT", "MLFLOW_CLIENT", "LoadResult", "artifact_text", "check_runs", "run_clients"]

PARAMS = 20
BATCH = 1_000
ARTIFACTS = ("a.txt", "b.txt")


def artifact_text(client: int, name: str) -> str:
    return f"client {client} file {name}\n" * 200  # ~5 KB each


def metric_value(client: int, step: int) -> float:
    return client + 1.0 / (step + 1)


_COMMON = """
import json, os, sys, tempfile, time
url, index, n_metrics, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
params = {f"p{i}": f"{index}-{i}" for i in range(%(params)d)}
folder = tempfile.mkdtemp()
files = []
for name in %(artifacts)r:
    path = os.path.join(folder, name)
    with open(path, "w") as out:
        out.write((f"client {index} file {name}\\n") * 200)
    files.append(path)
latencies = []
""" % {"params": PARAMS, "artifacts": ARTIFACTS}

# The same workload for both clients: autotrack keeps MLflow's names (`import autotrack as mlflow`).
_WORKLOAD = """
from %(library)s.entities import Metric
mlflow.set_tracking_uri(url)
mlflow.set_experiment("load")
client = mlflow.MlflowClient()
print("ready", flush=True)
sys.stdin.readline()
start, cpu = time.perf_counter(), time.process_time()
with mlflow.start_run(run_name=f"client-{index}") as run:
    mlflow.log_params(params)
    now = int(time.time() * 1000)
    for first in range(0, n_metrics, batch):
        metrics = [Metric("loss", index + 1.0 / (step + 1), now, step) for step in range(first, min(first + batch, n_metrics))]
        sent = time.perf_counter()
        client.log_batch(run.info.run_id, metrics=metrics)
        latencies.append(time.perf_counter() - sent)
    for path in files:
        mlflow.log_artifact(path, "files")
print(json.dumps({"run_id": run.info.run_id, "seconds": time.perf_counter() - start,
                  "cpu_seconds": time.process_time() - cpu, "latencies": latencies}))
"""

AUTOTRACK_CLIENT = _COMMON + "\nimport autotrack as mlflow\n" + _WORKLOAD % {"library": "autotrack"}

MLFLOW_CLIENT = _COMMON + """
# MLflow 3.17's telemetry thread sets and unsets an environment variable while requests reads the
# environment: now and then a request fails with '_MLFLOW_TELEMETRY_SESSION_ID' (1 of 32 clients here).
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
import mlflow
""" + _WORKLOAD % {"library": "mlflow"}

@dataclass
class LoadResult:
    """What the clients did: their runs, how long all of them took together, each log_batch call's latency."""

    run_ids: dict[int, str] = field(default_factory=dict)
    total_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    client_seconds: list[float] = field(default_factory=list)  # each client's own time from "go" to its run's end
    client_cpu_seconds: float = 0.0  # CPU the clients spent on the load, all of them together

    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else float("nan")


def run_clients(program: str, url: str, clients: int, metrics: int, python: str = sys.executable,
                env: dict | None = None, timeout: float = 600.0) -> LoadResult:
    """Start `clients` processes of `program`, wait until all are ready, say go, collect what they report."""
    env = {**os.environ, "PYTHONWARNINGS": "default", **(env or {})}
    processes = [subprocess.Popen([python, "-c", program, url, str(i), str(metrics), str(BATCH)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env) for i in range(clients)]
    result = LoadResult()
    try:
        for process in processes:
            line = process.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"a client did not start: {line!r} {process.stderr.read()[-3000:]}")
        start = time.perf_counter()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        deadline = time.monotonic() + timeout
        outputs = []
        for process in processes:
            out, err = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
            outputs.append((process.returncode, out, err))
        result.total_seconds = time.perf_counter() - start
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for index, (code, out, err) in enumerate(outputs):
        if code != 0 or "Warning" in err or "Traceback" in err:
            result.errors.append(f"client {index} exited {code}: {err[-2000:]}")
            continue
        report = json.loads(out.strip().splitlines()[-1])
        result.run_ids[index] = report["run_id"]
        result.latencies.extend(report["latencies"])
        result.client_seconds.append(report["seconds"])
        result.client_cpu_seconds += report["cpu_seconds"]
    return result


def check_runs(url: str, result: LoadResult, metrics: int) -> list[str]:
    """Every run FINISHED with its 20 params, every metric value at its step, both files: what is missing."""
    import autotrack

    reader = autotrack.Client(url)
    problems = []
    for index, run_id in result.run_ids.items():
        run = reader.get_run(run_id)
        if run.info.status != "FINISHED":
            problems.append(f"client {index}: run is {run.info.status}")
        if run.data.params != {f"p{i}": f"{index}-{i}" for i in range(PARAMS)}:
            problems.append(f"client {index}: params {run.data.params}")
        history = sorted((m.step, m.value) for m in reader.get_metric_history(run_id, "loss"))
        if history != [(step, metric_value(index, step)) for step in range(metrics)]:
            problems.append(f"client {index}: {len(history)} of {metrics} metric values as logged")
        listed = sorted(f.path for f in reader.list_artifacts(run_id, "files"))
        if listed != [f"files/{name}" for name in ARTIFACTS]:
            problems.append(f"client {index}: artifacts {listed}")
            continue
        folder = reader.download_artifacts(run_id, "files")
        for name in ARTIFACTS:
            with open(os.path.join(folder, name)) as file:
                if file.read() != artifact_text(index, name):
                    problems.append(f"client {index}: {name} differs")
    return problems
