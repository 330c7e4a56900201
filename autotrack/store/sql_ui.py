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
from autotrack.system_tags import PARENT_RUN_ID, TRIAL_STATE

__all__ = ["KEY_SAMPLE", "child_counts", "experiment_activity", "run_keys"]

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


KEY_SAMPLE = 5000  # run_keys reads the keys of this many of the newest runs


def run_keys(conn: sa.Connection, experiment_ids: Sequence[int], stages: Sequence[str]) -> dict[str, list[dict]]:
    """{"metrics"|"params"|"tags": [{"key", "runs", "values"}]}: how many runs have each key, and how
    many distinct values it takes among them (a key whose values differ is worth a default column).

    Read from the newest KEY_SAMPLE runs: over all of 100,000 runs the distinct counts took ~5 s, and
    the keys worth offering are the ones recent runs log.
    """
    r = t.runs.c
    newest = (select(r.run_uuid).where(r.experiment_id.in_(list(experiment_ids)), r.lifecycle_stage.in_(list(stages)))
              .order_by(r.start_time.desc()).limit(KEY_SAMPLE).scalar_subquery())
    found: dict[str, list[dict]] = {}
    for name, table in (("metrics", t.latest_metrics), ("params", t.params), ("tags", t.tags)):
        query = (select(table.c.key, func.count(), func.count(sa.distinct(table.c.value)))
                 .where(table.c.run_uuid.in_(newest)).group_by(table.c.key).order_by(table.c.key))
        found[name] = [{"key": key, "runs": runs, "values": values} for key, runs, values in conn.execute(query)]
    return found


def child_counts(conn: sa.Connection, experiment_ids: Sequence[int], parent_ids: Sequence[str], stages: Sequence[str],
                 now: int, since: int = 0) -> dict[str, dict[str, int]]:
    """{parent run id: {state: children}} for the parents that have children among these experiments'
    runs started at `since` or later, where state is the child's status as readers see it, or PRUNED
    for a trial the sweep pruned.

    Tags have no index on their value, so the search walks the experiments' runs by their
    (experiment, start time) index from `since` (a child starts after its parent: the caller passes
    its parents' earliest start, less a margin for clock skew) and looks each one's parent tag up by
    primary key, rather than scanning every tag of the store.
    """
    parent = t.tags.alias("parent")
    pruned = t.tags.alias("pruned")
    runs = t.runs
    state = sa.case((pruned.c.value == "PRUNED", sa.literal("PRUNED")), else_=reported_status(now))
    found: dict[str, dict[str, int]] = {}
    for start in range(0, len(parent_ids), _CHUNK):
        chunk = list(parent_ids[start:start + _CHUNK])
        query = (select(parent.c.value, state, func.count())
                 .select_from(runs.join(parent, and_(parent.c.run_uuid == runs.c.run_uuid, parent.c.key == PARENT_RUN_ID))
                              .outerjoin(pruned, and_(pruned.c.run_uuid == runs.c.run_uuid,
                                                      pruned.c.key == TRIAL_STATE)))
                 .where(runs.c.experiment_id.in_(list(experiment_ids)), runs.c.start_time >= since,
                        runs.c.lifecycle_stage.in_(list(stages)), parent.c.value.in_(chunk))
                 .group_by(parent.c.value, state))
        for parent_id, status, count in conn.execute(query):
            found.setdefault(parent_id, {})[status] = count
    return found
