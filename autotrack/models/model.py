"""Model directories: an `MLmodel` file, the serialized model, its environment.

A flavor (sklearn, xgboost, ...) knows how to write and read its model file;
everything else a model directory holds is written here, the same for all:
`MLmodel` (flavors, signature, input example, run id, creation time),
`requirements.txt` and `python_env.yaml` with the versions installed now
(read from package metadata: milliseconds, no subprocess), and the input
example as JSON.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import platform
import tempfile
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Sequence

from autotrack.exceptions import InvalidInput, NotFound
from autotrack.models.signature import ModelSignature, infer_signature

__all__ = [
    "Model",
    "ModelInfo",
    "flavor_files",
    "flavor_logger",
    "log_model",
    "model_local_path",
    "pinned_requirements",
    "save_model",
]

MLMODEL = "MLmodel"
INPUT_EXAMPLE = "input_example.json"


@dataclass
class Model:
    """The contents of an `MLmodel` file."""

    flavors: dict[str, dict] = field(default_factory=dict)
    artifact_path: str | None = None
    run_id: str | None = None
    signature: ModelSignature | None = None
    saved_input_example_info: dict | None = None
    model_uuid: str = field(default_factory=lambda: uuid.uuid4().hex)
    utc_time_created: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f"))

    def to_dict(self) -> dict:
        from autotrack import __version__

        out: dict[str, Any] = {
            "artifact_path": self.artifact_path,
            "flavors": self.flavors,
            "model_uuid": self.model_uuid,
            "run_id": self.run_id,
            "utc_time_created": self.utc_time_created,
            "autotrack_version": __version__,
        }
        if self.signature is not None:
            out["signature"] = self.signature.to_dict()
        if self.saved_input_example_info is not None:
            out["saved_input_example_info"] = self.saved_input_example_info
        return out

    def save(self, path: str | os.PathLike) -> None:
        import yaml

        Path(path, MLMODEL).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=False))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Model":
        import yaml

        file = Path(path, MLMODEL) if Path(path).is_dir() else Path(path)
        if not file.is_file():
            raise NotFound(f"No {MLMODEL} file in '{path}': is it a model directory written by log_model/save_model?")
        data = yaml.safe_load(file.read_text())
        signature = data.get("signature")
        return cls(
            flavors=data.get("flavors", {}),
            artifact_path=data.get("artifact_path"),
            run_id=data.get("run_id"),
            signature=ModelSignature.from_dict(signature) if signature else None,
            saved_input_example_info=data.get("saved_input_example_info"),
            model_uuid=data.get("model_uuid", ""),
            utc_time_created=data.get("utc_time_created", ""),
        )

    def flavor(self, name: str, path: str) -> dict:
        if name not in self.flavors:
            raise InvalidInput(
                f"The model at '{path}' has no '{name}' flavor (it has: {', '.join(self.flavors)}); "
                "load it with the matching flavor, or with autotrack.pyfunc."
            )
        return self.flavors[name]


@dataclass(frozen=True)
class ModelInfo:
    model_uri: str
    artifact_path: str
    run_id: str | None
    flavors: dict
    signature: ModelSignature | None
    model_uuid: str
    utc_time_created: str
    registered_model_version: int | None = None


@functools.lru_cache(maxsize=256)
def _installed_version(name: str) -> str | None:
    """Read once per process: a metadata lookup scans every distribution on sys.path."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def pinned_requirements(packages: Sequence[str]) -> list[str]:
    """`name==version` for each installed package (skipped if absent)."""
    return [f"{name}=={version}" for name in packages if (version := _installed_version(name))]


def _write_input_example(path: Path, example: Any) -> dict:
    import numpy as np
    import pandas as pd

    if isinstance(example, pd.DataFrame):
        payload = json.loads(example.to_json(orient="split", index=False))
        info = {"artifact_path": INPUT_EXAMPLE, "type": "dataframe", "pandas_orient": "split"}
    else:
        payload = {"inputs": np.asarray(example).tolist()}
        info = {"artifact_path": INPUT_EXAMPLE, "type": "ndarray", "format": "tf-serving"}
    (path / INPUT_EXAMPLE).write_text(json.dumps(payload))
    return info


