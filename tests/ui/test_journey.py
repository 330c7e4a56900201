"""Issue 14's whole flow in one test, as a user clicks through it in real Chromium over a store filled by a real
sweep of autologged trials: experiments -> the sweep unfolded and counted -> a metric column sorted -> a filter
-> a run's chart -> the sweep page, brushed -> three runs compared -> a model registered from the artifacts view
with an alias -> that alias loaded in Python over the server and used to predict. Only the first address is
typed; every later page is reached by a link or a button. A screenshot is saved at each step."""

from __future__ import annotations

import httpx
import numpy as np
from sklearn.datasets import make_classification
from test_sweep_page import PARALLEL, drag_axis, store_trials, table_run_ids

import autotrack

TRIALS = 16
FILTER = "params.solver = 'lbfgs' and attributes.status = 'FINISHED'"
MODEL, ALIAS = "journey-forest", "champion"


def _search(url: str, experiment_id: str, filter_string: str) -> list[dict]:
    return httpx.post(f"{url}/api/2.0/mlflow/runs/search", json={
        "experiment_ids": [experiment_id], "filter": filter_string, "max_results": 1000}).json().get("runs", [])


def _history_length(url: str, run_id: str, key: str) -> int:
    answer = httpx.get(f"{url}/api/2.0/mlflow/metrics/get-history", params={"run_id": run_id, "metric_key": key})
    return len(answer.json().get("metrics", []))


