"""Search plans: a selective metric filter drives the query, several experiments merge their
index walks, and whatever the plan, the rows and their order are the same."""

from __future__ import annotations

import random

import pytest

from autotrack.entities import Metric, Param
from autotrack.store import sql, sql_search
from autotrack.store.filter import parse_filter

FILTERS = [
    "metrics.m0 > 0.97",
    "metrics.m0 > 0.5",
    "metrics.m0 <= 0.1 and params.p = 'a'",
    "metrics.m0 = 0.25",
    "metrics.m0 > 0.9 and metrics.m1 < 0.5",
    "metrics.m0 != 0.5",
    "params.p = 'b'",
]
ORDERS = [None, ["metrics.m1 DESC"], ["metrics.m1 ASC", "params.p DESC"], ["params.p", "metrics.m0 DESC"],
          ["attributes.start_time ASC"]]


@pytest.fixture
def many(store):
    """150 runs over two experiments; m0 includes NaN and ties, m1 is missing on some."""
    rng = random.Random(7)
    experiments = ["0", store.create_experiment("other")]
    for i in range(150):
        run = store.create_run(experiments[i % 3 == 0], f"run-{i}", "me", 1000 + i)
        m0 = float("nan") if i % 17 == 0 else (0.25 if i % 23 == 0 else rng.random())
        metrics = [Metric("m0", m0, 0, 1)] + ([Metric("m1", rng.random(), 0, 1)] if i % 5 else [])
        store.log_batch(run.info.run_id, metrics=metrics, params=[Param("p", "ab"[i % 2])])
    return store, experiments


def _search(store, experiments, filter_string, order_by, page):
    ids, token = [], None
    while True:
        found, token = store.search_runs(experiments, filter_string, max_results=page, order_by=order_by,
                                         page_token=token)
        ids += [run.info.run_id for run in found]
        if not token:
            return ids


@pytest.mark.parametrize("filter_string", FILTERS)
def test_every_plan_returns_the_same_rows_in_the_same_order(many, monkeypatch, filter_string):
    store, experiments = many

    def first_metric(conn, comparisons, wanted):
        return next((c for c in comparisons if c.entity == "metrics" and c.op in ("=", "<", "<=", ">", ">=")), None)

    results = {}
    for plan, chooser in (("walk", lambda conn, comparisons, wanted: None), ("driven", first_metric),
                          ("chosen", sql_search.selective_metric)):
        monkeypatch.setattr(sql, "selective_metric", chooser)
        results[plan] = [_search(store, experiments, filter_string, order, page) for order in ORDERS
                         for page in (7, 1000)]
    assert results["driven"] == results["walk"] and results["chosen"] == results["walk"]
    assert any(results["walk"])


def test_a_merged_search_over_several_experiments_pages_like_one(many):
    store, experiments = many
    everything = _search(store, experiments, "", None, 1000)
    assert len(everything) == 150
    assert _search(store, experiments, "", None, 13) == everything
    starts = [store.get_run(run_id).info.start_time for run_id in everything[:20]]
    assert starts == sorted(starts, reverse=True)


def _sqlite_only(store) -> None:
    if store._dialect != "sqlite":
        pytest.skip("the plan hint is SQLite's; PostgreSQL plans from its own statistics")


def test_the_selective_comparison_is_the_one_matching_fewest_runs(many):
    store, _ = many
    _sqlite_only(store)
    comparisons = parse_filter("metrics.m0 > 0.5 and metrics.m0 > 0.95 and params.p = 'a' and metrics.m0 != 1")
    with store._read() as conn:
        assert sql_search.selective_metric(conn, comparisons, 10) == comparisons[1]
        assert sql_search.selective_metric(conn, parse_filter("params.p = 'a'"), 10) is None


def test_a_broad_metric_filter_does_not_drive(many):
    store, _ = many  # 150 runs, a page of 2: driving pays below sqrt(2 * 150 / 3) = 10 matches
    _sqlite_only(store)
    with store._read() as conn:
        assert sql_search.selective_metric(conn, parse_filter("metrics.m0 > 0.5"), 2) is None  # ~70 runs
        assert sql_search.selective_metric(conn, parse_filter("metrics.m0 > 0.98"), 2) is not None  # ~3 runs


def test_counting_an_experiments_runs_reads_the_index_alone(many):
    """`experiments list` counts runs per experiment by stage: the (experiment, stage) index covers it, so no
    run's row is read (at 100k runs 20 -> 6 ms)."""
    store, experiments = many
    if store._dialect != "sqlite":
        pytest.skip("PostgreSQL plans from its own statistics")
    store.update_run(store.search_runs([experiments[1]], "", max_results=1)[0][0].info.run_id, lifecycle_stage="deleted")
    assert store.count_runs(experiments) == {"0": 100, experiments[1]: 49}
    with store._read() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT experiment_id, count(*) FROM runs WHERE experiment_id IN (0, 1) "
            "AND lifecycle_stage IN ('active') GROUP BY experiment_id").fetchall()
    assert "USING COVERING INDEX ix_runs_experiment_stage" in " ".join(str(row[-1]) for row in plan)
