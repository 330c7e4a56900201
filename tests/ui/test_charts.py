"""Metric charts in a real browser: the right number of points, x axis / log scale / smoothing / theme
redraw the canvas, overlaid runs with a legend and a hover, live growth of a RUNNING run, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import httpx
import pytest

API = "/api/2.0/mlflow"
PLOT = ".metric-chart-plot[data-metric='{}'][data-drawn]"


def _run(url: str, name: str, metrics: dict[str, list[float]], finished: bool = True) -> str:
    with httpx.Client(base_url=url, timeout=30) as api:
        run_id = api.post(f"{API}/runs/create", json={"experiment_id": "0", "run_name": name}).json()["run"]["info"]["run_id"]
        start = int(time.time() * 1000)
        rows = [{"key": key, "value": value, "timestamp": start + 1000 * step, "step": step}
                for key, values in metrics.items() for step, value in enumerate(values)]
        assert api.post(f"{API}/runs/log-batch", json={"run_id": run_id, "metrics": rows}).status_code == 200
        if finished:
            api.post(f"{API}/runs/update", json={"run_id": run_id, "status": "FINISHED"})
    return run_id


def _charts(ui_server, *run_ids: str) -> str:
    return f"{ui_server.url}/?runs={','.join(run_ids)}#/charts"


def _canvas(page, metric: str) -> str:
    return page.locator(PLOT.format(metric) + " canvas").evaluate("c => c.toDataURL()")


def _redrawn(page, metric: str, before: str) -> str:
    """Wait until the chart's canvas differs from `before`; its new picture."""
    page.wait_for_function("([selector, before]) => { const c = document.querySelector(selector + ' canvas');"
                           " return c && c.toDataURL() !== before; }", arg=[PLOT.format(metric), before])
    return _canvas(page, metric)


def test_a_runs_chart_shows_every_point_it_logged(ui_server, new_page):
    run_id = _run(ui_server.url, "curve", {"loss": [1 / (1 + s) for s in range(50)], "acc": [s / 20 for s in range(20)],
                                           "test_score": [0.9]})
    page = new_page(_charts(ui_server, run_id))
    loss = page.locator(PLOT.format("loss"))
    loss.wait_for()
    assert loss.get_attribute("data-points") == "50"
    assert page.locator(PLOT.format("acc")).get_attribute("data-points") == "20"
    assert page.locator(PLOT.format("test_score")).get_attribute("data-points") == "1"
    assert page.locator(".metric-chart-title").all_inner_texts() == ["acc", "loss", "test_score"]
    page.locator(PLOT.format("loss") + " .u-over").hover(position={"x": 5, "y": 5})
    tooltip = page.locator(PLOT.format("loss") + " .chart-tooltip")
    tooltip.wait_for()
    name, step, value = tooltip.inner_text().splitlines()
    assert name == "curve" and step.startswith("step ") and int(step[5:]) <= 2  # the nearest point: left edge
    assert float(value.removeprefix("value ")) == pytest.approx(1 / (1 + int(step[5:])), rel=1e-4)


def test_x_axis_log_scale_smoothing_and_theme_change_the_drawing(ui_server, new_page):
    run_id = _run(ui_server.url, "noisy", {"loss": [10 ** (-s / 30) * (1.5 if s % 2 else 0.7) for s in range(120)]})
    page = new_page(_charts(ui_server, run_id))
    page.locator(PLOT.format("loss")).wait_for()
    picture = _canvas(page, "loss")

    page.get_by_label("X axis").select_option("relative")
    picture = _redrawn(page, "loss", picture)
    assert page.locator(PLOT.format("loss")).get_attribute("data-x") == "relative"
    assert "chart_x=relative" in page.url  # the view can be shared

    page.get_by_label("Log scale").check()
    picture = _redrawn(page, "loss", picture)
    assert page.locator(PLOT.format("loss")).get_attribute("data-log") == "1"

    page.get_by_label("Smoothing").fill("0.9")
    picture = _redrawn(page, "loss", picture)
    assert page.locator(PLOT.format("loss")).get_attribute("data-smoothing") == "0.9"
    assert "chart_smooth=0.9" in page.url

    page.get_by_role("button", name="Switch to dark theme").click()
    _redrawn(page, "loss", picture)  # axis and grid colours follow the theme

    page.reload()  # every setting came from the URL
    plot = page.locator(PLOT.format("loss"))
    plot.wait_for()
    assert (plot.get_attribute("data-x"), plot.get_attribute("data-log"), plot.get_attribute("data-smoothing")) == (
        "relative", "1", "0.9")


