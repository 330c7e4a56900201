"""`HttpStore`: the `Store` protocol over an `autotrack server` (or MLflow-compatible) REST API.

One keep-alive connection pool (httpx) per server is shared by the store and
its artifact repositories. A request that finds the server unreachable
(connection refused or dropped, 502/503/504) is retried with backoff for
`AUTOTRACK_HTTP_RETRY_SECONDS` (default 60), so a server restart within that
time loses nothing; after it, one error says what to do. Metrics keep going
through the client's background writer, which calls `log_metrics` at least
every second: one `runs/log-batch` request per run.

A request retried after its connection dropped mid-way may have been applied
once already: params and tags are idempotent, a metric value may then be
stored twice.
"""

from __future__ import annotations

import json
import math
import os
import random
import threading
import time
from collections import defaultdict
from typing import Any, Sequence

from autotrack.entities import Experiment, LifecycleStage, Metric, ModelVersion, Param, RegisteredModel, Run, RunTag, ViewType
from autotrack.exceptions import AutotrackException, InvalidInput, NotFound
from autotrack.server import wire
from autotrack.server.errors import exception_from_error
from autotrack.server.wire_inputs import dataset_inputs_to_json
from autotrack.server.wire_logged_models import logged_model_from_json, model_metric_to_json
from autotrack.store import metric_chunks
from autotrack.store.base import MetricEntry

__all__ = ["ARTIFACTS_PATH", "AccessDenied", "HttpStore", "ServerUnreachable", "close_session", "session"]

API = "/api/2.0/mlflow"
OWN = "/api/autotrack"
ARTIFACTS_PATH = "/api/2.0/mlflow-artifacts/artifacts"
RETRY_ENV = "AUTOTRACK_HTTP_RETRY_SECONDS"
_RETRY_STATUSES = frozenset({502, 503, 504})
_METRICS_PER_REQUEST = 20_000
_sessions: dict[str, "Session"] = {}
_sessions_lock = threading.Lock()


class ServerUnreachable(AutotrackException, ConnectionError):
    """The tracking server did not answer within the retry window."""


class AccessDenied(AutotrackException, PermissionError):
    """The server (`--auth`) refused the credentials (401) or the permission (403).

    A `PermissionError`, so buffered metrics stay buffered (and journaled) with one "will retry" warning
    instead of being dropped as values the store refused: fixing the credentials or the grant saves them.
    """


def _credentials() -> dict[str, str]:
    """Bearer token or basic auth from AUTOTRACK_TRACKING_* (or MLflow's MLFLOW_TRACKING_*) variables."""
    def env(name: str) -> str | None:
        return os.environ.get(f"AUTOTRACK_TRACKING_{name}") or os.environ.get(f"MLFLOW_TRACKING_{name}")

    token, user, password = env("TOKEN"), env("USERNAME"), env("PASSWORD")
    if token:
        return {"Authorization": f"Bearer {token}"}
    if user:
        import base64

        pair = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}
    return {}


