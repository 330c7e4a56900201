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
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Sequence

from autotrack.exceptions import InvalidInput, NotFound
from autotrack.models import environment
from autotrack.models.signature import ModelSignature, infer_signature

__all__ = [
    "MalformedModel",
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
_RESAVE = "re-save the model with save_model/log_model, or repair the file"
INPUT_EXAMPLE = "input_example.json"
SERVING_INPUT_EXAMPLE = "serving_input_example.json"  # the example as a request body for `models serve`


class MalformedModel(InvalidInput):
    """An `MLmodel` file that cannot be read as one; the message names the file and what is wrong."""


@dataclass
class Model:
    """The contents of an `MLmodel` file."""

    flavors: dict[str, dict] = field(default_factory=dict)
    artifact_path: str | None = None
    run_id: str | None = None
    signature: ModelSignature | None = None
    saved_input_example_info: dict | None = None
    metadata: dict | None = None  # the user's own (MLflow's `metadata=`)
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
        if self.metadata is not None:
            out["metadata"] = self.metadata
        return out

    def save(self, path: str | os.PathLike) -> None:
        import yaml

        Path(path, MLMODEL).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=False))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Model":
        file = Path(path, MLMODEL) if Path(path).is_dir() else Path(path)
        if not file.is_file():
            raise NotFound(f"No {MLMODEL} file in '{path}': is it a model directory written by log_model/save_model?")
        data = _read_mlmodel(file)
        signature = data.get("signature")
        try:
            signature = ModelSignature.from_dict(signature) if signature else None
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise MalformedModel(f"{file}: its signature cannot be read ({type(error).__name__}: {error}); "
                                 f"{_RESAVE}.") from None
        return cls(
            flavors=data["flavors"],
            artifact_path=data.get("artifact_path"),
            run_id=data.get("run_id"),
            signature=signature,
            saved_input_example_info=data.get("saved_input_example_info"),
            metadata=data.get("metadata"),
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


def _read_mlmodel(file: Path) -> dict:
    """An MLmodel file's mapping, checked as far as every loader relies on it (flavors of settings)."""
    import yaml

    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise MalformedModel(f"{file} cannot be read ({error.strerror}).") from None
    except UnicodeDecodeError:
        raise MalformedModel(f"{file} is not text (an {MLMODEL} file is YAML): {_RESAVE}.") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise MalformedModel(f"{file} is not valid YAML{where} ({problem}): {_RESAVE}.") from None
    if not isinstance(data, dict):
        raise MalformedModel(f"{file} holds {type(data).__name__ if data is not None else 'nothing'}, not the "
                             f"mapping of an {MLMODEL} file (flavors, signature, ...): {_RESAVE}.")
    flavors = data.get("flavors")
    if not isinstance(flavors, dict) or not flavors or not all(isinstance(v, dict) for v in flavors.values()):
        shown = repr(flavors)[:80]
        raise MalformedModel(f"{file}: 'flavors' must map each flavor's name to its settings, found {shown}: "
                             f"{_RESAVE}.")
    pyfunc = flavors.get("python_function")
    if pyfunc is not None and not isinstance(pyfunc.get("loader_module"), str):
        raise MalformedModel(f"{file}: the python_function flavor has no loader_module, so the model cannot be "
                             f"loaded: {_RESAVE}.")
    return data


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
    model_id: str | None = None  # MLflow 3's logged model: models:/<model_id> loads it too
    name: str | None = None
    params: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)


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


