"""Search results as columns (MLflow's DataFrame layout), built without a `Run` per row.

`search_runs(output_format="pandas")` over 100,000 runs spent most of its time
making Run objects and then taking them apart again. Here the key/value rows
are grouped by key with C-level sorts and maps, and each key becomes one
column: a float64 array for metrics (NaN where a run lacks it), an object array
with None holes for params and tags.
"""

from __future__ import annotations

import bisect
import operator
from typing import Any, Callable, Sequence

import sqlalchemy as sa

__all__ = ["run_columns"]

INFO = ("run_id", "experiment_id", "run_name", "user_id", "status", "start_time", "end_time", "artifact_uri",
        "lifecycle_stage")
_BATCH = 2000  # ids per IN (...) list
_BULK = 10_000  # from this many runs on, reading whole tables once may beat lists of ids
_SCAN_SHARE = 4  # ... and does when the runs asked for are at least 1/4 of those in scope


def run_columns(conn: sa.Connection, rows: Sequence[Sequence], default_uri: Callable[[int, str], str],
                scope: sa.Select) -> dict[str, Any]:
    """Columns for `rows` (the search's run rows, in order): run fields, then metrics.*, params.*, tags.*.

    `scope` selects the run ids of the searched experiments: when most of them were asked for,
    each key/value table is read in one pass instead of by lists of ids.
    """
    import numpy as np

    info = list(zip(*rows)) if rows else [()] * len(INFO)
    fields = dict(zip(INFO, info))
    position = {run_id: index for index, run_id in enumerate(fields["run_id"])}
    columns: dict[str, Any] = {
        "run_id": list(fields["run_id"]),
        "experiment_id": [str(e) for e in fields["experiment_id"]],
        "status": list(fields["status"]),
        "artifact_uri": [uri or default_uri(e, r) for uri, e, r in
                         zip(fields["artifact_uri"], fields["experiment_id"], fields["run_id"])],
        "start_time": list(fields["start_time"]),
        "end_time": list(fields["end_time"]),
    }
    count = len(position)
    whole = count >= _BULK and count * _SCAN_SHARE >= conn.execute(
        sa.select(sa.func.count()).select_from(scope.subquery())).scalar()
    for prefix, table, value in (("metrics", "latest_metrics", "CASE WHEN is_nan THEN NULL ELSE value END"),
                                 ("params", "params", "value"), ("tags", "tags", "value")):
        found = _key_values(conn, table, value, list(position), scope if whole else None)
        found.sort(key=operator.itemgetter(1))
        keys = list(map(operator.itemgetter(1), found))
        part = {}
        start = 0
        while start < len(found):
            key = keys[start]
            end = bisect.bisect_right(keys, key, start)
            group = found[start:end]
            start = end
            places = list(map(position.get, map(operator.itemgetter(0), group)))
            values = list(map(operator.itemgetter(2), group))
            if whole and None in places:  # rows of runs in scope that the filter left out
                kept = [(p, v) for p, v in zip(places, values) if p is not None]
                if not kept:
                    continue
                places, values = [p for p, _ in kept], [v for _, v in kept]
            if prefix == "metrics":
                column = np.full(count, np.nan)
                column[places] = np.array(values, dtype=float)  # NULL (NaN stored as is_nan) -> nan
            else:
                column = np.full(count, None, dtype=object)
                column[places] = np.array(values, dtype=object)
            part[f"{prefix}.{key}"] = column
        columns.update(sorted(part.items()))
    return columns


def _key_values(conn: sa.Connection, table: str, value: str, run_ids: list[str], scope: sa.Select | None) -> list:
    cursor = conn.connection.dbapi_connection.cursor()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    try:
        if scope is not None:
            compiled = scope.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            cursor.execute(f"SELECT run_uuid, key, {value} FROM {table} WHERE run_uuid IN ({compiled})")
            return cursor.fetchall()
        found: list = []
        for start in range(0, len(run_ids), _BATCH):
            chunk = run_ids[start:start + _BATCH]
            cursor.execute(f"SELECT run_uuid, key, {value} FROM {table} WHERE run_uuid IN "
                           f"({', '.join([mark] * len(chunk))})", chunk)
            found += cursor.fetchall()
        return found
    finally:
        cursor.close()