class Session:
    """One server's connection pool, with retries: what the store and artifact repositories send through."""

    def __init__(self, base_url: str):
        from autotrack.optional import require

        httpx = require("httpx", "server", "An http(s):// tracking URI")
        self.base_url = base_url
        self._httpx = httpx
        self._client = self._new_client()

    def _new_client(self):
        httpx = self._httpx
        # Requests go straight to the pool (`_transport`): the client only builds them. Its send adds
        # cookies, an auth flow and redirect checks that this API never uses: ~40 % of its CPU per call.
        self._transport = httpx.HTTPTransport(limits=httpx.Limits(max_connections=32, max_keepalive_connections=16))
        return httpx.Client(
            base_url=self.base_url,
            headers={"User-Agent": "autotrack", **_credentials()},
            timeout=httpx.Timeout(connect=5.0, read=300.0, write=300.0, pool=60.0),
            transport=self._transport,
        )

    def after_fork(self) -> None:
        """A forked child opens its own connections; the parent's stay the parent's."""
        self._client = self._new_client()

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, *, what: str, stream: bool = False, body_factory=None, **kwargs):
        """Send, retrying while the server is unreachable; raise the store's exception for an error answer.

        `body_factory` makes a fresh request body per attempt (an open file for an upload).
        """
        httpx = self._httpx
        deadline = time.monotonic() + float(os.environ.get(RETRY_ENV, "60"))
        delay = 0.05
        while True:
            problem = None
            try:
                if body_factory is not None:
                    kwargs["content"] = body_factory()
                request = self._client.build_request(method, path, **kwargs)
                response = self._transport.handle_request(request)
                if not stream:
                    response.read()
                if response.status_code not in _RETRY_STATUSES:
                    if response.status_code >= 400:
                        if stream:
                            response.read()
                        raise _error(response, what)
                    return response
                problem = f"HTTP {response.status_code}"
                response.close()
            except (httpx.TransportError, OSError) as error:  # refused, reset, dropped keep-alive, timeout
                if isinstance(error, AccessDenied):
                    raise
                problem = f"{type(error).__name__}: {error}"
            finally:
                if body_factory is not None and hasattr(kwargs.get("content"), "close"):
                    kwargs["content"].close()
            if time.monotonic() + delay > deadline:
                raise ServerUnreachable(
                    f"The tracking server at {self.base_url} did not answer {what} ({problem}). Is "
                    f"`autotrack server` running there? Check the tracking URI (AUTOTRACK_TRACKING_URI); "
                    f"{RETRY_ENV} sets how long to keep retrying (now {os.environ.get(RETRY_ENV, '60')} s)."
                )
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)

    def call(self, method: str, endpoint: str, body: dict | None = None) -> dict:
        """A JSON API call; GET sends `body` as the query string, as MLflow's clients do."""
        what = f"{method} {endpoint}"
        if method == "GET":
            response = self.request(method, endpoint, what=what, params=_query(body or {}))
        else:
            response = self.request(method, endpoint, what=what, json=body or {})
        return response.json() if response.content else {}


def _query(body: dict) -> list[tuple[str, str]]:
    items = []
    for key, value in body.items():
        for one in value if isinstance(value, (list, tuple)) else [value]:
            if one is not None:
                items.append((key, str(one)))
    return items


def _error(response, what: str) -> Exception:
    try:
        body = response.json()
        if not isinstance(body, dict):
            body = {}
    except ValueError:
        body = {"message": response.text[:500]}
    if response.status_code == 401:
        sent = "the credentials it was sent are wrong" if _credentials() else "no credentials were sent"
        return AccessDenied(
            f"The tracking server refused {what}: it requires a login and {sent}. Set AUTOTRACK_TRACKING_USERNAME "
            "and AUTOTRACK_TRACKING_PASSWORD, or AUTOTRACK_TRACKING_TOKEN (MLflow's MLFLOW_TRACKING_USERNAME, "
            "MLFLOW_TRACKING_PASSWORD and MLFLOW_TRACKING_TOKEN work too), before the first call to the server.")
    if response.status_code == 403:
        return AccessDenied(f"The tracking server refused {what}: permission denied ({body.get('message', '')}). "
                            "Ask a user with MANAGE on the experiment or model (or an admin) to grant it.")
    return exception_from_error(response.status_code, body, what)


def close_sessions() -> None:
    """Close every pool (at exit: autotrack's last exit hook)."""
    for found in list(_sessions.values()):
        found.close()


def close_session(base_url: str) -> None:
    """Close the pool for a server that is gone for good (tests that start and stop servers)."""
    found = _sessions.pop(base_url.rstrip("/"), None)
    if found is not None:
        found.close()


def session(base_url: str) -> Session:
    """The shared connection pool for a server (`http(s)://host:port`)."""
    base_url = base_url.rstrip("/")
    found = _sessions.get(base_url)
    if found is None:
        with _sessions_lock:
            found = _sessions.setdefault(base_url, Session(base_url))
    return found