def test_the_whole_journey_by_clicking(ui_server, sweep_store, new_page, tmp_path):
    url, sweep_id = ui_server.url, sweep_store["sweep"]
    shots = iter(range(1, 100))

    def shot(page, step: str) -> None:
        page.screenshot(path=str(tmp_path / f"{next(shots):02d}-{step}.png"), full_page=True)

    # 1. the experiments page, then the sweep's experiment
    page = new_page(url + "/", expect_errors=False)
    page.get_by_role("link", name="ui-sweep", exact=True).click()
    parent = page.locator(f'.runs-row[data-run-id="{sweep_id}"]')
    parent.wait_for()
    experiment = page.url.split("#/experiments/")[1].split("?")[0]
    shot(page, "experiment")

    # 2. unfold the sweep and count its trials
    assert f"{TRIALS} runs" in parent.locator(".child-counts").inner_text()
    parent.get_by_role("button", name="Unfold the runs of").click()
    children = page.locator(".runs-row.child")
    children.nth(TRIALS - 1).wait_for()
    assert children.count() == TRIALS == len(_search(url, experiment, f"tags.mlflow.parentRunId = '{sweep_id}'"))
    shot(page, "sweep-unfolded")

    # 3. add the accuracy column and sort by it, highest first
    page.locator(".column-picker summary").click()
    page.get_by_label("metrics.accuracy", exact=True).check()
    page.locator('.runs-head [title="metrics.accuracy"]').wait_for()
    page.keyboard.press("Escape")
    page.locator(".column-menu").wait_for(state="hidden")
    sort = page.get_by_role("button", name="Sort by accuracy")
    sort.click()
    sort.click()
    page.locator('[aria-sort="descending"]').wait_for()
    page.wait_for_function("""() => { const cells = [...document.querySelectorAll(
        '.runs-row.child [data-col="metrics.accuracy"]')]; return cells.length === 16 && cells[0].textContent; }""")
    shown = [float(text) for text in page.locator('.runs-row.child [data-col="metrics.accuracy"]').all_inner_texts()
             if text]
    assert shown and shown == sorted(shown, reverse=True)
    shot(page, "sorted-by-accuracy")

    # 4. filter with MLflow's grammar: the rows are the store's matches, still sorted
    box = page.get_by_label("Filter runs")
    box.fill(FILTER)
    box.press("Enter")
    matching = {run["info"]["run_id"] for run in _search(url, experiment, FILTER)}
    assert 0 < len(matching) < TRIALS
    page.wait_for_function(f"() => document.querySelectorAll('.runs-row[data-run-id]').length === {len(matching)}")
    rows = page.locator(".runs-row[data-run-id]")
    assert {row.get_attribute("data-run-id") for row in rows.all()} == matching
    shot(page, "filtered")

    # 5. open the first (most accurate) run and its chart: one point per logged step
    run_id = rows.first.get_attribute("data-run-id")
    rows.first.locator('[data-col="duration"]').click()
    page.wait_for_url(f"**#/runs/{run_id}*")
    page.get_by_role("tab", name="Charts").click()
    points = _history_length(url, run_id, "val_accuracy")
    assert points >= 2
    plot = page.locator(".metric-chart-plot[data-metric='val_accuracy'][data-drawn]")
    plot.wait_for()
    assert plot.get_attribute("data-points") == str(points)
    shot(page, "run-chart")

    # 6. up to the parent run, on to its sweep view
    page.locator(".crumbs").get_by_role("link", name="parent run").click()
    page.get_by_role("link", name="open the sweep view").click()
    page.locator(f'{PARALLEL}[data-drawn="true"]').wait_for()
    assert page.url.endswith(f"#/sweeps/{sweep_id}") or f"#/sweeps/{sweep_id}?" in page.url
    trials = store_trials(url, sweep_id)
    assert len(table_run_ids(page)) == len(trials) == TRIALS
    shot(page, "sweep-page")

    # 7. drag along the max_iter axis of the parallel coordinates: the trial table keeps the trials in range
    complete = [t for t in trials if t["state"] == "COMPLETE"]
    values = sorted(t["params"]["max_iter"] for t in complete)
    low, high = values[0], values[len(values) // 2 - 1]
    expected = {t["run_id"] for t in complete if low <= t["params"]["max_iter"] <= high}
    assert 0 < len(expected) < len(complete)
    drag_axis(page, "dim1", low - 1, high + 1)  # max_iter is the second axis
    page.get_by_text(f"{len(expected)} of {len(trials)} trials in the brushed ranges").wait_for()
    assert set(table_run_ids(page)) == expected
    shot(page, "brushed")

    # 8. back to the runs table, pick three completed trials and compare them
    page.get_by_role("link", name="experiment", exact=True).click()  # the sweep header's link
    parent = page.locator(f'.runs-row[data-run-id="{sweep_id}"]')
    parent.get_by_role("button", name="Unfold the runs of").click()
    page.locator(".runs-row.child").nth(TRIALS - 1).wait_for()
    three = sorted(expected)[:3] if len(expected) >= 3 else sorted(t["run_id"] for t in complete)[:3]
    for chosen in three:
        page.locator(f'.runs-row[data-run-id="{chosen}"] input[type="checkbox"]').check()
    page.get_by_role("link", name="Compare 3 runs").click()
    page.get_by_role("heading", name="Comparing 3 runs").wait_for()
    names = {run["info"]["run_id"]: run["info"]["run_name"] for run in _search(url, experiment, "")}
    headers = page.get_by_test_id("params-table").locator("thead th").all_inner_texts()[1:]
    assert sorted(headers) == sorted(names[run] for run in three)
    assert page.get_by_test_id("params-table").locator('tr.differs[data-key="C"]').is_visible()
    page.get_by_test_id("metrics-table").locator('tr[data-key="accuracy"]').wait_for()
    shot(page, "compare")

    # 9. the autologged forest's artifacts: register its model and give it an alias
    page.locator("header.topbar").get_by_role("link", name="Experiments").click()
    page.get_by_role("link", name="ui-models", exact=True).click()
    forest = page.locator(f'.runs-row[data-run-id="{sweep_store["model_run"]}"]')
    forest.locator('[data-col="duration"]').click()
    page.locator(".run-name", has_text="forest").wait_for()
    page.get_by_role("tab", name="Artifacts").click()
    page.get_by_role("tree", name="Artifacts").get_by_role("button", name="model", exact=True).click()
    page.get_by_role("table", name="Signature inputs").wait_for()
    shot(page, "model-artifacts")
    page.get_by_role("button", name="Register model").click()
    dialog = page.get_by_role("dialog", name="Register model")
    dialog.get_by_label("Model name", exact=True).fill(MODEL)
    dialog.get_by_role("button", name="Register").click()
    dialog.locator(".register-done").wait_for()
    dialog.get_by_label("Alias", exact=True).fill(ALIAS)
    dialog.get_by_role("button", name="Set alias").click()
    dialog.get_by_text(f"@{ALIAS}", exact=True).wait_for()
    shot(page, "registered")
    dialog.get_by_role("link", name=MODEL).click()
    page.get_by_role("heading", name=MODEL, exact=True).wait_for()
    assert page.get_by_role("table", name="Aliases").locator(f'tr[data-alias="{ALIAS}"]').is_visible()
    shot(page, "model-page")

    # 10. what the UI registered loads by its alias over the server and predicts
    autotrack.set_tracking_uri(url)
    model = autotrack.pyfunc.load_model(f"models:/{MODEL}@{ALIAS}")
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, random_state=0)
    predicted = np.asarray(model.predict(X))
    assert predicted.shape == (300,) and (predicted == y).mean() > 0.8
    assert autotrack.Client().get_model_version_by_alias(MODEL, ALIAS).run_id == sweep_store["model_run"]
