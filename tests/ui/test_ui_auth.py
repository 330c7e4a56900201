"""The web UI against `autotrack server --auth`: the page is public, its data is not. A browser with a
login sees what that user may read (the 401's Basic challenge is what makes a browser ask once);
one with a wrong password sees the page but none of the data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from auth_server import ALICE, BOB, As, start_auth_server  # noqa: E402


@pytest.fixture
def auth_ui(tmp_path):
    server = start_auth_server(tmp_path, "NO_PERMISSIONS")
    alice = As(server.url, ALICE)
    alice.create_experiment("alice-ui-experiment")
    As(server.url, BOB).create_experiment("bob-ui-experiment")
    yield server
    assert server.stop()


def _open(browser, url: str, tmp_path, name: str, credentials=None):
    context = browser.new_context(http_credentials=credentials, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    answers = []
    page.on("response", lambda response: answers.append((response.url, response.status)))
    with page.expect_response(lambda response: "/api/" in response.url):  # the page's first data call
        first = page.goto(url)
    return context, page, first, answers


def test_a_signed_in_browser_sees_what_its_user_may_read(browser, auth_ui, tmp_path):
    context, page, first, answers = _open(browser, auth_ui.url, tmp_path, "bob",
                                          {"username": BOB[0], "password": BOB[1]})
    try:
        assert first.status == 200
        page.get_by_text("bob-ui-experiment").first.wait_for()
        assert "alice-ui-experiment" not in page.content()
        assert not [a for a in answers if a[1] in (401, 403, 500)], answers
        page.screenshot(path=str(tmp_path / "bob.png"), full_page=True)
    finally:
        context.close()


def test_a_wrong_password_loads_the_page_but_no_data(browser, auth_ui, tmp_path):
    context, page, first, answers = _open(browser, auth_ui.url, tmp_path, "wrong",
                                          {"username": BOB[0], "password": "not-bobs-password"})
    try:
        assert first.status == 200
        api = [(url, status) for url, status in answers if "/api/" in url]
        assert api and all(status == 401 for _, status in api), api
        assert "alice-ui-experiment" not in page.content() and "bob-ui-experiment" not in page.content()
        page.screenshot(path=str(tmp_path / "wrong.png"), full_page=True)
    finally:
        context.close()