class HttpStore:
    """The `Store` protocol over HTTP; see the module docstring for retries and buffering."""

    def __init__(self, uri: str):
        if not uri.startswith(("http://", "https://")) or "://" not in uri[:8] or not uri.split("://", 1)[1].strip("/"):
            raise InvalidInput(f"Tracking URI '{uri}' is not a server address; use http://host:port.")
        self.uri = uri.rstrip("/")
        self.artifact_root = self.uri + ARTIFACTS_PATH
        self.db_uri = self.uri  # names the store for the writer's metric journal (kept per server URL)

    @property
    def _session(self) -> Session:
        return session(self.uri)  # looked up per call: a pool closed by `close_session` is replaced

    def after_fork(self) -> None:
        """Nothing to do: every pool is renewed in a forked child (`_renew_pools_in_child`)."""

    def _call(self, method: str, endpoint: str, body: dict | None = None) -> dict:
        return self._session.call(method, endpoint, body)

    # -- artifact locations: mlflow-artifacts:/x on the wire, http(s)://host/...artifacts/x here ----------
    def _local_uri(self, uri: str | None) -> str:
        if uri and uri.startswith(wire.ARTIFACTS_SCHEME):
            return self.artifact_root + "/" + uri[len(wire.ARTIFACTS_SCHEME):].lstrip("/")
        return uri or ""

    def _wire_uri(self, uri: str | None) -> str | None:
        if uri and uri.startswith(self.artifact_root):
            return wire.ARTIFACTS_SCHEME + "/" + uri[len(self.artifact_root):].lstrip("/")
        return uri

    def _experiment(self, data: dict) -> Experiment:
        return wire.experiment_from_json(data, self._local_uri(data.get("artifact_location")))

    def _run(self, data: dict) -> Run:
        return wire.run_from_json(data, self._local_uri(data["info"].get("artifact_uri")))

    # -- experiments -------------------------------------------------------
    def create_experiment(self, name: str, artifact_location: str | None = None,
                          tags: dict[str, str] | None = None) -> str:
        body = {"name": name, "artifact_location": self._wire_uri(artifact_location),
                "tags": wire.pairs({k: str(v) for k, v in (tags or {}).items()})}
        return str(self._call("POST", f"{API}/experiments/create", body)["experiment_id"])

    def get_or_create_experiment(self, name: str) -> Experiment:
        return self._experiment(self._call("POST", f"{OWN}/experiments/get-or-create", {"name": name})["experiment"])

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self._experiment(
            self._call("GET", f"{API}/experiments/get", {"experiment_id": str(experiment_id)})["experiment"])

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        try:
            found = self._call("GET", f"{API}/experiments/get-by-name", {"experiment_name": name})
        except NotFound:
            return None
        return self._experiment(found["experiment"])

    def search_experiments(self, view_type: int = ViewType.ACTIVE_ONLY, filter_string: str = "",
                           max_results: int | None = None) -> list[Experiment]:
        body = {"view_type": view_type, "filter": filter_string or None, "max_results": max_results}
        found = self._call("POST", f"{API}/experiments/search", {k: v for k, v in body.items() if v is not None})
        return [self._experiment(e) for e in found.get("experiments") or ()]

    def update_experiment(self, experiment_id: str, *, name: str | None = None,
                          lifecycle_stage: str | None = None) -> None:
        if name is not None:
            self._call("POST", f"{API}/experiments/update", {"experiment_id": str(experiment_id), "new_name": name})
        if lifecycle_stage is not None:
            action = "delete" if lifecycle_stage == LifecycleStage.DELETED else "restore"
            self._call("POST", f"{API}/experiments/{action}", {"experiment_id": str(experiment_id)})

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        self._call("POST", f"{API}/experiments/set-experiment-tag",
                   {"experiment_id": str(experiment_id), "key": key, "value": value})

    # -- runs --------------------------------------------------------------
    def create_run(self, experiment_id: str, run_name: str, user_id: str, start_time: int,
                   tags: Sequence[RunTag] = (), heartbeat_deadline: int | None = None,
                   params: Sequence[Param] = ()) -> Run:
        body = {"experiment_id": str(experiment_id), "run_name": run_name, "user_id": user_id,
                "start_time": start_time, "tags": [{"key": t.key, "value": t.value} for t in tags],
                "heartbeat_deadline": heartbeat_deadline,  # autotrack's extension fields
                "params": [{"key": p.key, "value": p.value} for p in params]}
        return self._run(self._call("POST", f"{API}/runs/create", body)["run"])

    def get_run(self, run_id: str) -> Run:
        return self._run(self._call("GET", f"{API}/runs/get", {"run_id": run_id})["run"])

    def update_run(self, run_id: str, *, status: str | None = None, end_time: int | None = None,
                   run_name: str | None = None, lifecycle_stage: str | None = None) -> None:
        if status is not None or run_name is not None:
            body = {"run_id": run_id, "status": status, "end_time": end_time, "run_name": run_name}
            self._call("POST", f"{API}/runs/update", {k: v for k, v in body.items() if v is not None})
        if lifecycle_stage is not None:
            action = "delete" if lifecycle_stage == LifecycleStage.DELETED else "restore"
            self._call("POST", f"{API}/runs/{action}", {"run_id": run_id})

    def end_run(self, run_id: str, status: str, end_time: int, metrics: Sequence[MetricEntry] = ()) -> None:
        self._call("POST", f"{OWN}/runs/end", {"run_id": run_id, "status": status, "end_time": end_time,
                                               "metrics": [_row(e) for e in metrics]})

    def log_batch(self, run_id: str, metrics: Sequence[Metric] = (), params: Sequence[Param] = (),
                  tags: Sequence[RunTag] = ()) -> None:
        self.log_series(run_id, metric_chunks.columns(metrics), params, tags)

    def log_series(self, run_id: str, series: metric_chunks.Series, params: Sequence[Param] = (),
                   tags: Sequence[RunTag] = ()) -> None:
        self._post_json(f"{OWN}/runs/log-batch", {
            "run_id": run_id, "metrics": metric_chunks.to_wire(series),
            "params": [{"key": p.key, "value": p.value} for p in params],
            "tags": [{"key": t.key, "value": t.value} for t in tags]})

    def _post_json(self, endpoint: str, body: dict) -> None:
        """POST `body` as JSON with NaN and infinities as JSON's extension tokens (httpx refuses them)."""
        self._session.request("POST", endpoint, what=f"POST {endpoint}", content=json.dumps(body).encode(),
                              headers={"Content-Type": "application/json"})

    # -- logged models (autotrack's own routes: MLflow's keep a logged model's files elsewhere) -------------
    def _model(self, data: dict) -> Any:
        return logged_model_from_json(data, self._local_uri(data.get("artifact_location")))

    def create_logged_model(self, model_id: str, experiment_id: str, name: str, artifact_location: str,
                            source_run_id: str | None = None, params: dict[str, str] | None = None,
                            tags: dict[str, str] | None = None, model_type: str | None = None) -> Any:
        body = {"model_id": model_id, "experiment_id": str(experiment_id), "name": name,
                "artifact_location": self._wire_uri(artifact_location), "source_run_id": source_run_id,
                "params": wire.pairs(params or {}), "tags": wire.pairs(tags or {}), "model_type": model_type}
        return self._model(self._call("POST", f"{OWN}/logged-models/create", body)["model"])

    def get_logged_model(self, model_id: str) -> Any:
        return self._model(self._call("GET", f"{OWN}/logged-models/get", {"model_id": model_id})["model"])

    def search_logged_models(self, experiment_ids: Sequence[str], filter_string: str = "",
                             order_by: Sequence[Any] | None = None, max_results: int | None = None) -> list:
        body = {"experiment_ids": list(experiment_ids), "filter": filter_string,
                "order_by": list(order_by) if order_by else None, "max_results": max_results}
        return [self._model(m) for m in self._call("POST", f"{OWN}/logged-models/search", body)["models"]]

    def log_model_metrics(self, metrics: Sequence[Any]) -> None:
        if metrics:
            self._call("POST", f"{OWN}/logged-models/log-metrics",
                       {"metrics": [model_metric_to_json(m) for m in metrics]})

    def log_logged_model_params(self, model_id: str, params: dict[str, str]) -> None:
        self._call("POST", f"{OWN}/logged-models/log-params", {"model_id": model_id, "params": wire.pairs(params)})

    def set_logged_model_tags(self, model_id: str, tags: dict[str, str]) -> None:
        self._call("POST", f"{OWN}/logged-models/set-tags", {"model_id": model_id, "tags": wire.pairs(tags)})

    def log_inputs(self, run_id: str, datasets: Sequence[Any] = ()) -> None:
        self._call("POST", f"{API}/runs/log-inputs", {"run_id": run_id,
                                                       "datasets": dataset_inputs_to_json(datasets)})

    def log_metrics(self, entries: Sequence[MetricEntry]) -> None:
        """Buffered metrics of any runs: one log-batch per run (and per 20,000 values)."""
        by_run: dict[str, list[tuple]] = defaultdict(list)
        for run_id, *metric in entries:
            by_run[run_id].append(metric)
        for run_id, metrics in by_run.items():
            for start in range(0, len(metrics), _METRICS_PER_REQUEST):
                self.log_series(run_id, metric_chunks.columns(metrics[start:start + _METRICS_PER_REQUEST]))

    def delete_tag(self, run_id: str, key: str) -> None:
        self._call("POST", f"{API}/runs/delete-tag", {"run_id": run_id, "key": key})

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        found = self._call("GET", f"{API}/metrics/get-history", {"run_id": run_id, "metric_key": key})
        return wire.metrics_from_json(found.get("metrics") or ())

    def search_runs(self, experiment_ids: Sequence[str], filter_string: str = "",
                    view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 1000,
                    order_by: Sequence[str] | None = None, page_token: str | None = None) -> tuple[list[Run], str | None]:
        body = {"experiment_ids": [str(i) for i in experiment_ids], "filter": filter_string,
                "run_view_type": view_type, "max_results": max_results, "order_by": list(order_by or []),
                "page_token": page_token}
        found = self._call("POST", f"{API}/runs/search", body)
        return [self._run(r) for r in found.get("runs") or ()], found.get("next_page_token") or None

    def count_runs(self, experiment_ids: Sequence[str]) -> dict[str, int]:
        """Active runs per experiment (the CLI's counts), paging through runs/search: MLflow has no count call."""
        counts = {}
        for experiment_id in experiment_ids:
            total, token = 0, None
            while True:
                runs, token = self.search_runs([experiment_id], max_results=50_000, page_token=token)
                total += len(runs)
                if not token:
                    break
            counts[str(experiment_id)] = total
        return counts

    def holds_latest(self, entries: Sequence[MetricEntry]) -> bool:
        """`SqlStore.holds_latest`, asked of the server (a batch sent when its process died: did it land?)."""
        return bool(self._call("POST", f"{OWN}/runs/holds-latest", {"metrics": [_row(e) for e in entries]}).get("held"))

    def heartbeat(self, run_ids: Sequence[str], deadline: int) -> list[str]:
        found = self._call("POST", f"{OWN}/runs/heartbeat", {"run_ids": list(run_ids), "deadline": deadline})
        return [str(r) for r in found.get("ended") or ()]

    # -- model registry ----------------------------------------------------
    def create_registered_model(self, name: str, tags: dict[str, str] | None = None,
                                description: str | None = None) -> RegisteredModel:
        body = {"name": name, "tags": wire.pairs(tags or {}), "description": description}
        return _model(self._call("POST", f"{API}/registered-models/create", body))

    def get_or_create_registered_model(self, name: str) -> RegisteredModel:
        return _model(self._call("POST", f"{OWN}/registered-models/get-or-create", {"name": name}))

    def get_registered_model(self, name: str) -> RegisteredModel:
        return _model(self._call("GET", f"{API}/registered-models/get", {"name": name}))

    def search_registered_models(self, filter_string: str = "", max_results: int = 100,
                                 order_by: Sequence[str] | None = None,
                                 page_token: str | None = None) -> tuple[list[RegisteredModel], str | None]:
        found = self._call("GET", f"{API}/registered-models/search", {
            "filter": filter_string or None, "max_results": max_results, "order_by": list(order_by or []),
            "page_token": page_token})
        models = [wire.registered_model_from_json(m) for m in found.get("registered_models") or ()]
        return models, found.get("next_page_token") or None

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        return _model(self._call("PATCH", f"{API}/registered-models/update", {"name": name, "description": description}))

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return _model(self._call("POST", f"{API}/registered-models/rename", {"name": name, "new_name": new_name}))

    def delete_registered_model(self, name: str) -> None:
        self._call("DELETE", f"{API}/registered-models/delete", {"name": name})

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        self._call("POST", f"{API}/registered-models/set-tag", {"name": name, "key": key, "value": value})

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._call("DELETE", f"{API}/registered-models/delete-tag", {"name": name, "key": key})

    def create_model_version(self, name: str, source: str, run_id: str | None = None,
                             tags: dict[str, str] | None = None, description: str | None = None,
                             user_id: str = "") -> ModelVersion:
        body = {"name": name, "source": source, "run_id": run_id, "tags": wire.pairs(tags or {}),
                "description": description, "user_id": user_id}
        return _version(self._call("POST", f"{API}/model-versions/create", body))

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        return _version(self._call("GET", f"{API}/model-versions/get", {"name": name, "version": str(version)}))

    def get_latest_model_version(self, name: str) -> ModelVersion:
        found = self._call("POST", f"{API}/registered-models/get-latest-versions", {"name": name})
        versions = found.get("model_versions") or []
        if not versions:
            raise NotFound(f"Registered model '{name}' has no versions yet.")
        return wire.model_version_from_json(max(versions, key=lambda v: int(v["version"])))

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[ModelVersion]:
        found = self._call("POST", f"{API}/registered-models/get-latest-versions",
                           {"name": name, "stages": list(stages or [])})
        return [wire.model_version_from_json(v) for v in found.get("model_versions") or []]

    def transition_model_version_stage(self, name: str, version: int | str, stage: str,
                                       archive_existing_versions: bool = False) -> ModelVersion:
        body = {"name": name, "version": str(version), "stage": stage,
                "archive_existing_versions": archive_existing_versions}
        return _version(self._call("POST", f"{API}/model-versions/transition-stage", body))

    def update_model_version(self, name: str, version: int | str, description: str) -> ModelVersion:
        return _version(self._call("PATCH", f"{API}/model-versions/update",
                                   {"name": name, "version": str(version), "description": description}))

    def delete_model_version(self, name: str, version: int | str) -> None:
        self._call("DELETE", f"{API}/model-versions/delete", {"name": name, "version": str(version)})

    def search_model_versions(self, filter_string: str = "", max_results: int = 1000,
                              order_by: Sequence[str] | None = None,
                              page_token: str | None = None) -> tuple[list[ModelVersion], str | None]:
        found = self._call("GET", f"{API}/model-versions/search", {
            "filter": filter_string or None, "max_results": max_results, "order_by": list(order_by or []),
            "page_token": page_token})
        versions = [wire.model_version_from_json(v) for v in found.get("model_versions") or ()]
        return versions, found.get("next_page_token") or None

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        self._call("POST", f"{API}/model-versions/set-tag",
                   {"name": name, "version": str(version), "key": key, "value": value})

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        self._call("DELETE", f"{API}/model-versions/delete-tag", {"name": name, "version": str(version), "key": key})

    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        self._call("POST", f"{API}/registered-models/alias", {"name": name, "alias": alias, "version": str(version)})

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._call("DELETE", f"{API}/registered-models/alias", {"name": name, "alias": alias})

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return _version(self._call("GET", f"{API}/registered-models/alias", {"name": name, "alias": alias}))


def _double(value: float) -> Any:
    return value if math.isfinite(value) else wire.double(value)


def _row(entry: MetricEntry) -> list:
    run_id, key, value, timestamp, step = entry
    return [run_id, key, _double(value), timestamp, step]


def _model(found: dict) -> RegisteredModel:
    return wire.registered_model_from_json(found["registered_model"])


def _version(found: dict) -> ModelVersion:
    return wire.model_version_from_json(found["model_version"])


def _renew_pools_in_child() -> None:
    """A forked child opens its own connections; the parent's sockets stay the parent's."""
    for found in list(_sessions.values()):
        found.after_fork()


os.register_at_fork(after_in_child=_renew_pools_in_child)