def _write_input_example(path: Path, example: Any, params: dict | None = None) -> dict:
    import numpy as np
    import pandas as pd

    if hasattr(example, "tocsr") and hasattr(example, "toarray"):  # scipy sparse: written as the dense rows
        example = example.toarray()
    if isinstance(example, dict) and not all(isinstance(v, (list, tuple, np.ndarray)) for v in example.values()):
        example = pd.DataFrame([example])  # one row given as {column: value}
    elif isinstance(example, (dict, list)) and not isinstance(example, np.ndarray):
        example = pd.DataFrame(example) if isinstance(example, dict) or (example and isinstance(example[0], dict)) \
            else np.asarray(example)
    if isinstance(example, pd.DataFrame):
        payload = json.loads(example.to_json(orient="split", index=False))
        serving = {"dataframe_split": payload}
        info = {"artifact_path": INPUT_EXAMPLE, "type": "dataframe", "pandas_orient": "split"}
    else:
        payload = {"inputs": np.asarray(example).tolist()}
        serving = payload
        info = {"artifact_path": INPUT_EXAMPLE, "type": "ndarray", "format": "tf-serving"}
    (path / INPUT_EXAMPLE).write_text(json.dumps(payload))
    if params:
        serving = {**serving, "params": params}
    (path / SERVING_INPUT_EXAMPLE).write_text(json.dumps(serving, indent=2))
    return {**info, "serving_input_path": SERVING_INPUT_EXAMPLE}


def save_model(
    path: str | os.PathLike,
    write_model: Callable[[Path], dict],
    flavor_name: str,
    requirements: Sequence[str],
    *,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: environment.Requirements = None,
    extra_pip_requirements: environment.Requirements = None,
    conda_env: Any = None,
    code_paths: Sequence[str | os.PathLike] | None = None,
    metadata: dict | None = None,
    pyfunc_loader: str | None = None,
    run_id: str | None = None,
    artifact_path: str | None = None,
) -> Model:
    """Write a model directory; `write_model(dir)` writes the model file and returns the flavor's config.

    The environment (requirements.txt, conda.yaml, ...) and `code/` are written as MLflow writes them
    (`autotrack.models.environment`)."""
    target = Path(path)
    if target.exists() and any(target.iterdir()):
        raise InvalidInput(f"'{path}' already exists and is not empty: save the model to a new folder.")
    target.mkdir(parents=True, exist_ok=True)
    try:
        code = environment.copy_code_paths(target, code_paths)
        model = _write_model(target, write_model(target), flavor_name, code, signature, input_example, metadata,
                             pyfunc_loader, run_id, artifact_path)
        environment.write_environment(target, requirements, pip_requirements, extra_pip_requirements, conda_env)
        model.save(target)
        return model
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # never leave half a model (a broken model file) behind
        raise


def _write_model(target: Path, flavor_config: dict, flavor_name: str, code: str | None, signature, input_example,
                 metadata, pyfunc_loader, run_id, artifact_path) -> Model:
    """The `MLmodel` contents (and the input example files) for a flavor's freshly written model file."""
    model = Model(artifact_path=artifact_path, run_id=run_id, signature=signature, metadata=metadata)
    params = None
    if isinstance(input_example, tuple) and len(input_example) == 2 and isinstance(input_example[1], dict):
        input_example, params = input_example  # MLflow's (example, params) form for models with inference params
    if input_example is not None:
        model.saved_input_example_info = _write_input_example(target, input_example, params)
        if signature is None:
            model.signature = infer_signature(input_example, params=params)
    if pyfunc_loader:
        model.flavors["python_function"] = {
            "loader_module": pyfunc_loader,
            "model_path": flavor_config.get("model_path"),
            "python_version": platform.python_version(),
            "env": {"conda": environment.CONDA, "virtualenv": environment.PYTHON_ENV},
            **({"code": code} if code else {}),
        }
    if flavor_name == "python_function":  # a custom Python model: its keys go into the pyfunc flavor itself
        model.flavors["python_function"].update(flavor_config)
    else:
        model.flavors[flavor_name] = {**flavor_config, **({"code": code} if code else {})}
    return model


