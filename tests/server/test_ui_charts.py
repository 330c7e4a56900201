"""`/api/autotrack/ui/metric-histories`: many runs' histories in one call, downsampled keeping extremes."""

from __future__ import annotations

import math

import httpx
import numpy as np
import pytest

from autotrack.server.downsample import bucket_size, extremes

API = "/api/2.0/mlflow"
CHARTS = "/api/autotrack/ui/metric-histories"


@pytest.fixture
def api(thread_server):
    with httpx.Client(base_url=thread_server.url, timeout=60) as client:
        yield client


def _run(api, name: str, metrics: dict[str, list[float]]) -> str:
    run_id = api.post(f"{API}/runs/create", json={"experiment_id": "0", "run_name": name}).json()["run"]["info"]["run_id"]
    rows = [{"key": key, "value": "NaN" if isinstance(v, float) and math.isnan(v) else v,
             "timestamp": 1_000 + step, "step": step}
            for key, values in metrics.items() for step, v in enumerate(values)]
    for start in range(0, len(rows), 50_000):
        assert api.post(f"{API}/runs/log-batch", json={"run_id": run_id, "metrics": rows[start:start + 50_000]}).status_code == 200
    return run_id


def test_small_histories_come_back_whole_for_every_run_and_metric(api):
    first = _run(api, "a", {"loss": [3.0, 2.0, 1.5], "acc": [0.1, 0.5]})
    second = _run(api, "b", {"loss": [4.0, float("nan"), 1.0]})
    answer = api.post(CHARTS, json={"run_ids": [first, second]}).json()
    assert [r["run_name"] for r in answer["runs"]] == ["a", "b"]
    assert answer["runs"][0]["status"] == "RUNNING"
    assert answer["metric_keys"] == ["acc", "loss"]
    series = {(h["run_id"], h["key"]): h for h in answer["histories"]}
    assert set(series) == {(first, "acc"), (first, "loss"), (second, "loss")}  # b has no acc: no empty series
    assert series[first, "loss"]["values"] == [3.0, 2.0, 1.5]
    assert series[first, "loss"]["steps"] == [0, 1, 2] and series[first, "loss"]["timestamps"] == [1000, 1001, 1002]
    assert series[second, "loss"]["values"] == [4.0, None, 1.0]  # NaN is a gap, JSON has no NaN
    assert series[second, "loss"]["count"] == 3
    only = api.get(CHARTS, params={"run_ids": f"{first},{second}", "metric_keys": "acc"}).json()
    assert [(h["run_id"], h["key"]) for h in only["histories"]] == [(first, "acc")]


def test_a_long_history_keeps_the_min_and_max_of_every_bucket(api):
    rng = np.random.default_rng(0)
    values = rng.normal(size=30_000).cumsum()
    values[12_345] = 1e6  # a spike a naive stride would drop
    values[777] = -1e6
    run_id = _run(api, "long", {"loss": values.tolist()})
    answer = api.post(CHARTS, json={"run_ids": [run_id], "max_points": 500}).json()
    (series,) = answer["histories"]
    assert series["count"] == 30_000
    assert len(series["steps"]) <= 500
    kept = dict(zip(series["steps"], series["values"]))
    assert kept[12_345] == 1e6 and kept[777] == -1e6
    assert series["steps"][0] == 0 and series["steps"][-1] == 29_999
    assert series["steps"] == sorted(series["steps"])
    size = bucket_size(30_000, 500)
    for start in range(0, 30_000, size):
        bucket = values[start:start + size]
        low, high = start + int(bucket.argmin()), start + int(bucket.argmax())
        assert kept.get(low) == values[low] and kept.get(high) == values[high], start


def test_extremes_ignore_nan_unless_a_bucket_is_all_nan():
    values = np.array([1.0, np.nan, 5.0, -2.0, np.nan, np.nan, np.nan, np.nan, 0.5, 0.25])
    kept = extremes(values, 6)  # 2 buckets of 5
    assert set(kept.tolist()) >= {2, 3, 8, 9}
    assert not np.isnan(values[kept[1:-1]]).all()
    assert extremes(values, 100).tolist() == list(range(10))


def test_limits_answer_400_with_what_to_do(api):
    run_id = _run(api, "a", {"loss": [1.0]})
    missing = api.post(CHARTS, json={})
    assert missing.status_code == 400 and "run_ids" in missing.json()["message"]
    too_many = api.post(CHARTS, json={"run_ids": [run_id] * 1 + [f"r{i}" for i in range(200)]})
    assert too_many.status_code == 400 and "at most 100" in too_many.json()["message"]
    for bad in (1, 10**9, "lots"):
        answer = api.post(CHARTS, json={"run_ids": [run_id], "max_points": bad})
        assert answer.status_code == 400 and "max_points" in answer.json()["message"], bad


def test_unknown_run_is_404(api):
    run_id = _run(api, "a", {"loss": [1.0]})
    answer = api.post(CHARTS, json={"run_ids": [run_id, "f" * 32]})
    assert answer.status_code == 404
    assert answer.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST" and "f" * 32 in answer.json()["message"]
