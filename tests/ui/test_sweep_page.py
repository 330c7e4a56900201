"""The sweep page in Chromium: counts, optimization history, parallel coordinates whose brushing filters the
trial table, parameter importance, slices, tracebacks of failed trials, live updates, bad addresses."""

from __future__ import annotations

import json

import httpx

import autotrack

PARALLEL = '[data-chart="parallel coordinates"]'


def store_trials(server_url: str, parent_id: str) -> list[dict]:
    """The sweep's trials as MLflow's own REST API answers them (not the sweep endpoint under test)."""
    parent = httpx.get(f"{server_url}/api/2.0/mlflow/runs/get", params={"run_id": parent_id}).json()["run"]
    found = httpx.post(f"{server_url}/api/2.0/mlflow/runs/search", json={
        "experiment_ids": [parent["info"]["experiment_id"]], "max_results": 1000,
        "filter": f"tags.`mlflow.parentRunId` = '{parent_id}'"}).json()["runs"]
    trials = []
    for run in found:
        tags = {t["key"]: t["value"] for t in run["data"].get("tags", [])}
        metrics = {m["key"]: m["value"] for m in run["data"].get("metrics", [])}
        state = tags.get("autotrack.trial.state") or ("COMPLETE" if run["info"]["status"] == "FINISHED" else "RUNNING")
        trials.append({"run_id": run["info"]["run_id"], "state": state, "value": metrics.get("accuracy"),
                       "params": json.loads(tags["autotrack.trial.params"])})
    return trials


def table_run_ids(page) -> list[str]:
    return page.locator('[data-testid="trial-table"] tbody tr[data-run-id]').evaluate_all(
        "rows => rows.map(row => row.dataset.runId)")


def drag_axis(page, dimension: str, low: float, high: float) -> None:
    """Drag with the mouse along a parallel-coordinates axis (ECharts' 'dim0', 'dim1', ...) from `low` to `high`."""
    chart = page.locator(PARALLEL)
    chart.scroll_into_view_if_needed()  # the mouse works in the viewport
    box = chart.bounding_box()
    start, end = chart.evaluate(
        "(el, [values, dim]) => { const parallel = el.__chart.getModel().getComponent('parallel').coordinateSystem; "
        "return values.map(v => parallel.dataToPoint(v, dim)); }", [[low, high], dimension])
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + end[0], box["y"] + end[1], steps=8)
    page.mouse.up()


def open_sweep(new_page, url: str, sweep_id: str):
    page = new_page(f"{url}/#/sweeps/{sweep_id}")
    page.locator(f'{PARALLEL}[data-drawn="true"]').wait_for()
    return page


def test_header_counts_match_the_store_and_charts_are_drawn(ui_server, sweep_store, new_page):
    trials = store_trials(ui_server.url, sweep_store["sweep"])
    page = open_sweep(new_page, ui_server.url, sweep_store["sweep"])
    assert page.get_by_role("heading", name="logreg-sweep").is_visible()
    for state in ("COMPLETE", "FAILED", "PRUNED", "KILLED", "RUNNING"):
        shown = page.locator(f'.sweep-count[data-state="{state}"] b').inner_text()
        assert int(shown) == sum(t["state"] == state for t in trials), state
    assert {t["state"] for t in trials} >= {"COMPLETE", "FAILED", "PRUNED"}  # the fixture has all three
    assert page.locator('[data-fact="metric"]').inner_text() == "accuracy"
    assert page.locator('[data-fact="mode"]').inner_text() == "maximize"
    assert page.locator('[data-fact="algo"]').inner_text() == "tpe"
    assert sorted(table_run_ids(page)) == sorted(t["run_id"] for t in trials)
    complete = [t for t in trials if t["state"] == "COMPLETE"]
    best = max(complete, key=lambda t: t["value"])
    assert page.get_by_test_id("best-trial").get_attribute("href").endswith(best["run_id"])
    # the charts hold the completed trials: one line each in the parallel coordinates, one point in history
    lines = page.locator(PARALLEL).evaluate("el => el.__chart.getOption().series[0].data.length")
    assert lines == len(complete)
    axes = page.locator(PARALLEL).evaluate("el => el.__chart.getOption().parallelAxis.map(a => a.name)")
    assert axes == ["C", "max_iter", "solver", "accuracy"]
    history = page.locator('[data-chart="optimization history"][data-drawn="true"]')
    history.wait_for()
    assert history.evaluate("el => el.__chart.getOption().series[0].data.length") == len(complete)
    for name in ("C", "max_iter", "solver"):
        page.locator(f'[data-chart="slice {name}"][data-drawn="true"]').wait_for()


