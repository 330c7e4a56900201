"""Models: signatures, `MLmodel` directories, and the URIs that locate them."""

from autotrack.models.model import Model, ModelInfo
from autotrack.models.signature import ModelSignature, infer_signature

__all__ = ["Model", "ModelInfo", "ModelSignature", "infer_signature"]
