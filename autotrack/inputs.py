"""Datasets a run used: `log_input(dataset, context="training")`, as MLflow records them.

Only the dataset's record (name, digest, source, schema, profile) is stored, never its data; the
context goes in the input's `mlflow.data.context` tag, MLflow's name, so MLflow's clients and UI
read it the same.
"""

from __future__ import annotations

from typing import Any, Sequence

from autotrack.entities import Dataset, DatasetInput, InputTag
from autotrack.exceptions import InvalidInput

__all__ = ["DATA_CONTEXT", "InputsClient", "dataset_input", "log_input", "log_inputs"]

DATA_CONTEXT = "mlflow.data.context"


def dataset_input(dataset: Any, context: str | None = None, tags: dict[str, Any] | None = None) -> DatasetInput:
    """A `DatasetInput` for an `autotrack.data` dataset (or a stored `entities.Dataset`)."""
    record = dataset.to_entity() if hasattr(dataset, "to_entity") else dataset
    if not isinstance(record, Dataset):
        raise InvalidInput(f"log_input takes a dataset, got {type(dataset).__name__}: build one with "
                           "autotrack.data.from_pandas(df, source=...) or autotrack.data.from_numpy(array).")
    found = {str(k): str(v) for k, v in (tags or {}).items()}
    if context is not None:
        found[DATA_CONTEXT] = str(context)
    return DatasetInput(record, tuple(InputTag(k, v) for k, v in found.items()))


class InputsClient:
    """`Client.log_inputs`, MLflow's `MlflowClient.log_inputs(run_id, datasets)`; mixed into `Client`."""

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput] | None = None, models: Any = None) -> None:
        self.store.log_inputs(run_id, list(datasets or ()))


def log_input(dataset: Any, context: str | None = None, tags: dict[str, Any] | None = None,
              model: Any = None) -> None:
    """Record that the active run (started if none) used `dataset`, e.g. `context="training"`."""
    from autotrack import fluent

    fluent._get_client().log_inputs(fluent._run_id(), [dataset_input(dataset, context, tags)])


def log_inputs(datasets: Sequence[Any] | None = None, contexts: Sequence[str | None] | None = None,
               tags_list: Sequence[dict | None] | None = None, models: Any = None) -> None:
    """Several datasets in one write (MLflow's `log_inputs`)."""
    from autotrack import fluent

    datasets = list(datasets or ())
    contexts = list(contexts or [None] * len(datasets))
    tags_list = list(tags_list or [None] * len(datasets))
    if not len(datasets) == len(contexts) == len(tags_list):
        raise InvalidInput("log_inputs needs as many contexts and tags as datasets (or none).")
    inputs = [dataset_input(d, c, t) for d, c, t in zip(datasets, contexts, tags_list)]
    fluent._get_client().log_inputs(fluent._run_id(), inputs)
