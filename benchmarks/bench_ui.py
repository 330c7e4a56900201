"""The web UI in real Chromium (Debian's /usr/bin/chromium through Playwright): what a user waits for.

- `autotrack ui` process start to the experiments page rendered (goal < 2 s; MLflow 3.17's server
  took 17-60 s to answer here);
- the runs table of an experiment with 10,000 runs x 20 chosen columns (10 metrics, 10 params, plus
  name/status/start/duration): first rows visible after opening the page (goal < 1 s; MLflow 3.17's
  UI on 5,000 runs: 15.6 s), and sorting by a metric until the new first row shows (goal < 300 ms);
- the JavaScript the runs page loads, gzipped (goal < 500 KB; MLflow 3.17: 2.0 MB);
- scrolling an experiment of 100,000 runs: frame times while scrolling 120 steps of 400 px (pages of
  rows load as it goes), and how many rows are in the DOM (virtualized: a screenful, not 100,000).

The store is `_big_store`'s 10,000-run store plus params p5..p9 and metrics m5..m9, bulk-inserted.
Each timing is the median of a few tries in one run (printed with all tries).
"""

from __future__ import annotations

import gzip
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from _big_store import EXPERIMENT, copy_store, store_folder
from _common import report

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
from live_server import chromium, free_port  # noqa: E402  (tests/live_server.py: the browser, a free port)

N_RUNS = 10_000
TRIES = 3
COLUMNS = [f"metrics.m{i}" for i in range(10)] + [f"params.p{i}" for i in range(10)]


def widen(folder: str) -> None:
    """Give every run 5 more params and 5 more metrics (20 key columns in all)."""
    database = next(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".db"))
    connection = sqlite3.connect(database)
    rng = random.Random(1)
    run_ids = [row[0] for row in connection.execute("SELECT run_uuid FROM runs")]
    with connection:
        connection.executemany("INSERT INTO params (run_uuid, key, value) VALUES (?,?,?)",
                               [(r, f"p{j}", str(rng.randint(0, 9))) for r in run_ids for j in range(5, 10)])
        connection.executemany("INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)"
                               " VALUES (?,?,?,?,?,?)",
                               [(r, f"m{j}", rng.random(), 0, 0, 0) for r in run_ids for j in range(5, 10)])
    connection.execute("ANALYZE")
    connection.close()


