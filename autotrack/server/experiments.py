"""`/api/2.0/mlflow/experiments/...`: MLflow's experiment endpoints over the store."""

from __future__ import annotations

from autotrack.entities import LifecycleStage
from autotrack.server.errors import ApiError, required
from autotrack.server.state import ServerState
from autotrack.server.wire import experiment_to_json, integer, key_values, view_type

__all__ = ["ROUTES"]

_BASE = "/api/2.0/mlflow/experiments"


def _experiment(state: ServerState, experiment) -> dict:
    return experiment_to_json(experiment, state.public_uri(experiment.artifact_location))


def create(state: ServerState, body: dict) -> dict:
    name = required(body, "name")
    location = state.local_location(body.get("artifact_location"))
    experiment_id = state.store.create_experiment(str(name), location, key_values(body.get("tags")))
    return {"experiment_id": experiment_id}


def get(state: ServerState, body: dict) -> dict:
    return {"experiment": _experiment(state, state.store.get_experiment(str(required(body, "experiment_id"))))}


def get_by_name(state: ServerState, body: dict) -> dict:
    name = required(body, "experiment_name")
    found = state.store.get_experiment_by_name(str(name))
    if found is None:
        raise ApiError("RESOURCE_DOES_NOT_EXIST", f"Could not find experiment with name '{name}'.")
    return {"experiment": _experiment(state, found)}


def get_or_create(state: ServerState, body: dict) -> dict:
    """autotrack's own: `set_experiment(name)` in one race-free call."""
    return {"experiment": _experiment(state, state.store.get_or_create_experiment(str(required(body, "name"))))}


def search(state: ServerState, body: dict) -> dict:
    if body.get("page_token"):
        raise ApiError("INVALID_PARAMETER_VALUE", "experiments/search returns every match on one page; "
                       "there is no next page to ask for.")
    if body.get("order_by"):
        raise ApiError("NOT_IMPLEMENTED", "experiments/search with order_by is not implemented by autotrack server.")
    max_results = integer(body.get("max_results") or 0, "max_results") or None
    found = state.store.search_experiments(view_type(body.get("view_type")), body.get("filter") or "", max_results)
    return {"experiments": [_experiment(state, e) for e in found]}


def update(state: ServerState, body: dict) -> dict:
    state.store.update_experiment(str(required(body, "experiment_id")), name=body.get("new_name") or None)
    return {}


def delete(state: ServerState, body: dict) -> dict:
    state.store.update_experiment(str(required(body, "experiment_id")), lifecycle_stage=LifecycleStage.DELETED)
    return {}


def restore(state: ServerState, body: dict) -> dict:
    state.store.update_experiment(str(required(body, "experiment_id")), lifecycle_stage=LifecycleStage.ACTIVE)
    return {}


def set_tag(state: ServerState, body: dict) -> dict:
    value = body.get("value")
    state.store.set_experiment_tag(str(required(body, "experiment_id")), str(required(body, "key")),
                                   "" if value is None else str(value))
    return {}


ROUTES = [
    (f"{_BASE}/create", ["POST"], create),
    (f"{_BASE}/get", ["GET"], get),
    (f"{_BASE}/get-by-name", ["GET"], get_by_name),
    (f"{_BASE}/search", ["GET", "POST"], search),
    (f"{_BASE}/update", ["POST"], update),
    (f"{_BASE}/delete", ["POST"], delete),
    (f"{_BASE}/restore", ["POST"], restore),
    (f"{_BASE}/set-experiment-tag", ["POST"], set_tag),
    ("/api/autotrack/experiments/get-or-create", ["POST"], get_or_create),
]
