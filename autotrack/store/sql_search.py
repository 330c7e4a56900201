"""Compile parsed search filters and order_by clauses to one SQL query.

Each comparison on a metric, param or tag becomes a correlated EXISTS on its
(run_uuid, key) primary key, and each order_by key a LEFT JOIN, so the
database does all the work and only the requested page of runs is loaded.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy import and_, case, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from autotrack.entities import RunStatus
from autotrack.exceptions import InvalidInput
from autotrack.store import schema as t
from autotrack.store.filter import Comparison, parse_filter, parse_order_by

__all__ = [
    "compile_run_search",
    "decode_page_token",
    "encode_page_token",
    "reported_status",
    "selective_metric",
    "string_condition",
]

_KEY_TABLES = {"metrics": t.latest_metrics, "params": t.params, "tags": t.tags}


def reported_status(now: int):
    """The status a reader sees: a RUNNING run past its heartbeat deadline is KILLED."""
    r = t.runs.c
    return case(
        (and_(r.status == RunStatus.RUNNING, r.heartbeat_deadline < now), literal(RunStatus.KILLED)),
        else_=r.status,
    )


def string_condition(column, op: str, value):
    if op == "=":
        return column == value
    if op == "!=":
        return column != value
    if op == "LIKE":
        return column.like(value)
    if op == "ILIKE":
        return column.ilike(value)
    if op == "IN":
        return column.in_(value)
    if op == "NOT IN":
        return column.not_in(value)
    if op == "IS NULL":
        return column.is_(None)
    if op == "IS NOT NULL":
        return column.is_not(None)
    raise AssertionError(op)  # the parser admits no other operator


def _numeric_condition(column, op: str, value: float):
    return {
        "=": column == value,
        "!=": column != value,
        "<": column < value,
        "<=": column <= value,
        ">": column > value,
        ">=": column >= value,
    }[op]


def _attribute_column(key: str, status):
    r = t.runs.c
    columns = {
        "run_id": r.run_uuid,
        "name": r.run_name,
        "run_name": r.run_name,
        "status": status,
        "user_id": r.user_id,
        "lifecycle_stage": r.lifecycle_stage,
        "start_time": r.start_time,
        "end_time": r.end_time,
    }
    if key not in columns:
        raise InvalidInput(f"Runs have no attribute '{key}'; allowed: {', '.join(columns)}.")
    return columns[key]


def _condition(comparison: Comparison, status):
    if comparison.entity == "attributes":
        column = _attribute_column(comparison.key, status)
        if comparison.key in ("start_time", "end_time"):
            return _numeric_condition(column, comparison.op, comparison.value)
        return string_condition(column, comparison.op, comparison.value)
    table = _KEY_TABLES[comparison.entity]
    same_key = [table.c.run_uuid == t.runs.c.run_uuid, table.c.key == comparison.key]
    if comparison.op == "IS NULL":
        return ~sa.exists().where(*same_key)
    if comparison.op == "IS NOT NULL":
        return sa.exists().where(*same_key)
    if comparison.entity == "metrics":
        value_test = and_(table.c.is_nan == sa.false(), _numeric_condition(table.c.value, comparison.op, comparison.value))
    else:
        value_test = string_condition(table.c.value, comparison.op, comparison.value)
    return sa.exists().where(*same_key, value_test)


class _DrivingJoin(Join):
    """An inner join whose left side drives the loop (SQLite's CROSS JOIN), elsewhere a plain JOIN."""

    inherit_cache = True


@compiles(_DrivingJoin, "sqlite")
def _compile_driving_join(join: _DrivingJoin, compiler, **kw) -> str:
    kw["asfrom"] = True
    left = compiler.process(join.left, **kw)
    right = compiler.process(join.right, **kw)
    kw.pop("asfrom")
    return f"{left} CROSS JOIN {right} ON {compiler.process(join.onclause, **kw)}"


def _ordering(keys, status, source):
    """(FROM clause, ORDER BY terms) for order keys: a LEFT JOIN per metric, param or tag key."""
    ordering = []
    for index, key in enumerate(keys):
        if key.entity == "attributes":
            column = _attribute_column(key.key, status)
        else:
            joined = _KEY_TABLES[key.entity].alias(f"order_{index}")
            source = source.outerjoin(joined, and_(joined.c.run_uuid == t.runs.c.run_uuid, joined.c.key == key.key))
            column = joined.c.value
            ordering.append(joined.c.run_uuid.is_(None))  # runs without the key sort last
            if key.entity == "metrics":
                ordering.append(joined.c.is_nan)  # NaN after every number
        ordering.append(column.asc() if key.ascending else column.desc())
    return source, ordering + [t.runs.c.start_time.desc(), t.runs.c.run_uuid]


# Walking the order-by index to fill a page of `wanted` runs reads about wanted * runs / matches
# rows; starting from the matches reads (and sorts) each of them, ~3x dearer per row. So a metric
# filter drives the search when 3 * matches^2 < wanted * runs.
DRIVEN_ROW_COST = 3


def selective_metric(conn: sa.Connection, comparisons: Sequence[Comparison], wanted: int) -> Comparison | None:
    """The metric comparison matching the fewest runs, if few enough to drive the search (SQLite).

    Counted on the (key, is_nan, value) index and capped where driving stops paying, so
    the count reads at most ~sqrt(wanted * runs / 3) index entries (~1,800 for a page of
    100 among 100,000 runs); the run count is SQLite's largest rowid, read in O(1).
    """
    candidates = [c for c in comparisons if c.entity == "metrics" and c.op in _RANGE_OPS]
    if not candidates:
        return None
    # Plain SQL on the driver: through SQLAlchemy these two tiny queries cost more than the search they steer.
    driver = conn.connection.driver_connection
    runs = driver.execute("SELECT max(rowid) FROM runs").fetchone()[0] or 0
    limit = math.isqrt(wanted * runs // DRIVEN_ROW_COST) + 1
    best, fewest = None, limit
    for comparison in candidates:
        count = driver.execute(  # the operator is one of _RANGE_OPS: safe to splice
            f"SELECT count(*) FROM (SELECT 1 FROM latest_metrics WHERE key = ? AND is_nan = 0 AND value {comparison.op} ? "
            "LIMIT ?)",
            (comparison.key, comparison.value, limit),
        ).fetchone()[0]
        if count < fewest:
            best, fewest = comparison, count
    return best


_RANGE_OPS = ("=", "<", "<=", ">", ">=")


def _candidates(comparison: Comparison) -> sa.Select:
    lm = t.latest_metrics.c
    return select(lm.run_uuid).where(
        lm.key == comparison.key, lm.is_nan == sa.false(), _numeric_condition(lm.value, comparison.op, comparison.value)
    )


def compile_run_search(
    query: sa.Select,
    experiment_ids: Sequence[int],
    filter_string: str,
    lifecycle_stages: Sequence[str],
    order_by: Sequence[str] | None,
    now: int,
    choose_driver: Callable[[Sequence[Comparison]], Comparison | None] | None = None,
) -> list[sa.Select]:
    """The queries whose results, concatenated, are the matching runs in order.

    Ordering by a metric first ("the best runs") is split in two: runs with a
    number for it, read in that metric's index order so a LIMIT stops early,
    then the runs without one (NaN before missing), in the remaining order.
    Anything else is one query. When `choose_driver` picks a selective metric
    comparison, every part starts from the runs it matches (then sorts them)
    instead of walking an index past runs the filter rejects. The default order
    over several experiments is a merge of one index walk per experiment.
    """
    status = reported_status(now)
    query = query.where(t.runs.c.lifecycle_stage.in_(list(lifecycle_stages)))
    comparisons = parse_filter(filter_string)
    for comparison in comparisons:
        query = query.where(_condition(comparison, status))
    runs_from = t.runs
    driver = choose_driver(comparisons) if choose_driver and comparisons else None
    if driver is not None:
        matched = _candidates(driver).subquery("matched")
        runs_from = _DrivingJoin(matched, t.runs, matched.c.run_uuid == t.runs.c.run_uuid)
    keys = parse_order_by(list(order_by or []))
    if not keys or keys[0].entity != "metrics":
        source, ordering = _ordering(keys, status, runs_from)
        if not keys and driver is None and len(experiment_ids) > 1:
            return [_merged_by_experiment(query.select_from(source), experiment_ids)]
        return [query.where(_in_experiments(experiment_ids)).select_from(source).order_by(*ordering)]
    query = query.where(_in_experiments(experiment_ids))
    first, rest = keys[0], keys[1:]
    lm = t.latest_metrics
    order_first = lm.alias("order_first")
    numeric = and_(order_first.c.key == first.key, order_first.c.is_nan == sa.false(),
                   order_first.c.run_uuid == t.runs.c.run_uuid)
    walk = _DrivingJoin(order_first, t.runs, numeric) if driver is None else _DrivingJoin(runs_from, order_first, numeric)
    source, ordering = _ordering(rest, status, walk)
    value = order_first.c.value.asc() if first.ascending else order_first.c.value.desc()
    with_number = query.select_from(source).order_by(value, *ordering)
    same_key = [lm.c.run_uuid == t.runs.c.run_uuid, lm.c.key == first.key]
    has_nan = sa.exists().where(*same_key, lm.c.is_nan == sa.true())
    source, ordering = _ordering(rest, status, runs_from)
    without_number = (
        query.where(~sa.exists().where(*same_key, lm.c.is_nan == sa.false()))
        .select_from(source)
        .order_by(case((has_nan, 0), else_=1), *ordering)
    )
    return [with_number, without_number]


def _in_experiments(experiment_ids: Sequence[int]):
    return t.runs.c.experiment_id.in_(list(experiment_ids))


def _merged_by_experiment(query: sa.Select, experiment_ids: Sequence[int]) -> sa.CompoundSelect:
    """Newest runs first over several experiments: each experiment's runs come in its
    (experiment_id, start_time) index order and are merged, so a LIMIT stops early
    (`experiment_id IN (...)` would sort every matching run first)."""
    arms = [query.where(t.runs.c.experiment_id == experiment_id) for experiment_id in experiment_ids]
    merged = sa.union_all(*arms)
    columns = merged.selected_columns
    return merged.order_by(columns.start_time.desc(), columns.run_uuid)


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_page_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
        if isinstance(offset, int) and offset >= 0:
            return offset
    except (ValueError, KeyError, TypeError):
        pass
    raise InvalidInput(f"Invalid page_token {token!r}: pass the token a previous search returned.")
