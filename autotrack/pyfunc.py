"""pyfunc: any logged model as a plain Python function, `predict(data)`, with its signature enforced;
and custom Python models (`PythonModel`), saved and logged with `save_model`/`log_model` as in MLflow."""

from __future__ import annotations

import importlib
import os
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

from autotrack.exceptions import InvalidInput
from autotrack.models import environment
from autotrack.models import model as models
from autotrack.models.enforcement import enforce
from autotrack.models.python_model import PythonModel, PythonModelContext

__all__ = ["PyFuncModel", "PythonModel", "PythonModelContext", "load_model", "log_model", "save_model"]

PYTHON_MODEL_LOADER = "autotrack.models.python_model"


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

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Predictions for a DataFrame, array, dict of columns or list of row dicts; `params` go to a
        PythonModel's predict."""
        inputs = self.metadata.signature.inputs if self.metadata.signature else None
        if self.loader_module != PYTHON_MODEL_LOADER:
            if params:
                warnings.warn("autotrack: params are ignored: only custom Python models (PythonModel) take them.",
                              UserWarning, stacklevel=2)
            return self._implementation.predict(enforce(data, inputs))
        return self._implementation.predict(enforce(data, inputs), params=self._params(params))

    def _params(self, given: dict[str, Any] | None) -> dict[str, Any] | None:
        """The signature's params: its defaults, overridden by `given`; params it does not declare are
        ignored with a warning, as MLflow does (declare them with infer_signature(..., params={...}))."""
        schema = (self.metadata.signature.params if self.metadata.signature else None) or ()
        declared = {entry["name"]: entry.get("default") for entry in schema}
        unknown = sorted(set(given or {}) - set(declared))
        if unknown:
            warnings.warn(f"autotrack: params {unknown} are ignored: the model's signature does not declare them. "
                          "Log the model with infer_signature(model_input, params={...}) or "
                          "input_example=(example, params).", UserWarning, stacklevel=3)
        if not declared:
            return None
        return {**declared, **{k: v for k, v in (given or {}).items() if k in declared}}

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
    environment.add_code_to_path(path, config.get("code"))
    return PyFuncModel(importlib.import_module(loader)._load_pyfunc(path, trust_pickle), metadata, loader)


def save_model(
    path: str | os.PathLike,
    *,
    python_model: Any = None,
    artifacts: Mapping[str, str] | None = None,
    code_paths: Sequence[str | os.PathLike] | None = None,
    signature=None,
    input_example: Any = None,
    model_config: Mapping[str, Any] | None = None,
    loader_module: str | None = None,
    data_path: str | None = None,
    **options: Any,
) -> models.Model:
    """Save a custom `PythonModel` (or a function of the input) with its `artifacts` ({name: path or URI})
    and `code_paths`; `options` are MLflow's pip_requirements, extra_pip_requirements, conda_env, metadata."""
    if loader_module is not None or data_path is not None:
        raise InvalidInput("autotrack saves custom models as python_model=... (a PythonModel); "
                           "loader_module/data_path models are not supported.")
    if python_model is None:
        raise InvalidInput("save_model needs python_model=: an instance of a PythonModel subclass.")
    from autotrack.models import python_model as custom

    return models.save_model(
        path, lambda folder: custom.write(Path(folder), python_model, artifacts, model_config), "python_function",
        ["cloudpickle"], signature=signature, input_example=input_example, code_paths=code_paths,
        pyfunc_loader=PYTHON_MODEL_LOADER, **options)


def log_model(artifact_path: str | None = None, *, name: str | None = None, python_model: Any = None,
              artifacts: Mapping[str, str] | None = None, registered_model_name: str | None = None,
              **options: Any) -> models.ModelInfo:
    """Log a custom `PythonModel` into the active run at `name` (or `artifact_path`, its older name);
    other keywords are those of `save_model`. Returns ModelInfo."""
    logger = models.flavor_logger(lambda model, path, **kw: save_model(path, python_model=model, **kw), "python_model")
    return logger(python_model, artifact_path, name=name, registered_model_name=registered_model_name,
                  artifacts=artifacts, **options)
