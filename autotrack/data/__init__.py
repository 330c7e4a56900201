"""`autotrack.data`: datasets to record with a run (`log_input`), MLflow's `mlflow.data` API."""

from __future__ import annotations

from typing import Any

from autotrack.data._datasets import Dataset, NumpyDataset, PandasDataset, from_numpy, from_pandas
from autotrack.data._sources import (
    CodeDatasetSource,
    DatasetSource,
    HTTPDatasetSource,
    LocalArtifactDatasetSource,
    UriDatasetSource,
    source_from_json,
)

__all__ = ["CodeDatasetSource", "Dataset", "DatasetSource", "HTTPDatasetSource", "LocalArtifactDatasetSource",
           "NumpyDataset", "PandasDataset", "UriDatasetSource", "from_numpy", "from_pandas", "get_source"]


def get_source(dataset: Any) -> DatasetSource:
    """The source of a dataset, or of a stored one (`run.inputs.dataset_inputs[0].dataset`)."""
    if isinstance(dataset, Dataset):
        return dataset.source
    if hasattr(dataset, "dataset"):  # a DatasetInput
        dataset = dataset.dataset
    return source_from_json(dataset.source_type, dataset.source)
