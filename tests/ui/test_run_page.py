"""The run page in a real browser: header, params, metrics with sparklines, tags apart from system tags, parent and
children, the artifacts browser with its previews (JSON, YAML, CSV, image, MLmodel signature), a failed trial's
traceback, and clear messages for an unknown or deleted run."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd

from playwright.sync_api import expect
from test_sweep_page import store_trials

import autotrack

STEPS = 20
LONG = 3_000  # a history longer than a sparkline has pixels


def _logged_run(server_url: str) -> tuple[str, str]:
    """A run with params, a metric history, user tags, artifacts of each kind and one child; (run id, child id)."""
    autotrack.set_tracking_uri(server_url)
    autotrack.set_experiment("ui-run-page")
    with autotrack.start_run(run_name="trainer") as run:
        autotrack.log_params({"lr": 0.01, "optimizer": "adam"})
        for step in range(STEPS):
            autotrack.log_metric("loss", 1.0 / (step + 1), step=step)
        for step in range(LONG):
            autotrack.log_metric("lr", 0.1 * 0.999 ** step, step=step)
        autotrack.set_tag("team", "vision")
        frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
        autotrack.log_input(autotrack.data.from_pandas(frame, name="train-frame", targets="y"), context="training")
        autotrack.log_dict({"layers": [64, 32], "dropout": 0.2}, "config/model.json")
        autotrack.log_dict({"epochs": 12, "schedule": "cosine"}, "config/train.yaml")
        autotrack.log_text("fold,accuracy\n1,0.91\n2,0.87\n", "results/folds.csv")
        image = np.zeros((16, 24, 3), dtype=np.uint8)
        image[:, :12] = (255, 0, 0)
        autotrack.log_image(image, "plots/half-red.png")
        autotrack.log_text("<h1 id='t'>Report</h1><script>parent.document.title = 'hacked'</script>", "report.html")
        with autotrack.start_run(run_name="fold-1", nested=True) as child:
            autotrack.log_metric("accuracy", 0.91)
    return run.info.run_id, child.info.run_id


def test_run_page_shows_header_params_metrics_tags_and_family(ui_server, new_page):
    run_id, child_id = _logged_run(ui_server.url)
    page = new_page(f"{ui_server.url}/#/runs/{run_id}")
    page.locator(".run-name", has_text="trainer").wait_for()
    assert page.locator(".run-header .badge").inner_text() == "FINISHED"
    expect(page.locator(".run-facts")).to_contain_text("ui-run-page")  # the experiment's name, read after the run
    facts = page.locator(".run-facts").inner_text().lower()
    assert run_id in facts and "duration" in facts and "git commit" in facts

    params = page.get_by_role("table", name="Parameters")
    assert params.locator("tr", has_text="optimizer").locator("td").nth(1).inner_text() == "adam"
    assert params.locator("tr", has_text="lr").locator("td").nth(1).inner_text() == "0.01"

    loss = page.locator('tr[data-metric="loss"]')
    assert loss.locator("td").nth(1).inner_text() == "0.05"  # the value at the highest step
    sparkline = loss.locator("svg.sparkline")
    sparkline.wait_for()
    assert sparkline.get_attribute("data-points") == str(STEPS)
    long = page.locator('tr[data-metric="lr"]')
    assert long.locator("td").nth(2).inner_text() == f"{LONG:,}".replace(",", "") and long.locator("svg").is_visible()
    drawn = long.locator("polyline").get_attribute("points").split()
    assert 100 <= len(drawn) <= 240  # thinned on the server to the sparkline's width

    datasets = page.get_by_role("table", name="Datasets")
    assert datasets.locator("tbody tr").count() == 1
    assert datasets.locator("tbody td").nth(0).inner_text() == "train-frame"
    assert datasets.locator("tbody td").nth(1).inner_text() == "training"
    assert page.get_by_role("table", name="Tags", exact=True).locator("tr", has_text="team").is_visible()
    system = page.get_by_role("table", name="System tags").inner_text()
    assert "mlflow.user" in system and "mlflow.source.name" in system and "team" not in system

    child_link = page.locator(".run-children").get_by_role("link", name="fold-1")
    child_link.click()
    page.locator(".run-name", has_text="fold-1").wait_for()
    assert page.url.endswith(f"#/runs/{child_id}")
    page.locator(".run-facts").get_by_role("link", name="trainer").click()  # the parent link, by its name
    page.locator(".run-name", has_text="trainer").wait_for()


def test_artifacts_browser_previews_json_yaml_csv_and_images(ui_server, new_page):
    run_id, _ = _logged_run(ui_server.url)
    page = new_page(f"{ui_server.url}/#/runs/{run_id}")
    page.get_by_role("tab", name="Artifacts").click()
    tree = page.get_by_role("tree", name="Artifacts")

    tree.get_by_role("button", name="config", exact=True).click()
    tree.get_by_role("button", name="model.json").click()
    expect(page.locator("pre.json-preview")).to_contain_text('"layers": [\n    64,')
    assert "artifact=config%2Fmodel.json" in page.url or "artifact=config/model.json" in page.url

    tree.get_by_role("button", name="train.yaml").click()
    expect(page.locator("pre.yaml-preview")).to_contain_text("schedule: cosine")

    tree.get_by_role("button", name="results", exact=True).click()
    tree.get_by_role("button", name="folds.csv").click()
    table = page.get_by_role("table", name="CSV preview")
    table.wait_for()
    assert [h.inner_text() for h in table.locator("th").all()] == ["fold", "accuracy"]
    assert table.locator("tbody tr").count() == 2
    assert table.locator("tbody tr").nth(1).inner_text().split() == ["2", "0.87"]

    tree.get_by_role("button", name="plots", exact=True).click()
    tree.get_by_role("button", name="half-red.png").click()
    image = page.locator("img.image-preview")
    image.wait_for()
    page.wait_for_function("document.querySelector('img.image-preview').complete")
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [24, 16]
    download = page.get_by_role("link", name="Download")
    assert httpx.get(f"{ui_server.url}/{download.get_attribute('href')}").content[:4] == b"\x89PNG"

    page.reload()  # the selection is in the URL: the same file shows again
    page.locator("img.image-preview").wait_for()

    tree.get_by_role("button", name="report.html").click()
    assert page.frame_locator("iframe.html-preview").locator("#t").inner_text() == "Report"
    assert page.title() == "autotrack"  # the page's script never ran


def test_mlmodel_signature_shows_as_a_table(ui_server, sweep_store, new_page):
    run_id = sweep_store["model_run"]
    page = new_page(f"{ui_server.url}/#/runs/{run_id}")
    page.get_by_role("tab", name="Artifacts").click()
    tree = page.get_by_role("tree", name="Artifacts")
    model_folder = tree.get_by_role("button", name="model", exact=True)
    model_folder.locator(".model-badge").wait_for()  # marked as a model before it is opened
    model_folder.click()
    inputs = page.get_by_role("table", name="Signature inputs")
    assert inputs.locator("tbody td").nth(1).inner_text() == "tensor float64 [-1, 6]"
    outputs = page.get_by_role("table", name="Signature outputs")
    assert outputs.locator("tbody td").nth(1).inner_text() == "tensor int64 [-1]"
    assert "sklearn" in page.locator(".model-view").inner_text()
    tree.get_by_role("button", name="MLmodel").click()  # the file itself previews the same way
    expect(page.get_by_role("table", name="Signature inputs")).to_be_visible()
    expect(page.get_by_role("button", name="Register model")).to_be_visible()


def test_failed_trial_traceback_is_one_click_away(ui_server, sweep_store, new_page):
    client = autotrack.Client(tracking_uri=ui_server.url)
    experiment = client.get_experiment_by_name("ui-sweep")
    failed = client.search_runs([experiment.experiment_id], "attributes.status = 'FAILED'")
    assert failed, "the sweep fixture has no failed trial"
    page = new_page(f"{ui_server.url}/#/runs/{failed[0].info.run_id}")
    banner = page.locator(".banner-bad")
    banner.get_by_role("link", name="Show its traceback").click()
    text = page.locator("pre.text-preview")
    text.wait_for()
    assert "solver 'broken' does not exist" in text.inner_text()
    assert "ValueError" in text.inner_text()
    page.locator(".run-facts").get_by_role("link", name="logreg-sweep", exact=True).click()  # up to the sweep's run
    page.locator(".run-children tbody tr").first.wait_for()  # its overview with the trials, not this trial's file
    assert "artifact=" not in page.url


def test_unknown_run_id_says_so(ui_server, new_page):
    page = new_page(f"{ui_server.url}/#/runs/0123456789abcdef", expect_errors=True)  # the 404 is logged by Chromium
    page.get_by_text("No run 0123456789abcdef").wait_for()
    assert "mistyped" in page.locator(".empty").inner_text()
    page.get_by_role("link", name="Find runs in the experiments").click()
    assert page.url.endswith("#/")


def test_deleted_run_says_so_and_can_be_restored(ui_server, new_page):
    run_id, _ = _logged_run(ui_server.url)
    autotrack.Client(tracking_uri=ui_server.url).delete_run(run_id)
    page = new_page(f"{ui_server.url}/#/runs/{run_id}")
    banner = page.locator(".banner-warn")
    banner.get_by_text("This run is deleted.").wait_for()
    assert page.locator(".run-name").inner_text() == "trainer"  # still readable
    banner.get_by_role("button", name="Restore it").click()
    banner.wait_for(state="detached")
    assert autotrack.Client(tracking_uri=ui_server.url).get_run(run_id).info.lifecycle_stage == "active"


def test_running_run_updates_without_a_reload(ui_server, new_page):
    client = autotrack.Client(tracking_uri=ui_server.url)
    run_id = client.create_run(client.create_experiment("ui-live"), run_name="live").info.run_id
    for step in range(3):
        client.log_metric(run_id, "loss", 1.0 / (step + 1), step=step, synchronous=True)
    page = new_page(f"{ui_server.url}/#/runs/{run_id}")
    steps = page.locator('tr[data-metric="loss"] td').nth(2)
    page.wait_for_function("cell => cell.textContent === '3'", arg=steps.element_handle())
    assert page.locator(".run-header .badge").inner_text() == "RUNNING"
    for step in range(3, 8):
        client.log_metric(run_id, "loss", 1.0 / (step + 1), step=step, synchronous=True)
    page.wait_for_function("cell => cell.textContent === '8'", arg=steps.element_handle())
    client.set_terminated(run_id)
    page.locator(".run-header .badge", has_text="FINISHED").wait_for()


def test_a_trial_names_its_sweep_as_parent_with_links_to_it(ui_server, sweep_store, new_page):
    sweep_id = sweep_store["sweep"]
    trial_id = store_trials(ui_server.url, sweep_id)[0]["run_id"]
    page = new_page(f"{ui_server.url}/#/runs/{trial_id}")
    parent = page.locator(".run-facts .parent-link")
    expect(parent).to_have_text("logreg-sweep")  # the sweep's name, not its short id
    assert parent.get_attribute("href").endswith(f"#/runs/{sweep_id}?tab=overview")
    page.locator(".run-facts").get_by_role("link", name="sweep view").click()
    page.get_by_role("heading", name="logreg-sweep").wait_for()
    assert page.url.endswith(f"#/sweeps/{sweep_id}")
