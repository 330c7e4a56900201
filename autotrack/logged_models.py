"""MLflow 3's logged models: each `log_model` gives a model its own id (`ModelInfo.model_id`), so it can
be found (`search_logged_models`), loaded (`models:/<model_id>`) and scored (`log_metric(...,
model_id=...)`) apart from the run that made it.

The model's files stay in the run's artifacts at the name it was logged under; the logged model
records that folder as its `artifact_location`.
"""

from __future__ import annotations

import re
import time
from typing import Any, Sequence

from autotrack.entities import LoggedModel, ModelMetric
from autotrack.exceptions import InvalidInput

__all__ = ["LoggedModelClient", "get_logged_model", "is_model_id_uri", "last_logged_model", "log_model_params",
           "new_model_id", "search_logged_models", "set_logged_model_tags"]

_MODEL_ID_URI = re.compile(r"^models:/(m-[0-9a-f]{32})/?$")
_last_model_id: str | None = None  # the process's last logged model, as MLflow's `last_logged_model()`
run_outputs: dict[str, list[str]] = {}  # run id -> models it logged in this process (MLflow's run outputs)
_linked_inputs: set[tuple[str, str, str]] = set()  # (run id, dataset name, digest) already recorded


def new_model_id() -> str:
    """`m-<32 hex>` as MLflow's; time-ordered (UUIDv7, like run ids), so newest-first is well defined."""
    from autotrack.store.ids import new_run_id

    return "m-" + new_run_id()


def is_model_id_uri(uri: str) -> str | None:
    """The model id of a `models:/<model_id>` URI, else None (a registered model's URI)."""
    found = _MODEL_ID_URI.match(str(uri))
    return found.group(1) if found else None


def _strings(values: dict[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (values or {}).items()}


class LoggedModelClient:
    """MLflow's `MlflowClient` logged-model methods; mixed into `Client`."""

    def create_logged_model(self, experiment_id: str, name: str, artifact_location: str,
                            source_run_id: str | None = None, tags: dict[str, Any] | None = None,
                            params: dict[str, Any] | None = None, model_type: str | None = None,
                            model_id: str | None = None) -> LoggedModel:
        global _last_model_id
        model = self.store.create_logged_model(model_id or new_model_id(), str(experiment_id), name,
                                               artifact_location, source_run_id, _strings(params), _strings(tags),
                                               model_type)
        _last_model_id = model.model_id
        if source_run_id:
            run_outputs.setdefault(source_run_id, []).append(model.model_id)
        return model

    def get_logged_model(self, model_id: str) -> LoggedModel:
        return self.store.get_logged_model(model_id)

    def search_logged_models(self, experiment_ids: Sequence[str], filter_string: str | None = None,
                             datasets: Any = None, max_results: int | None = None,
                             order_by: Sequence[Any] | None = None, page_token: str | None = None) -> list[LoggedModel]:
        return self.store.search_logged_models([str(e) for e in experiment_ids], filter_string or "", order_by,
                                               max_results)

    def log_model_params(self, model_id: str, params: dict[str, Any]) -> None:
        self.store.log_logged_model_params(model_id, _strings(params))

    def set_logged_model_tags(self, model_id: str, tags: dict[str, Any]) -> None:
        self.store.set_logged_model_tags(model_id, _strings(tags))

    def log_model_metrics(self, model_id: str, metrics: dict[str, float], run_id: str | None = None,
                          step: int | None = None, timestamp: int | None = None, dataset: Any = None) -> None:
        now = timestamp if timestamp is not None else int(time.time() * 1000)
        name, digest = (dataset.name, dataset.digest) if dataset is not None else (None, None)
        self.store.log_model_metrics([ModelMetric(str(k), float(v), now, step or 0, run_id, model_id, name, digest)
                                      for k, v in metrics.items()])


def outputs_of(run_id: str) -> list[str]:
    """The models `run_id` logged in this process: its metrics at step 0 belong to them too (MLflow 3)."""
    return run_outputs.get(run_id, [])


def link_metrics(client: Any, run_id: str, metrics: dict[str, float], step: int | None, timestamp: int | None,
                 model_id: str | None, dataset: Any) -> None:
    """MLflow 3's links for metrics the run just logged: to `model_id`, or else to the models the run logged
    (at step 0); and the `dataset` they were measured on becomes an input of the run (without tags)."""
    if dataset is not None and (run_id, dataset.name, dataset.digest) not in _linked_inputs:
        from autotrack.inputs import dataset_input

        client.log_inputs(run_id, [dataset_input(dataset)])
        _linked_inputs.add((run_id, dataset.name, dataset.digest))
    model_ids = [model_id] if model_id is not None else outputs_of(run_id) if not step else []
    for linked in model_ids:
        client.log_model_metrics(linked, metrics, run_id, step, timestamp, dataset)


# -- fluent --------------------------------------------------------------------
def _client():
    from autotrack.fluent import _get_client

    return _get_client()


def get_logged_model(model_id: str) -> LoggedModel:
    return _client().get_logged_model(model_id)


def last_logged_model() -> LoggedModel | None:
    """The model this process logged last (None before any)."""
    return get_logged_model(_last_model_id) if _last_model_id else None


def set_logged_model_tags(model_id: str, tags: dict[str, Any]) -> None:
    _client().set_logged_model_tags(model_id, tags)


def log_model_params(params: dict[str, Any], model_id: str | None = None) -> None:
    """Add params to a logged model (default: the last one this process logged); params never change."""
    model_id = model_id or _last_model_id
    if model_id is None:
        raise InvalidInput("log_model_params needs a model_id (no model was logged in this process yet).")
    _client().log_model_params(model_id, params)


def search_logged_models(experiment_ids: Sequence[str] | None = None, filter_string: str | None = None,
                         datasets: Any = None, max_results: int | None = None, order_by: Sequence[Any] | None = None,
                         output_format: str = "pandas") -> Any:
    """Logged models of the given experiments (default: the active one), filtered and ordered with MLflow's
    grammar (`"metrics.accuracy > 0.9"`, `[{"field_name": "metrics.accuracy", "ascending": False}]`); a
    DataFrame, or a list with `output_format="list"`."""
    from autotrack import fluent

    if experiment_ids is None:
        experiment_ids = [fluent._active_experiment_id()]
    models = _client().search_logged_models(experiment_ids, filter_string, datasets, max_results, order_by)
    if output_format == "list":
        return models
    if output_format != "pandas":
        raise InvalidInput(f"output_format is 'pandas' or 'list', got {output_format!r}.")
    import pandas as pd

    return pd.DataFrame([{**dict(m), "model_uri": m.model_uri} for m in models],
                        columns=[*LoggedModel.__dataclass_fields__, "model_uri"])
