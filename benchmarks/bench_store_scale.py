"""Costs that must stay flat as the store grows: 1,000 and 100,000 runs (bulk-built, cached in /tmp).

- create: the fluent pattern (start_run, 5 params, 5 metrics, 2 tags, end_run)
  into an empty store and into a copy of the big one, in interleaved batches (min of
  10 batches each); target <= 0.7 ms/run, flat;
- selective filters with a metric order_by: `metrics.m0 > X` (X = 0.995, 0.99,
  0.9, 0.5: 0.5 % to 50 % of runs) ordered by `metrics.m1 DESC`, max 100;
  target < 30 ms at 100k for every X;
- every run into a DataFrame (search_runs' default); target <= 20 us/run;
  and a 100-run DataFrame on its own;
- metric history of 1,000,000 points: `get_metric_history` (Metric objects)
  and the columnar read, seconds and peak traced memory; target < 0.2 s, < 40 MB.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc

from _big_store import copy_store, experiment_id, store_folder
from _common import median_time, report

SIZES = [int(n) for n in os.environ.get("BENCH_SCALE_RUNS", "1000,100000").split(",")]
CREATE_RUNS = int(os.environ.get("BENCH_CREATE_RUNS", "1000"))
THRESHOLDS = (0.995, 0.99, 0.9, 0.5)
HISTORY_POINTS = 1_000_000


def create_ms_per_run(autotrack, folders: dict[str, str]) -> dict[str, float]:
    """ms/run into each store, in interleaved batches (the machine's drift hits all alike); min of batches."""
    def batch(folder: str, count: int) -> float:
        autotrack.set_tracking_uri(folder)
        autotrack.set_experiment("create")
        start = time.perf_counter()
        for i in range(count):
            with autotrack.start_run(run_name=f"new-{i}"):
                autotrack.log_params({f"p{j}": "ab"[(i + j) % 2] for j in range(5)})
                autotrack.log_metrics({f"m{j}": ((i * 7919 + j * 104729) % 1000) / 1000 for j in range(5)})
                autotrack.set_tags({"team": "search", "seed": str(i)})
        return (time.perf_counter() - start) / count * 1000

    for folder in folders.values():
        batch(folder, 20)  # warm-up: connections, statements
    times: dict[str, list[float]] = {name: [] for name in folders}
    for _ in range(10):
        for name, folder in folders.items():
            times[name].append(batch(folder, CREATE_RUNS // 10))
    return {name: min(values) for name, values in times.items()}


def searches(autotrack, n: int) -> dict:
    folder = store_folder(n)
    autotrack.set_tracking_uri(folder)
    experiment = experiment_id(folder)
    figures = {}
    for threshold in THRESHOLDS:
        query = f"metrics.m0 > {threshold}"
        seconds, found = median_time(lambda: autotrack.search_runs(
            [experiment], query, order_by=["metrics.m1 DESC"], max_results=100, output_format="list"), 5)
        values = [run.data.metrics["m1"] for run in found]
        assert values == sorted(values, reverse=True) and all(run.data.metrics["m0"] > threshold for run in found)
        figures[f"runs_{n}_filter_m0_gt_{threshold}_order_m1_ms"] = seconds * 1000
    seconds, frame = median_time(lambda: autotrack.search_runs([experiment], max_results=100), 5)
    assert len(frame) == 100
    figures[f"runs_{n}_dataframe_100_rows_ms"] = seconds * 1000
    seconds, frame = median_time(lambda: autotrack.search_runs([experiment]), 1 if n > 10_000 else 3)
    assert len(frame) == n, len(frame)
    figures[f"runs_{n}_all_to_dataframe_us_per_run"] = seconds / n * 1e6
    return figures


def history(autotrack, folder: str) -> dict:
    autotrack.set_tracking_uri(folder)
    client = autotrack.Client()
    autotrack.set_experiment("history")
    with autotrack.start_run() as run:
        run_id = run.info.run_id
    client.log_batch(run_id, [autotrack.entities.Metric("loss", i / HISTORY_POINTS, 1_700_000_000_000 + i, i)
                              for i in range(HISTORY_POINTS)])
    figures = {}
    reads = {"get_metric_history": lambda: client.get_metric_history(run_id, "loss")}
    columnar = getattr(client, "get_metric_history_arrays", None)
    if columnar is not None:
        reads["columnar"] = lambda: columnar(run_id, "loss")
    for name, read in reads.items():
        read()  # warm: page cache
        seconds, found = median_time(read, 3)
        assert len(found) == HISTORY_POINTS if name != "columnar" else len(found.steps) == HISTORY_POINTS
        del found
        tracemalloc.start()
        found = read()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del found
        figures[f"history_1m_{name}_s"] = seconds
        figures[f"history_1m_{name}_peak_mb"] = peak / 1e6
    return figures


def main() -> None:
    import autotrack

    figures: dict = {"create_runs": CREATE_RUNS}
    with tempfile.TemporaryDirectory() as root:
        for n in SIZES:
            figures.update(searches(autotrack, n))
        big = max(SIZES)
        created = create_ms_per_run(autotrack, {
            "empty_store": os.path.join(root, "empty"), f"store_of_{big}": copy_store(big, os.path.join(root, "big"))})
        figures.update({f"create_{name}_ms_per_run": value for name, value in created.items()})
        figures.update(history(autotrack, os.path.join(root, "history")))
        import autotrack.context

        autotrack.context.flush()  # the runs' context files, written beside the writer: before the folder goes
    report("store_scale", figures)


if __name__ == "__main__":
    sys.exit(main())
