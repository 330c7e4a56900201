"""UI endpoints for a sweep's summary: trials, values, parameter importance.

MLflow's REST API has no call for this; the UI reads it from `/api/autotrack/ui/...`. One call
gives the whole sweep page (settings, counts, every trial with its params and objective value),
so a sweep of 500 trials costs the browser one request per poll, not one per trial.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from typing import Any, Mapping

from autotrack.entities import Run, RunStatus, ViewType
from autotrack.server.errors import ApiError
from autotrack.server.state import ServerState
from autotrack.system_tags import SWEEP as SWEEP_TAG
from autotrack.system_tags import SWEEP_BEST_RUN as BEST_RUN_TAG
from autotrack.system_tags import TRIAL_PARAMS as PARAMS_TAG
from autotrack.system_tags import TRIAL_STATE as TRIAL_STATE_TAG

__all__ = ["ROUTES", "sweep_summary"]

_BASE = "/api/autotrack/ui/sweeps"
_PAGE = 10_000
SPACE_FILE = "sweep_space.json"
TRACEBACK_FILE = "traceback.txt"


def _run_id(fields: Mapping[str, Any]) -> str:
    run_id = fields.get("run_id")
    if not run_id:
        raise ApiError("INVALID_PARAMETER_VALUE",
                       "Missing value for required parameter 'run_id' (the sweep's parent run).")
    return str(run_id)


def sweep_parent(state: ServerState, run_id: str) -> Run:
    """The sweep's parent run; a run that is not one is an error that says where sweeps are."""
    run = state.store.get_run(run_id)  # NotFound answers 404 RESOURCE_DOES_NOT_EXIST
    if run.data.tags.get(SWEEP_TAG) != "parent":
        hint = (f" It is trial {run.data.tags[SWEEP_TAG]} of sweep {run.data.tags.get('mlflow.parentRunId')}."
                if SWEEP_TAG in run.data.tags else "")
        raise ApiError("INVALID_PARAMETER_VALUE",
                       f"Run {run_id} is not a sweep: it has no tag {SWEEP_TAG}='parent'.{hint} "
                       "Sweeps are the parent runs that autotrack.sweep() or `autotrack sweep` create.")
    return run


def trial_runs(state: ServerState, parent: Run) -> list[Run]:
    """Every trial of a sweep (child runs), page by page."""
    runs: list[Run] = []
    token = None
    while True:
        page, token = state.store.search_runs(
            [parent.info.experiment_id], f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'",
            ViewType.ACTIVE_ONLY, _PAGE, None, token)
        runs.extend(page)
        if not token:
            return runs


def trial_state(run: Run) -> str:
    """COMPLETE, FAILED, PRUNED, KILLED or RUNNING: the trial's tag where the engine set one, else its status."""
    tagged = run.data.tags.get(TRIAL_STATE_TAG)
    if tagged:
        return tagged
    return {RunStatus.FINISHED: "COMPLETE", RunStatus.SCHEDULED: "RUNNING"}.get(run.info.status, run.info.status)


def _trial_params(run: Run) -> dict[str, Any]:
    from autotrack.sweeps._space import flat_params

    try:
        return flat_params(json.loads(run.data.tags.get(PARAMS_TAG) or "{}"))
    except ValueError:
        return {}


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _run_file(state: ServerState, run: Run, path: str) -> str | None:
    from autotrack.artifacts import LocalArtifactRepository

    try:
        return LocalArtifactRepository(run.info.artifact_uri).local_path(path).read_text(errors="replace")
    except (OSError, ValueError):
        return None


def _last_line(text: str | None) -> str | None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else None