def test_brushing_an_axis_filters_the_trial_table(ui_server, sweep_store, new_page, tmp_path):
    trials = store_trials(ui_server.url, sweep_store["sweep"])
    complete = [t for t in trials if t["state"] == "COMPLETE"]
    values = sorted(t["params"]["max_iter"] for t in complete)
    low, high = values[0], values[len(values) // 2 - 1]  # the lower half of the tried max_iter values
    expected = {t["run_id"] for t in complete if low <= t["params"]["max_iter"] <= high}
    assert 0 < len(expected) < len(complete)
    page = open_sweep(new_page, ui_server.url, sweep_store["sweep"])
    # what dragging along the max_iter axis dispatches (ParallelAxisView._onBrush), sent to the page's chart
    page.locator(PARALLEL).evaluate(
        "(el, range) => el.__chart.dispatchAction({type: 'axisAreaSelect', parallelAxisId: 'param:max_iter', "
        "intervals: [range]})", [low - 0.5, high + 0.5])
    page.get_by_text(f"{len(expected)} of {len(trials)} trials in the brushed ranges").wait_for()
    assert set(table_run_ids(page)) == expected
    page.screenshot(path=str(tmp_path / "brushed.png"), full_page=True)
    page.get_by_role("button", name="Clear selection").click()
    page.get_by_text(f"{len(trials)} trials", exact=True).wait_for()
    assert len(table_run_ids(page)) == len(trials)


def test_dragging_along_an_axis_with_the_mouse_filters_the_trial_table(ui_server, sweep_store, new_page):
    trials = store_trials(ui_server.url, sweep_store["sweep"])
    complete = [t for t in trials if t["state"] == "COMPLETE"]
    values = sorted(t["params"]["max_iter"] for t in complete)
    low, high = values[len(values) // 2], values[-1]  # the upper half of the tried max_iter values
    expected = {t["run_id"] for t in complete if low <= t["params"]["max_iter"] <= high}
    assert 0 < len(expected) < len(complete)
    page = open_sweep(new_page, ui_server.url, sweep_store["sweep"])
    drag_axis(page, "dim1", low - 1, high + 1)  # max_iter is the second axis
    page.get_by_text(f"{len(expected)} of {len(trials)} trials in the brushed ranges").wait_for()
    assert set(table_run_ids(page)) == expected


def test_importance_lists_each_searched_param(ui_server, sweep_store, new_page):
    page = open_sweep(new_page, ui_server.url, sweep_store["sweep"])
    rows = page.locator('[data-testid="importance"] .importance-row')
    rows.first.wait_for()
    shown = rows.evaluate_all("rows => rows.map(row => row.dataset.param)")
    assert sorted(shown) == ["C", "max_iter", "solver"]
    scores = [float(text) for text in page.locator(".importance-value").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and abs(sum(scores) - 1.0) < 0.01
    assert page.get_by_text("Optuna's fANOVA on").is_visible()


def test_a_failed_trials_traceback_opens_from_its_row(ui_server, sweep_store, new_page):
    page = open_sweep(new_page, ui_server.url, sweep_store["sweep"])
    failed = page.locator('tr[data-state="FAILED"]').first
    button = failed.get_by_role("button")
    assert "ValueError: solver 'broken' does not exist" in button.inner_text()
    button.click()
    traceback = page.get_by_test_id("traceback")
    traceback.wait_for()
    text = traceback.inner_text()
    assert text.startswith("Traceback (most recent call last):") and "solver 'broken' does not exist" in text
    button.click()
    assert page.get_by_test_id("traceback").count() == 0


def test_sorting_the_trial_table_by_value_is_kept_in_the_url(ui_server, sweep_store, new_page):
    page = open_sweep(new_page, ui_server.url, sweep_store["sweep"])
    page.locator("th").get_by_role("button", name="accuracy").click()
    page.locator("th").get_by_role("button", name="accuracy ▲").click()
    assert "tsort=value" in page.url and "tdesc=1" in page.url
    values = page.locator('tr[data-state="COMPLETE"] td:nth-child(4)').all_inner_texts()
    assert [float(v) for v in values] == sorted((float(v) for v in values), reverse=True)


def test_a_running_sweep_grows_without_a_reload(ui_server, new_page):
    client = autotrack.Client(tracking_uri=ui_server.url)
    experiment = client.create_experiment("live-sweep")
    parent = client.create_run(experiment, run_name="live", tags={"autotrack.sweep": "parent"},
                               params={"metric": "loss", "mode": "minimize", "algo": "random", "n_trials": 3})

    def trial(number: int, lr: float) -> str:
        run = client.create_run(experiment, run_name=f"live-{number}", params={"lr": lr},
                                tags={"mlflow.parentRunId": parent.info.run_id, "autotrack.sweep": str(number),
                                      "autotrack.trial.params": json.dumps({"lr": lr})})
        client.log_metric(run.info.run_id, "loss", 1.0 / (number + 1))
        client.set_terminated(run.info.run_id)
        return run.info.run_id

    first = trial(0, 0.1)
    page = open_sweep(new_page, ui_server.url, parent.info.run_id)
    page.get_by_text("Live: refreshing").wait_for()
    assert table_run_ids(page) == [first]
    second = trial(1, 0.01)
    page.locator(f'tr[data-run-id="{second}"]').wait_for(timeout=20_000)  # polled, not reloaded
    assert page.locator('.sweep-count[data-state="COMPLETE"] b').inner_text() == "2"
    client.set_terminated(parent.info.run_id)
    page.get_by_text("Live: refreshing").wait_for(state="detached", timeout=20_000)


def test_charts_follow_the_theme(ui_server, sweep_store, new_page, tmp_path):
    page = new_page(f"{ui_server.url}/#/sweeps/{sweep_store['sweep']}", color_scheme="dark")
    chart = page.locator(f'{PARALLEL}[data-drawn="true"]')
    chart.wait_for()
    label_color = "el => el.__chart.getOption().parallelAxis[0].axisLabel.color"
    assert chart.evaluate(label_color) == "#a0a7b4"  # --fg-soft of the dark theme
    # the solver labels sit on a chip of the page's background, readable where the lines meet them
    solver_label = chart.evaluate("el => el.__chart.getOption().parallelAxis.find(a => a.name === 'solver').axisLabel")
    assert solver_label["backgroundColor"] == "#15171c" and solver_label["color"] == "#a0a7b4"
    page.screenshot(path=str(tmp_path / "dark.png"), full_page=True)
    page.get_by_role("button", name="Switch to light theme").click()
    page.wait_for_function(f"() => document.querySelector('{PARALLEL}').__chart.getOption()"
                           ".parallelAxis[0].axisLabel.color === '#5c6370'")  # redrawn in the light one
    # colours compared as the browser resolves them (the minified stylesheet may write #fff for #ffffff)
    resolve = ("c => { const d = document.createElement('div'); d.style.color = c; document.body.append(d);"
               " const rgb = getComputedStyle(d).color; d.remove(); return rgb; }")
    background = page.evaluate(f"() => ({resolve})(getComputedStyle(document.documentElement)"
                               ".getPropertyValue('--bg').trim())")
    label_background = chart.evaluate("el => el.__chart.getOption().parallelAxis[2].axisLabel.backgroundColor")
    assert page.evaluate(resolve, label_background) == background == "rgb(255, 255, 255)"
    page.screenshot(path=str(tmp_path / "light.png"), full_page=True)


def test_unknown_or_plain_runs_get_a_clear_message(ui_server, sweep_store, new_page):
    page = new_page(f"{ui_server.url}/#/sweeps/no-such-run", expect_errors=True)
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "RESOURCE_DOES_NOT_EXIST" in alert.inner_text() and "no-such-run" in alert.inner_text()
    page = new_page(f"{ui_server.url}/#/sweeps/{sweep_store['model_run']}", expect_errors=True)
    page.get_by_role("alert").wait_for()
    assert "is not a sweep" in page.get_by_role("alert").inner_text()
    page.get_by_role("link", name=f"Open {sweep_store['model_run']} as a run").click()
    assert page.url.endswith(f"#/runs/{sweep_store['model_run']}")


def test_trial_rows_stay_one_line_at_1000_px_with_the_error_truncated(ui_server, sweep_store, new_page):
    page = new_page(f"{ui_server.url}/#/sweeps/{sweep_store['sweep']}", viewport={"width": 1000, "height": 700})
    page.locator(f'{PARALLEL}[data-drawn="true"]').wait_for()
    rows = page.locator('[data-testid="trial-table"] tbody tr[data-run-id]')
    heights = rows.evaluate_all("rows => rows.map(row => row.getBoundingClientRect().height)")
    assert heights and max(heights) < 40, heights  # one line each (the Error cell wrapped run names onto 3)
    error = page.locator('tr[data-state="FAILED"] td.trial-error button').first
    assert error.evaluate("el => el.scrollWidth > el.clientWidth")  # cut with an ellipsis ...
    assert "ValueError: solver 'broken' does not exist" in error.get_attribute("title")  # ... whole on hover
    error.click()
    assert "solver 'broken' does not exist" in page.get_by_test_id("traceback").inner_text()


def test_a_sweep_of_many_trials_renders_only_the_rows_in_view(ui_server, new_page, tmp_path):
    client = autotrack.Client(tracking_uri=str(ui_server.store))  # the server's own store, written directly
    experiment = client.create_experiment("big-sweep")
    parent = client.create_run(experiment, run_name="big", tags={"autotrack.sweep": "parent"},
                               params={"metric": "loss", "mode": "minimize", "algo": "random", "n_trials": 600})
    total = 600
    for number in range(total):
        lr = round(0.001 * (number + 1), 6)
        run = client.create_run(experiment, run_name=f"big-{number}", params={"lr": lr},
                                tags={"mlflow.parentRunId": parent.info.run_id, "autotrack.sweep": str(number),
                                      "autotrack.trial.params": json.dumps({"lr": lr})})
        client.log_metric(run.info.run_id, "loss", 1.0 / (number + 1))
        client.set_terminated(run.info.run_id)
    client.set_terminated(parent.info.run_id)
    page = open_sweep(new_page, ui_server.url, parent.info.run_id)
    page.get_by_text(f"{total} trials", exact=True).wait_for()
    rendered = table_run_ids(page)
    assert 0 < len(rendered) < 100, len(rendered)  # the DOM holds the rows in view, not all 600
    scroller = page.get_by_test_id("trial-scroller")
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    page.locator('tr[data-run-id] td:first-child', has_text=str(total - 1)).first.wait_for()
    numbers = page.locator("tr[data-run-id] td:first-child").all_inner_texts()
    assert str(total - 1) in numbers and "0" not in numbers
    scroller.screenshot(path=str(tmp_path / "scrolled-to-the-end.png"))  # the header stays on top
    # sorting is over all trials, not only the rendered ones: descending loss puts trial 0 first
    page.locator("th").get_by_role("button", name="loss").click()
    page.locator("th").get_by_role("button", name="loss ▲").click()
    scroller.evaluate("el => { el.scrollTop = 0; }")
    page.wait_for_function("() => document.querySelector('tr[data-run-id] td').innerText === '0'")
