"""10,000 `log_metric` calls with steps in one run until all are durable.

autotrack: the default embedded store (a folder with SQLite inside).
MLflow (when installed): `sqlite:///` store, fewer calls since each is a
synchronous round trip; figures are compared as metrics per second.
Target: >= 200,000 metrics/s and >= 1,000x MLflow.

Journal on vs off: the same loop against two stores in one process, one
opened with the crash journal (the default) and one with
AUTOTRACK_METRIC_JOURNAL=0, in alternating rounds (best of each), so load
from other processes hits both alike. Target: <= 2 us per call with it.
"""

from __future__ import annotations

import os
import tempfile
import time

from _common import mlflow_available, report, timed

N = 10_000


def log_many(module, n: int) -> None:
    for step in range(n):
        module.log_metric("loss", 1.0 / (step + 1), step=step)


def bench_autotrack(folder: str) -> dict:
    import autotrack

    autotrack.set_tracking_uri(os.path.join(folder, "autotrack-runs"))
    with autotrack.start_run() as run:
        log_many(autotrack, 100)  # warm up: connections, the writer thread
        calls_s, _ = timed(log_many, autotrack, N)
        flush_s, _ = timed(autotrack.flush)
    history = autotrack.Client().get_metric_history(run.info.run_id, "loss")
    assert len(history) == N + 100, len(history)
    total = calls_s + flush_s
    return {
        "autotrack_calls_us_per_metric": calls_s / N * 1e6,
        "autotrack_total_s": total,
        "autotrack_metrics_per_s": N / total,
        "history_length": len(history) - 100,
    }


def bench_journal(folder: str, rounds: int = 9, n: int = 20_000) -> dict:
    import autotrack
    from autotrack import journal

    uris = {}
    for setting in ("off", "on"):
        os.environ[journal.JOURNAL_ENV] = "1" if setting == "on" else "0"
        uris[setting] = os.path.join(folder, f"journal-{setting}")
        autotrack.Client(uris[setting])  # the store (and its writer) is opened with this setting
    os.environ.pop(journal.JOURNAL_ENV)
    runs, best, cpu = {}, {"on": float("inf"), "off": float("inf")}, {"on": float("inf"), "off": float("inf")}
    for setting, uri in uris.items():
        autotrack.set_tracking_uri(uri)
        runs[setting] = autotrack.start_run()
        log_many(autotrack, 1000)  # warm up: the journal file, the writer thread
        autotrack.end_run()
    for _ in range(rounds):
        for setting, uri in uris.items():
            autotrack.set_tracking_uri(uri)
            with autotrack.start_run(run_id=runs[setting].info.run_id):
                started = time.thread_time()
                seconds, _ = timed(log_many, autotrack, n)
                cpu[setting] = min(cpu[setting], (time.thread_time() - started) / n * 1e6)
            best[setting] = min(best[setting], seconds / n * 1e6)
    for setting, uri in uris.items():  # nothing lost either way
        assert len(autotrack.Client(uri).get_metric_history(runs[setting].info.run_id, "loss")) == 1000 + rounds * n
    # CPU time of the logging thread as well: on a loaded machine wall time also counts waiting for a core.
    return {"log_metric_us_journal_on": best["on"], "log_metric_us_journal_off": best["off"],
            "journal_cost_us": best["on"] - best["off"], "log_metric_cpu_us_journal_on": cpu["on"],
            "log_metric_cpu_us_journal_off": cpu["off"]}


def bench_mlflow(folder: str, n: int = 300) -> dict:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
    with mlflow.start_run():
        log_many(mlflow, 10)
        seconds, _ = timed(log_many, mlflow, n)
    return {"mlflow_metrics_per_s": n / seconds}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # whatever MLflow writes to its working folder (./mlruns) stays in here
        figures = bench_autotrack(folder)
        figures.update(bench_journal(folder))
        if mlflow_available():
            figures.update(bench_mlflow(folder))
            figures["speedup_vs_mlflow"] = figures["autotrack_metrics_per_s"] / figures["mlflow_metrics_per_s"]
    report("log_metric", figures)


if __name__ == "__main__":
    main()