def _trial(state: ServerState, run: Run, metric: str) -> dict:
    status = trial_state(run)
    info = run.info
    end = info.end_time
    return {
        "number": int(run.data.tags[SWEEP_TAG]) if run.data.tags.get(SWEEP_TAG, "").isdigit() else None,
        "run_id": info.run_id,
        "run_name": info.run_name,
        "state": status,
        "status": info.status,
        "params": _trial_params(run),
        "value": _finite(run.data.metrics.get(metric)),
        "start_time": info.start_time,
        "end_time": end,
        "duration_s": (end - info.start_time) / 1000 if end else None,
        "error": _last_line(_run_file(state, run, TRACEBACK_FILE)) if status == "FAILED" else None,
        "artifact_uri": state.public_uri(info.artifact_uri),
    }


def sweep_space(state: ServerState, parent: Run) -> dict | None:
    """The space the sweep searched, as the engine recorded it (None for sweeps that predate the record)."""
    text = _run_file(state, parent, SPACE_FILE)
    try:
        space = json.loads(text) if text else None
    except ValueError:
        return None
    return space if isinstance(space, dict) else None


def sweep_summary(state: ServerState, fields: Mapping[str, Any]) -> dict:
    """Parent run, settings, counts per state, and every trial with its params and objective value."""
    parent = sweep_parent(state, _run_id(fields))
    settings = dict(parent.data.params)
    metrics = [m for m in settings.get("metric", "").split(",") if m] or ["objective"]
    modes = [m for m in settings.get("mode", "").split(",") if m]
    trials = [_trial(state, run, metrics[0]) for run in trial_runs(state, parent)]
    trials.sort(key=lambda t: (t["number"] is None, t["number"] if t["number"] is not None else 0, t["start_time"]))
    counts = {name: 0 for name in ("COMPLETE", "FAILED", "PRUNED", "KILLED", "RUNNING")}
    for trial in trials:
        counts[trial["state"]] = counts.get(trial["state"], 0) + 1
    info = parent.info
    return {
        "sweep": {
            "run_id": info.run_id, "run_name": info.run_name, "experiment_id": info.experiment_id,
            "status": info.status, "start_time": info.start_time, "end_time": info.end_time,
            "artifact_uri": state.public_uri(info.artifact_uri),
            "metric": metrics[0], "metrics": metrics, "mode": modes[0] if modes else "minimize",
            "algo": settings.get("algo"),
            "n_trials": int(settings["n_trials"]) if settings.get("n_trials", "").isdigit() else None,
            "best_run_id": parent.data.tags.get(BEST_RUN_TAG), "settings": settings,
            "space": sweep_space(state, parent),
        },
        "counts": {**counts, "total": len(trials)},
        "params": sorted({key for trial in trials for key in trial["params"]}),
        "trials": trials,
    }


_computed: OrderedDict = OrderedDict()  # (sweep, its completed trials) -> importance; a live page asks again
_computed_lock = threading.Lock()
_COMPUTED_MAX = 64


def importance(state: ServerState, fields: Mapping[str, Any]) -> dict:
    """Optuna's parameter importance over the sweep's completed trials (computed once per set of them)."""
    from autotrack.server.sweep_importance import param_importance

    parent = sweep_parent(state, _run_id(fields))
    settings = dict(parent.data.params)
    metric = (settings.get("metric", "").split(",") or ["objective"])[0] or "objective"
    completed = [(run.info.run_id, _trial_params(run), run.data.metrics.get(metric))
                 for run in trial_runs(state, parent) if trial_state(run) == "COMPLETE"]
    completed = [row for row in completed if _finite(row[2]) is not None]
    key = (parent.info.run_id, tuple((run_id, value) for run_id, _, value in completed))
    with _computed_lock:
        if key in _computed:
            _computed.move_to_end(key)
            return _computed[key]
    found = {"metric": metric, **param_importance([(params, value) for _, params, value in completed],
                                                  sweep_space(state, parent))}
    with _computed_lock:
        _computed[key] = found
        while len(_computed) > _COMPUTED_MAX:
            _computed.popitem(last=False)
    return found


ROUTES = [
    (f"{_BASE}/get", ["GET"], sweep_summary),
    (f"{_BASE}/importance", ["GET"], importance),
]
