"""A run's inputs (datasets and their tags) in MLflow's JSON, for the server and `HttpStore` alike."""

from __future__ import annotations

from typing import Any, Mapping

from autotrack.entities import Dataset, DatasetInput, InputTag, RunInputs
from autotrack.exceptions import InvalidInput

__all__ = ["dataset_inputs_from_json", "dataset_inputs_to_json", "inputs_from_json", "inputs_to_json"]

_FIELDS = ("name", "digest", "source_type", "source", "schema", "profile")


def dataset_inputs_to_json(items: Any) -> list[dict]:
    return [{"tags": [{"key": tag.key, "value": tag.value} for tag in item.tags],
             "dataset": {f: getattr(item.dataset, f) for f in _FIELDS if getattr(item.dataset, f) is not None}}
            for item in items]


def dataset_inputs_from_json(items: Any) -> list[DatasetInput]:
    found = []
    for item in items or ():
        dataset = item.get("dataset") if isinstance(item, Mapping) else None
        if not isinstance(dataset, Mapping) or not all(isinstance(dataset.get(f), str) for f in _FIELDS[:4]):
            raise InvalidInput("Each dataset input is {'dataset': {'name', 'digest', 'source_type', 'source', "
                               f"'schema'?, 'profile'?}}, 'tags': [{{'key', 'value'}}]}}; got {item!r:.200}.")
        tags = tuple(InputTag(str(t["key"]), str(t.get("value", ""))) for t in item.get("tags") or ()
                     if isinstance(t, Mapping) and "key" in t)
        found.append(DatasetInput(Dataset(*(dataset.get(f) for f in _FIELDS)), tags))
    return found


def inputs_to_json(inputs: RunInputs) -> dict:
    return {"dataset_inputs": dataset_inputs_to_json(inputs.dataset_inputs)} if inputs.dataset_inputs else {}


def inputs_from_json(data: Any) -> RunInputs:
    items = data.get("dataset_inputs") if isinstance(data, Mapping) else None
    return RunInputs(tuple(dataset_inputs_from_json(items))) if items else RunInputs()
