"""What the gradient-boosting integrations (XGBoost, LightGBM) log the same way."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Mapping

from autotrack.entities import Metric, Param

__all__ = ["LiveMetrics", "log_eval_history", "log_feature_importance", "log_params"]


def _client():
    from autotrack import fluent

    return fluent._get_client()


def log_params(run_id: str, params: Mapping[str, Any]) -> None:
    """Every param, `None` ones as "None" (as MLflow logs them)."""
    _client().log_batch(run_id, params=[Param(str(k), str(v)) for k, v in params.items()])


def call_params(function: Any, args: tuple, kwargs: Mapping[str, Any], unlogged: tuple[str, ...]) -> dict:
    """The arguments of a training function as MLflow logs them: each named argument, given or default,
    except `unlogged` (data, callbacks, objects)."""
    import inspect

    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}
    given = dict(zip(parameters, args))
    given.update(kwargs)
    return {name: given.get(name, parameter.default) for name, parameter in parameters.items()
            if name not in unlogged and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
            and (name in given or parameter.default is not inspect.Parameter.empty)}


def log_eval_history(run_id: str, history: Mapping[str, Mapping[str, list]], separator: str = "-",
                     logged: Mapping[str, int] | None = None) -> None:
    """Every eval set's metrics at every iteration, as `<eval><sep><metric>` histories, in one write;
    `logged` (from `LiveMetrics`) counts the leading values per key already written during training."""
    now = int(time.time() * 1000)
    logged = logged or {}
    metrics = [
        Metric(key, float(value[0] if isinstance(value, tuple) else value), now, step)
        for data_name, by_metric in history.items()
        for metric_name, values in by_metric.items()
        for key in (f"{data_name}{separator}{metric_name}",)
        for step, value in enumerate(values) if step >= logged.get(key, 0)
    ]
    if metrics:
        _client().log_batch(run_id, metrics=metrics)


def log_best_iteration(run_id: str, history: Mapping[str, Mapping[str, list]], best: int,
                       separator: str = "-") -> None:
    """After early stopping, MLflow's `stopped_iteration` and every eval metric's value at the best iteration
    logged again one step past the last, so each metric's latest value is the kept model's."""
    series = [(f"{data}{separator}{metric}", values) for data, by_metric in history.items()
              for metric, values in by_metric.items() if values]
    if not series:
        return
    now, last = int(time.time() * 1000), len(series[0][1])
    metrics = [Metric("stopped_iteration", float(last - 1), now, 0)]
    metrics += [Metric(key, float(values[best][0] if isinstance(values[best], tuple) else values[best]), now, last)
                for key, values in series if best < len(values)]
    _client().log_batch(run_id, metrics=metrics)


class LiveMetrics:
    """Each iteration's eval metrics written into the run's buffered metric writer as training computes
    them, so charts grow during `train` instead of all at once when it returns.

    `log` appends to the writer's buffer (microseconds: a boosting iteration takes milliseconds); the
    writer's thread flushes it at least every second. A failure warns once and stops live logging;
    what it did not write is written after training from the library's own history (see `logged`).
    """

    def __init__(self, call) -> None:
        self.call = call
        self.logged: dict[str, int] = {}  # key -> values written (the next step)
        self._log_metric = _client().log_metric
        self._failed = False

    def log(self, results) -> None:
        """`results`: (key, step, value) of one iteration."""
        if self._failed:
            return
        try:
            now = int(time.time() * 1000)
            for key, step, value in results:
                self._log_metric(self.call.run_id, key, float(value), now, step)
                self.logged[key] = step + 1
        except Exception as error:  # training must go on; the rest is logged after it
            self._failed = True
            from autotrack import autologging

            autologging.warn(self.call.settings, self.call.integration, error)


def log_feature_importance(run_id: str, kind: str, importance: Mapping[str, float]) -> None:
    """As JSON always; as a PNG bar chart when the program already uses matplotlib (importing it costs ~0.3 s)."""
    client = _client()
    ordered = dict(sorted(((str(k), float(v)) for k, v in importance.items()), key=lambda kv: -kv[1]))
    client.log_text(run_id, json.dumps(ordered, indent=2), f"feature_importance_{kind}.json")
    if "matplotlib" in sys.modules and ordered:  # drawn off the training call's path (autotrack.deferred)
        from autotrack import deferred

        deferred.defer(lambda: _importance_png(client, run_id, kind, ordered), f"feature_importance_{kind}.png")


def _importance_png(client: Any, run_id: str, kind: str, ordered: Mapping[str, float]) -> None:
    import matplotlib.figure

    figure = matplotlib.figure.Figure(figsize=(6, 0.25 * min(len(ordered), 40) + 1))
    axis = figure.subplots()
    names = list(ordered)[:40][::-1]
    axis.barh(names, [ordered[n] for n in names])
    axis.set_title(f"Feature importance ({kind})")
    figure.tight_layout()
    client.log_figure(run_id, figure, f"feature_importance_{kind}.png")
