"""MLflow's `mlflow.metrics` names for custom evaluation metrics (`MetricValue`), so scripts import them there."""

from autotrack.models.metrics import EvaluationMetric, MetricValue, make_metric

__all__ = ["EvaluationMetric", "MetricValue", "make_metric"]
