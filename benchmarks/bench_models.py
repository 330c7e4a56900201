"""Models: `log_model` time, and `autotrack models serve` start time, latency and throughput.

- log_model of a fitted LogisticRegression (2,000 x 20) and of an XGBoost booster (100 trees):
  median of repeated calls after a first (cold) one; against MLflow's log_model when installed.
  Target: at most 50 ms each.
- serve: the LogisticRegression behind `autotrack models serve` (one worker), single-row
  `POST /invocations` with `dataframe_split` over keep-alive HTTP (http.client): p50 and p99
  latency of sequential requests, and requests/s with 4 client processes.
  Targets: p50 < 5 ms, p99 < 20 ms, >= 500 requests/s; start < 3 s.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from _common import mlflow_available, report

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))


def models():
    import numpy as np
    import xgboost as xgb
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
    logistic = LogisticRegression(max_iter=500).fit(X, y)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 6, "nthread": 2}, xgb.DMatrix(X, label=y), 100)
    return X.astype(np.float64), logistic, booster


def log_model_times(flavors, X, logistic, booster, repeat: int) -> dict:
    """(cold, median warm) seconds of log_model for both models, each call into a new run."""
    tracking, sklearn_flavor, xgboost_flavor = flavors
    out = {}
    for name, flavor, model in (("logistic", sklearn_flavor, logistic), ("xgboost", xgboost_flavor, booster)):
        times = []
        for _ in range(repeat + 1):
            with tracking.start_run():
                start = time.perf_counter()
                flavor.log_model(model, "model", input_example=X[:3])
                times.append(time.perf_counter() - start)
        out[name] = (times[0], statistics.median(times[1:]))
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(connection: http.client.HTTPConnection, body: bytes) -> bytes:
    connection.request("POST", "/invocations", body, {"Content-Type": "application/json"})
    answer = connection.getresponse()
    data = answer.read()
    if answer.status != 200:
        raise RuntimeError(f"{answer.status}: {data!r}")
    return data


def _hammer(port: int, body: bytes, seconds: float, counts) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    done, stop = 0, time.perf_counter() + seconds
    while time.perf_counter() < stop:
        _post(connection, body)
        done += 1
    counts.put(done)


def serve_figures(model_uri: str, row: list[float], cwd: str) -> dict:
    port = _free_port()
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "autotrack.cli", "models", "serve", "-m", model_uri, "--port", str(port)], cwd=cwd,
                              stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port)
                connection.request("GET", "/ping")
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.01)
        started = time.perf_counter() - start
        body = json.dumps({"dataframe_split": {"columns": [f"f{i}" for i in range(len(row))], "data": [row]}}).encode()
        for _ in range(300):
            _post(connection, body)
        latencies = []
        for _ in range(REQUESTS):
            begin = time.perf_counter()
            _post(connection, body)
            latencies.append(time.perf_counter() - begin)
        latencies.sort()
        counts = multiprocessing.Queue()
        clients = [multiprocessing.Process(target=_hammer, args=(port, body, 3.0, counts)) for _ in range(4)]
        for client in clients:
            client.start()
        total = sum(counts.get() for _ in clients)
        for client in clients:
            client.join()
        return {
            "serve_start_s": started,
            "serve_p50_ms": latencies[len(latencies) // 2] * 1000,
            "serve_p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
            "serve_requests_per_s_4_clients": total / 3.0,
            "serve_requests_per_s_1_client": 1 / statistics.mean(latencies),
        }
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    import pandas as pd

    import autotrack
    import autotrack.sklearn
    import autotrack.xgboost

    X, logistic, booster = models()
    figures: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        autotrack.set_tracking_uri(os.path.join(folder, "autotrack-runs"))
        times = log_model_times((autotrack, autotrack.sklearn, autotrack.xgboost), X, logistic, booster, REPEAT)
        for name, (cold, warm) in times.items():
            figures[f"log_model_{name}_first_ms"] = cold * 1000
            figures[f"log_model_{name}_ms"] = warm * 1000
        # a model with named columns and its signature, as a served model usually has
        columns = [f"f{i}" for i in range(X.shape[1])]
        framed = type(logistic)(max_iter=500).fit(pd.DataFrame(X, columns=columns), logistic.predict(X))
        with autotrack.start_run():
            info = autotrack.sklearn.log_model(framed, "served", input_example=pd.DataFrame(X[:3], columns=columns),
                                               registered_model_name="bench-logistic")
        autotrack.flush()
        os.environ["AUTOTRACK_TRACKING_URI"] = autotrack.get_tracking_uri()
        figures.update(serve_figures("models:/bench-logistic/1", X[0].tolist(), folder))
        del info
        if mlflow_available():
            import mlflow
            import mlflow.sklearn
            import mlflow.xgboost

            mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
            theirs = log_model_times((mlflow, mlflow.sklearn, mlflow.xgboost), X, logistic, booster, 3)
            for name, (_, warm) in theirs.items():
                figures[f"mlflow_log_model_{name}_ms"] = warm * 1000
                figures[f"log_model_{name}_times_faster_than_mlflow"] = warm / times[name][1]
        else:
            figures["mlflow"] = "not installed: no comparison"
        os.chdir("/")
    report("models", figures)


if __name__ == "__main__":
    main()
