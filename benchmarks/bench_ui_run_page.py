"""The run page of a big run in real Chromium: params, sparklines of long histories, the artifacts tree and a
model's signature.

One run is written into a folder store (PARAMS params, METRICS metrics of POINTS points each, a logged
scikit-learn model with its signature, FILES small artifacts in one folder), served by `autotrack server`.
Reported (medians of REPEAT fresh pages): navigation to the params table shown, to every sparkline drawn,
the Artifacts tab to the model's signature table, the folder of FILES files listed; and the sparklines'
one `metric-histories` call (its answer time and size) against reading every history whole with MLflow's
`metrics/get-history`, as the page did first.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import median_time, report

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]  # tests/live_server.py: the server process and the browser
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
PARAMS = 50
METRICS = 30
POINTS = int(os.environ.get("BENCH_POINTS", "10000"))
FILES = 200


def fill_store(folder: str) -> str:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    import autotrack
    from autotrack.entities import Metric

    autotrack.set_tracking_uri(folder)
    client = autotrack.Client()
    run_id = client.create_run("0", run_name="big-run",
                               params={f"param_{i}": i * 0.5 for i in range(PARAMS)}).info.run_id
    steps = np.arange(POINTS)
    for m in range(METRICS):
        values = np.exp(-steps / (1000 + 100 * m)) + np.random.default_rng(m).normal(0, 0.01, POINTS)
        client.log_batch(run_id, metrics=[Metric(f"metric_{m:02d}", float(v), 0, int(s)) for s, v in zip(steps, values)])
    for i in range(FILES):
        client.log_text(run_id, f"file {i}\n", f"many/file_{i:03d}.txt")
    X = np.random.default_rng(0).normal(size=(100, 6))
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    with autotrack.start_run(run_id=run_id):
        autotrack.sklearn.log_model(model, "model", input_example=X[:3])
    return run_id


def page_times(browser, url: str) -> dict:
    """Seconds from navigation start to each part of the page, in a fresh context."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.get_by_role("table", name="Parameters").wait_for()
    times = {"params": page.evaluate("performance.now()") / 1000}
    page.wait_for_function(f"document.querySelectorAll('svg.sparkline').length === {METRICS}")
    times["sparklines"] = page.evaluate("performance.now()") / 1000
    start = time.perf_counter()
    page.get_by_role("tab", name="Artifacts").click()
    tree = page.get_by_role("tree", name="Artifacts")
    tree.get_by_role("button", name="model", exact=True).click()
    page.get_by_role("table", name="Signature inputs").wait_for()
    times["artifacts_tab_to_signature"] = time.perf_counter() - start
    start = time.perf_counter()
    tree.get_by_role("button", name="many", exact=True).click()
    tree.get_by_role("button", name=f"file_{FILES - 1:03d}.txt").wait_for()
    times["open_folder_of_files"] = time.perf_counter() - start
    context.close()
    return times


def main() -> None:
    import httpx
    from live_server import ServerProcess, chromium

    figures: dict = {"params": PARAMS, "metrics": METRICS, "points_per_metric": POINTS, "files": FILES}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run_id = fill_store(os.path.join(folder, "store"))
        figures["store_fill_s"] = time.perf_counter() - start
        server = ServerProcess(os.path.join(folder, "store")).start()
        try:
            with httpx.Client(base_url=server.url, timeout=300) as api:
                def sparklines():
                    return api.post("/api/autotrack/ui/metric-histories", json={"run_ids": [run_id], "max_points": 240})

                figures["sparklines_one_call_s"] = median_time(sparklines, REPEAT)[0]
                figures["sparklines_one_call_kb"] = len(sparklines().content) / 1024

                def whole_histories():
                    return [api.get("/api/2.0/mlflow/metrics/get-history",
                                    params={"run_id": run_id, "metric_key": f"metric_{m:02d}"}) for m in range(METRICS)]

                figures["get_history_each_metric_s"] = median_time(whole_histories, 1)[0]
                figures["get_history_each_metric_kb"] = sum(len(a.content) for a in whole_histories()) / 1024
            with chromium() as browser:
                url = f"{server.url}/#/runs/{run_id}"
                page_times(browser, url)  # warm
                samples = [page_times(browser, url) for _ in range(REPEAT)]
                for key in samples[0]:
                    figures[f"{key}_s"] = statistics.median(s[key] for s in samples)
        finally:
            server.stop()
    figures["load_average_1min"] = os.getloadavg()[0]
    report("ui_run_page", figures)


if __name__ == "__main__":
    main()
