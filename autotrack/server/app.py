"""The Starlette application: MLflow's REST API over one `Store`.

Routes are thin: each handler module (`experiments`, `runs`, `registry`,
`artifacts`) lists `(path, methods, handler)` triples whose handlers take the
server state and the request's fields (query string merged with the JSON
body) and return a JSON-able dict. Store calls run in a thread pool; every
error becomes MLflow's `{"error_code", "message"}` answer, and any MLflow
endpoint not implemented here answers 501 naming it, never 500.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route, Router

from autotrack.server.errors import ApiError, error_body
from autotrack.server.state import ServerState

__all__ = ["MAX_JSON_BYTES", "app_from_env", "create_app"]

MAX_JSON_BYTES = 64 * 1024 * 1024  # a 100,000-metric log-batch is ~8 MB
BACKEND_ENV = "AUTOTRACK_SERVER_BACKEND_STORE_URI"
ARTIFACTS_ENV = "AUTOTRACK_SERVER_ARTIFACTS_DESTINATION"
# Fields that MLflow's clients repeat in a GET query string (`?order_by=a&order_by=b`).
_LIST_FIELDS = frozenset({"experiment_ids", "order_by", "stages", "run_ids"})
_API_PREFIXES = ("/api/autotrack/", "/api/2.0/mlflow/", "/api/2.0/mlflow-artifacts/", "/api/3.0/mlflow/", "/api/2.0/preview/mlflow/",
                 "/ajax-api/2.0/mlflow/", "/ajax-api/2.0/mlflow-artifacts/", "/ajax-api/3.0/mlflow/")

Handler = Callable[[ServerState, dict], Any]
STORE_THREADS = 6  # per server process: each store thread holds a read and a write database connection
_store_executor: ThreadPoolExecutor | None = None
_store_executor_lock = threading.Lock()


async def in_store_thread(function: Callable, *args: Any) -> Any:
    """Run a store call on one of a few long-lived threads of this process.

    The SQL store holds one read and one write connection per thread, so the number of threads
    that ever call it is the number of connections: anyio's pool grows to 40 threads (80
    connections, past SQLAlchemy's pool of 15, and a 30 s wait then a 500 under load). A few
    threads are enough: writes to one database are serialized anyway.
    """
    global _store_executor
    if _store_executor is None:
        with _store_executor_lock:
            if _store_executor is None:
                _store_executor = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="autotrack-store")
    call = functools.partial(contextvars.copy_context().run, function, *args)
    return await asyncio.get_running_loop().run_in_executor(_store_executor, call)


def error_response(error: BaseException) -> JSONResponse:
    status, body = error_body(error)
    return JSONResponse(body, status)


async def request_fields(request: Request) -> dict[str, Any]:
    """The query string merged with the JSON body (the body wins), as MLflow's handlers read them."""
    fields: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        fields[key] = values if key in _LIST_FIELDS or len(values) > 1 else values[0]
    if request.method in ("GET", "HEAD"):
        return fields
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        raise ApiError("REQUEST_LIMIT_EXCEEDED", f"The request body is larger than {MAX_JSON_BYTES} bytes.")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_JSON_BYTES:
            raise ApiError("REQUEST_LIMIT_EXCEEDED", f"The request body is larger than {MAX_JSON_BYTES} bytes.")
    if raw.strip():
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError) as error:
            raise ApiError("MALFORMED_REQUEST", f"The request body is not valid JSON: {error}") from None
        if not isinstance(body, dict):
            raise ApiError("MALFORMED_REQUEST", "The request body must be a JSON object.")
        fields.update(body)
    return fields


def json_endpoint(handler: Handler, state: ServerState):
    async def endpoint(request: Request) -> Response:
        try:
            fields = request.scope.get("autotrack.fields")  # already read and checked by the auth middleware
            if fields is None:
                fields = await request_fields(request)
            result = await in_store_thread(handler, state, fields)
        except Exception as error:  # every failure answers in MLflow's error format
            return error_response(error)
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


def _aliases(path: str) -> list[str]:
    """MLflow serves its UI's copy of each route under /ajax-api as well."""
    if path.startswith("/api/"):
        return [path, "/ajax-api/" + path[len("/api/"):]]
    return [path]


