"""`autotrack.evaluate`: the standard metrics of a model on a dataset, logged to the active run.

MLflow's call shape and metric names (`accuracy_score`, `f1_score`, `roc_auc`,
`root_mean_squared_error`, ...), so dashboards and filters written for
MLflow's default evaluator read the same. Predictions go through pyfunc, so
the model's signature is enforced exactly as when it is served.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from autotrack.exceptions import InvalidInput
from autotrack.optional import require

__all__ = ["EvaluationResult", "evaluate"]

MODEL_TYPES = ("classifier", "regressor")


@dataclass(frozen=True)
class EvaluationResult:
    metrics: dict[str, float]
    run_id: str
    artifacts: dict[str, str] = field(default_factory=dict)


def evaluate(
    model: Any = None,
    data: Any = None,
    *,
    targets: Any,
    model_type: str,
    dataset_name: str | None = None,
    evaluators: Any = None,
    predictions: str | None = None,
    feature_names: list[str] | None = None,
    evaluator_config: dict[str, Any] | None = None,
    extra_metrics: list[Any] | None = None,
    custom_artifacts: list[Any] | None = None,
) -> EvaluationResult:
    """Score `model` (a model URI, a loaded PyFuncModel, or a fitted model with `predict`) on `data`.

    `targets` names the label column of a DataFrame, or is the label array. The metrics are logged to
    the active run (one is started and ended if none is active) and returned. `evaluators` is accepted
    for MLflow compatibility; only the default evaluator exists. `predictions` names a column of `data`
    that already holds the model's output (then `model` may be None). As in MLflow: `feature_names`
    names an array's columns (or picks a DataFrame's), `evaluator_config` takes `pos_label` and
    `metric_prefix`, `extra_metrics` are `autotrack.models.make_metric(...)` metrics, and each of
    `custom_artifacts` is `fn(eval_df, builtin_metrics, artifacts_dir) -> {name: file path, dict,
    DataFrame or figure}`, logged as the run's artifacts.
    """
    from autotrack import fluent
    from autotrack.models import metrics as custom

    if model_type not in MODEL_TYPES:
        raise InvalidInput(f"model_type must be one of {', '.join(MODEL_TYPES)}, got {model_type!r}.")
    if evaluators not in (None, "default", ["default"]):
        raise InvalidInput(f"Only the default evaluator exists; got evaluators={evaluators!r}.")
    config = dict(evaluator_config or {})
    if isinstance(config.get("default"), dict):  # MLflow's form with evaluators=["default"]: per evaluator
        config = dict(config["default"])
    features, labels = _split(_named(data, feature_names), targets, predictions)
    predictor = None if predictions is not None else _predictor(model)
    predicted = features[predictions] if predictions is not None else predictor.predict(features)
    probabilities = _probabilities(predictor, features) if model_type == "classifier" else None
    if model_type == "classifier":
        metrics = _classifier_metrics(labels, predicted, probabilities, config.get("pos_label"))
    else:
        metrics = _regressor_metrics(labels, predicted)
    metrics.update(_score(predictor, features, labels))
    for metric in extra_metrics or []:
        if not isinstance(metric, custom.EvaluationMetric):
            raise InvalidInput("extra_metrics takes metrics made by autotrack.models.make_metric(eval_fn=..., "
                               f"greater_is_better=..., name=...), got {type(metric).__name__}.")
        metrics.update(custom.compute(metric, predicted, labels, features, dict(metrics), config))
    prefix = str(config.get("metric_prefix") or "")
    metrics = {prefix + key: value for key, value in metrics.items()}
    started = fluent.active_run() is None
    run = fluent.start_run() if started else fluent.active_run()
    try:
        fluent.log_metrics(metrics)
        if dataset_name:
            fluent.set_tag("autotrack.evaluation.dataset", dataset_name)
        artifacts = _log_plots(model_type, labels, predicted, probabilities, config, prefix)
        artifacts.update(_log_custom_artifacts(custom_artifacts, predicted, labels, metrics))
    finally:
        if started:
            fluent.end_run()
    return EvaluationResult(metrics=metrics, run_id=run.info.run_id, artifacts=artifacts)


def _log_plots(model_type: str, labels: Any, predicted: Any, probabilities: Any, config: dict, prefix: str
               ) -> dict[str, str]:
    """MLflow's default plots, as JSON and PNG (`autotrack.evaluation_plots`); off the training path."""
    import numpy as np

    from autotrack import evaluation_plots

    pos_label = config.get("pos_label")
    if pos_label is None:
        pos_label = np.unique(np.concatenate([np.asarray(labels).ravel(), np.asarray(predicted).ravel()]))[-1]
    return evaluation_plots.log_plots(
        evaluation_plots.plot_data(model_type, labels, predicted, probabilities, pos_label), prefix)


