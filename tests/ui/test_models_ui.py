"""The model registry in a real browser: register a model from a run's artifacts, give it an alias, load it by that
alias in Python and predict; the models list and a model's page (aliases moved and deleted, descriptions, tags,
the copyable serve command)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_classification

from playwright.sync_api import expect

import autotrack

NAME = "forest-classifier"


def _register_from_artifacts(page, name: str, alias: str | None) -> None:
    page.get_by_role("tab", name="Artifacts").click()
    page.get_by_role("tree", name="Artifacts").get_by_role("button", name="model", exact=True).click()
    page.get_by_role("button", name="Register model").click()
    dialog = page.get_by_role("dialog", name="Register model")
    dialog.get_by_label("Model name", exact=True).fill(name)
    dialog.get_by_role("button", name="Register").click()
    dialog.locator(".register-done").wait_for()
    if alias:
        dialog.get_by_label("Alias", exact=True).fill(alias)
        dialog.get_by_role("button", name="Set alias").click()
        dialog.get_by_text(f"@{alias}", exact=True).wait_for()


def test_register_model_from_artifacts_set_alias_and_load_it(ui_server, sweep_store, new_page, tmp_path):
    run_id = sweep_store["model_run"]
    page = new_page(f"{ui_server.url}/#/runs/{run_id}")
    _register_from_artifacts(page, NAME, "champion")
    dialog = page.get_by_role("dialog", name="Register model")
    page.screenshot(path=str(tmp_path / "register-dialog.png"))
    assert "Registered forest-classifier version 1." in dialog.locator(".register-done").inner_text()
    assert dialog.locator(".copy-command code").inner_text() == f"autotrack models serve -m models:/{NAME}@champion"

    autotrack.set_tracking_uri(ui_server.url)
    model = autotrack.pyfunc.load_model(f"models:/{NAME}@champion")
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, random_state=0)
    predicted = np.asarray(model.predict(X))
    assert predicted.shape == (300,) and (predicted == y).mean() > 0.8
    version = autotrack.Client().get_model_version_by_alias(NAME, "champion")
    assert version.run_id == run_id and version.version in (1, "1")

    dialog.get_by_role("link", name=NAME).click()  # on to the model's page
    page.get_by_role("heading", name=NAME, exact=True).wait_for()
    assert page.get_by_role("table", name="Aliases").locator('tr[data-alias="champion"]').is_visible()


def test_second_registration_adds_a_version_to_the_existing_model(ui_server, sweep_store, new_page):
    run_id = sweep_store["model_run"]
    page = new_page(f"{ui_server.url}/#/runs/{run_id}")
    _register_from_artifacts(page, NAME, None)
    page.get_by_role("button", name="Skip").click()
    page.get_by_role("button", name="Register model").click()
    dialog = page.get_by_role("dialog", name="Register model")
    dialog.get_by_label("Model name").fill(NAME)
    expect(dialog.locator(".field-hint")).to_contain_text("new version of the existing model")  # names read async
    dialog.get_by_role("button", name="Register").click()
    assert "version 2" in dialog.locator(".register-done").inner_text()


def test_models_page_moves_and_deletes_aliases_and_edits_descriptions(ui_server, sweep_store, new_page):
    autotrack.set_tracking_uri(ui_server.url)
    client = autotrack.Client()
    source = f"runs:/{sweep_store['model_run']}/model"
    for _ in range(2):
        client.register_model(source, NAME)
    client.register_model(source, "other-model")

    page = new_page(f"{ui_server.url}/#/models")
    rows = page.locator(".models-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    page.get_by_label("Search models").fill("forest")
    page.wait_for_function("document.querySelectorAll('.models-table tbody tr').length === 1")
    assert "q=forest" in page.url
    page.get_by_role("link", name=NAME).click()
    page.get_by_role("heading", name=NAME, exact=True).wait_for()
    versions = page.get_by_role("table", name="Versions")
    assert versions.locator("tbody tr").count() == 2
    assert versions.get_by_role("link", name=sweep_store["model_run"][:8]).first.is_visible()

    page.get_by_label("New alias", exact=True).fill("prod")
    page.get_by_label("Version for the new alias").select_option("2")
    page.get_by_role("button", name="Set alias").click()
    alias_row = page.get_by_role("table", name="Aliases").locator('tr[data-alias="prod"]')
    alias_row.wait_for()
    assert client.get_model_version_by_alias(NAME, "prod").version in (2, "2")

    alias_row.get_by_label("Move @prod to").select_option("1")
    alias_row.get_by_role("button", name="Move").click()
    page.get_by_role("table", name="Aliases").locator('tr[data-alias="prod"]', has_text="version 1").wait_for()
    assert client.get_model_version_by_alias(NAME, "prod").version in (1, "1")

    versions.get_by_role("link", name="Show version 1").click()
    detail = page.get_by_role("region", name="Version 1")
    detail.locator(".copy-command code", has_text="@prod").wait_for()
    command = detail.locator(".copy-command code").first.inner_text()
    assert command == f"autotrack models serve -m models:/{NAME}@prod"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_server.url)
    copy = detail.get_by_role("button", name=f"Copy {command}")
    copy.click()
    page.wait_for_function("el => el.textContent === 'Copied'", arg=copy.element_handle())
    assert page.evaluate("navigator.clipboard.readText()") == command
    detail.get_by_role("button", name="Edit version description").click()
    detail.get_by_label("Version description", exact=True).fill("trained on the March data")
    detail.get_by_role("button", name="Save").click()
    detail.get_by_text("trained on the March data").wait_for()
    assert client.get_model_version(NAME, 1).description == "trained on the March data"

    page.get_by_role("button", name="Edit model description").click()
    page.get_by_label("Model description", exact=True).fill("Forest on 6 features")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Forest on 6 features").wait_for()
    page.get_by_label("Tag name", exact=True).fill("owner")
    page.get_by_label("Tag value", exact=True).fill("ml-team")
    page.get_by_role("button", name="Set tag").click()
    page.get_by_role("table", name="Model tags").get_by_text("ml-team").wait_for()
    model = client.get_registered_model(NAME)
    assert model.description == "Forest on 6 features" and model.tags == {"owner": "ml-team"}

    page.get_by_role("button", name="Delete alias prod").click()
    page.get_by_text("No aliases").wait_for()
    assert client.get_registered_model(NAME).aliases == {}


def test_unknown_model_says_so(ui_server, new_page):
    page = new_page(f"{ui_server.url}/#/models/no-such-model", expect_errors=True)  # Chromium logs the 404
    page.get_by_text('No registered model named "no-such-model"').wait_for()
    page.get_by_role("link", name="See all models").click()
    page.get_by_text("No registered models yet").wait_for()
