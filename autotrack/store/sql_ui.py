"""Summaries the web UI's tables need, each one aggregate query (never a Run object per row).

Listing experiments needs their run counts and last activity; the runs table needs which
param/metric/tag keys exist (and which vary, for its default columns) and, for each sweep
parent it shows, how many of its trials finished, failed or were pruned.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from sqlalchemy import and_, func, select

from autotrack.store import schema as t
from autotrack.store.sql_search import reported_status

__all__ = ["PRUNED_TAG", "child_counts", "experiment_activity", "run_keys"]

PARENT_TAG = "mlflow.parentRunId"
PRUNED_TAG = "autotrack.trial.state"  # "PRUNED" on a pruned sweep trial (its status stays FINISHED)
_CHUNK = 500


def experiment_activity(conn: sa.Connection, experiment_ids: Sequence[int],
                        stages: Sequence[str]) -> dict[int, tuple[int, int | None]]:
    """{experiment id: (runs, last activity in ms: the latest start or end of its runs, None without runs)}."""
    r = t.runs.c
    found: dict[int, tuple[int, int | None]] = {}
    for start in range(0, len(experiment_ids), _CHUNK):
        chunk = list(experiment_ids[start:start + _CHUNK])
        query = (select(r.experiment_id, func.count(), func.max(r.start_time), func.max(r.end_time))
                 .where(r.experiment_id.in_(chunk), r.lifecycle_stage.in_(list(stages)))
                 .group_by(r.experiment_id))
        for experiment_id, count, started, ended in conn.execute(query):
            found[experiment_id] = (count, max(v for v in (started, ended, 0) if v is not None) or None)
    return found


def run_keys(conn: sa.Connection, experiment_ids: Sequence[int], stages: Sequence[str]) -> dict[str, list[dict]]:
    """{"metrics"|"params"|"tags": [{"key", "runs", "values"}]}: how many runs have each key, and how
    many distinct values it takes among them (a key whose values differ is worth a default column)."""
    r = t.runs.c
    scope = and_(r.experiment_id.in_(list(experiment_ids)), r.lifecycle_stage.in_(list(stages)))
    found: dict[str, list[dict]] = {}
    for name, table in (("metrics", t.latest_metrics), ("params", t.params), ("tags", t.tags)):
        query = (select(table.c.key, func.count(), func.count(sa.distinct(table.c.value)))
                 .select_from(table.join(t.runs, t.runs.c.run_uuid == table.c.run_uuid))
                 .where(scope).group_by(table.c.key).order_by(table.c.key))
        found[name] = [{"key": key, "runs": runs, "values": values} for key, runs, values in conn.execute(query)]
    return found


def child_counts(conn: sa.Connection, parent_ids: Sequence[str], stages: Sequence[str],
                 now: int) -> dict[str, dict[str, int]]:
    """{parent run id: {state: children}} for the parents that have children, where state is the
    child's status as readers see it, or PRUNED for a trial the sweep pruned."""
    parent = t.tags.alias("parent")
    pruned = t.tags.alias("pruned")
    state = sa.case((pruned.c.value == "PRUNED", sa.literal("PRUNED")), else_=reported_status(now))
    found: dict[str, dict[str, int]] = {}
    for start in range(0, len(parent_ids), _CHUNK):
        chunk = list(parent_ids[start:start + _CHUNK])
        query = (select(parent.c.value, state, func.count())
                 .select_from(parent.join(t.runs, t.runs.c.run_uuid == parent.c.run_uuid)
                              .outerjoin(pruned, and_(pruned.c.run_uuid == t.runs.c.run_uuid,
                                                      pruned.c.key == PRUNED_TAG)))
                 .where(parent.c.key == PARENT_TAG, parent.c.value.in_(chunk),
                        t.runs.c.lifecycle_stage.in_(list(stages)))
                 .group_by(parent.c.value, state))
        for parent_id, status, count in conn.execute(query):
            found.setdefault(parent_id, {})[status] = count
    return found
