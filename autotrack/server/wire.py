"""Entities to and from MLflow's REST JSON: the one place both the server and `HttpStore` read.

MLflow's wire conventions, kept exactly so MLflow's own client understands us:
tags, params and metrics travel as lists of `{"key", "value"}`; a model version
number is a string; enums travel as their names; non-finite doubles are the
strings "NaN", "Infinity", "-Infinity"; int64 fields are JSON numbers (strings
are accepted too, as protobuf's JSON parser does).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

from autotrack.entities import (
    Experiment,
    FileInfo,
    Metric,
    ModelVersion,
    Param,
    RegisteredModel,
    Run,
    RunData,
    RunInfo,
    RunTag,
    ViewType,
)
from autotrack.exceptions import InvalidInput
from autotrack.store import metric_chunks
from autotrack.server.wire_inputs import inputs_from_json, inputs_to_json

__all__ = [
    "ARTIFACTS_SCHEME",
    "double",
    "experiment_from_json",
    "experiment_to_json",
    "file_info_to_json",
    "from_double",
    "key_values",
    "metric_to_json",
    "metrics_from_json",
    "model_version_from_json",
    "model_version_to_json",
    "pairs",
    "registered_model_from_json",
    "registered_model_to_json",
    "run_from_json",
    "run_to_json",
    "series_from_wire",
    "view_type",
]

ARTIFACTS_SCHEME = "mlflow-artifacts:"
_VIEW_TYPES = {"ACTIVE_ONLY": ViewType.ACTIVE_ONLY, "DELETED_ONLY": ViewType.DELETED_ONLY, "ALL": ViewType.ALL}


def double(value: float) -> float | str:
    """A double as protobuf's JSON writes it (NaN and infinities as strings)."""
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def from_double(value: Any, what: str = "value") -> float:
    try:
        return float(value)  # float("NaN"), float("Infinity") parse as protobuf writes them
    except (TypeError, ValueError):
        raise InvalidInput(f"'{what}' must be a number, got {value!r}.") from None


