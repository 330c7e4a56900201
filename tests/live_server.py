"""Real servers on 127.0.0.1 for tests: a free port, waiting until one answers, and
`autotrack server` as its own process (what users run), stopped the way a service manager does."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx

# Debian's Chromium, driven by Playwright (which cannot download a browser of its own on this network),
# with the flags a headless, offline, root-run Chromium needs.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser for the UI's tests and benchmarks, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen | None = None, timeout: float = 30.0) -> float:
    """Seconds until `url`/health answers."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {process.stderr.read()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            time.sleep(0.02)
    raise TimeoutError(f"no server at {url} after {timeout} s")


class ServerProcess:
    """`autotrack server` in its own process."""

    def __init__(self, backend: str, port: int | None = None, extra: tuple[str, ...] = ()):
        self.backend = backend
        self.port = port or free_port()
        self.extra = extra
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.startup_seconds = 0.0

    def start(self) -> "ServerProcess":
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autotrack", "server", "--port", str(self.port),
             "--backend-store-uri", self.backend, *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
        )
        self.startup_seconds = wait_until_up(self.url, self.process)
        return self

    def stop(self) -> bool:
        """SIGTERM, as a service manager stops it; True when it shut down gracefully.

        uvicorn finishes the requests in flight, then re-raises the signal, so a graceful stop
        exits with -SIGTERM (or 0); anything else, or a traceback, is not graceful.
        """
        if self.process is None or self.process.poll() is not None:
            return False
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        errors = self.process.stderr.read()
        self.process.stderr.close()
        return status in (0, -signal.SIGTERM) and "Traceback" not in errors


class ScoringServer:
    """`autotrack models serve -m MODEL_URI` in its own process, up once /ping answers."""

    def __init__(self, model_uri: str, *extra: str, cwd: str | None = None, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autotrack", "models", "serve", "-m", model_uri, "--port", str(self.port), *extra],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stdout.read()}")
            try:
                if httpx.get(f"{self.url}/ping").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the server did not answer /ping within 60 s")

    def post(self, body, content_type: str = "application/json", **headers: str) -> httpx.Response:
        """POST /invocations: a dict or list is sent as JSON; text, bytes or an iterator (chunked) as they are."""
        content = json.dumps(body) if isinstance(body, (dict, list)) else body
        return httpx.post(f"{self.url}/invocations", content=content, timeout=120,
                          headers={"Content-Type": content_type, **headers})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class ThreadServer:
    """The server app under uvicorn in a thread, over a store made for one test."""

    def __init__(self, store, artifact_root: str):
        import uvicorn

        from autotrack.server.app import create_app
        from autotrack.server.state import ServerState

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(create_app(ServerState(store, artifact_root)), log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        wait_until_up(self.url)

    def stop(self) -> None:
        from autotrack.store.http import close_session

        close_session(self.url)
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()
