"""The UI's frame in a real browser: it renders, themes switch and persist, bad addresses explain themselves,
and `autotrack ui` serves it."""

from __future__ import annotations

import shutil
import subprocess
import sys

from live_server import free_port, wait_until_up


def test_page_renders_with_navigation(ui_server, new_page):
    page = new_page(ui_server.url + "/")
    page.get_by_role("link", name="autotrack").wait_for()
    assert page.title() == "autotrack"
    assert page.get_by_role("link", name="Models", exact=True).is_visible()


def test_theme_toggle_switches_and_is_remembered(ui_server, new_page):
    page = new_page(ui_server.url + "/", color_scheme="dark")
    assert page.locator("html").get_attribute("data-theme") == "dark"  # follows the system by default
    page.get_by_role("button", name="Switch to light theme").click()
    assert page.locator("html").get_attribute("data-theme") == "light"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(255, 255, 255)"
    page.reload()
    assert page.locator("html").get_attribute("data-theme") == "light"


def test_unknown_address_says_what_to_do(ui_server, new_page):
    page = new_page(ui_server.url + "/#/no/such/page")
    page.get_by_text("No such page").wait_for()
    page.get_by_role("link", name="Go to the experiments").click()
    assert page.url.endswith("#/")


def test_autotrack_ui_command_serves_the_ui(sweep_store, tmp_path, new_page):
    store = shutil.copytree(sweep_store["path"], tmp_path / "store")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "autotrack", "ui", "--port", str(port),
                                "--backend-store-uri", str(store)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process)
        page = new_page(url + "/")
        page.get_by_role("link", name="Experiments").wait_for()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "open http://127.0.0.1:" in process.stderr.read()
