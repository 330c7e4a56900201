"""The model registry: named models, numbered versions, aliases (MLflow's names).

A version records the URI it was registered from (`runs:/<id>/model` or an
absolute folder), so `models:/<name>/<version>` and `models:/<name>@<alias>`
resolve to that model wherever the run's artifacts live. `RegistryClient`
is mixed into `autotrack.Client`; the module-level functions are the fluent
API (`autotrack.register_model(...)`).
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Any, Sequence

from autotrack import system_tags
from autotrack.entities import ModelVersion, RegisteredModel
from autotrack.exceptions import InvalidInput, NotFound

__all__ = [
    "RegistryClient",
    "parse_models_uri",
    "register_model",
    "search_model_versions",
    "search_registered_models",
]

_MODELS_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>[^/@]+)|@(?P<alias>[^/@]+))/?$")


def _stages_are_deprecated(what: str) -> None:
    warnings.warn(f"{what}: model stages are deprecated (in MLflow too) and may be removed. Use aliases instead: "
                  "client.set_registered_model_alias(name, 'staging', version) and models:/<name>@staging.",
                  FutureWarning, stacklevel=3)


def parse_models_uri(uri: str) -> tuple[str, str | None, str | None]:
    """(name, version or 'latest', alias) of `models:/<name>/<version|latest>` or `models:/<name>@<alias>`."""
    match = _MODELS_URI.match(str(uri))
    if not match:
        raise InvalidInput(
            f"Model URI '{uri}' must look like models:/<name>/<version>, models:/<name>/latest "
            "or models:/<name>@<alias>."
        )
    return match["name"], match["version"], match["alias"]


class RegistryClient:
    """Registry methods of `autotrack.Client`; each is one store call plus validation."""

    def create_registered_model(
        self, name: str, tags: dict[str, Any] | None = None, description: str | None = None
    ) -> RegisteredModel:
        return self._store.create_registered_model(name, _strings(tags), description)

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self._store.get_registered_model(name)

    def search_registered_models(
        self, filter_string: str = "", max_results: int = 100, order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ):
        from autotrack.client import PagedList

        return PagedList(*self._store.search_registered_models(filter_string, max_results, order_by, page_token))

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        return self._store.update_registered_model(name, description)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return self._store.rename_registered_model(name, new_name)

    def delete_registered_model(self, name: str) -> None:
        """Delete the model, its versions, tags and aliases. Run artifacts are left alone."""
        self._store.delete_registered_model(name)

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        self._store.set_registered_model_tag(name, key, str(value))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._store.delete_registered_model_tag(name, key)

    def create_model_version(
        self, name: str, source: str, run_id: str | None = None, tags: dict[str, Any] | None = None,
        description: str | None = None,
    ) -> ModelVersion:
        """A new version of an existing registered model, from the model at `source` (a model URI)."""
        source, found_run_id = _registrable_source(self, source)
        return self._store.create_model_version(
            name, source, run_id or found_run_id, _strings(tags), description, system_tags.user()
        )

    def register_model(self, model_uri: str, name: str, tags: dict[str, Any] | None = None) -> ModelVersion:
        """The model at `model_uri` as the next version of `name`, creating the registered model if needed."""
        source, run_id = _registrable_source(self, model_uri)
        self._store.get_or_create_registered_model(name)
        return self._store.create_model_version(name, source, run_id, _strings(tags), None, system_tags.user())

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        return self._store.get_model_version(name, version)

    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        """The newest version in each of `stages` (each stage when none are given), as MLflow; deprecated."""
        _stages_are_deprecated("get_latest_versions")
        return self._store.get_latest_versions(name, list(stages or []))

    def transition_model_version_stage(
        self, name: str, version: int | str, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        """Move a version to None/Staging/Production/Archived, as MLflow still allows; deprecated."""
        _stages_are_deprecated("transition_model_version_stage")
        return self._store.transition_model_version_stage(name, version, stage, archive_existing_versions)

    def update_model_version(self, name: str, version: int | str, description: str) -> ModelVersion:
        return self._store.update_model_version(name, version, description)

    def delete_model_version(self, name: str, version: int | str) -> None:
        self._store.delete_model_version(name, version)

    def search_model_versions(
        self, filter_string: str = "", max_results: int = 1000, order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ):
        from autotrack.client import PagedList

        return PagedList(*self._store.search_model_versions(filter_string, max_results, order_by, page_token))

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: Any) -> None:
        self._store.set_model_version_tag(name, version, key, str(value))

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        self._store.delete_model_version_tag(name, version, key)

    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        self._store.set_registered_model_alias(name, alias, version)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._store.delete_registered_model_alias(name, alias)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self._store.get_model_version_by_alias(name, alias)

    def get_model_version_download_uri(self, name: str, version: int | str) -> str:
        return self._store.get_model_version(name, version).source

    def resolve_model_version(self, model_uri: str) -> ModelVersion:
        """The version a `models:/` URI names."""
        name, version, alias = parse_models_uri(model_uri)
        if alias is not None:
            return self._store.get_model_version_by_alias(name, alias)
        if version.lower() == "latest":
            return self._store.get_latest_model_version(name)
        if not version.isdigit() and version.lower() in ("none", "staging", "production", "archived"):
            _stages_are_deprecated(f"'{model_uri}' names a stage")
            found = self._store.get_latest_versions(name, [version])
            if not found:
                raise NotFound(f"Registered model '{name}' has no version in stage '{version}': move one there with "
                               f"transition_model_version_stage('{name}', <version>, '{version}').")
            return found[0]
        return self._store.get_model_version(name, version)


def _strings(tags: dict[str, Any] | None) -> dict[str, str]:
    return {str(key): str(value) for key, value in (tags or {}).items()}


def _registrable_source(client: RegistryClient, model_uri: str) -> tuple[str, str | None]:
    """(the source to record, the run id) for a model URI in `client`'s store; the model must exist now."""
    from autotrack.models.model import Model, model_local_path

    from autotrack.logged_models import is_model_id_uri

    uri = str(model_uri)
    model_id = is_model_id_uri(uri)
    if model_id is not None:  # a logged model (MLflow 3): registered from the run folder it records
        logged = client.get_logged_model(model_id)
        uri = f"runs:/{logged.source_run_id}/{logged.name}"
    if uri.startswith("models:/"):
        version = client.resolve_model_version(uri)
        return version.source, version.run_id
    metadata = Model.load(model_local_path(uri, client))  # a clear error now, not when someone loads it
    if uri.startswith("runs:/"):
        return uri.rstrip("/"), uri[len("runs:/"):].split("/", 1)[0]
    return os.path.abspath(uri.removeprefix("file://")), metadata.run_id


# -- fluent ----------------------------------------------------------------------
def register_model(model_uri: str, name: str, tags: dict[str, Any] | None = None) -> ModelVersion:
    """Register the model at `model_uri` (e.g. `runs:/<run_id>/model`) as the next version of `name`."""
    from autotrack.fluent import _get_client

    return _get_client().register_model(model_uri, name, tags)


def search_registered_models(
    filter_string: str = "", max_results: int = 100, order_by: Sequence[str] | None = None
) -> list[RegisteredModel]:
    from autotrack.fluent import _get_client

    return list(_get_client().search_registered_models(filter_string, max_results, order_by))


def search_model_versions(
    filter_string: str = "", max_results: int = 1000, order_by: Sequence[str] | None = None
) -> list[ModelVersion]:
    from autotrack.fluent import _get_client

    return list(_get_client().search_model_versions(filter_string, max_results, order_by))
