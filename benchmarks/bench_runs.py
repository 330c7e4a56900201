"""5,000 runs x (5 params, 5 metrics, 2 tags): create them, then search them.

Workload, the same for autotrack and (when installed) MLflow on `sqlite:///`:
- create: the fluent pattern scripts use (start_run, log_params, log_metrics,
  set_tags, end_run) per run; target <= 1 ms per run (MLflow: ~33 ms);
- filtered search: a metric and a param filter, order_by a metric,
  max_results=100; target < 20 ms and >= 40x faster than MLflow;
- full search: all runs into a DataFrame; target >= 20x faster than MLflow.
MLflow creates fewer runs (its creation is slow) and is searched over those,
so its search figures flatter it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from _common import median_time, mlflow_available, report

N_RUNS = int(os.environ.get("BENCH_RUNS", "5000"))
FILTER = "metrics.m0 < 0.5 and params.p1 = 'b'"
ORDER = ["metrics.m1 DESC"]


def create_runs(module, n: int) -> tuple[float, float, float]:
    """Seconds to create n runs: wall, CPU of this thread, CPU of the whole process (background threads too)."""
    start, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
    for i in range(n):
        with module.start_run(run_name=f"run-{i}"):
            module.log_params({f"p{j}": "ab"[(i + j) % 2] for j in range(5)})
            module.log_metrics({f"m{j}": ((i * 7919 + j * 104729) % 1000) / 1000 for j in range(5)})
            module.set_tags({"team": "search", "seed": str(i)})
    return time.perf_counter() - start, time.thread_time() - thread, time.process_time() - process


def bench(module, uri: str, n: int, prefix: str) -> dict:
    module.set_tracking_uri(uri)
    experiment_id = module.set_experiment("bench").experiment_id
    create_s, create_thread_s, create_process_s = create_runs(module, n)
    filtered_s, found = median_time(
        lambda: module.search_runs([experiment_id], FILTER, order_by=ORDER, max_results=100, output_format="list"), 5
    )
    full_s, frame = median_time(lambda: module.search_runs([experiment_id]), 3)
    assert len(frame) == n and len(found) == 100, (len(frame), len(found))
    values = [run.data.metrics["m1"] for run in found]
    assert values == sorted(values, reverse=True)
    return {
        f"{prefix}_runs": n,
        f"{prefix}_create_ms_per_run": create_s / n * 1000,
        f"{prefix}_create_thread_cpu_ms_per_run": create_thread_s / n * 1000,
        f"{prefix}_create_process_cpu_ms_per_run": create_process_s / n * 1000,
        f"{prefix}_filtered_search_ms": filtered_s * 1000,
        f"{prefix}_full_search_to_dataframe_ms": full_s * 1000,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # whatever MLflow writes to its working folder (./mlruns) stays in here
        import autotrack

        figures = bench(autotrack, os.path.join(folder, "autotrack-runs"), N_RUNS, "autotrack")
        if mlflow_available():
            import mlflow

            n = int(os.environ.get("BENCH_MLFLOW_RUNS", "500"))
            figures.update(bench(mlflow, f"sqlite:///{folder}/mlflow.db", n, "mlflow"))
            for figure in ("create_ms_per_run", "filtered_search_ms", "full_search_to_dataframe_ms"):
                figures[f"{figure}_mlflow_over_autotrack"] = figures[f"mlflow_{figure}"] / figures[f"autotrack_{figure}"]
    report("runs", figures)


if __name__ == "__main__":
    sys.exit(main())
