"""Metric charts in real Chromium: time from navigation to the chart drawn (issue 14's goal: < 1 s each).

Two pages of `autotrack server`'s UI (`/?runs=...#/charts`): one chart of a run with 1,000,000 points,
and one chart of 50 overlaid runs x 10,000 points. The chart stamps `performance.now()` (milliseconds
since navigation started) on its element when uPlot has drawn; the median of REPEAT fresh pages is
reported, beside the server's answer time and size for the same downsampled histories (the points per
series that `pointsPerSeries` in ui/src/components/charts/series.ts asks for).
"""

from __future__ import annotations

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
BIG, RUNS, POINTS = 1_000_000, 50, 10_000


def fill_store(folder: str) -> tuple[str, list[str]]:
    """One run of BIG points, RUNS runs of POINTS points (noisy decaying losses, finished)."""
    import autotrack

    autotrack.set_tracking_uri(folder)
    client = autotrack.Client()
    rng = np.random.default_rng(0)

    def run_with(name: str, count: int) -> str:
        run_id = client.create_run("0", run_name=name).info.run_id
        steps = np.arange(count)
        values = np.exp(-steps / (count / 5)) + rng.normal(scale=0.05, size=count)
        start = int(time.time() * 1000)
        for first in range(0, count, 200_000):
            client._store.log_metrics([(run_id, "loss", float(v), start + int(s), int(s))
                                       for s, v in zip(steps[first:first + 200_000], values[first:first + 200_000])])
        client.set_terminated(run_id)
        return run_id

    big = run_with("million", BIG)
    return big, [run_with(f"run-{i}", POINTS) for i in range(RUNS)]


def time_to_drawn(browser, url: str) -> tuple[float, int]:
    """(milliseconds from navigation start to the chart's draw, points drawn), in a fresh context (no cache)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    plot = page.locator(".metric-chart-plot[data-drawn]")
    try:
        plot.wait_for()
    except Exception:
        raise RuntimeError(f"no chart drawn at {url[:120]}...: the page shows {page.content()[:1500]!r}") from None
    drawn = float(plot.get_attribute("data-drawn-at"))
    points = int(plot.get_attribute("data-points"))
    context.close()
    return drawn, points


def main() -> None:
    import httpx
    from live_server import ServerProcess, chromium

    figures: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        big, many = fill_store(os.path.join(folder, "store"))
        figures["store_fill_s"] = time.perf_counter() - start
        server = ServerProcess(os.path.join(folder, "store")).start()
        try:
            cases = {"million_points": [big], "overlaid_50x10k": many}
            with httpx.Client(base_url=server.url, timeout=60) as api:
                for name, runs in cases.items():
                    body = {"run_ids": runs, "max_points": 4000 if len(runs) == 1 else 600}
                    figures[f"{name}_server_answer_s"], answer = median_time(
                        lambda: api.post("/api/autotrack/ui/metric-histories", json=body), REPEAT)
                    figures[f"{name}_answer_kb"] = len(answer.content) / 1024
            with chromium() as browser:
                for name, runs in cases.items():
                    url = f"{server.url}/?runs={','.join(runs)}#/charts"
                    time_to_drawn(browser, url)  # warm: the server's first read of these chunks
                    samples = [time_to_drawn(browser, url) for _ in range(REPEAT)]
                    figures[f"{name}_navigation_to_drawn_s"] = statistics.median(s[0] for s in samples) / 1000
                    figures[f"{name}_points_drawn"] = samples[0][1]
        finally:
            server.stop()
    figures["load_average_1min"] = os.getloadavg()[0]
    report("ui_charts", figures)


if __name__ == "__main__":
    main()
