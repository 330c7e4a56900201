"""The runs table in real Chromium over a store a real sweep filled: the sweep's 16 trials folded under
it (failed and pruned ones visible, the best marked), a metric column added and sorted on, filters and a
malformed filter's error, the view restored from the URL, keyboard selection -> compare link, and a run
started in the background showing up without a reload."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import httpx
import pytest

SWEEP_TRIALS = 16


def _experiment_id(server, name: str) -> str:
    answer = httpx.get(server.url + "/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": name})
    return answer.json()["experiment"]["experiment_id"]


def _search(server, experiment_id: str, filter_string: str) -> list[dict]:
    answer = httpx.post(server.url + "/api/2.0/mlflow/runs/search",
                        json={"experiment_ids": [experiment_id], "filter": filter_string, "max_results": 1000})
    return answer.json().get("runs", [])


def _metric(run: dict, key: str) -> float | None:
    return next((m["value"] for m in run["data"].get("metrics", []) if m["key"] == key), None)


def _cells(page, column: str) -> list[str]:
    return page.locator(f'.runs-row.child [data-col="{column}"]').all_inner_texts()


@pytest.fixture
def sweep_page(ui_server, sweep_store, new_page):
    """Opens the sweep experiment's runs table with `query` (no leading '?'); returns (page, experiment id)."""
    experiment = _experiment_id(ui_server, "ui-sweep")

    def open_table(query: str = "", expect_errors: bool = False):
        page = new_page(f"{ui_server.url}/?{query}#/experiments/{experiment}", expect_errors=expect_errors)
        page.locator(f'[data-run-id="{sweep_store["sweep"]}"]').wait_for()
        return page

    return open_table, experiment


def test_sweep_unfolds_to_its_trials_with_failed_pruned_and_best(sweep_page, sweep_store, ui_server):
    open_table, experiment = sweep_page
    page = open_table()
    parent = page.locator(f'[data-run-id="{sweep_store["sweep"]}"]')
    counts = parent.locator(".child-counts").inner_text()
    assert f"{SWEEP_TRIALS} runs" in counts and "failed" in counts and "pruned" in counts
    page.get_by_role("button", name="Unfold the runs of").click()
    children = page.locator(".runs-row.child")
    children.nth(SWEEP_TRIALS - 1).wait_for()
    assert children.count() == SWEEP_TRIALS
    statuses = _cells(page, "attributes.status")
    assert "FAILED" in statuses and "PRUNED" in statuses and "FINISHED" in statuses
    trials = _search(ui_server, experiment, f"tags.mlflow.parentRunId = '{sweep_store['sweep']}'")
    pruned = [r for r in trials if {t["key"]: t["value"] for t in r["data"].get("tags", [])}.get(
        "autotrack.trial.state") == "PRUNED"]
    assert statuses.count("PRUNED") == len(pruned) > 0
    best = page.locator(".runs-row.best")
    assert best.count() == 1 and best.locator(".best-badge").is_visible()
    parent_run = httpx.get(ui_server.url + "/api/2.0/mlflow/runs/get", params={"run_id": sweep_store["sweep"]}).json()
    best_id = {t["key"]: t["value"] for t in parent_run["run"]["data"]["tags"]}["autotrack.sweep.bestRunId"]
    assert best.get_attribute("data-run-id") == best_id
    assert parent.get_by_role("link").get_attribute("href").endswith(f"#/sweeps/{sweep_store['sweep']}")


def test_add_a_metric_column_and_sort_by_it(sweep_page, sweep_store, ui_server):
    open_table, experiment = sweep_page
    page = open_table(f"cols=params.C&open={sweep_store['sweep']}")
    page.locator(".runs-row.child").nth(SWEEP_TRIALS - 1).wait_for()
    page.locator(".column-picker summary").click()
    page.get_by_label("metrics.accuracy", exact=True).check()
    page.locator('.runs-head [title="metrics.accuracy"]').wait_for()
    page.keyboard.press("Escape")  # closes the column menu
    page.locator(".column-menu").wait_for(state="hidden")
    page.get_by_role("button", name="Sort by accuracy").click()  # ascending
    page.get_by_role("button", name="Sort by accuracy").click()  # descending
    page.locator('[aria-sort="descending"]').wait_for()
    trials = _search(ui_server, experiment, f"tags.mlflow.parentRunId = '{sweep_store['sweep']}'")
    numbers = sorted((v for v in (_metric(r, "accuracy") for r in trials) if v is not None), reverse=True)
    expected = [round(v, 4) for v in numbers] + [None] * (SWEEP_TRIALS - len(numbers))
    page.wait_for_function("""() => {
        const cells = [...document.querySelectorAll('.runs-row.child [data-col="metrics.accuracy"]')];
        return cells.length === 16 && cells[0].textContent !== '' ; }""")
    shown = [round(float(text), 4) if text else None for text in _cells(page, "metrics.accuracy")]
    assert shown == expected
    assert "sort=metrics.accuracy" in page.url and "desc=1" in page.url