def save_model(
    path: str | os.PathLike,
    write_model: Callable[[Path], dict],
    flavor_name: str,
    requirements: Sequence[str],
    *,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Sequence[str] | None = None,
    pyfunc_loader: str | None = None,
    run_id: str | None = None,
    artifact_path: str | None = None,
) -> Model:
    """Write a model directory; `write_model(dir)` writes the model file and returns the flavor's config."""
    target = Path(path)
    if target.exists() and any(target.iterdir()):
        raise InvalidInput(f"'{path}' already exists and is not empty: save the model to a new folder.")
    target.mkdir(parents=True, exist_ok=True)
    flavor_config = write_model(target)
    model = Model(artifact_path=artifact_path, run_id=run_id, signature=signature)
    if input_example is not None:
        model.saved_input_example_info = _write_input_example(target, input_example)
        if signature is None:
            model.signature = infer_signature(input_example)
    if pyfunc_loader:
        model.flavors["python_function"] = {
            "loader_module": pyfunc_loader,
            "model_path": flavor_config.get("model_path"),
            "python_version": platform.python_version(),
            "env": {"virtualenv": "python_env.yaml"},
        }
    model.flavors[flavor_name] = flavor_config
    pins = list(pip_requirements) if pip_requirements is not None else pinned_requirements(requirements)
    (target / "requirements.txt").write_text("\n".join(pins) + "\n")
    (target / "python_env.yaml").write_text(
        f"python: {platform.python_version()}\nbuild_dependencies:\n"
        + "".join(f"  - {p}\n" for p in pinned_requirements(["pip", "setuptools", "wheel"]))
        + "dependencies:\n  - -r requirements.txt\n"
    )
    model.save(target)
    return model


def log_model(save: Callable[..., Model], name: str, registered_model_name: str | None = None) -> ModelInfo:
    """Save with the flavor's `save(path, run_id=..., artifact_path=...)` into the active run's artifacts.

    With `registered_model_name`, the logged model also becomes that model's next registry version.

    Artifacts are local folders, so the model directory is written in place (its path checked
    like any artifact path) rather than written elsewhere and copied.
    """
    from autotrack import fluent

    run_id = fluent._run_id()
    repository = fluent._get_client()._repository(run_id)
    if getattr(repository, "is_remote", False):  # a tracking server: save locally, then upload
        with tempfile.TemporaryDirectory(prefix="autotrack-model-") as staging:
            model = save(Path(staging) / "model", run_id=run_id, artifact_path=name)
            repository.log_artifacts(str(Path(staging) / "model"), name)
    else:
        model = save(repository.local_path(name), run_id=run_id, artifact_path=name)
    model_uri = f"runs:/{run_id}/{name}"
    version = None
    if registered_model_name is not None:
        version = fluent._get_client().register_model(model_uri, registered_model_name).version
    return ModelInfo(
        model_uri=model_uri,
        artifact_path=name,
        run_id=run_id,
        flavors=model.flavors,
        signature=model.signature,
        model_uuid=model.model_uuid,
        utc_time_created=model.utc_time_created,
        registered_model_version=version,
    )


def flavor_logger(save: Callable[..., Model]) -> Callable[..., ModelInfo]:
    """A flavor's `log_model(model, artifact_path, ...)`, built from its `save_model`."""

    def log_flavor_model(model: Any, artifact_path: str = "model", *, signature=None, input_example=None,
                         registered_model_name=None, pip_requirements=None, name=None) -> ModelInfo:
        return log_model(
            lambda path, **kw: save(model, path, signature=signature, input_example=input_example,
                                    pip_requirements=pip_requirements, **kw),
            name or artifact_path,
            registered_model_name,
        )

    log_flavor_model.__name__ = log_flavor_model.__qualname__ = "log_model"
    log_flavor_model.__doc__ = (
        "Save the model into the active run's artifacts at `artifact_path` (MLflow 3 calls it `name`) and, with "
        "`registered_model_name`, register it; returns ModelInfo."
    )
    return log_flavor_model


def flavor_files(model_uri: str, flavor: str) -> tuple[Path, dict]:
    """(the model's local folder, its flavor config) for a model URI; a clear error if the flavor is absent."""
    path = model_local_path(model_uri)
    return Path(path), Model.load(path).flavor(flavor, model_uri)


def model_local_path(model_uri: str, client: Any = None) -> str:
    """A local folder holding the model at `model_uri`: `runs:/<id>/<path>`, `models:/<name>/<version>`,
    `models:/<name>@<alias>`, `models:/<name>/latest` or a path. Run and registry URIs are resolved in
    `client`'s store (default: the current tracking URI)."""
    uri = str(model_uri)
    if uri.startswith(("models:/", "runs:/")) and client is None:
        from autotrack.client import Client

        client = Client()
    if uri.startswith("models:/"):
        return model_local_path(client.resolve_model_version(uri).source, client)
    if uri.startswith("runs:/"):
        run_id, _, artifact_path = uri[len("runs:/"):].strip("/").partition("/")
        if not run_id or not artifact_path:
            raise InvalidInput(f"Model URI '{uri}' must look like runs:/<run_id>/<artifact_path>.")
        repository = client._repository(run_id)
        if not getattr(repository, "is_remote", False):
            local = repository.local_path(artifact_path)
            if local.is_dir():
                return str(local)  # local artifacts are read in place
        return client.download_artifacts(run_id, artifact_path, tempfile.mkdtemp(prefix="autotrack-model-"))
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    if not Path(uri).is_dir():
        raise NotFound(f"No model directory at '{model_uri}'.")
    return uri


