"""`/api/2.0/mlflow/registered-models/...` and `model-versions/...`: MLflow's registry endpoints.

Stages (deprecated by MLflow, still used) work: `transition-stage` and `get-latest-versions` with stages.
"""

from __future__ import annotations

import re

from autotrack.server.errors import required
from autotrack.server.state import ServerState
from autotrack.server.wire import integer, key_values, model_version_to_json, registered_model_to_json

__all__ = ["ROUTES"]

_MODELS = "/api/2.0/mlflow/registered-models"
_VERSIONS = "/api/2.0/mlflow/model-versions"


def _name(body: dict) -> str:
    return str(required(body, "name"))


def _version(body: dict) -> str:
    return str(required(body, "version"))


def _page(items: list, token: str | None, key: str, to_json) -> dict:
    found: dict = {key: [to_json(item) for item in items]}
    if token:
        found["next_page_token"] = token
    return found


_PROMPT_TAG = "mlflow.prompt.is_prompt"
_NOT_PROMPT = re.compile(r"\s*(?:\band\s+)?tags?\.`mlflow\.prompt\.is_prompt`\s*!=\s*'true'\s*(?:\band\b\s*)?", re.I)


def _filter(body: dict) -> tuple[str, bool]:
    """The filter without MLflow 3's "not a prompt" clause, which its client adds to every search: models
    without that tag must match it, so it is applied here, after the store's search."""
    text = str(body.get("filter") or "")
    cleaned = _NOT_PROMPT.sub(" ", text).strip()
    return cleaned, cleaned != text.strip()


def _order(body: dict) -> list[str] | None:
    order_by = body.get("order_by") or None
    return [order_by] if isinstance(order_by, str) else order_by


def create_model(state: ServerState, body: dict) -> dict:
    model = state.store.create_registered_model(_name(body), key_values(body.get("tags")), body.get("description"))
    return {"registered_model": registered_model_to_json(model)}


def get_or_create_model(state: ServerState, body: dict) -> dict:
    return {"registered_model": registered_model_to_json(state.store.get_or_create_registered_model(_name(body)))}


def get_model(state: ServerState, body: dict) -> dict:
    return {"registered_model": registered_model_to_json(state.store.get_registered_model(_name(body)))}


def update_model(state: ServerState, body: dict) -> dict:
    model = state.store.update_registered_model(_name(body), str(body.get("description") or ""))
    return {"registered_model": registered_model_to_json(model)}


def rename_model(state: ServerState, body: dict) -> dict:
    model = state.store.rename_registered_model(_name(body), str(required(body, "new_name")))
    return {"registered_model": registered_model_to_json(model)}


def delete_model(state: ServerState, body: dict) -> dict:
    state.store.delete_registered_model(_name(body))
    return {}


def search_models(state: ServerState, body: dict) -> dict:
    text, no_prompts = _filter(body)
    models, token = state.store.search_registered_models(
        text, integer(body.get("max_results") or 100, "max_results"), _order(body), body.get("page_token") or None)
    if no_prompts:
        models = [m for m in models if m.tags.get(_PROMPT_TAG) != "true"]
    return _page(models, token, "registered_models", registered_model_to_json)


def set_model_tag(state: ServerState, body: dict) -> dict:
    state.store.set_registered_model_tag(_name(body), str(required(body, "key")), str(body.get("value") or ""))
    return {}


def delete_model_tag(state: ServerState, body: dict) -> dict:
    state.store.delete_registered_model_tag(_name(body), str(required(body, "key")))
    return {}


def latest_versions(state: ServerState, body: dict) -> dict:
    stages = body.get("stages") or []
    stages = [stages] if isinstance(stages, str) else list(stages)
    return {"model_versions": [model_version_to_json(v) for v in state.store.get_latest_versions(_name(body), stages)]}


def set_alias(state: ServerState, body: dict) -> dict:
    state.store.set_registered_model_alias(_name(body), str(required(body, "alias")), _version(body))
    return {}