def test_filter_lists_matching_runs_and_a_malformed_one_shows_where(sweep_page, ui_server, tmp_path):
    open_table, experiment = sweep_page
    page = open_table(expect_errors=True)  # the browser logs the 400 that answers the malformed filter
    box = page.get_by_label("Filter runs")
    box.fill("params.solver = 'lbfgs' and attributes.status = 'FINISHED'")
    box.press("Enter")
    expected = {r["info"]["run_id"] for r in _search(ui_server, experiment,
                                                     "params.solver = 'lbfgs' and attributes.status = 'FINISHED'")}
    assert expected
    page.wait_for_function(f"() => document.querySelectorAll('.runs-row[data-run-id]').length === {len(expected)}")
    shown = {row.get_attribute("data-run-id") for row in page.locator(".runs-row[data-run-id]").all()}
    assert shown == expected

    box.fill("metrics.accuracy > 0.5 and params.solver ~ 'x'")
    box.press("Enter")
    error = page.locator(".filter-error")
    error.wait_for()
    assert "position 41" in error.inner_text()
    assert error.locator("mark").inner_text() == "~ 'x'"
    assert box.get_attribute("aria-invalid") == "true"
    # the last good rows stay, dimmed under the error, rather than an empty page
    page.get_by_test_id("stale-rows").wait_for()
    kept = {row.get_attribute("data-run-id") for row in page.locator(".runs-row[data-run-id]").all()}
    assert kept == expected
    assert float(page.locator(".runs-stale").evaluate("el => getComputedStyle(el).opacity")) < 1
    page.screenshot(path=str(tmp_path / "stale-rows.png"))
    box.fill("params.solver = 'lbfgs'")
    box.press("Enter")
    error.wait_for(state="detached")
    assert page.locator(".runs-stale").count() == 0 and page.get_by_test_id("stale-rows").count() == 0


def test_url_restores_the_view_after_a_reload(sweep_page, sweep_store):
    open_table, _ = sweep_page
    page = open_table()
    page.locator(".column-picker summary").click()
    page.get_by_label("params.solver", exact=True).check()
    page.get_by_role("heading").click()  # a click elsewhere closes the column menu
    page.locator(".column-menu").wait_for(state="hidden")
    page.get_by_role("button", name="Unfold the runs of").click()
    page.get_by_role("button", name="Sort by Started").click()
    page.locator('[aria-sort="ascending"]').wait_for()
    page.locator(".runs-row.child").nth(SWEEP_TRIALS - 1).wait_for()
    before = [row.get_attribute("data-run-id") for row in page.locator(".runs-row").all()]
    url = page.url
    page.reload()
    page.locator(".runs-row.child").nth(SWEEP_TRIALS - 1).wait_for()
    assert page.url == url
    assert page.locator('.runs-head [title="params.solver"]').is_visible()
    assert page.locator('.runs-head [title="attributes.start_time"]').get_attribute("aria-sort") == "ascending"
    assert [row.get_attribute("data-run-id") for row in page.locator(".runs-row").all()] == before


def test_keyboard_selects_three_runs_for_compare_and_enter_opens_one(sweep_page, sweep_store):
    open_table, _ = sweep_page
    page = open_table(f"open={sweep_store['sweep']}")
    page.locator(".runs-row.child").nth(2).wait_for()
    grid = page.get_by_role("grid")
    grid.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # past the parent, onto the trials
        page.keyboard.press(" ")
    chosen = [row.get_attribute("data-run-id") for row in page.locator('.runs-row[aria-selected="true"]').all()]
    assert len(chosen) == 3
    link = page.get_by_role("link", name="Compare 3 runs")
    assert link.get_attribute("href") == f"?runs={'%2C'.join(chosen)}#/compare"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**#/runs/{chosen[-1]}")


def test_row_click_opens_the_run(sweep_page, sweep_store):
    open_table, _ = sweep_page
    page = open_table(f"open={sweep_store['sweep']}")
    child = page.locator(".runs-row.child").first
    run_id = child.get_attribute("data-run-id")
    child.locator('[data-col="duration"]').click()
    page.wait_for_url(f"**#/runs/{run_id}")


LIVE_SCRIPT = textwrap.dedent("""
    import sys, time
    import autotrack
    autotrack.set_experiment("live-table")
    with autotrack.start_run(run_name="background-run"):
        for step in range(600):
            autotrack.log_metric("loss", 1.0 / (step + 1), step=step)
            if step == 0:
                print("STARTED", flush=True)
            time.sleep(0.1)
""")


def test_a_run_started_in_the_background_appears_without_a_reload(ui_server, new_page):
    experiment = httpx.post(ui_server.url + "/api/2.0/mlflow/experiments/create",
                            json={"name": "live-table"}).json()["experiment_id"]
    page = new_page(f"{ui_server.url}/#/experiments/{experiment}")
    page.get_by_text("No runs yet").wait_for()
    env = {**os.environ, "AUTOTRACK_TRACKING_URI": ui_server.url, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen([sys.executable, "-c", LIVE_SCRIPT], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "STARTED"
        row = page.locator(".runs-row", has_text="background-run")
        row.wait_for(timeout=20_000)
        assert row.locator('[data-col="attributes.status"]').inner_text() == "RUNNING"
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_unknown_experiment_says_so_in_the_dark_theme(ui_server, new_page):
    page = new_page(f"{ui_server.url}/#/experiments/9999", color_scheme="dark")
    page.get_by_role("alert").filter(has_text="No active experiment with id 9999").wait_for()
    assert page.locator(".runs-table").count() == 0 and page.get_by_text("No runs yet").count() == 0
    assert page.locator("html").get_attribute("data-theme") == "dark"
