"""Models: signatures, `MLmodel` directories, and the URIs that locate them."""

from autotrack.models.metrics import EvaluationMetric, MetricValue, make_metric
from autotrack.models.model import Model, ModelInfo
from autotrack.models.signature import ModelSignature, infer_signature

__all__ = ["EvaluationMetric", "MetricValue", "Model", "ModelInfo", "ModelSignature", "infer_signature", "make_metric"]
