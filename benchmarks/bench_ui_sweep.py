"""The sweep page of a 500-trial sweep in real Chromium, and the two endpoints behind it.

A sweep is written straight into a folder store (a parent run and TRIALS trial runs tagged as the sweep
engine tags them, 10 % failed with a traceback, 10 % pruned, four params), served by `autotrack server`.
Reported: the summary endpoint's answer time and size, the importance endpoint's time (Optuna's fANOVA on
the completed trials, then remembered; and its CPU seconds alone), the time from navigation to the parallel
coordinates drawn (median of REPEAT fresh pages), the virtualized trial table's rows in the DOM and frame
times while it scrolls end to end, and the gzipped JavaScript the sweep page adds to the runs page (the
ECharts chunk).
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import median_time, report

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]  # tests/live_server.py: the server process and the browser
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
TRIALS = int(os.environ.get("BENCH_TRIALS", "500"))


def fill_store(folder: str) -> str:
    """A finished sweep of TRIALS trials; returns the parent run id."""
    import autotrack

    autotrack.set_tracking_uri(folder)
    client = autotrack.Client()
    rng = np.random.default_rng(0)
    space = {"lr": {"distribution": "loguniform", "low": 1e-4, "high": 1e-1},
             "dropout": {"distribution": "uniform", "low": 0.0, "high": 0.5},
             "layers": {"distribution": "randint", "low": 1, "high": 8},
             "optimizer": {"distribution": "choice", "values": ["adam", "sgd", "rmsprop"]}}
    parent = client.create_run("0", run_name="bench-sweep", tags={"autotrack.sweep": "parent"},
                               params={"algo": "tpe", "metric": "loss", "mode": "minimize", "n_trials": TRIALS})
    parent_id = parent.info.run_id
    client.log_text(parent_id, json.dumps(space), "sweep_space.json")
    for number in range(TRIALS):
        params = {"lr": float(10 ** rng.uniform(-4, -1)), "dropout": float(rng.uniform(0, 0.5)),
                  "layers": int(rng.integers(1, 8)), "optimizer": str(rng.choice(["adam", "sgd", "rmsprop"]))}
        run = client.create_run("0", run_name=f"bench-sweep-{number}", params=params, tags={
            "mlflow.parentRunId": parent_id, "autotrack.sweep": str(number),
            "autotrack.trial.params": json.dumps(params)})
        run_id = run.info.run_id
        kind = number % 10
        if kind == 3:
            client.log_text(run_id, "Traceback (most recent call last):\nValueError: diverged\n", "traceback.txt")
            client.set_tag(run_id, "autotrack.trial.state", "FAILED")
            client.set_terminated(run_id, "FAILED")
            continue
        loss = abs(np.log10(params["lr"]) + 2.5) + params["dropout"] + 0.1 * params["layers"] + rng.normal(0, 0.05)
        client.log_metric(run_id, "loss", float(loss))
        if kind == 7:
            client.set_tag(run_id, "autotrack.trial.state", "PRUNED")
        client.set_terminated(run_id)
    client.set_terminated(parent_id)
    return parent_id


def importance_cpu_seconds(summary: dict) -> float:
    """CPU seconds of the importance computation alone, in this process (wall time swings with the load)."""
    from autotrack.server.sweep_importance import param_importance

    completed = [(t["params"], t["value"]) for t in summary["trials"] if t["state"] == "COMPLETE"]
    param_importance(completed[:10], summary["sweep"]["space"])  # imports Optuna's fANOVA and scikit-learn
    start = time.process_time()
    param_importance(completed, summary["sweep"]["space"])
    return time.process_time() - start


def time_to_parallel(browser, url: str) -> float:
    """Seconds from navigation start to the parallel coordinates drawn, in a fresh context."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.locator('[data-chart="parallel coordinates"][data-drawn="true"]').wait_for()
    elapsed = page.evaluate("performance.now()") / 1000
    context.close()
    return elapsed


def trial_table_figures(browser, url: str) -> dict:
    """The virtualized trial table: rows in the DOM, and frame times while it scrolls from top to bottom
    in 40 steps (one step per animation frame; the longest frame is what a user feels as a stutter)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.locator('[data-chart="parallel coordinates"][data-drawn="true"]').wait_for()
    page.locator('[data-testid="importance"] .importance-row').first.wait_for()  # the page has settled
    rows = page.locator('[data-testid="trial-table"] tbody tr[data-run-id]').count()
    frames = """async (scroll) => {
        const el = document.querySelector('[data-testid="trial-scroller"]');
        const times = []; let last = performance.now();
        for (let step = 1; step <= 40; step++) {
            if (scroll) el.scrollTop = el.scrollHeight * step / 40;
            await new Promise((resolve) => requestAnimationFrame(resolve));
            const now = performance.now(); times.push(now - last); last = now;
        }
        return times; }"""
    idle = page.evaluate(frames, False)  # what a frame costs on this machine now, scrolling nothing
    scrolled = page.evaluate(frames, True)
    context.close()
    return {"trial_table_dom_rows": rows, "idle_frame_median_ms": statistics.median(idle),
            "trial_table_scroll_frame_median_ms": statistics.median(scrolled),
            "trial_table_scroll_frame_max_ms": max(scrolled)}


def main() -> None:
    import httpx
    from live_server import ServerProcess, chromium

    figures: dict = {"trials": TRIALS}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        parent = fill_store(os.path.join(folder, "store"))
        figures["store_fill_s"] = time.perf_counter() - start
        server = ServerProcess(os.path.join(folder, "store")).start()
        try:
            with httpx.Client(base_url=server.url, timeout=120) as api:
                summary_s, answer = median_time(
                    lambda: api.get("/api/autotrack/ui/sweeps/get", params={"run_id": parent}), REPEAT)
                figures["summary_answer_s"] = summary_s
                figures["summary_kb"] = len(answer.content) / 1024
                summary = answer.json()
                def ask():
                    return api.get("/api/autotrack/ui/sweeps/importance", params={"run_id": parent})

                figures["importance_first_answer_s"], answer = median_time(ask, repeat=1)  # computed
                figures["importance_again_answer_s"], answer = median_time(ask, REPEAT)  # remembered till a trial completes
                figures["importance"] = {row["param"]: round(row["importance"], 3)
                                         for row in answer.json()["importances"]}
            with chromium() as browser:
                url = f"{server.url}/#/sweeps/{parent}"
                time_to_parallel(browser, url)  # warm
                figures["navigation_to_parallel_drawn_s"] = statistics.median(
                    time_to_parallel(browser, url) for _ in range(REPEAT))
                figures.update(trial_table_figures(browser, url))
        finally:
            server.stop()
    figures["importance_cpu_s"] = importance_cpu_seconds(summary)
    assets = ROOT / "autotrack" / "ui" / "static" / "assets"
    for chunk in assets.glob("echartsParts-*.js"):
        figures["echarts_chunk_gzip_kb"] = len(gzip.compress(chunk.read_bytes())) / 1024
    figures["load_average_1min"] = os.getloadavg()[0]
    report("ui_sweep", figures)


if __name__ == "__main__":
    main()