def start_ui(store: str, browser) -> tuple[float, subprocess.Popen, str]:
    """Seconds from starting `autotrack ui` to its experiments page rendered in the browser."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    page = browser.new_page()
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "autotrack", "ui", "--port", str(port),
                                "--backend-store-uri", store], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            urllib.request.urlopen(url + "/health", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.perf_counter() - start > 60:
                raise RuntimeError("autotrack ui did not start")
            time.sleep(0.01)
    page.goto(url + "/")
    page.locator("table.experiments").wait_for()
    seconds = time.perf_counter() - start
    page.close()
    return seconds, process, url


def runs_table(browser, url: str, experiment_id: str, expected_first: str) -> dict:
    """First rows visible, sort by m0, and the JavaScript loaded, on a fresh page (cold cache)."""
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    scripts: list[bytes] = []
    page.on("response", lambda r: r.request.resource_type == "script" and scripts.append(r.body()))
    query = "cols=" + ",".join(COLUMNS)
    start = time.perf_counter()
    page.goto(f"{url}/?{query}#/experiments/{experiment_id}")
    page.locator(".runs-row[data-run-id]").first.wait_for()
    first_rows = time.perf_counter() - start
    rows_shown = page.locator(".runs-row[data-run-id]").count()
    start = time.perf_counter()
    page.get_by_role("button", name="Sort by m0", exact=True).click()
    page.wait_for_function(f"""() => document.querySelector('.runs-row[data-run-id]')?.dataset.runId === '{expected_first}'""",
                           polling="raf")
    sort = time.perf_counter() - start
    page.evaluate("document.querySelector('.runs-table').scrollTop = 300000")  # to the end: pages load as it scrolls
    page.wait_for_function(f"() => !!document.querySelector('.runs-row[data-run-id]') && "
                           f"document.querySelectorAll('.runs-row.loading-row').length === 0", polling="raf")
    gzipped = sum(len(gzip.compress(body, 9)) for body in scripts)
    context.close()
    return {"first_rows_s": first_rows, "sort_s": sort, "rows_in_dom": rows_shown, "js_gzip_kb": gzipped / 1024,
            "js_files": len(scripts)}


SCROLL = """async () => {
    const table = document.querySelector('.runs-table');
    const frames = [];
    let last = performance.now();
    for (let i = 0; i < 120; i++) {
        table.scrollTop += 400;
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        frames.push(now - last);
        last = now;
    }
    frames.sort((a, b) => a - b);
    return {median_ms: frames[60], p95_ms: frames[114], max_ms: frames[119],
            rows_in_dom: document.querySelectorAll('.runs-row').length, scrolled_px: table.scrollTop};
}"""


def scroll_100k(browser) -> dict:
    """Frame times while scrolling the runs table of a 100,000-run experiment."""
    store = store_folder(100_000)
    _, process, url = start_ui(store, browser)
    try:
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(f"{url}/?cols=metrics.m0,metrics.m1,params.p0#/experiments/1")
        page.locator(".runs-row[data-run-id]").first.wait_for()
        figures = page.evaluate(SCROLL)
        page.close()
        return figures
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    folder = tempfile.mkdtemp(prefix="bench-ui-")
    store = copy_store(N_RUNS, os.path.join(folder, "store"))
    widen(store)
    database = next(os.path.join(store, name) for name in os.listdir(store) if name.endswith(".db"))
    with sqlite3.connect(database) as connection:
        experiment_id = str(connection.execute("SELECT experiment_id FROM experiments WHERE name = ?",
                                               (EXPERIMENT,)).fetchone()[0])
        expected_first = connection.execute("SELECT run_uuid FROM latest_metrics WHERE key = 'm0' "
                                            "ORDER BY value, run_uuid LIMIT 1").fetchone()[0]
    with chromium() as browser:
        starts, tables = [], []
        process = None
        try:
            scroll = scroll_100k(browser)
            for _ in range(TRIES):
                seconds, process, url = start_ui(store, browser)
                starts.append(seconds)
                tables.append(runs_table(browser, url, experiment_id, expected_first))
                process.terminate()
                process.wait(timeout=30)
                process = None
        finally:
            if process is not None:
                process.kill()
    report("ui", {
        "ui_start_to_first_page_s": statistics.median(starts),
        "ui_start_tries_s": [round(s, 3) for s in starts],
        "runs_table_first_rows_s": statistics.median(t["first_rows_s"] for t in tables),
        "first_rows_tries_s": [round(t["first_rows_s"], 3) for t in tables],
        "sort_by_metric_s": statistics.median(t["sort_s"] for t in tables),
        "sort_tries_s": [round(t["sort_s"], 3) for t in tables],
        "rows_in_dom_of_10000": tables[0]["rows_in_dom"],
        "runs_page_js_gzip_kb": tables[0]["js_gzip_kb"],
        "runs_page_js_files": tables[0]["js_files"],
        "runs": N_RUNS, "key_columns": len(COLUMNS),
        "scroll_100k_frame_median_ms": scroll["median_ms"], "scroll_100k_frame_p95_ms": scroll["p95_ms"],
        "scroll_100k_frame_max_ms": scroll["max_ms"], "scroll_100k_rows_in_dom": scroll["rows_in_dom"],
        "scroll_100k_scrolled_px": scroll["scrolled_px"],
        "load_average": os.getloadavg()[0],
    })


if __name__ == "__main__":
    main()