def log_model(save: Callable[..., Model], name: str, registered_model_name: str | None = None,
              params: dict | None = None, tags: dict | None = None, model_type: str | None = None) -> ModelInfo:
    """Save with the flavor's `save(path, run_id=..., artifact_path=...)` into the active run's artifacts,
    and record it as a logged model (MLflow 3: its own id, `params`, `tags`, `model_type`).

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
    logged = _logged_model(fluent, run_id, name, params, tags, model_type)
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
        model_id=logged.model_id if logged else None,
        name=name,
        params=dict(logged.params) if logged else {},
        tags=dict(logged.tags) if logged else {},
    )


def _logged_model(fluent: Any, run_id: str, name: str, params: dict | None, tags: dict | None,
                  model_type: str | None) -> Any:
    """The logged model recording a freshly saved folder; None on a store without them (a tracking server)."""
    client = fluent._get_client()
    if not hasattr(client.store, "create_logged_model"):
        return None
    stack = fluent._run_stack.get()
    run = stack[-1] if stack and stack[-1].info.run_id == run_id else client.get_run(run_id)
    return client.create_logged_model(run.info.experiment_id, name, f"{run.info.artifact_uri.rstrip('/')}/{name}",
                                      run_id, tags, params, model_type)


_MISSING = object()


def flavor_logger(save: Callable[..., Model], model_arg: str) -> Callable[..., ModelInfo]:
    """A flavor's `log_model`, built from its `save_model`: the model comes first or as MLflow's keyword
    (`sk_model=`, `xgb_model=`, ...); every other keyword of `save_model` is passed on."""

    def log_flavor_model(model: Any = _MISSING, artifact_path: str | None = None, *, name: str | None = None,
                         registered_model_name: str | None = None, await_registration_for: Any = None,
                         params: dict | None = None, tags: dict | None = None, model_type: str | None = None,
                         **options: Any) -> ModelInfo:
        if model is _MISSING:
            model = options.pop(model_arg, _MISSING)
        elif model_arg in options:
            raise InvalidInput(f"log_model got the model twice: first and as {model_arg}=; pass it once.")
        if model is _MISSING:
            raise InvalidInput(f"log_model needs the model: log_model({model_arg}=model, name='model').")
        if artifact_path is not None and name is not None and artifact_path != name:
            raise InvalidInput(f"log_model got artifact_path={artifact_path!r} and name={name!r}: they are the same "
                               "thing (MLflow 3 calls it name); pass one.")
        return log_model(lambda path, **kw: save(model, path, **options, **kw), name or artifact_path or "model",
                         registered_model_name, params, tags, model_type)

    log_flavor_model.__name__ = log_flavor_model.__qualname__ = "log_model"
    log_flavor_model.__doc__ = (
        f"Save `{model_arg}` into the active run's artifacts at `name` (or `artifact_path`, its older name) and, "
        "with `registered_model_name`, register it; other keywords are those of save_model. Returns ModelInfo."
    )
    return log_flavor_model


def flavor_files(model_uri: str, flavor: str) -> tuple[Path, dict]:
    """(the model's local folder, its flavor config) for a model URI; a clear error if the flavor is absent."""
    path = model_local_path(model_uri)
    config = Model.load(path).flavor(flavor, model_uri)
    environment.add_code_to_path(path, config.get("code"))  # the model's code_paths, importable before loading
    return Path(path), config


def model_local_path(model_uri: str, client: Any = None) -> str:
    """A local folder holding the model at `model_uri`: `runs:/<id>/<path>`, `models:/<name>/<version>`,
    `models:/<name>@<alias>`, `models:/<name>/latest` or a path. Run and registry URIs are resolved in
    `client`'s store (default: the current tracking URI)."""
    uri = str(model_uri)
    if uri.startswith(("models:/", "runs:/")) and client is None:
        from autotrack.client import Client

        client = Client()
    if uri.startswith("models:/"):
        from autotrack.logged_models import is_model_id_uri

        model_id = is_model_id_uri(uri)
        if model_id is not None:  # MLflow 3's models:/<model_id>: the folder its run logged
            logged = client.get_logged_model(model_id)
            return model_local_path(f"runs:/{logged.source_run_id}/{logged.name}", client)
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


