"""Bugs of the HTTP client side found after the server landed, one test each (issue 13)."""

from __future__ import annotations

import importlib.util

import httpx
import pytest

import autotrack
from autotrack.entities import Metric
from autotrack.store.http import HttpStore

API = "/api/2.0/mlflow"


def _run_with_zero_and_later_metrics(url: str) -> str:
    with httpx.Client(base_url=url, timeout=30) as api:
        run_id = api.post(f"{API}/runs/create", json={"experiment_id": "0", "start_time": 1}).json()["run"]["info"]["run_id"]
        answer = api.post(f"{API}/runs/log-batch", json={"run_id": run_id, "metrics": [
            {"key": "zero", "value": 0, "timestamp": 0, "step": 0},
            {"key": "later", "value": 1.5, "timestamp": 1234, "step": 7},
            {"key": "later", "value": 9.0, "timestamp": 99, "step": 3},  # an older step: not the latest
        ]})
        assert answer.status_code == 200, answer.text
    return run_id


def test_run_json_carries_each_latest_metrics_own_step_and_timestamp_and_zeros_as_zeros(thread_server):
    run_id = _run_with_zero_and_later_metrics(thread_server.url)
    expected = [{"key": "later", "value": 1.5, "timestamp": 1234, "step": 7},
                {"key": "zero", "value": 0.0, "timestamp": 0, "step": 0}]
    with httpx.Client(base_url=thread_server.url, timeout=30) as api:
        got = api.get(f"{API}/runs/get", params={"run_id": run_id}).json()["run"]["data"]["metrics"]
        searched = api.post(f"{API}/runs/search", json={"experiment_ids": ["0"]}).json()["runs"][0]["data"]["metrics"]
    assert sorted(got, key=lambda m: m["key"]) == expected  # step 0 and timestamp 0 are written, not left out
    assert sorted(searched, key=lambda m: m["key"]) == expected

    run = HttpStore(thread_server.url).get_run(run_id)  # autotrack's client reads 0 back as 0
    assert run.data.metrics == {"zero": 0.0, "later": 1.5}
    assert run.data.latest_metrics == {"zero": Metric("zero", 0.0, 0, 0), "later": Metric("later", 1.5, 1234, 7)}


@pytest.mark.skipif(importlib.util.find_spec("mlflow") is None, reason="needs mlflow-skinny (the dev extra)")
def test_mlflows_client_reads_latest_steps_and_zeros(thread_server):
    from mlflow import MlflowClient

    run_id = _run_with_zero_and_later_metrics(thread_server.url)
    run = MlflowClient(tracking_uri=thread_server.url).get_run(run_id)
    assert run.data.metrics == {"zero": 0.0, "later": 1.5}
    assert sorted((m.key, m.value, m.timestamp, m.step) for m in run.data._metric_objs) == [
        ("later", 1.5, 1234, 7), ("zero", 0.0, 0, 0)]


def test_a_local_store_run_has_its_latest_metrics_with_steps(tmp_path):
    client = autotrack.Client(str(tmp_path / "store"))
    run = client.create_run("0")
    client.log_batch(run.info.run_id, metrics=[Metric("m", 2.0, 10, 5), Metric("m", 1.0, 20, 4)])
    client.set_terminated(run.info.run_id)
    assert client.get_run(run.info.run_id).data.latest_metrics == {"m": Metric("m", 2.0, 10, 5)}
