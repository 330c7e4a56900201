"""The compare page in Chromium: differing params highlighted, metrics with the best marked, a scatter of any
two columns, and clear messages for too few, too many or unknown runs."""

from __future__ import annotations

import httpx

SCATTER = '[data-chart="compare scatter"]'


def get_run(server_url: str, run_id: str) -> dict:
    run = httpx.get(f"{server_url}/api/2.0/mlflow/runs/get", params={"run_id": run_id}).json()["run"]
    return {"name": run["info"]["run_name"],
            "params": {p["key"]: p["value"] for p in run["data"].get("params", [])},
            "metrics": {m["key"]: m["value"] for m in run["data"].get("metrics", [])}}


def three_trials(server_url: str, sweep_id: str) -> list[str]:
    parent = httpx.get(f"{server_url}/api/2.0/mlflow/runs/get", params={"run_id": sweep_id}).json()["run"]
    found = httpx.post(f"{server_url}/api/2.0/mlflow/runs/search", json={
        "experiment_ids": [parent["info"]["experiment_id"]], "max_results": 100,
        "filter": f"tags.`mlflow.parentRunId` = '{sweep_id}' and attributes.status = 'FINISHED' "
                  "and metrics.accuracy > 0.7"}).json()["runs"]
    assert len(found) >= 3
    return [run["info"]["run_id"] for run in found[:3]]


def test_compare_three_runs(ui_server, sweep_store, new_page):
    ids = three_trials(ui_server.url, sweep_store["sweep"])
    runs = [get_run(ui_server.url, run_id) for run_id in ids]
    keys = sorted({key for run in runs for key in run["params"]})
    differing = {key for key in keys if len({run["params"].get(key) for run in runs}) > 1}
    assert "C" in differing and len(differing) < len(keys)  # some params differ, autolog's defaults do not

    page = new_page(f"{ui_server.url}/?runs={','.join(ids)}#/compare")
    page.get_by_role("heading", name="Comparing 3 runs").wait_for()
    params = page.get_by_test_id("params-table")
    assert params.locator("thead th").all_inner_texts()[1:] == [run["name"] for run in runs]
    assert params.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)") == keys
    assert set(params.locator("tbody tr.differs").evaluate_all("rows => rows.map(r => r.dataset.key)")) == differing
    highlight = params.locator('tr.differs[data-key="C"] td').first.evaluate("td => getComputedStyle(td).backgroundColor")
    plain = params.locator("tbody tr:not(.differs) td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    assert highlight != plain

    page.get_by_label("only differing").check()
    assert set(params.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")) == differing
    assert "diff=1" in page.url

    metrics = page.get_by_test_id("metrics-table")
    accuracy = [run["metrics"]["accuracy"] for run in runs]
    best_cells = metrics.locator('tr[data-key="accuracy"] td.best')
    assert best_cells.count() == accuracy.count(max(accuracy))
    columns = metrics.locator('tr[data-key="accuracy"] td').evaluate_all(
        "cells => cells.map(c => c.classList.contains('best'))")[1:]  # after the "Best" column
    assert columns == [value == max(accuracy) for value in accuracy]
    assert metrics.locator('tr[data-key="accuracy"] td').nth(0).inner_text() == "highest"

    scatter = page.locator(f'{SCATTER}[data-drawn="true"]')
    scatter.wait_for()
    option = scatter.evaluate("el => { const o = el.__chart.getOption(); "
                              "return {x: o.xAxis[0].name, y: o.yAxis[0].name, n: o.series[0].data.length}; }")
    first_metric = sorted({key for run in runs for key in run["metrics"]})[0]
    assert option == {"x": "params.C", "y": f"metrics.{first_metric}", "n": 3}  # a differing param, a metric
    page.get_by_label("x column").select_option("params.max_iter")
    page.get_by_label("y column").select_option("metrics.accuracy")
    page.wait_for_function(
        "sel => document.querySelector(sel).__chart.getOption().xAxis[0].name === 'params.max_iter'", arg=SCATTER)
    points = scatter.evaluate("el => el.__chart.getOption().series[0].data.map(d => d.value)")
    expected = [[int(run["params"]["max_iter"]), run["metrics"]["accuracy"]] for run in runs]
    assert sorted(points) == sorted(expected)
    assert "x=params.max_iter" in page.url and "y=metrics.accuracy" in page.url


def test_too_few_too_many_or_unknown_runs_get_a_clear_message(ui_server, sweep_store, new_page):
    ids = three_trials(ui_server.url, sweep_store["sweep"])
    page = new_page(f"{ui_server.url}/?runs={ids[0]}#/compare")
    page.get_by_text("Pick at least two runs to compare").wait_for()
    assert page.get_by_text("The address names one run.").is_visible()
    many = ",".join(f"run{i}" for i in range(21))
    page = new_page(f"{ui_server.url}/?runs={many}#/compare")
    page.get_by_text("At most 20 runs can be compared").wait_for()
    page = new_page(f"{ui_server.url}/?runs={ids[0]},no-such-run,{ids[1]}#/compare", expect_errors=True)
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "No run with id no-such-run" in alert.inner_text() and "RESOURCE_DOES_NOT_EXIST" in alert.inner_text()
