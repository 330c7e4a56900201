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
    model: Any,
    data: Any,
    *,
    targets: Any,
    model_type: str,
    dataset_name: str | None = None,
    evaluators: Any = None,
    predictions: str | None = None,
) -> EvaluationResult:
    """Score `model` (a model URI, a loaded PyFuncModel, or a fitted model with `predict`) on `data`.

    `targets` names the label column of a DataFrame, or is the label array. The metrics are logged to
    the active run (one is started and ended if none is active) and returned. `evaluators` is accepted
    for MLflow compatibility; only the default evaluator exists. `predictions` names a column of `data`
    that already holds the model's output (then `model` may be None).
    """
    from autotrack import fluent

    if model_type not in MODEL_TYPES:
        raise InvalidInput(f"model_type must be one of {', '.join(MODEL_TYPES)}, got {model_type!r}.")
    if evaluators not in (None, "default", ["default"]):
        raise InvalidInput(f"Only the default evaluator exists; got evaluators={evaluators!r}.")
    features, labels = _split(data, targets, predictions)
    predictor = None if predictions is not None else _predictor(model)
    predicted = features[predictions] if predictions is not None else predictor.predict(features)
    if model_type == "classifier":
        metrics = _classifier_metrics(labels, predicted, _probabilities(predictor, features))
    else:
        metrics = _regressor_metrics(labels, predicted)
    started = fluent.active_run() is None
    run = fluent.start_run() if started else fluent.active_run()
    try:
        fluent.log_metrics(metrics)
        if dataset_name:
            fluent.set_tag("autotrack.evaluation.dataset", dataset_name)
    finally:
        if started:
            fluent.end_run()
    return EvaluationResult(metrics=metrics, run_id=run.info.run_id)


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


def _classifier_metrics(labels: Any, predicted: Any, probabilities: Any) -> dict[str, float]:
    import numpy as np
    m = require("sklearn.metrics", "sklearn", "autotrack.evaluate")

    classes = np.unique(np.concatenate([np.asarray(labels).ravel(), np.asarray(predicted).ravel()]))
    average = "binary" if len(classes) <= 2 else "weighted"
    positive = {"pos_label": classes[-1]} if average == "binary" else {}
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
                out["roc_auc"] = m.roc_auc_score(labels, probabilities[:, 1])
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
