"""`runs show`'s datasets (what the run used, `log_input`) and logged models (what it produced)."""

from __future__ import annotations

import json
from typing import Any

from autotrack.cli_common import _table
from autotrack.inputs import DATA_CONTEXT

__all__ = ["print_inputs"]


def _profile(text: str | None) -> str:
    try:
        profile = json.loads(text) if text else {}
    except ValueError:
        return ""
    return ", ".join(f"{k}={v}" for k, v in profile.items()) if isinstance(profile, dict) else ""


def print_inputs(client: Any, run: Any, console: Any) -> None:
    inputs = run.inputs.dataset_inputs
    if inputs:
        table = _table("Datasets", "Name", "Digest", "Context", "Source", "Profile")
        for item in inputs:
            dataset, tags = item.dataset, {tag.key: tag.value for tag in item.tags}
            table.add_row(dataset.name, dataset.digest, tags.get(DATA_CONTEXT, ""),
                          f"{dataset.source_type}: {dataset.source}", _profile(dataset.profile))
        console.print(table)
    else:
        console.print("[bold]Datasets[/bold]: none")
    if not hasattr(client.store, "search_logged_models"):
        return
    models = client.search_logged_models([run.info.experiment_id], f"source_run_id = '{run.info.run_id}'")
    if models:
        table = _table("Logged models", "ID", "Name", "Params", "Metrics")
        for model in models:
            metrics = ", ".join(f"{m.key}={m.value:.6g}" for m in model.metrics)
            table.add_row(model.model_id, model.name, ", ".join(f"{k}={v}" for k, v in model.params.items()), metrics)
        console.print(table)
