"""The experiments page in real Chromium: run counts and last activity, search by name, create / rename /
delete through MLflow's REST API (checked on the server), several opened together, and the empty
state of a store without runs."""

from __future__ import annotations

import httpx
from live_server import ServerProcess


def _by_name(server, name: str) -> dict | None:
    answer = httpx.get(server.url + "/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": name})
    return answer.json()["experiment"] if answer.status_code == 200 else None


def _row(page, name: str):
    return page.locator("table.experiments tbody tr", has=page.get_by_role("link", name=name, exact=True))


def test_experiments_show_run_counts_and_last_activity(ui_server, new_page):
    page = new_page(ui_server.url + "/")
    sweep = _row(page, "ui-sweep")
    sweep.wait_for()
    cells = sweep.locator("td").all_inner_texts()
    assert cells[2] == "17"  # the sweep's parent and its 16 trials
    assert cells[3].startswith("20")  # a date: the last run's start or end
    assert _row(page, "ui-models").locator("td").nth(2).inner_text() == "1"
    page.get_by_label("Search experiments by name").fill("models")
    page.wait_for_function("() => document.querySelectorAll('table.experiments tbody tr').length === 1")
    assert _row(page, "ui-models").is_visible()
    assert "q=models" in page.url


def test_create_rename_and_delete_an_experiment(ui_server, new_page):
    page = new_page(ui_server.url + "/", expect_errors=True)  # the browser logs the 400 of a taken name
    page.get_by_label("New experiment name").fill("fresh-experiment")
    page.get_by_role("button", name="Create").click()
    row = _row(page, "fresh-experiment")
    row.wait_for()
    assert "no runs yet" in row.inner_text()
    created = _by_name(ui_server, "fresh-experiment")
    assert created is not None

    row.get_by_role("button", name="Rename fresh-experiment").click()
    page.get_by_label("New name for fresh-experiment").fill("renamed-experiment")
    page.get_by_role("button", name="Save").click()
    _row(page, "renamed-experiment").wait_for()
    assert _by_name(ui_server, "fresh-experiment") is None
    assert _by_name(ui_server, "renamed-experiment")["experiment_id"] == created["experiment_id"]

    page.get_by_label("New experiment name").fill("renamed-experiment")  # a taken name: the server's refusal shows
    page.get_by_role("button", name="Create").click()
    page.get_by_role("alert").filter(has_text="already exists").wait_for()

    _row(page, "renamed-experiment").get_by_role("button", name="Delete renamed-experiment").click()
    page.get_by_role("button", name="Yes, delete").click()
    _row(page, "renamed-experiment").wait_for(state="detached")
    assert _by_name(ui_server, "renamed-experiment")["lifecycle_stage"] == "deleted"


def test_select_two_experiments_to_open_their_runs_together(ui_server, new_page):
    page = new_page(ui_server.url + "/")
    page.get_by_label("Select ui-sweep").check()
    page.get_by_label("Select ui-models").check()
    page.get_by_role("link", name="Open 2 together").click()
    ids = sorted([_by_name(ui_server, "ui-sweep")["experiment_id"], _by_name(ui_server, "ui-models")["experiment_id"]],
                 key=int)
    page.wait_for_url(f"**#/experiments/{','.join(ids)}")
    page.get_by_role("heading", name="ui-sweep + ui-models").wait_for()
    page.locator(".runs-row", has_text="forest").wait_for()
    assert page.locator(".runs-row", has_text="logreg-sweep").count() == 1  # the sweep, its trials folded


def test_empty_store_says_how_to_log_runs(tmp_path, new_page):
    server = ServerProcess(str(tmp_path / "empty-store")).start()
    try:
        page = new_page(server.url + "/")
        page.get_by_text("No runs yet", exact=True).wait_for()
        assert "autotrack.autolog()" in page.locator(".empty").first.inner_text()
        page.get_by_role("link", name="Default").click()
        page.locator(".runs-page").get_by_text("No runs yet", exact=True).wait_for()
        assert "autotrack.autolog()" in page.locator(".empty").inner_text()
    finally:
        assert server.stop()
