"""`/api/2.0/mlflow/runs/...` and `metrics/get-history`: MLflow's run endpoints over the store.

Routes of autotrack's own, under `/api/autotrack/`, carry what MLflow's API
has no call for and `HttpStore` needs to keep the `Store` contract:
heartbeats, and ending a run together with the last buffered metrics in one
write. Its metrics travel as MLflow's `runs/log-batch` with the metrics in
packed columns (`runs/log-batch` there): no number is printed or parsed.
"""

from __future__ import annotations

import time

from autotrack import system_tags
from autotrack.entities import LifecycleStage, Param, RunTag
from autotrack.server.errors import ApiError, required
from autotrack.server.state import ServerState
from autotrack.server.wire_inputs import dataset_inputs_from_json
from autotrack.server.wire import (
    file_info_to_json,
    from_double,
    integer,
    key_values,
    metric_to_json,
    metrics_from_json,
    params_from_json,
    run_to_json,
    series_from_wire,
    tags_from_json,
    view_type,
)

__all__ = ["ROUTES"]

_BASE = "/api/2.0/mlflow/runs"
_OWN = "/api/autotrack/runs"
MAX_SEARCH_RESULTS = 50_000  # MLflow's limit for runs/search


def _run_id(body: dict) -> str:
    run_id = body.get("run_id") or body.get("run_uuid")
    if not run_id:
        raise ApiError("INVALID_PARAMETER_VALUE", "Missing value for required parameter 'run_id'.")
    return str(run_id)


def _run(state: ServerState, run) -> dict:
    return run_to_json(run, state.public_uri(run.info.artifact_uri))


def create(state: ServerState, body: dict) -> dict:
    tags = key_values(body.get("tags"))
    name = body.get("run_name") or tags.get("mlflow.runName") or tags.get(system_tags.RUN_NAME) or system_tags.run_name()
    deadline = body.get("heartbeat_deadline")  # autotrack's client: the run reads as KILLED after it
    run = state.store.create_run(
        str(body.get("experiment_id") or "0"),
        str(name),
        str(body.get("user_id") or tags.get("mlflow.user") or tags.get(system_tags.USER) or ""),
        integer(body.get("start_time") or int(time.time() * 1000), "start_time"),
        [RunTag(k, v) for k, v in tags.items()],
        heartbeat_deadline=None if deadline is None else integer(deadline, "heartbeat_deadline"),
        params=params_from_json(body.get("params")),
    )
    return {"run": _run(state, run)}


def get(state: ServerState, body: dict) -> dict:
    return {"run": _run(state, state.store.get_run(_run_id(body)))}


def update(state: ServerState, body: dict) -> dict:
    run_id = _run_id(body)
    status = body.get("status") or None
    end_time = body.get("end_time")
    state.store.update_run(
        run_id,
        status=status,
        end_time=integer(end_time, "end_time") if end_time not in (None, "") else (
            int(time.time() * 1000) if status else None),
        run_name=body.get("run_name") or None,
    )
    return {"run_info": _run(state, state.store.get_run(run_id))["info"]}


def delete(state: ServerState, body: dict) -> dict:
    state.store.update_run(_run_id(body), lifecycle_stage=LifecycleStage.DELETED)
    return {}


def restore(state: ServerState, body: dict) -> dict:
    state.store.update_run(_run_id(body), lifecycle_stage=LifecycleStage.ACTIVE)
    return {}


def search(state: ServerState, body: dict) -> dict:
    experiment_ids = body.get("experiment_ids") or []
    if isinstance(experiment_ids, (str, int)):
        experiment_ids = [experiment_ids]
    max_results = integer(body.get("max_results") or 1000, "max_results")
    if not 0 < max_results <= MAX_SEARCH_RESULTS:
        raise ApiError("INVALID_PARAMETER_VALUE", f"max_results must be between 1 and {MAX_SEARCH_RESULTS}.")
    order_by = body.get("order_by") or None
    if isinstance(order_by, str):
        order_by = [order_by]
    runs, token = state.store.search_runs(
        [str(i) for i in experiment_ids], body.get("filter") or "", view_type(body.get("run_view_type")),
        max_results, order_by, body.get("page_token") or None,
    )
    found: dict = {"runs": [_run(state, run) for run in runs]}
    if token:
        found["next_page_token"] = token
    return found


def log_batch(state: ServerState, body: dict) -> dict:
    state.store.log_batch(_run_id(body), metrics_from_json(body.get("metrics")),
                          params_from_json(body.get("params")), tags_from_json(body.get("tags")))
    return {}


def log_metric(state: ServerState, body: dict) -> dict:
    metric = metrics_from_json([{**body, "key": required(body, "key"), "value": required(body, "value")}])
    state.store.log_batch(_run_id(body), metrics=metric)
    return {}


def log_param(state: ServerState, body: dict) -> dict:
    value = body.get("value")
    state.store.log_batch(_run_id(body), params=[Param(str(required(body, "key")), "" if value is None else str(value))])
    return {}


