"""UI endpoint for metric histories of many runs in one call, downsampled on the server.

MLflow's REST API has no call for this (its UI asks `metrics/get-history` once per run and metric and
draws every point); the charts ask `POST /api/autotrack/ui/metric-histories` once and get at most
`max_points` points per series, extremes kept (`downsample.extremes`), read as numpy columns from the
store's packed chunks. Live charts simply ask again: a reload of 50 runs costs tens of milliseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autotrack.server.errors import ApiError
from autotrack.server.state import ServerState
from autotrack.server.wire import integer

if TYPE_CHECKING:
    import numpy as np

__all__ = ["DEFAULT_POINTS", "MAX_POINTS", "MAX_RUNS", "MAX_SERIES", "ROUTES", "metric_histories"]

MAX_RUNS = 100  # overlaid runs per call (compare takes 20, a sweep's chart a page of trials)
MAX_SERIES = 2_000  # runs x metrics per call
DEFAULT_POINTS = 2_000
MAX_POINTS = 20_000  # per series: a 4K screen's pixel columns, twice


def _list(fields: dict, name: str) -> list[str]:
    """A list field, from JSON or the query string; comma-separated items are split (ids and metric keys
    never hold commas), so `?run_ids=a,b` works as a shareable URL."""
    value = fields.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ApiError("INVALID_PARAMETER_VALUE", f"'{name}' must be a list of strings (or one comma-separated string).")
    return [part for item in value for part in str(item).split(",") if part]


def _history(store, run_id: str, key: str):
    read = getattr(store, "get_metric_history_arrays", None)
    if read is not None:
        return read(run_id, key)
    from autotrack.store.metric_arrays import from_metrics

    return from_metrics(key, store.get_metric_history(run_id, key))


def _numbers(values: np.ndarray) -> list:
    """Floats for JSON: NaN and infinities become null (a gap in the line), as JSON has no such numbers."""
    import numpy as np  # on first use: the server answers its first request ~50 ms sooner

    numbers = values.tolist()
    if not np.isfinite(values).all():
        for index in np.flatnonzero(~np.isfinite(values)).tolist():
            numbers[index] = None
    return numbers


def _series(store, run_id: str, key: str, max_points: int) -> dict:
    arrays = _history(store, run_id, key)
    steps, timestamps, values = arrays.steps, arrays.timestamps, arrays.values
    if len(arrays) > max_points:
        from autotrack.server.downsample import extremes

        kept = extremes(values, max_points)
        steps, timestamps, values = steps[kept], timestamps[kept], values[kept]
    return {"run_id": run_id, "key": key, "count": len(arrays), "steps": steps.tolist(),
            "timestamps": timestamps.tolist(), "values": _numbers(values)}


def metric_histories(state: ServerState, fields: dict) -> dict:
    """`run_ids` (required), `metric_keys` (default: every metric of those runs), `max_points` per series.

    Answers the runs (name, status, times, for legends and live polling) and one series per run and
    metric the run has, with its stored point `count` beside the kept `steps`, `timestamps`, `values`."""
    run_ids = list(dict.fromkeys(_list(fields, "run_ids")))
    if not run_ids:
        raise ApiError("INVALID_PARAMETER_VALUE", "Missing value for required parameter 'run_ids'.")
    if len(run_ids) > MAX_RUNS:
        raise ApiError("INVALID_PARAMETER_VALUE", f"{len(run_ids)} runs asked; at most {MAX_RUNS} per call "
                       "(select fewer runs, or ask in several calls).")
    max_points = integer(fields.get("max_points") or DEFAULT_POINTS, "max_points")
    if not 4 <= max_points <= MAX_POINTS:
        raise ApiError("INVALID_PARAMETER_VALUE", f"max_points must be between 4 and {MAX_POINTS}, got {max_points}.")
    runs = [state.store.get_run(run_id) for run_id in run_ids]  # NotFound (404) names an unknown run
    asked = _list(fields, "metric_keys")
    keys = asked or sorted({key for run in runs for key in run.data.metrics})
    series = [(run.info.run_id, key) for run in runs for key in keys if key in run.data.metrics]
    if len(series) > MAX_SERIES:
        raise ApiError("INVALID_PARAMETER_VALUE", f"{len(series)} series (runs x metrics) asked; at most {MAX_SERIES} "
                       "per call: name the metrics wanted in 'metric_keys'.")
    return {
        "runs": [{"run_id": run.info.run_id, "run_name": run.info.run_name, "status": run.info.status,
                  "start_time": run.info.start_time, "end_time": run.info.end_time,
                  "lifecycle_stage": run.info.lifecycle_stage} for run in runs],
        "metric_keys": keys,
        "max_points": max_points,
        "histories": [_series(state.store, run_id, key, max_points) for run_id, key in series],
    }


ROUTES = [("/api/autotrack/ui/metric-histories", ["GET", "POST"], metric_histories)]
