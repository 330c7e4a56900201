"""Artifact routes refuse every path that would leave the server's artifact root (sent raw, not normalized)."""

from __future__ import annotations

import http.client
import os
import urllib.parse

import pytest

BASE = "/api/2.0/mlflow-artifacts/artifacts/"
ESCAPES = ["0/../../outside.txt", "..%2f..%2foutside.txt", "%2e%2e/%2e%2e/outside.txt", "0/..\\..\\outside.txt",
           "/tmp/outside.txt", "%2Ftmp%2Foutside.txt", "....//....//outside.txt/../../x", "0/./../../outside.txt",
           "file:///tmp/outside.txt", "C:\\outside.txt"]


def raw(url: str, method: str, path: str, body: bytes | None = None) -> int:
    """One request with the path exactly as given (http.client sends it without folding `..`)."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        connection.request(method, path, body=body)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("escape", ESCAPES)
def test_no_route_reaches_outside_the_root(thread_server, tmp_path, escape):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    assert raw(thread_server.url, "PUT", BASE + escape, b"overwritten") in (400, 404)
    assert outside.read_text() == "secret" and not (tmp_path / "x").exists()
    assert raw(thread_server.url, "GET", BASE + escape) in (400, 404)
    assert raw(thread_server.url, "DELETE", BASE + escape) in (400, 404)
    assert raw(thread_server.url, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=" + escape) in (200, 400)
    assert outside.exists()


def test_double_encoding_stays_a_literal_name_inside_the_root(thread_server, tmp_path):
    assert raw(thread_server.url, "PUT", BASE + "0/%252e%252e/inside.txt", b"x") == 200
    assert (tmp_path / "server-artifacts" / "0" / "%2e%2e" / "inside.txt").read_bytes() == b"x"


def test_symlink_out_of_the_root_is_refused(thread_server, tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.txt").write_text("secret")
    root = tmp_path / "server-artifacts" / "0"
    root.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, root / "link")
    assert raw(thread_server.url, "GET", BASE + "0/link/key.txt") == 400
    assert raw(thread_server.url, "PUT", BASE + "0/link/new.txt", b"x") == 400
    assert raw(thread_server.url, "DELETE", BASE + "0/link/key.txt") == 400
    assert raw(thread_server.url, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=0/link") == 400
    assert sorted(p.name for p in secret.iterdir()) == ["key.txt"]


def test_model_version_sources_are_never_read_or_fetched_by_the_server(thread_server, tmp_path):
    """A source pointing at a server file, another folder or a URL is stored as text: no file is read and no
    request is made (MLflow's local-file-inclusion and SSRF classes)."""
    import socket
    import threading

    import httpx

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    contacted = []

    def watch() -> None:
        while not stop.is_set():
            try:
                contacted.append(listener.accept())
            except OSError:
                pass

    stop = threading.Event()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    secret = tmp_path / "private.txt"
    secret.write_text("TOPSECRET")
    sources = [str(secret), f"file://{secret}", "/etc/passwd", f"http://127.0.0.1:{listener.getsockname()[1]}/x",
               "mlflow-artifacts:/../../etc", "runs:/../../etc/passwd", "s3://bucket/key", "gopher://127.0.0.1/x"]
    api = "/api/2.0/mlflow"
    try:
        with httpx.Client(base_url=thread_server.url, timeout=30) as client:
            client.post(f"{api}/registered-models/create", json={"name": "m"})
            for number, source in enumerate(sources, start=1):
                created = client.post(f"{api}/model-versions/create", json={"name": "m", "source": source})
                assert created.status_code == 200, created.text
                answer = client.get(f"{api}/model-versions/get-download-uri", params={"name": "m", "version": number})
                assert answer.json() == {"artifact_uri": source}
                assert "TOPSECRET" not in created.text and "root:" not in created.text
    finally:
        stop.set()
        watcher.join()
        listener.close()
    assert contacted == []