def delete_alias(state: ServerState, body: dict) -> dict:
    state.store.delete_registered_model_alias(_name(body), str(required(body, "alias")))
    return {}


def get_by_alias(state: ServerState, body: dict) -> dict:
    return {"model_version": model_version_to_json(
        state.store.get_model_version_by_alias(_name(body), str(required(body, "alias"))))}


def create_version(state: ServerState, body: dict) -> dict:
    # `source` is stored as the client gave it; the server never reads from it.
    version = state.store.create_model_version(
        _name(body), str(required(body, "source")), body.get("run_id") or None, key_values(body.get("tags")),
        body.get("description"), str(body.get("user_id") or ""))
    return {"model_version": model_version_to_json(version)}


def get_version(state: ServerState, body: dict) -> dict:
    return {"model_version": model_version_to_json(state.store.get_model_version(_name(body), _version(body)))}


def update_version(state: ServerState, body: dict) -> dict:
    version = state.store.update_model_version(_name(body), _version(body), str(body.get("description") or ""))
    return {"model_version": model_version_to_json(version)}


def delete_version(state: ServerState, body: dict) -> dict:
    state.store.delete_model_version(_name(body), _version(body))
    return {}


def search_versions(state: ServerState, body: dict) -> dict:
    text, _ = _filter(body)  # versions carry no prompt tag of their own
    versions, token = state.store.search_model_versions(
        text, integer(body.get("max_results") or 1000, "max_results"), _order(body), body.get("page_token") or None)
    return _page(versions, token, "model_versions", model_version_to_json)


def set_version_tag(state: ServerState, body: dict) -> dict:
    state.store.set_model_version_tag(_name(body), _version(body), str(required(body, "key")),
                                      str(body.get("value") or ""))
    return {}


def delete_version_tag(state: ServerState, body: dict) -> dict:
    state.store.delete_model_version_tag(_name(body), _version(body), str(required(body, "key")))
    return {}


def download_uri(state: ServerState, body: dict) -> dict:
    return {"artifact_uri": state.store.get_model_version(_name(body), _version(body)).source}


def transition_stage(state: ServerState, body: dict) -> dict:
    archive = str(body.get("archive_existing_versions", False)).lower() == "true"
    version = state.store.transition_model_version_stage(_name(body), _version(body), str(required(body, "stage")),
                                                         archive)
    return {"model_version": model_version_to_json(version)}


ROUTES = [
    (f"{_MODELS}/create", ["POST"], create_model),
    (f"{_MODELS}/get", ["GET"], get_model),
    (f"{_MODELS}/update", ["PATCH", "POST"], update_model),
    (f"{_MODELS}/rename", ["POST"], rename_model),
    (f"{_MODELS}/delete", ["DELETE"], delete_model),
    (f"{_MODELS}/search", ["GET"], search_models),
    (f"{_MODELS}/set-tag", ["POST"], set_model_tag),
    (f"{_MODELS}/delete-tag", ["DELETE"], delete_model_tag),
    (f"{_MODELS}/get-latest-versions", ["GET", "POST"], latest_versions),
    (f"{_MODELS}/alias", ["GET"], get_by_alias),
    (f"{_MODELS}/alias", ["POST"], set_alias),
    (f"{_MODELS}/alias", ["DELETE"], delete_alias),
    (f"{_VERSIONS}/create", ["POST"], create_version),
    (f"{_VERSIONS}/get", ["GET"], get_version),
    (f"{_VERSIONS}/update", ["PATCH", "POST"], update_version),
    (f"{_VERSIONS}/delete", ["DELETE"], delete_version),
    (f"{_VERSIONS}/search", ["GET"], search_versions),
    (f"{_VERSIONS}/set-tag", ["POST"], set_version_tag),
    (f"{_VERSIONS}/delete-tag", ["DELETE"], delete_version_tag),
    (f"{_VERSIONS}/get-download-uri", ["GET"], download_uri),
    (f"{_VERSIONS}/transition-stage", ["POST"], transition_stage),
    ("/api/autotrack/registered-models/get-or-create", ["POST"], get_or_create_model),
]