def integer(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"'{what}' must be an integer, got {value!r}.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"'{what}' must be an integer, got {value!r}.") from None


def view_type(value: Any) -> int:
    """MLflow sends ViewType as its name ('ACTIVE_ONLY') or its number."""
    if value in (None, ""):
        return ViewType.ACTIVE_ONLY
    if isinstance(value, str) and value.upper() in _VIEW_TYPES:
        return _VIEW_TYPES[value.upper()]
    if str(value) in ("1", "2", "3"):
        return int(value)
    raise InvalidInput(f"Unknown view type {value!r}: use ACTIVE_ONLY, DELETED_ONLY or ALL.")


def pairs(mapping: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in mapping.items()]


def key_values(items: Any, what: str = "tags") -> dict[str, str]:
    """MLflow's `[{"key", "value"}]` list (or a plain dict) as a dict of strings."""
    if items in (None, ""):
        return {}
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    if not isinstance(items, list):
        raise InvalidInput(f"'{what}' must be a list of {{\"key\": ..., \"value\": ...}} objects.")
    found = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise InvalidInput(f"Each entry of '{what}' needs a string 'key', got {item!r}.")
        value = item.get("value", "")
        found[item["key"]] = value if isinstance(value, str) else str(value)
    return found


# -- tracking ----------------------------------------------------------------
def experiment_to_json(experiment: Experiment, location: str) -> dict:
    return _present({
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "artifact_location": location,
        "lifecycle_stage": experiment.lifecycle_stage,
        "creation_time": experiment.creation_time,
        "last_update_time": experiment.last_update_time,
        "tags": pairs(experiment.tags),
    })


def experiment_from_json(data: Mapping, location: str) -> Experiment:
    return Experiment(
        experiment_id=str(data["experiment_id"]),
        name=data.get("name", ""),
        artifact_location=location,
        lifecycle_stage=data.get("lifecycle_stage", "active"),
        tags=key_values(data.get("tags")),
        creation_time=_optional_int(data.get("creation_time")),
        last_update_time=_optional_int(data.get("last_update_time")),
    )


def metric_to_json(metric: Metric) -> dict:
    return {"key": metric.key, "value": double(metric.value), "timestamp": metric.timestamp, "step": metric.step}


def metrics_from_json(items: Iterable[Any]) -> list[Metric]:
    """MLflow's metric objects as `Metric`s; a wrong one gets an error naming what is wrong."""
    try:  # the fast path: well-formed metrics, as clients send them (a log-batch of 20,000 in ~30 ms)
        found = [Metric(item["key"], float(item["value"]), int(item["timestamp"]), int(item.get("step") or 0))
                 for item in items or ()]
        if all(type(m.key) is str and type(m.value) is float for m in found):
            return found
    except (TypeError, ValueError, KeyError, AttributeError):
        pass
    return _checked_metrics(items)


def series_from_wire(encoded: Any) -> dict[str, tuple]:
    """`metric_chunks.to_wire`'s form back as a `Series` of arrays; a malformed one gets an error naming what is wrong."""
    if not isinstance(encoded, Mapping):
        raise InvalidInput("'metrics' must be an object of {key: [values, timestamps, steps]} in base64.")
    series = {}
    for key, triple in encoded.items():
        try:
            series[key] = values, timestamps, steps = metric_chunks.from_wire(triple)
        except ValueError as error:
            raise InvalidInput(f"Metric '{key}' {error}: [values, timestamps, steps] are the base64 of "
                               "little-endian float64, int64 and int64 arrays of one length.") from None
        if timestamps and min(timestamps) < 0:
            raise InvalidInput(f"Metric '{key}' has a negative timestamp: timestamps are milliseconds since 1970.")
    return series


def _checked_metrics(items: Iterable[Any]) -> list[Metric]:
    metrics = []
    for item in items or ():
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise InvalidInput(f"Each metric needs a string 'key', a 'value', a 'timestamp' and a 'step'; got {item!r}.")
        metrics.append(Metric(
            item["key"],
            from_double(item.get("value"), f"metrics.{item['key']}.value"),
            integer(item.get("timestamp", 0), "timestamp"),
            integer(item.get("step", 0) or 0, "step"),
        ))
    return metrics


def run_to_json(run: Run, artifact_uri: str) -> dict:
    info, latest = run.info, run.data.latest_metrics
    return {
        "info": _present({
            "run_id": info.run_id,
            "run_uuid": info.run_id,
            "run_name": info.run_name,
            "experiment_id": info.experiment_id,
            "user_id": info.user_id,
            "status": info.status,
            "start_time": info.start_time,
            "end_time": info.end_time,
            "artifact_uri": artifact_uri,
            "lifecycle_stage": info.lifecycle_stage,
        }),
        "data": {
            # Each key's latest value with its own step and timestamp (0 is written as 0, as MLflow's server does).
            "metrics": [metric_to_json(latest.get(k) or Metric(k, v, 0, 0)) for k, v in run.data.metrics.items()],
            "params": pairs(run.data.params),
            "tags": pairs(run.data.tags),
        },
        "inputs": inputs_to_json(run.inputs),
    }


def run_from_json(data: Mapping, artifact_uri: str) -> Run:
    run = _run_from_json(data, artifact_uri)
    inputs = inputs_from_json(data.get("inputs"))
    return Run(run.info, run.data, inputs) if inputs.dataset_inputs else run


def _run_from_json(data: Mapping, artifact_uri: str) -> Run:
    info, body = data["info"], data.get("data") or {}
    latest = metrics_from_json(body.get("metrics") or ())
    return Run(
        RunInfo(
            run_id=info.get("run_id") or info["run_uuid"],
            experiment_id=str(info["experiment_id"]),
            run_name=info.get("run_name", ""),
            status=info.get("status", "RUNNING"),
            start_time=int(info.get("start_time") or 0),
            end_time=_optional_int(info.get("end_time")),
            artifact_uri=artifact_uri,
            lifecycle_stage=info.get("lifecycle_stage", "active"),
            user_id=info.get("user_id", ""),
        ),
        RunData(
            metrics={m.key: m.value for m in latest},
            params=key_values(body.get("params"), "params"),
            tags=key_values(body.get("tags")),
            latest_metrics={m.key: m for m in latest},
        ),
    )


def file_info_to_json(info: FileInfo) -> dict:
    found: dict[str, Any] = {"path": info.path, "is_dir": info.is_dir}
    if info.file_size is not None:
        found["file_size"] = info.file_size
    return found


def params_from_json(items: Any) -> list[Param]:
    return [Param(k, v) for k, v in key_values(items, "params").items()]


def tags_from_json(items: Any) -> list[RunTag]:
    return [RunTag(k, v) for k, v in key_values(items, "tags").items()]


# -- registry ----------------------------------------------------------------
def model_version_to_json(version: ModelVersion) -> dict:
    found = {
        "name": version.name,
        "version": str(version.version),
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
        "user_id": version.user_id,
        "current_stage": version.current_stage,
        "description": version.description,
        "source": version.source,
        "status": version.status,
        "tags": pairs(version.tags),
        "aliases": list(version.aliases),
    }
    if version.run_id:
        found["run_id"] = version.run_id
    return found


def model_version_from_json(data: Mapping) -> ModelVersion:
    return ModelVersion(
        name=data["name"],
        version=int(data["version"]),
        creation_timestamp=int(data.get("creation_timestamp") or 0),
        last_updated_timestamp=int(data.get("last_updated_timestamp") or 0),
        description=data.get("description", ""),
        user_id=data.get("user_id", ""),
        source=data.get("source", ""),
        run_id=data.get("run_id") or None,
        status=data.get("status", "READY"),
        current_stage=data.get("current_stage") or "None",
        tags=key_values(data.get("tags")),
        aliases=tuple(data.get("aliases") or ()),
    )


def registered_model_to_json(model: RegisteredModel) -> dict:
    return {
        "name": model.name,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "description": model.description,
        "tags": pairs(model.tags),
        "aliases": [{"alias": a, "version": str(v)} for a, v in model.aliases.items()],
        "latest_versions": [model_version_to_json(v) for v in model.latest_versions],
    }


def registered_model_from_json(data: Mapping) -> RegisteredModel:
    return RegisteredModel(
        name=data["name"],
        creation_timestamp=int(data.get("creation_timestamp") or 0),
        last_updated_timestamp=int(data.get("last_updated_timestamp") or 0),
        description=data.get("description", ""),
        tags=key_values(data.get("tags")),
        aliases={a["alias"]: int(a["version"]) for a in data.get("aliases") or ()},
        latest_versions=tuple(model_version_from_json(v) for v in data.get("latest_versions") or ()),
    )


def _present(fields: dict) -> dict:
    """Protobuf's JSON leaves unset fields out rather than writing null."""
    return {k: v for k, v in fields.items() if v is not None}


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)
