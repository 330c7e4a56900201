"""Runs as a pandas DataFrame, with MLflow's column names."""

from __future__ import annotations

from typing import Sequence

from autotrack.entities import Run

__all__ = ["columns_to_dataframe", "runs_to_dataframe"]


def runs_to_dataframe(runs: Sequence[Run]):
    """Columns: run_id, experiment_id, status, artifact_uri, start_time, end_time,
    then metrics.*, params.*, tags.* (each group sorted); missing values are NaN / None."""
    import pandas as pd

    frame = pd.DataFrame({
        "run_id": [r.info.run_id for r in runs],
        "experiment_id": [r.info.experiment_id for r in runs],
        "status": [r.info.status for r in runs],
        "artifact_uri": [r.info.artifact_uri for r in runs],
        "start_time": pd.to_datetime([r.info.start_time for r in runs], unit="ms", utc=True),
        "end_time": pd.to_datetime([r.info.end_time for r in runs], unit="ms", utc=True),
    })
    parts = [frame]
    for prefix in ("metrics", "params", "tags"):
        # pandas builds a frame from a list of dicts in compiled code: no Python loop per value
        part = pd.DataFrame.from_records([getattr(r.data, prefix) for r in runs], index=frame.index)
        if prefix != "metrics":
            part = part.astype(object).where(part.notna(), None)
        parts.append(part.reindex(sorted(part.columns), axis=1).add_prefix(f"{prefix}."))
    return pd.concat(parts, axis=1)


def columns_to_dataframe(columns: dict):
    """The same frame from a store's columns (`SqlStore.search_runs_columns`): no per-run objects."""
    import pandas as pd

    data = {}
    for name, values in columns.items():
        if name in ("start_time", "end_time"):
            values = pd.to_datetime(values, unit="ms", utc=True)
        elif name.startswith(("params.", "tags.")):
            values = pd.Series(values, dtype=object, copy=False)  # strings with None holes, as MLflow's
        data[name] = values
    return pd.DataFrame(data, copy=False)