def set_tag(state: ServerState, body: dict) -> dict:
    value = body.get("value")
    state.store.log_batch(_run_id(body), tags=[RunTag(str(required(body, "key")), "" if value is None else str(value))])
    return {}


def delete_tag(state: ServerState, body: dict) -> dict:
    state.store.delete_tag(_run_id(body), str(required(body, "key")))
    return {}


def get_history(state: ServerState, body: dict) -> dict:
    history = state.store.get_metric_history(_run_id(body), str(required(body, "metric_key")))
    return {"metrics": [metric_to_json(m) for m in history]}


def list_artifacts(state: ServerState, body: dict) -> dict:
    """MLflow's older, run-relative listing (`artifacts/list?run_id=&path=`)."""
    from autotrack.artifacts import LocalArtifactRepository

    run = state.store.get_run(_run_id(body))
    repository = LocalArtifactRepository(run.info.artifact_uri)
    files = repository.list_artifacts(body.get("path") or None)
    return {"root_uri": state.public_uri(run.info.artifact_uri), "files": [file_info_to_json(f) for f in files]}


def log_inputs(state: ServerState, body: dict) -> dict:
    """MLflow's `runs/log-inputs`: datasets a run used, with their tags (`mlflow.data.context`)."""
    state.store.log_inputs(_run_id(body), dataset_inputs_from_json(body.get("datasets")))
    return {}


def search_logged_models(state: ServerState, body: dict) -> dict:
    """MLflow 3's LoggedModel entities do not exist in autotrack (models live in run artifacts), so none match;
    MLflow's client then reads `runs:/` models from the run's artifacts."""
    return {"models": []}


# -- autotrack's own ----------------------------------------------------------
def _entries(body: dict) -> list[tuple]:
    """Compact metric rows `[run_id, key, value, timestamp, step]` of any runs."""
    rows = body.get("metrics") or []
    if not isinstance(rows, list):
        raise ApiError("INVALID_PARAMETER_VALUE", "'metrics' must be a list of [run_id, key, value, timestamp, step].")
    try:
        return [(str(r[0]), str(r[1]), from_double(r[2]), int(r[3]), int(r[4])) for r in rows]
    except (TypeError, ValueError, IndexError, KeyError):
        raise ApiError("INVALID_PARAMETER_VALUE", "Each metric row must be [run_id, key, value, timestamp, step].") from None


def log_series(state: ServerState, body: dict) -> dict:
    """MLflow's log-batch with the metrics as packed columns (`metric_chunks.to_wire`): what autotrack's client sends."""
    state.store.log_series(_run_id(body), series_from_wire(body.get("metrics") or {}),
                           params_from_json(body.get("params")), tags_from_json(body.get("tags")))
    return {}


def end(state: ServerState, body: dict) -> dict:
    state.store.end_run(_run_id(body), str(required(body, "status")), integer(required(body, "end_time"), "end_time"),
                        _entries(body))
    return {}


def holds_latest(state: ServerState, body: dict) -> dict:
    """Whether rows are the last written of their runs' keys: a client's metric journal asks it of the batch
    its process was sending when it died (see `autotrack.journal`)."""
    held = getattr(state.store, "holds_latest", None)
    return {"held": bool(held and held(_entries(body)))}


def heartbeat(state: ServerState, body: dict) -> dict:
    run_ids = body.get("run_ids") or []
    ended = state.store.heartbeat([str(r) for r in run_ids], integer(required(body, "deadline"), "deadline"))
    return {"ended": list(ended or ())}  # runs no longer RUNNING: the client stops beating them


ROUTES = [
    (f"{_BASE}/create", ["POST"], create),
    (f"{_BASE}/get", ["GET"], get),
    (f"{_BASE}/update", ["POST"], update),
    (f"{_BASE}/delete", ["POST"], delete),
    (f"{_BASE}/restore", ["POST"], restore),
    (f"{_BASE}/search", ["POST"], search),
    (f"{_BASE}/log-batch", ["POST"], log_batch),
    (f"{_BASE}/log-metric", ["POST"], log_metric),
    (f"{_BASE}/log-parameter", ["POST"], log_param),
    (f"{_BASE}/set-tag", ["POST"], set_tag),
    (f"{_BASE}/delete-tag", ["POST"], delete_tag),
    (f"{_BASE}/log-inputs", ["POST"], log_inputs),
    ("/api/2.0/mlflow/metrics/get-history", ["GET"], get_history),
    ("/api/2.0/mlflow/artifacts/list", ["GET"], list_artifacts),
    ("/api/2.0/mlflow/logged-models/search", ["POST"], search_logged_models),
    (f"{_OWN}/log-batch", ["POST"], log_series),
    (f"{_OWN}/end", ["POST"], end),
    (f"{_OWN}/heartbeat", ["POST"], heartbeat),
    (f"{_OWN}/holds-latest", ["POST"], holds_latest),
]
