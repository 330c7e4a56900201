"""UI endpoint for a logged model's `MLmodel`: its flavors and signature as tables the run page shows.

The browser has no YAML parser and MLflow's API has no call for this; the server already reads
`MLmodel` files (`Model.load`), so it answers with plain rows instead.
"""

from __future__ import annotations

import json
from typing import Any

from autotrack.artifacts import LocalArtifactRepository
from autotrack.models.model import Model
from autotrack.server.errors import required
from autotrack.server.state import ServerState

__all__ = ["ROUTES", "signature_rows"]


def _type(spec: dict) -> str:
    """`double`, `long (optional)`, `tensor float64 [-1, 6]`: what a reader needs to build an input."""
    if spec.get("type") == "tensor":
        tensor = spec.get("tensor-spec") or {}
        text = f"tensor {tensor.get('dtype', '?')} {json.dumps(tensor.get('shape', []))}"
    else:
        text = str(spec.get("type", "?"))
    return text if spec.get("required", True) else f"{text} (optional)"


def signature_rows(schema_json: str | None) -> list[dict[str, Any]]:
    """[{name, type}] of one MLmodel schema (inputs, outputs or params), in the file's order."""
    if not schema_json:
        return []
    rows = []
    for index, spec in enumerate(json.loads(schema_json)):
        row = {"name": spec.get("name") or f"[{index}]", "type": _type(spec)}
        if "default" in spec:
            row["default"] = json.dumps(spec["default"])
        rows.append(row)
    return rows


def mlmodel(state: ServerState, fields: dict) -> dict:
    """The `MLmodel` of the model folder `path` in run `run_id`'s artifacts."""
    run = state.store.get_run(str(required(fields, "run_id")))
    path = str(fields.get("path") or "")
    folder = LocalArtifactRepository(run.info.artifact_uri).local_path(path or None)
    model = Model.load(folder)
    signature = model.signature.to_dict() if model.signature else {}
    return {
        "path": path,
        "run_id": model.run_id or run.info.run_id,
        "flavors": sorted(model.flavors),
        "model_uuid": model.model_uuid,
        "utc_time_created": model.utc_time_created,
        "has_signature": bool(signature),
        "inputs": signature_rows(signature.get("inputs")),
        "outputs": signature_rows(signature.get("outputs")),
        "params": signature_rows(signature.get("params")),
    }


ROUTES = [
    ("/api/autotrack/ui/mlmodel", ["GET"], mlmodel),
]