def create_app(state: ServerState, auth=None) -> Starlette:
    """The server application over `state`'s store and artifact root; `auth` (`auth.AuthSettings`) turns
    on users and permissions for every route."""
    from autotrack.server import (artifacts, experiments, logged_models, registry, runs, ui_charts, ui_models, ui_runs,
                                  ui_sweeps)

    routes: list[BaseRoute] = []
    allowed: dict[str, set[str]] = {}
    for module in (experiments, runs, registry, logged_models, ui_runs, ui_charts, ui_sweeps, ui_models):
        for path, methods, handler in module.ROUTES:
            for alias in _aliases(path):
                routes.append(Route(alias, json_endpoint(handler, state), methods=methods))
                allowed.setdefault(alias, set()).update(methods)
    for path, methods, endpoint in artifacts.routes(state):
        for alias in _aliases(path):
            routes.append(Route(alias, endpoint, methods=methods))
            allowed.setdefault(alias, set()).update(methods)

    async def health(_: Request) -> Response:
        return PlainTextResponse("OK")

    async def version(_: Request) -> Response:
        from autotrack import __version__

        return PlainTextResponse(__version__)

    async def fallback(request: Request) -> Response:
        path = request.url.path
        methods = allowed.get(path.rstrip("/") or "/")
        if methods:
            return JSONResponse({"error_code": "BAD_REQUEST", "message": (
                f"{request.method} is not allowed on {path}; use {' or '.join(sorted(methods))}.")}, 405)
        if path.startswith(_API_PREFIXES):
            return JSONResponse({"error_code": "NOT_IMPLEMENTED", "message": (
                f"autotrack server does not implement MLflow's endpoint {request.method} {path}.")}, 501)
        return JSONResponse({"error_code": "ENDPOINT_NOT_FOUND", "message": (
            f"No endpoint {request.method} {path}. The API lives under /api/2.0/mlflow/ (MLflow's REST API).")}, 404)

    routes += [Route("/health", health), Route("/version", version), *ui_routes()]

    async def unrouted(request: Request, _: Exception) -> Response:
        return await fallback(request)

    # Starlette raises 404 for an unknown path and 405 for a known path with another method.
    app = Starlette(exception_handlers={404: unrouted, 405: unrouted})
    app.router = _IndexedRouter(routes)
    app.state.autotrack = state
    if auth is not None:
        from autotrack.server.auth import protect

        protect(app, state, auth)
    return app


class _IndexedRouter(Router):
    """Starlette's router, with the routes a request can match found by its path in a dict.

    Starlette tries its ~140 routes in order (~1 µs each): an artifact upload, near the end, spent
    ~120 µs there. Each fixed path keeps the routes of that path; any other path tries only the routes
    with parameters or prefixes. What the full scan does besides a match (405s, slash redirects,
    a `root_path`) is left to it, and a fixed path that an earlier pattern could also match stays
    with the scan, so every request reaches the route it reached before.
    """

    def __init__(self, routes: list[BaseRoute]):
        super().__init__(routes)
        self.by_path: dict[str, list[BaseRoute]] = {}
        self.patterns: list[BaseRoute] = []
        for route in self.routes:
            fixed = isinstance(route, Route) and not route.param_convertors
            if not fixed:
                self.patterns.append(route)
            elif not any(_could_match(pattern, route.path) for pattern in self.patterns):
                self.by_path.setdefault(route.path, []).append(route)

    async def app(self, scope, receive, send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            for route in self.by_path.get(scope["path"], self.patterns):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


def _could_match(route: BaseRoute, path: str) -> bool:
    """Whether `route` matches `path` for some method."""
    return route.matches({"type": "http", "path": path, "root_path": "", "method": "GET"})[0] is not Match.NONE


def ui_routes() -> list[BaseRoute]:
    """The web UI at `/`: index.html (never cached, so a new version shows at once) and its
    content-hashed assets (cached for good)."""
    from starlette.staticfiles import StaticFiles

    from autotrack.ui import STATIC_DIR

    index = STATIC_DIR / "index.html"

    async def page(_: Request) -> Response:
        if not index.is_file():
            return PlainTextResponse("The web UI's bundle is missing from this install; reinstall autotrack "
                                     "(from a source checkout: `make ui`).", 404)
        return Response(index.read_bytes(), media_type="text/html",
                        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    class ImmutableFiles(StaticFiles):
        async def get_response(self, path: str, scope) -> Response:
            response = await super().get_response(path, scope)
            if response.status_code == 200:
                response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return response

    return [Route("/", page), Mount("/assets", ImmutableFiles(directory=STATIC_DIR / "assets", check_dir=False))]


def app_from_env() -> Starlette:
    """The app a uvicorn worker builds: the store named by the `autotrack server` process's environment."""
    from autotrack.server.auth import settings_from_env

    state = ServerState.open(os.environ[BACKEND_ENV], os.environ.get(ARTIFACTS_ENV) or None)
    return create_app(state, settings_from_env())