def test_overlaid_runs_have_a_legend_and_can_be_hidden(ui_server, new_page):
    runs = [_run(ui_server.url, f"lr-{i}", {"loss": [1.0 / (1 + i + s) for s in range(10 + i)]}) for i in range(3)]
    page = new_page(_charts(ui_server, *runs))
    plot = page.locator(PLOT.format("loss"))
    plot.wait_for()
    assert plot.get_attribute("data-points") == str(10 + 11 + 12)
    legend = page.get_by_role("list", name="Runs")
    assert legend.locator("a").all_inner_texts() == ["lr-0", "lr-1", "lr-2"]
    legend.locator("li").nth(1).get_by_role("button").click()
    page.wait_for_function("s => document.querySelector(s).dataset.points === '22'", arg=PLOT.format("loss"))
    assert legend.locator("li.off a").inner_text() == "lr-1"


LOGGER = textwrap.dedent('''
    import os, sys, time
    import autotrack
    autotrack.set_tracking_uri(sys.argv[1])
    with autotrack.start_run(run_name="live-training") as run:
        print(run.info.run_id, flush=True)
        step = 0
        while not os.path.exists(sys.argv[2]) and step < 600:
            autotrack.log_metric("loss", 1.0 / (1 + step), step=step)
            step += 1
            time.sleep(0.2)
''')


def zoom_survives_live_updates(page) -> None:
    """Drag over the left half zooms in; new points do not undo it; a double-click shows them all again."""
    plot = page.locator(PLOT.format("loss"))
    box = page.locator(PLOT.format("loss") + " .u-over").bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_function("s => Number(document.querySelector(s).dataset.xMax) < "
                           "Number(document.querySelector(s).dataset.points) / 2 + 2", arg=PLOT.format("loss"))
    zoomed = float(plot.get_attribute("data-x-max"))
    points = int(plot.get_attribute("data-points"))
    page.wait_for_function("([s, n]) => Number(document.querySelector(s).dataset.points) >= n + 3",
                           arg=[PLOT.format("loss"), points], timeout=30_000)
    assert float(plot.get_attribute("data-x-max")) == zoomed
    page.locator(PLOT.format("loss") + " .u-over").dblclick()
    page.wait_for_function("([s, x]) => Number(document.querySelector(s).dataset.xMax) > x + 2",
                           arg=[PLOT.format("loss"), zoomed])


def test_a_running_runs_chart_grows_without_a_reload(ui_server, new_page, tmp_path):
    stop = tmp_path / "stop"
    logger = subprocess.Popen([sys.executable, "-c", LOGGER, ui_server.url, str(stop)], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "AUTOTRACK_CAPTURE": "none"})
    try:
        run_id = logger.stdout.readline().strip()
        assert run_id, "the logging process did not start its run"
        page = new_page(_charts(ui_server, run_id))
        page.wait_for_function("s => Number(document.querySelector(s)?.dataset.points) >= 2", arg=PLOT.format("loss"),
                               timeout=30_000)
        page.evaluate("window.notReloaded = true")
        first = int(page.locator(PLOT.format("loss")).get_attribute("data-points"))
        page.wait_for_function("([s, n]) => Number(document.querySelector(s).dataset.points) >= n + 5",
                               arg=[PLOT.format("loss"), first], timeout=30_000)
        assert page.evaluate("window.notReloaded") is True
        assert page.locator(".metric-charts").get_attribute("data-live") == "1"
        zoom_survives_live_updates(page)
    finally:
        stop.touch()
        assert logger.wait(timeout=30) == 0
    # the run ended: polling stops once the chart sees it FINISHED
    page.wait_for_function("document.querySelector('.metric-charts').dataset.live === '0'", timeout=30_000)


def test_unknown_run_and_no_metrics_say_so(ui_server, new_page):
    page = new_page(_charts(ui_server, "f" * 32), expect_errors=True)
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "RESOURCE_DOES_NOT_EXIST" in alert.inner_text() and "f" * 32 in alert.inner_text()
    empty_run = _run(ui_server.url, "nothing", {})
    page = new_page(_charts(ui_server, empty_run))
    page.get_by_text("No metrics logged yet").wait_for()
    assert "autotrack.autolog()" in page.locator(".empty").inner_text()
