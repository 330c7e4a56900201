"""`autotrack server --auth`: one ASGI middleware in front of every route.

Each request is matched against the app's own routes with Starlette's own matching, so the check
sees exactly the route that would answer: a path the router does not know (another prefix, a
trailing or doubled slash, other case) is an unknown route, which only admins may reach. Then:
who is asking (HTTP basic auth or a bearer token; 401 with `WWW-Authenticate: Basic` so a browser asks
once), which route and which resources its fields name (`auth_policy`), 403 when the user may not.
The fields parsed here are the ones the route reads (`FIELDS_KEY` in the ASGI scope), so the check and
the handler cannot read a request differently. The web UI's page, its assets, /health and /version
are public; every API call is not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Match, Mount

from autotrack.server import auth_routes
from autotrack.server.app import in_store_thread
from autotrack.server.auth_policy import ARTIFACTS, Decision, Policy, canonical
from autotrack.server.auth_store import LEVELS, AuthStore, User

__all__ = ["AUTH_ENV", "AuthSettings", "FIELDS_KEY", "USER_KEY", "protect"]

FIELDS_KEY = "autotrack.fields"
USER_KEY = "autotrack.user"
AUTH_ENV = "AUTOTRACK_SERVER_AUTH"  # the default permission, for `--workers N` processes; unset: no auth
_PUBLIC_PATHS = frozenset({"/", "/health", "/version"})
_CACHE_SIZE = 10_000
UNAUTHENTICATED = (
    "Authentication required: this server runs with --auth. Clients: set AUTOTRACK_TRACKING_USERNAME and "
    "AUTOTRACK_TRACKING_PASSWORD, or AUTOTRACK_TRACKING_TOKEN (MLflow's MLFLOW_TRACKING_USERNAME, "
    "MLFLOW_TRACKING_PASSWORD and MLFLOW_TRACKING_TOKEN work too).")
WRONG_CREDENTIALS = ("Wrong username, password or token. Check AUTOTRACK_TRACKING_USERNAME / "
                     "AUTOTRACK_TRACKING_PASSWORD or AUTOTRACK_TRACKING_TOKEN (or MLflow's MLFLOW_TRACKING_*).")
DENIED = "Permission denied: this user may not do this here (or it does not exist)."


@dataclass(frozen=True)
class AuthSettings:
    """What `--auth` and `--auth-default-permission` chose."""

    default_permission: str = "READ"

    def __post_init__(self):
        if self.default_permission not in LEVELS:
            raise ValueError(f"--auth-default-permission must be one of {', '.join(LEVELS)}.")


def protect(app, state, settings: AuthSettings) -> None:
    """Put the auth middleware in front of every route of `app` (a Starlette app)."""
    app.add_middleware(AuthMiddleware, routes=app.routes, policy=Policy(state, AuthStore(state.store),
                                                                        settings.default_permission))


def _json(status: int, code: str, message: str, **headers) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message}, status, headers=headers or None)


def _unauthenticated(message: str) -> JSONResponse:
    return _json(401, "UNAUTHENTICATED", message, **{"WWW-Authenticate": 'Basic realm="autotrack"'})


def _denied() -> JSONResponse:
    return _json(403, "PERMISSION_DENIED", DENIED)


class Authenticator:
    """Credentials -> user. A verified password is remembered (keyed by an HMAC of the header, with the
    hash it was checked against) so a client's every request does not pay scrypt again; a changed
    password or a deleted user takes effect at once."""

    def __init__(self, auth: AuthStore):
        self.auth = auth
        self._key = secrets.token_bytes(32)
        self._verified: dict[bytes, tuple[int, str]] = {}

    def user(self, header: str) -> User | None:
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value:
            return self.auth.authenticate_token(value)
        if scheme.lower() != "basic" or not value:
            return None
        try:
            pair = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
        try:
            text = pair.decode()
        except UnicodeDecodeError:  # `requests` (MLflow's client) encodes basic auth as Latin-1
            text = pair.decode("latin-1")
        username, separator, password = text.partition(":")
        if not separator:
            return None
        key = hmac.new(self._key, header.encode(), hashlib.sha256).digest()
        remembered = self._verified.get(key)
        if remembered is not None:
            row = self.auth.user_row(remembered[0])
            if row is not None and row[1] == remembered[1] and row[0].username == username:
                return row[0]
        user = self.auth.authenticate_password(username, password)
        if user is not None:
            row = self.auth.user_row(user.id)
            if row is not None:
                if len(self._verified) >= _CACHE_SIZE:
                    self._verified.clear()
                self._verified[key] = (user.id, row[1])
        return user


def _match(routes, scope) -> tuple[object | None, Match, dict]:
    """The route Starlette's router would pick, as it picks it: the first full match, else a partial one."""
    partial = None
    for route in routes:
        match, child = route.matches(scope)
        if match == Match.FULL:
            return route, Match.FULL, child.get("path_params", {})
        if match == Match.PARTIAL and partial is None:
            partial = route
    return partial, (Match.PARTIAL if partial is not None else Match.NONE), {}


def _public(route, match: Match) -> bool:
    if match != Match.FULL:
        return False
    if isinstance(route, Mount):
        return route.path == "/assets"
    return getattr(route, "path", None) in _PUBLIC_PATHS


