"""Runs as a pandas DataFrame, with MLflow's column names."""

from __future__ import annotations

from typing import Sequence

from autotrack.entities import Run

__all__ = ["runs_to_dataframe"]


def runs_to_dataframe(runs: Sequence[Run]):
    """Columns: run_id, experiment_id, status, artifact_uri, start_time, end_time,
    then metrics.*, params.*, tags.* (sorted); missing values are NaN / None."""
    import pandas as pd

    n = len(runs)
    columns: dict[str, list] = {
        "run_id": [r.info.run_id for r in runs],
        "experiment_id": [r.info.experiment_id for r in runs],
        "status": [r.info.status for r in runs],
        "artifact_uri": [r.info.artifact_uri for r in runs],
        "start_time": pd.to_datetime([r.info.start_time for r in runs], unit="ms", utc=True),
        "end_time": pd.to_datetime([r.info.end_time for r in runs], unit="ms", utc=True),
    }
    for prefix, field, empty in (("metrics", "metrics", float("nan")), ("params", "params", None), ("tags", "tags", None)):
        keyed: dict[str, list] = {}
        for index, run in enumerate(runs):
            for key, value in getattr(run.data, field).items():
                column = keyed.get(key)
                if column is None:
                    column = keyed[key] = [empty] * n
                column[index] = value
        for key in sorted(keyed):
            columns[f"{prefix}.{key}"] = keyed[key]
    return pd.DataFrame(columns)
