"""Logged models and their metrics in JSON, shared by the server's routes and `HttpStore`."""

from __future__ import annotations

from typing import Any, Mapping

from autotrack.entities import LoggedModel, ModelMetric
from autotrack.server.wire import double, from_double, key_values, pairs

__all__ = ["logged_model_from_json", "logged_model_to_json", "model_metric_from_json", "model_metric_to_json"]

_METRIC_FIELDS = ("key", "value", "timestamp", "step", "run_id", "model_id", "dataset_name", "dataset_digest")


def model_metric_to_json(metric: ModelMetric) -> dict:
    return {f: double(getattr(metric, f)) if f == "value" else getattr(metric, f) for f in _METRIC_FIELDS}


def model_metric_from_json(data: Mapping) -> ModelMetric:
    return ModelMetric(str(data["key"]), from_double(data.get("value")), int(data.get("timestamp") or 0),
                       int(data.get("step") or 0), *(data.get(f) for f in _METRIC_FIELDS[4:]))


def logged_model_to_json(model: LoggedModel, artifact_location: str) -> dict:
    return {"model_id": model.model_id, "experiment_id": model.experiment_id, "name": model.name,
            "artifact_location": artifact_location, "creation_timestamp": model.creation_timestamp,
            "last_updated_timestamp": model.last_updated_timestamp, "status": model.status,
            "source_run_id": model.source_run_id, "model_type": model.model_type, "tags": pairs(model.tags),
            "params": pairs(model.params), "metrics": [model_metric_to_json(m) for m in model.metrics]}


def logged_model_from_json(data: Mapping, artifact_location: str) -> LoggedModel:
    return LoggedModel(
        model_id=str(data["model_id"]), experiment_id=str(data["experiment_id"]), name=str(data["name"]),
        artifact_location=artifact_location, creation_timestamp=int(data["creation_timestamp"]),
        last_updated_timestamp=int(data["last_updated_timestamp"]), status=str(data["status"]),
        source_run_id=data.get("source_run_id"), model_type=data.get("model_type"),
        tags=key_values(data.get("tags")), params=key_values(data.get("params"), "params"),
        metrics=tuple(model_metric_from_json(m) for m in data.get("metrics") or ()))