class AuthMiddleware:
    def __init__(self, app, routes, policy: Policy):
        self.app = app
        self.routes = routes
        self.policy = policy
        self.authenticator = Authenticator(policy.auth)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route, match, path_params = _match(self.routes, scope)
        if _public(route, match):
            await self.app(scope, receive, send)
            return
        header = Request(scope).headers.get("authorization")
        if not header:
            await _unauthenticated(UNAUTHENTICATED)(scope, receive, send)
            return
        user = await in_store_thread(self.authenticator.user, header)
        if user is None:
            await _unauthenticated(WRONG_CREDENTIALS)(scope, receive, send)
            return
        scope[USER_KEY] = user.username
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        management = auth_routes.ROUTES.get((canonical(scope["path"]), method))
        if management is not None:
            await self._manage(management, user, scope, receive, send)
            return
        if match != Match.FULL:  # 405 for a partial match; an unknown route only for admins (404/501)
            if match == Match.PARTIAL or user.is_admin:
                await self.app(scope, receive, send)
            else:
                await _denied()(scope, receive, send)
            return
        template = canonical(route.path)
        fields, receive_rest = {}, receive
        if template.startswith(ARTIFACTS):
            fields = dict(Request(scope).query_params)  # the body is a file: streamed to the route untouched
        else:
            try:
                fields = await _read_fields(scope, receive)
            except Exception as error:
                from autotrack.server.app import error_response

                await error_response(error)(scope, receive, send)
                return
            receive_rest = _after_body(receive)
        try:
            decision = await in_store_thread(self.policy.decide, user, template, method, fields, path_params)
        except Exception:  # a field no lookup could use (wrong type, too long): the route would refuse it too
            decision = Decision(user.is_admin)
        if not decision.allowed:
            await _denied()(scope, receive, send)
            return
        if not template.startswith(ARTIFACTS):
            scope[FIELDS_KEY] = decision.fields if decision.fields is not None else fields
        if decision.grant or decision.filter_lists or decision.after:
            await self._answer_then(decision, user, scope, receive_rest, send)
        else:
            await self.app(scope, receive_rest, send)

    async def _manage(self, handler, user: User, scope, receive, send) -> None:
        from autotrack.server.app import error_response

        try:
            fields = await _read_fields(scope, receive)
            answer = JSONResponse(await in_store_thread(handler, self.policy, user, fields))
        except auth_routes.Forbidden:
            answer = _denied()
        except Exception as error:
            answer = error_response(error)
        await answer(scope, receive, send)

    async def _answer_then(self, decision: Decision, user: User, scope, receive, send) -> None:
        """Run the route with its answer held back: grant the creator, filter a listing, follow a rename."""
        start, chunks = {}, []

        async def hold(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, hold)
        body = b"".join(chunks)
        if start.get("status") == 200:
            body = await in_store_thread(self._after, decision, user, body)
            if body is None:  # the answer was about something the user may not read
                await _denied()(scope, receive, send)
                return
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _after(self, decision: Decision, user: User, body: bytes) -> bytes | None:
        for function, args in decision.after:
            function(*args)
        if not (decision.grant or decision.filter_lists):
            return body
        try:
            answer = json.loads(body)
        except ValueError:
            return body
        if decision.grant:
            self._grant(decision.grant, user, answer)
            return body
        filtered = self._filtered(user, answer)
        return None if filtered is None else json.dumps(filtered).encode()

    def _grant(self, kind: str, user: User, answer: dict) -> None:
        if kind == "experiment":
            resource = answer.get("experiment_id") or (answer.get("experiment") or {}).get("experiment_id")
        else:
            resource = (answer.get("registered_model") or {}).get("name")
        if resource is not None:
            self.policy.auth.set_permission(kind, str(resource), user.id, "MANAGE")

    def _filtered(self, user: User, answer):
        """An answer to a request that named no resource keeps only what the user may READ: entries of its
        lists (experiments, runs, logged models by their experiment; registered models and versions by
        name), and a single object of a forbidden experiment turns the answer into a refusal."""
        if not isinstance(answer, dict):
            return answer
        experiment, model = self.policy.readable(user, "experiment"), self.policy.readable(user, "registered_model")

        def may(key: str, item) -> bool:
            if not isinstance(item, dict):
                return True
            if key in ("registered_models", "model_versions", "registered_model", "model_version"):
                return model(item.get("name"))
            found = item.get("experiment_id", (item.get("info") if isinstance(item.get("info"), dict) else {})
                             .get("experiment_id"))
            return found is None or experiment(found)

        for key, value in list(answer.items()):
            if isinstance(value, list):
                answer[key] = [item for item in value if may(key, item)]
            elif not may(key, value):
                return None
        return answer


async def _read_fields(scope, receive) -> dict:
    from autotrack.server.app import request_fields

    return await request_fields(Request(scope, receive))


def _after_body(receive):
    """The body was read here: the route sees an empty one, then whatever the client sends next (a disconnect)."""
    sent = False

    async def rest():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return rest


def settings_from_env() -> AuthSettings | None:
    value = os.environ.get(AUTH_ENV)
    return AuthSettings(value) if value else None
