"""Every page of the UI, in the light and the dark theme, on a wide (1400x900) and a narrow (1000x700) window:
it renders its content (or its clear message for an empty store, a malformed filter, an unknown run or page)
without a JavaScript error, in the theme asked for, and without a page-wide horizontal scrollbar (wide tables
scroll inside their own box). A screenshot of each is saved for a person to look at."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from live_server import ServerProcess
from test_compare import three_trials
from test_sweep_page import PARALLEL

import autotrack

MODEL = "reviewed-forest"
VIEWPORTS = {"wide": {"width": 1400, "height": 900}, "narrow": {"width": 1000, "height": 700}}
UNKNOWN_RUN = "0123456789abcdef"


@dataclass
class View:
    name: str
    url: str
    ready: str  # a selector, or "text=..." for a message
    expect_errors: bool = False  # the browser logs the API's 4xx answer as a console error


def _views(url: str, sweep_store: dict) -> list[View]:
    sweep, model_run = sweep_store["sweep"], sweep_store["model_run"]
    experiment = httpx.get(f"{url}/api/2.0/mlflow/experiments/get-by-name",
                           params={"experiment_name": "ui-sweep"}).json()["experiment"]["experiment_id"]
    trials = three_trials(url, sweep)
    bad_filter = quote("metrics.accuracy > 0.5 and params.solver ~ 'x'")
    return [
        View("experiments", f"{url}/", "table.experiments tbody tr"),
        View("runs-table", f"{url}/?open={sweep}#/experiments/{experiment}", ".runs-row.child >> nth=15"),
        View("bad-filter", f"{url}/?filter={bad_filter}#/experiments/{experiment}", ".filter-error", True),
        View("sweep", f"{url}/#/sweeps/{sweep}", f'{PARALLEL}[data-drawn="true"]'),
        View("run", f"{url}/#/runs/{trials[0]}", "svg.sparkline >> nth=0"),
        View("run-charts", f"{url}/?tab=charts#/runs/{trials[0]}", ".metric-chart-plot[data-drawn] >> nth=0"),
        View("run-model", f"{url}/?tab=artifacts&artifact=model#/runs/{model_run}",
             'table[aria-label="Signature inputs"]'),
        View("compare", f"{url}/?runs={','.join(trials)}#/compare",
             '[data-chart="compare scatter"][data-drawn="true"]'),
        View("charts", f"{url}/?runs={','.join(trials)}#/charts", ".metric-chart-plot[data-drawn] >> nth=0"),
        View("models", f"{url}/#/models", ".models-table tbody tr"),
        View("model", f"{url}/?version=1#/models/{MODEL}", 'table[aria-label="Aliases"] tr[data-alias="champion"]'),
        View("unknown-run", f"{url}/#/runs/{UNKNOWN_RUN}", f"text=No run {UNKNOWN_RUN}", True),
        View("unknown-page", f"{url}/#/no/such/page", "text=No such page"),
    ]


def _check(new_page, view: View, theme: str, size: str, tmp_path) -> list[str]:
    """What is wrong with this view (the page's own JavaScript errors fail the test in `new_page`)."""
    page = new_page(view.url, color_scheme=theme, expect_errors=view.expect_errors, viewport=VIEWPORTS[size])
    if view.expect_errors:  # a 4xx is logged, but no script may fail: listen from the start of a reload
        crashes: list[str] = []
        page.on("pageerror", lambda error: crashes.append(str(error)))
        page.reload()
    page.locator(view.ready).first.wait_for()
    page.screenshot(path=str(tmp_path / f"{theme}-{size}-{view.name}.png"), full_page=True)
    problems = []
    if page.locator("html").get_attribute("data-theme") != theme:
        problems.append(f"{view.name}: not in the {theme} theme")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        problems.append(f"{view.name}: the page scrolls sideways by {overflow}px at {size}")
    if view.expect_errors and crashes:
        problems.append(f"{view.name}: {crashes}")
    return problems


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_renders_in_both_themes(ui_server, sweep_store, new_page, tmp_path, theme, size):
    client = autotrack.Client(tracking_uri=ui_server.url)
    client.register_model(f"runs:/{sweep_store['model_run']}/model", MODEL)
    client.set_registered_model_alias(MODEL, "champion", 1)
    problems = [problem for view in _views(ui_server.url, sweep_store)
                for problem in _check(new_page, view, theme, size, tmp_path)]
    empty = ServerProcess(str(tmp_path / "empty-store")).start()
    try:
        for view in (View("empty-store", f"{empty.url}/", "text=No runs yet"),
                     View("empty-models", f"{empty.url}/#/models", "text=No registered models yet")):
            problems += _check(new_page, view, theme, size, tmp_path)
    finally:
        assert empty.stop()
    assert not problems, problems


def test_a_server_that_stopped_is_said_not_a_blank_page(tmp_path, new_page):
    server = ServerProcess(str(tmp_path / "store")).start()
    page = new_page(server.url + "/", expect_errors=True)  # the refused requests are logged by Chromium
    page.get_by_text("No runs yet", exact=True).wait_for()
    assert server.stop()
    page.locator("header.topbar").get_by_role("link", name="Models").click()  # a route change, no page load
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "UNREACHABLE" in alert.inner_text() and "Is it still running?" in alert.inner_text()
