"""Custom evaluation metrics, MLflow's way: `make_metric(eval_fn=..., greater_is_better=..., name=...)`.

`evaluate(..., extra_metrics=[...])` calls each `eval_fn` with the arguments its parameter names ask
for, as MLflow's default evaluator does: `predictions` and `targets` (pandas Series), `metrics` (the
built-in ones, as `MetricValue`s), a column of the input data, or a key of `evaluator_config`. The
old form `eval_fn(eval_df, builtin_metrics)` works too.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from autotrack.exceptions import InvalidInput

__all__ = ["EvaluationMetric", "MetricValue", "make_metric"]


@dataclass(frozen=True)
class MetricValue:
    """What an `eval_fn` may return: per-row `scores` and/or `aggregate_results` ({name: value})."""

    scores: list | None = None
    justifications: list | None = None
    aggregate_results: Mapping[str, float] | None = None


@dataclass(frozen=True)
class EvaluationMetric:
    eval_fn: Callable[..., Any]
    name: str
    greater_is_better: bool
    long_name: str | None = None
    version: str | None = None
    metric_details: str | None = None


def make_metric(*, eval_fn: Callable[..., Any], greater_is_better: bool, name: str | None = None,
                long_name: str | None = None, version: str | None = None,
                metric_details: str | None = None, **_: Any) -> EvaluationMetric:
    """A metric for `evaluate(extra_metrics=[...])`; `name` defaults to the function's name."""
    if not callable(eval_fn):
        raise InvalidInput("make_metric needs eval_fn=<a function of predictions, targets, ...>.")
    name = name or getattr(eval_fn, "__name__", "")
    if not name or name == "<lambda>":
        raise InvalidInput("make_metric needs name=... when eval_fn is a lambda.")
    return EvaluationMetric(eval_fn, name, bool(greater_is_better), long_name, version, metric_details)


def compute(metric: EvaluationMetric, predictions: Any, targets: Any, features: Any, builtin: Mapping[str, float],
            config: Mapping[str, Any]) -> dict[str, float]:
    """The metric's values to log: `{name: value}`, or `{name/aggregate: value}` for a MetricValue."""
    import pandas as pd

    predictions, targets = pd.Series(list(predictions)), pd.Series(list(targets))
    parameters = inspect.signature(metric.eval_fn).parameters
    names = list(parameters)
    if len(names) == 2 and names != ["predictions", "targets"]:  # MLflow's old form: (eval_df, builtin_metrics)
        args = [pd.DataFrame({"prediction": predictions, "target": targets}), dict(builtin)]
    else:
        args = []
        for name, parameter in parameters.items():
            if name == "predictions":
                args.append(predictions)
            elif name == "targets":
                args.append(targets)
            elif name == "metrics":
                args.append({key: MetricValue(aggregate_results={key: value}) for key, value in builtin.items()})
            elif isinstance(features, pd.DataFrame) and name in features.columns:
                args.append(features[name])
            elif name in config:
                args.append(config[name])
            elif parameter.default is not inspect.Parameter.empty:
                args.append(parameter.default)
            elif parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                raise InvalidInput(f"Metric '{metric.name}' asks for '{name}', which is neither predictions, "
                                   "targets, metrics, a column of the data nor a key of evaluator_config.")
    value = metric.eval_fn(*args)
    if isinstance(value, MetricValue) or hasattr(value, "aggregate_results"):
        results = value.aggregate_results or {}
        return {metric.name if key == metric.name else f"{metric.name}/{key}": float(v)
                for key, v in results.items() if v is not None}
    if value is None:
        return {}
    try:
        return {metric.name: float(value)}
    except (TypeError, ValueError):
        raise InvalidInput(f"Metric '{metric.name}' returned {type(value).__name__}: return a number or a "
                           "MetricValue(aggregate_results={...}).") from None
