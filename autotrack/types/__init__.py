"""Data types of model signatures (MLflow's `mlflow.types` names)."""

from autotrack.types.schema import ColSpec, DataType, Schema, TensorSpec

__all__ = ["ColSpec", "DataType", "Schema", "TensorSpec"]
