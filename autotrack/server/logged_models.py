"""autotrack's own routes for MLflow 3's logged models (`/api/autotrack/logged-models/...`), used by
`HttpStore`. MLflow's `logged-models` routes stay as they were (MLflow's client uploads a logged model's
files to the model's own location, which autotrack keeps in the run), so MLflow's client is unaffected.

A model's `artifact_location` travels as `mlflow-artifacts:/...` like every server-side location.
"""

from __future__ import annotations

from autotrack.server.errors import ApiError, required
from autotrack.server.state import ServerState
from autotrack.server.wire import integer, key_values
from autotrack.server.wire_logged_models import logged_model_to_json, model_metric_from_json

__all__ = ["ROUTES"]

_BASE = "/api/autotrack/logged-models"


def _json(state: ServerState, model) -> dict:
    return logged_model_to_json(model, state.public_uri(model.artifact_location))


def create(state: ServerState, body: dict) -> dict:
    model = state.store.create_logged_model(
        str(required(body, "model_id")), str(required(body, "experiment_id")), str(required(body, "name")),
        state.local_location(str(required(body, "artifact_location"))), body.get("source_run_id"),
        key_values(body.get("params"), "params"), key_values(body.get("tags")), body.get("model_type"))
    return {"model": _json(state, model)}


def get(state: ServerState, body: dict) -> dict:
    return {"model": _json(state, state.store.get_logged_model(str(required(body, "model_id"))))}


def search(state: ServerState, body: dict) -> dict:
    experiment_ids = body.get("experiment_ids") or []
    if not isinstance(experiment_ids, list):
        raise ApiError("INVALID_PARAMETER_VALUE", "'experiment_ids' must be a list of experiment ids.")
    order_by = body.get("order_by")
    max_results = body.get("max_results")
    models = state.store.search_logged_models([str(e) for e in experiment_ids], str(body.get("filter") or ""),
                                              order_by if isinstance(order_by, list) else None,
                                              integer(max_results, "max_results") if max_results else None)
    return {"models": [_json(state, m) for m in models]}


def log_metrics(state: ServerState, body: dict) -> dict:
    try:
        metrics = [model_metric_from_json(m) for m in body.get("metrics") or ()]
    except (KeyError, TypeError, ValueError):
        raise ApiError("INVALID_PARAMETER_VALUE", "Each metric needs key, value, timestamp, step and model_id.") from None
    state.store.log_model_metrics(metrics)
    return {}


def log_params(state: ServerState, body: dict) -> dict:
    state.store.log_logged_model_params(str(required(body, "model_id")), key_values(body.get("params"), "params"))
    return {}


def set_tags(state: ServerState, body: dict) -> dict:
    state.store.set_logged_model_tags(str(required(body, "model_id")), key_values(body.get("tags")))
    return {}


ROUTES = [
    (f"{_BASE}/create", ["POST"], create),
    (f"{_BASE}/get", ["GET"], get),
    (f"{_BASE}/search", ["POST"], search),
    (f"{_BASE}/log-metrics", ["POST"], log_metrics),
    (f"{_BASE}/log-params", ["POST"], log_params),
    (f"{_BASE}/set-tags", ["POST"], set_tags),
]
