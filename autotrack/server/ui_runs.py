"""UI endpoints for the runs table and experiment summaries (columnar rows, counts, children of sweeps).

MLflow's REST API has no call for this; the UI reads it from `/api/autotrack/ui/...`:

- `experiments`: active experiments with their run counts and last activity (one aggregate query);
- `runs/keys`: the metric, param and tag keys of some experiments, and how many values each takes;
- `runs/table`: one page of a search as columns (the run fields the table always shows, then the
  chosen `metrics.*`/`params.*`/`tags.*` keys), with each sweep parent's trial counts and best trial.
  `top_level` keeps runs without a parent (a sweep's trials fold under it); `parent_run_id` lists
  one parent's children.
"""

from __future__ import annotations

from typing import Any, Sequence

from autotrack.server.errors import ApiError
from autotrack.server.state import ServerState
from autotrack.server.wire import integer, view_type
from autotrack.store.filter import parse_filter, parse_order_by
from autotrack.system_tags import PARENT_RUN_ID, SWEEP, SWEEP_BEST_RUN, TRIAL_STATE

__all__ = ["ROUTES", "MAX_PAGE"]

_BASE = "/api/autotrack/ui"
MAX_PAGE = 5000  # rows per runs/table answer; the table asks for more as it scrolls
CLOCK_SKEW_MS = 3_600_000  # a child run started on another machine may read up to this much before its parent
_PARENT = f"tags.{PARENT_RUN_ID}"
_SWEEP = f"tags.{SWEEP}"  # "parent" on a sweep's own run
_BEST = f"tags.{SWEEP_BEST_RUN}"
_TRIAL_STATE = f"tags.{TRIAL_STATE}"
_ALWAYS = (_PARENT, _SWEEP, _BEST, _TRIAL_STATE, "tags.mlflow.runName")


def _list(value: Any) -> list[str]:
    """A list field sent as a JSON list, repeated query values, or one comma-separated string."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _experiment_ids(fields: dict) -> list[str]:
    ids = _list(fields.get("experiment_ids"))
    if not ids:
        raise ApiError("INVALID_PARAMETER_VALUE", "Missing value for required parameter 'experiment_ids'.")
    return ids


def experiments(state: ServerState, fields: dict) -> dict:
    store = state.store
    found = store.search_experiments(view_type(fields.get("view_type")))
    if "experiment_ids" in fields:  # only these (the auth layer passes the ones a user may read)
        allowed = set(_list(fields["experiment_ids"]))
        found = [e for e in found if e.experiment_id in allowed]
    activity = store.experiment_activity([e.experiment_id for e in found])
    listed = []
    for experiment in found:
        runs, last = activity.get(experiment.experiment_id, (0, None))
        listed.append({
            "experiment_id": experiment.experiment_id, "name": experiment.name,
            "lifecycle_stage": experiment.lifecycle_stage, "creation_time": experiment.creation_time,
            "last_update_time": experiment.last_update_time, "runs": runs,
            "last_activity": max(last or 0, experiment.last_update_time or 0) or None,
        })
    return {"experiments": listed}


def keys(state: ServerState, fields: dict) -> dict:
    return state.store.run_keys(_experiment_ids(fields), view_type(fields.get("run_view_type")))


def _search_filter(fields: dict) -> str:
    """The user's filter (checked on its own, so an error's position is in the user's text) plus the
    nesting clause the table asks for."""
    text = str(fields.get("filter") or "").strip()
    parse_filter(text)
    parent = fields.get("parent_run_id")
    if parent:
        parent = str(parent)
        if not parent.isalnum():
            raise ApiError("INVALID_PARAMETER_VALUE", f"parent_run_id '{parent}' is not a run id.")
        clause = f"{_PARENT} = '{parent}'"
    elif str(fields.get("top_level") or "").lower() in ("1", "true"):
        clause = f"{_PARENT} IS NULL"
    else:
        return text
    return f"{text} and {clause}" if text else clause


def _json_column(values: Sequence) -> list:
    """A column as JSON values: NaN (a run without the metric) becomes null, numpy scalars plain numbers."""
    plain = values.tolist() if hasattr(values, "tolist") else list(values)
    return [None if value != value else value for value in plain]  # NaN is the one value unequal to itself


def table(state: ServerState, fields: dict) -> dict:
    ids = _experiment_ids(fields)
    offset = integer(fields.get("offset") or 0, "offset")
    limit = integer(fields.get("max_results") or 1000, "max_results")
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise ApiError("INVALID_PARAMETER_VALUE", f"offset must be >= 0 and max_results between 1 and {MAX_PAGE}.")
    order_by = _list(fields.get("order_by")) if not isinstance(fields.get("order_by"), list) else fields["order_by"]
    parse_order_by(order_by)
    wanted = _list(fields.get("columns"))
    view = view_type(fields.get("run_view_type"))
    found = state.store.search_runs_columns(ids, _search_filter(fields), view, limit + 1, order_by or None, offset)
    count = min(len(found["run_id"]), limit)
    column = {key: _json_column(values[:count]) for key, values in found.items()
              if key in _ALWAYS or key in wanted or not key.startswith(("metrics.", "params.", "tags."))}
    absent = [None] * count
    trial_state = column.get(_TRIAL_STATE, absent)
    run_ids = column["run_id"]
    nested = str(fields.get("top_level") or "").lower() in ("1", "true")
    since = min(column["start_time"], default=0) - CLOCK_SKEW_MS  # children start after their parent
    children = state.store.child_counts(ids, run_ids, view, since) if run_ids and nested else {}
    names = column.get("tags.mlflow.runName", absent)
    return {
        "runs": {
            "run_id": run_ids,
            "run_name": [name or run_id[:8] for name, run_id in zip(names, run_ids)],
            "experiment_id": column["experiment_id"],
            "status": ["PRUNED" if pruned == "PRUNED" else status for pruned, status in zip(trial_state, column["status"])],
            "start_time": column["start_time"],
            "end_time": column["end_time"],
            "parent_run_id": column.get(_PARENT, absent),
            "sweep": [kind == "parent" for kind in column.get(_SWEEP, absent)],
            "best_run_id": column.get(_BEST, absent),
        },
        "columns": {key: column.get(key, absent) for key in wanted},
        "children": {run_id: children[run_id] for run_id in run_ids if run_id in children},
        "next_offset": offset + limit if len(found["run_id"]) > limit else None,
    }


ROUTES = [
    (f"{_BASE}/experiments", ["GET"], experiments),
    (f"{_BASE}/runs/keys", ["GET", "POST"], keys),
    (f"{_BASE}/runs/table", ["GET", "POST"], table),
]
