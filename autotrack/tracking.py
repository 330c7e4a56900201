"""MLflow's `mlflow.tracking` names, for scripts that import them from there."""

from autotrack.client import Client, MlflowClient

__all__ = ["Client", "MlflowClient"]
