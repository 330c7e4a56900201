"""Custom Python models (MLflow's `PythonModel`): the user's own predict, packaged with its artifacts.

The model object is written with cloudpickle (a class defined in the training script travels by
value, as in MLflow) and signed like every pickle autotrack writes (`autotrack.models.trust`):
it loads if this user wrote it, or with `trust_pickle=True`. Files named in `artifacts` are
copied into the model folder, and `load_context` sees them through `context.artifacts`.
"""

from __future__ import annotations

import inspect
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from autotrack.exceptions import InvalidInput
from autotrack.models.trust import check_pickle, sign_pickle

__all__ = ["PythonModel", "PythonModelContext"]

MODEL_FILE = "python_model.pkl"
ARTIFACTS_FOLDER = "artifacts"


@dataclass(frozen=True)
class PythonModelContext:
    """What a PythonModel's `load_context` and `predict` get: local paths of its artifacts, its config."""

    artifacts: Mapping[str, str] = field(default_factory=dict)
    model_config: Mapping[str, Any] = field(default_factory=dict)


class PythonModel:
    """Subclass it and define `predict(self, context, model_input, params=None)`; `load_context(context)`
    runs once when the model is loaded (read the artifacts there, not in `predict`)."""

    def load_context(self, context: PythonModelContext) -> None:
        """Called once at load time, before any `predict`."""

    def predict(self, context: PythonModelContext, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        raise NotImplementedError("A PythonModel subclass defines predict(self, context, model_input, params=None).")


class _FunctionModel(PythonModel):
    """A plain function `predict(model_input)` given as python_model, as MLflow allows."""

    def __init__(self, function: Any):
        self.function = function

    def predict(self, context, model_input, params=None):
        return self.function(model_input)


def _copy_artifacts(folder: Path, artifacts: Mapping[str, str] | None) -> dict[str, dict[str, str]]:
    """Copy each artifact (a local path or a runs:/ / models:/ URI) into `artifacts/`; {name: {path, uri}}."""
    if not artifacts:
        return {}
    if not isinstance(artifacts, Mapping):
        raise InvalidInput("artifacts must be a dict of name -> path or URI, e.g. {'encoder': 'encoder.json'}.")
    target = folder / ARTIFACTS_FOLDER
    target.mkdir()
    saved = {}
    for name, uri in artifacts.items():
        source = Path(_local(str(uri)))
        if not source.exists():
            raise InvalidInput(f"Artifact '{name}' points to '{uri}', which does not exist.")
        destination = target / source.name
        if destination.exists():
            raise InvalidInput(f"Two artifacts are both named '{source.name}': rename one of the files.")
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, destination)
        saved[str(name)] = {"path": f"{ARTIFACTS_FOLDER}/{source.name}", "uri": str(uri)}
    return saved


def _local(uri: str) -> str:
    if uri.startswith(("runs:/", "models:/")):
        from autotrack.models.model import model_local_path

        return model_local_path(uri)  # a folder read in place, or a download
    return uri.removeprefix("file://")


def write(folder: Path, python_model: Any, artifacts: Mapping[str, str] | None,
          model_config: Mapping[str, Any] | None) -> dict:
    """Write the pickled model and its artifacts into `folder`; the python_function flavor's extra keys."""
    import cloudpickle

    if not isinstance(python_model, PythonModel):
        if not callable(python_model):
            raise InvalidInput(f"python_model must be a PythonModel instance or a function, got "
                               f"{type(python_model).__name__}. Subclass autotrack.pyfunc.PythonModel.")
        python_model = _FunctionModel(python_model)
    saved = _copy_artifacts(folder, artifacts)
    with open(folder / MODEL_FILE, "wb") as handle:
        cloudpickle.dump(python_model, handle)
    return {"python_model": MODEL_FILE, "artifacts": saved, "model_config": dict(model_config or {}),
            "cloudpickle_version": cloudpickle.__version__, "pickle_signature": sign_pickle(folder / MODEL_FILE)}


class _PythonModelPyFunc:
    """pyfunc's predict over a PythonModel: passes the context (and params) the way its predict asks."""

    def __init__(self, model: PythonModel, context: PythonModelContext):
        self.model = model
        self.context = context
        parameters = list(inspect.signature(model.predict).parameters)
        data = [name for name in parameters if name != "params"]  # predict(context, model_input) or (model_input)
        self._takes_context = bool(data) and (data[0] == "context" or len(data) >= 2)
        self._takes_params = "params" in parameters

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        args = (self.context, data) if self._takes_context else (data,)
        if self._takes_params:
            return self.model.predict(*args, params=params)
        if params:
            raise InvalidInput(f"{type(self.model).__name__}.predict takes no params; "
                               "define predict(self, context, model_input, params=None).")
        return self.model.predict(*args)


def _load_pyfunc(path: str, trust_pickle: bool = False, config: Mapping[str, Any] | None = None) -> _PythonModelPyFunc:
    """Unpickle (if trusted), then `load_context` with the artifacts' local paths."""
    import cloudpickle

    from autotrack.models.model import Model

    if config is None:
        config = Model.load(path).flavor("python_function", path)
    file = Path(path) / config["python_model"]
    check_pickle(file, config.get("pickle_signature"), str(path), trust_pickle)
    with open(file, "rb") as handle:
        model = cloudpickle.load(handle)
    artifacts = {name: os.path.join(path, entry["path"]) for name, entry in (config.get("artifacts") or {}).items()}
    context = PythonModelContext(artifacts=artifacts, model_config=config.get("model_config") or {})
    model.load_context(context)
    return _PythonModelPyFunc(model, context)