def _named(data: Any, feature_names: list[str] | None) -> Any:
    import pandas as pd

    if feature_names is None:
        return data
    if isinstance(data, pd.DataFrame):
        return data[[*feature_names, *[c for c in data.columns if c not in feature_names]]]
    frame = pd.DataFrame(data)
    if frame.shape[1] != len(feature_names):
        raise InvalidInput(f"feature_names has {len(feature_names)} names for {frame.shape[1]} columns of data.")
    return frame.set_axis(list(feature_names), axis=1)


def _score(predictor: Any, features: Any, labels: Any) -> dict[str, float]:
    """`score`: the model's own `score(X, y)`, as MLflow logs it for scikit-learn models."""
    inner = predictor.unwrap_python_model() if hasattr(predictor, "unwrap_python_model") else predictor
    if inner is None or not type(inner).__module__.startswith("sklearn.") or not hasattr(inner, "score"):
        return {}
    try:
        signature = getattr(predictor, "signature", None)
        if signature is not None:
            from autotrack.models.enforcement import enforce

            features = enforce(features, signature.inputs)
        return {"score": float(inner.score(features, labels))}
    except Exception:  # a model whose score does not take this input: MLflow skips it too
        return {}


def _log_custom_artifacts(functions: list[Any] | None, predicted: Any, labels: Any,
                          metrics: dict[str, float]) -> dict[str, str]:
    """Call each custom artifact function and log what it returns; {name: artifact URI}."""
    import json
    import tempfile
    from pathlib import Path

    import pandas as pd

    from autotrack import fluent

    logged: dict[str, str] = {}
    if not functions:
        return logged
    eval_df = pd.DataFrame({"prediction": list(predicted), "target": list(labels)})
    base = fluent.get_artifact_uri()
    with tempfile.TemporaryDirectory(prefix="autotrack-eval-") as folder:
        for function in functions:
            for name, value in (function(eval_df.copy(), dict(metrics), folder) or {}).items():
                if isinstance(value, (str, Path)) and Path(value).is_file():
                    fluent.log_artifact(str(value))
                    file = Path(value).name
                elif isinstance(value, (dict, list)):
                    file = f"{name}.json"
                    fluent.log_text(json.dumps(value, default=str), file)
                elif isinstance(value, pd.DataFrame):
                    file = f"{name}.csv"
                    fluent.log_text(value.to_csv(index=False), file)
                elif hasattr(value, "savefig"):
                    file = f"{name}.png"
                    fluent.log_figure(value, file)
                else:
                    raise InvalidInput(f"Custom artifact '{name}' is a {type(value).__name__}: return a file path, "
                                       "a dict or list (JSON), a DataFrame (CSV) or a matplotlib figure (PNG).")
                logged[name] = f"{base}/{file}"
    return logged


def _predictor(model: Any) -> Any:
    from autotrack import pyfunc

    if isinstance(model, str):
        return pyfunc.load_model(model)
    if model is None or not hasattr(model, "predict"):
        raise InvalidInput("evaluate needs a model URI, a loaded model, or a model with a predict method.")
    return model


