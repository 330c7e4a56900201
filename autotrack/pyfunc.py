"""pyfunc: any logged model as a plain Python function, `predict(data)`, with its signature enforced."""

from __future__ import annotations

import importlib
from typing import Any

from autotrack.exceptions import InvalidInput
from autotrack.models import model as models
from autotrack.models.enforcement import enforce

__all__ = ["PyFuncModel", "load_model"]


class PyFuncModel:
    def __init__(self, implementation: Any, metadata: models.Model, loader: str):
        self._implementation = implementation
        self.metadata = metadata
        self.loader_module = loader

    @property
    def signature(self):
        return self.metadata.signature

    def unwrap_python_model(self) -> Any:
        """The flavor's own model object (an estimator, a Booster, a torch module)."""
        implementation = self._implementation
        for attribute in ("model", "module"):  # the flavors' predict wrappers keep it under one of these
            if hasattr(implementation, attribute):
                return getattr(implementation, attribute)
        return implementation

    def predict(self, data: Any) -> Any:
        """Predictions for a DataFrame, array, dict of columns or list of row dicts."""
        inputs = self.metadata.signature.inputs if self.metadata.signature else None
        return self._implementation.predict(enforce(data, inputs))

    def __repr__(self) -> str:
        flavors = ", ".join(f for f in self.metadata.flavors if f != "python_function")
        return f"PyFuncModel(flavor={flavors}, run_id={self.metadata.run_id})"


def load_model(model_uri: str, trust_pickle: bool = False) -> PyFuncModel:
    """Load a model of any flavor as a PyFuncModel, by URI: `runs:/<id>/<path>`, `models:/<name>/<version>`,
    `models:/<name>@<alias>` or a folder. `trust_pickle` opts in to pickles this user did not write."""
    path = models.model_local_path(model_uri)
    metadata = models.Model.load(path)
    config = metadata.flavor("python_function", model_uri)
    loader = config["loader_module"]
    if not loader.startswith("autotrack."):
        raise InvalidInput(f"Model at {model_uri} names an unknown loader '{loader}'.")
    return PyFuncModel(importlib.import_module(loader)._load_pyfunc(path, trust_pickle), metadata, loader)