def _split(data: Any, targets: Any, predictions: str | None) -> tuple[Any, Any]:
    import numpy as np
    import pandas as pd

    if isinstance(targets, str):
        if not isinstance(data, pd.DataFrame) or targets not in data.columns:
            raise InvalidInput(f"targets={targets!r} names a column, but data has no such column: pass a DataFrame "
                               "that holds the labels, or the labels themselves as targets.")
        return data.drop(columns=[targets]), data[targets].to_numpy()
    labels = np.asarray(targets)
    if len(labels) != len(data):
        raise InvalidInput(f"targets has {len(labels)} labels for {len(data)} rows of data.")
    if predictions is not None and not isinstance(data, pd.DataFrame):
        raise InvalidInput("predictions names a column, so data must be a DataFrame.")
    return data, labels


def _probabilities(predictor: Any, features: Any) -> Any:
    """Class probabilities when the underlying model gives them (for log_loss and roc_auc)."""
    if predictor is None:
        return None
    inner = predictor.unwrap_python_model() if hasattr(predictor, "unwrap_python_model") else predictor
    if not hasattr(inner, "predict_proba"):
        return None
    try:
        from autotrack.models.enforcement import enforce

        signature = getattr(predictor, "signature", None)
        return inner.predict_proba(enforce(features, signature.inputs) if signature else features)
    except Exception:  # a model whose predict_proba does not take this input: skip those two metrics
        return None


def _classifier_metrics(labels: Any, predicted: Any, probabilities: Any, pos_label: Any = None) -> dict[str, float]:
    import numpy as np
    m = require("sklearn.metrics", "sklearn", "autotrack.evaluate")

    classes = np.unique(np.concatenate([np.asarray(labels).ravel(), np.asarray(predicted).ravel()]))
    average = "binary" if len(classes) <= 2 else "weighted"
    positive = {"pos_label": classes[-1] if pos_label is None else pos_label} if average == "binary" else {}
    out = {
        "example_count": float(len(labels)),
        "accuracy_score": m.accuracy_score(labels, predicted),
        "recall_score": m.recall_score(labels, predicted, average=average, zero_division=0, **positive),
        "precision_score": m.precision_score(labels, predicted, average=average, zero_division=0, **positive),
        "f1_score": m.f1_score(labels, predicted, average=average, zero_division=0, **positive),
    }
    if average == "binary" and len(classes) == 2:
        tn, fp, fn, tp = m.confusion_matrix(labels, predicted, labels=classes).ravel()
        out.update(true_negatives=tn, false_positives=fp, false_negatives=fn, true_positives=tp)
    if probabilities is not None:
        try:
            out["log_loss"] = m.log_loss(labels, probabilities)
            if probabilities.shape[1] == 2:
                column = int(np.flatnonzero(classes == positive["pos_label"])[0]) if len(classes) == 2 else 1
                out["roc_auc"] = m.roc_auc_score(np.asarray(labels) == positive["pos_label"], probabilities[:, column])
                # MLflow's name for the average precision (the summary of the precision-recall curve)
                out["precision_recall_auc"] = m.average_precision_score(
                    np.asarray(labels) == positive["pos_label"], probabilities[:, column])
            else:
                out["roc_auc"] = m.roc_auc_score(labels, probabilities, multi_class="ovr")
        except ValueError:  # labels outside the model's classes: those two metrics do not apply
            pass
    return {key: float(value) for key, value in out.items()}


def _regressor_metrics(labels: Any, predicted: Any) -> dict[str, float]:
    import numpy as np
    m = require("sklearn.metrics", "sklearn", "autotrack.evaluate")

    labels = np.asarray(labels, dtype=float)
    predicted = np.asarray(predicted, dtype=float).reshape(labels.shape)
    mse = m.mean_squared_error(labels, predicted)
    out = {
        "example_count": float(len(labels)),
        "mean_absolute_error": m.mean_absolute_error(labels, predicted),
        "mean_squared_error": mse,
        "root_mean_squared_error": math.sqrt(mse),
        "sum_on_target": labels.sum(),
        "mean_on_target": labels.mean(),
        "r2_score": m.r2_score(labels, predicted),
        "max_error": m.max_error(labels, predicted),
        "mean_absolute_percentage_error": m.mean_absolute_percentage_error(labels, predicted),
    }
    return {key: float(value) for key, value in out.items()}
