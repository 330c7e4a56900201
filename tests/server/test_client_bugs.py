"""Bugs of the server and its HTTP client found after the server landed and under load, one test each (issue 13)."""

from __future__ import annotations

import importlib.util
import threading
import time
from concurrent.futures import ThreadPoolExecutor

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


def _wait_for(condition, seconds: float = 60.0) -> bool:
    """Wait for something the writer's thread does (no timing is asserted: the limit only ends a hung test)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_heartbeat_answers_which_runs_ended(thread_server):
    store = HttpStore(thread_server.url)
    running, ended = (store.create_run("0", name, "", 1).info.run_id for name in ("running", "ended"))
    store.end_run(ended, "FINISHED", 2)
    assert store.heartbeat([running, ended, "f" * 32], 10**13) == [ended, "f" * 32]  # an unknown run is not beaten either


def test_the_writer_stops_beating_a_run_another_process_ended(thread_server, monkeypatch):
    """A sweep's driver creates and beats trial runs that end in worker processes: it must stop beating them."""
    monkeypatch.setenv("AUTOTRACK_HEARTBEAT_TIMEOUT", "0.4")  # a beat every 0.1 s
    driver = autotrack.Client(thread_server.url)
    trial, kept = driver.create_run("0").info.run_id, driver.create_run("0").info.run_id
    assert {trial, kept} <= set(driver._writer._live)
    HttpStore(thread_server.url).end_run(trial, "FINISHED", 2)  # as the trial's worker process does
    assert _wait_for(lambda: trial not in driver._writer._live)
    assert kept in driver._writer._live  # a run still RUNNING keeps its heartbeat
    driver.set_terminated(kept)
    assert kept not in driver._writer._live


def _console_only():
    from autotrack.context import Capture

    return Capture(code=False, environment=False, console=True, system=False)


def test_a_remote_console_log_is_uploaded_at_a_bounded_cadence_and_whole_at_the_end(thread_server, monkeypatch):
    from autotrack import context
    from autotrack.store.http_artifacts import HttpArtifactRepository

    uploads = []
    original = HttpArtifactRepository.write_bytes

    def counted(self, path, data):
        if path == context.CONSOLE_LOG:
            uploads.append(len(data))
        return original(self, path, data)

    monkeypatch.setattr(HttpArtifactRepository, "write_bytes", counted)
    autotrack.set_tracking_uri(thread_server.url)
    started = time.monotonic()
    with autotrack.start_run(capture=_console_only()) as run:
        for line in range(300):
            print(f"line {line}")
            context._tick()  # what the writer's thread does each second, here after every line
    elapsed = time.monotonic() - started
    # Before: one whole-file upload per tick with new output (300 here, quadratic in bytes).
    assert 1 <= len(uploads) <= elapsed + 2  # at most one a second, and one at the end
    folder = autotrack.Client(thread_server.url).download_artifacts(run.info.run_id, "context")
    with open(f"{folder}/console.log") as file:
        assert file.read() == "".join(f"line {line}\n" for line in range(300))


def test_a_large_remote_console_log_waits_longer_between_uploads(monkeypatch):
    from autotrack import context

    written = []

    class Repository:
        def write_bytes(self, path, data):
            written.append(len(data))

    clock = [1000.0]
    monkeypatch.setattr(context.time, "monotonic", lambda: clock[0])
    capture = context._RunCapture("r" * 32, Repository(), None)
    capture.console_bytes.extend(b"x" * (10 * context.CONSOLE_UPLOAD_RATE))
    context._upload_console(capture, force=False)
    assert written == [10 * context.CONSOLE_UPLOAD_RATE]
    capture.console_bytes.extend(b"more\n")
    clock[0] += 5.0
    context._upload_console(capture, force=False)
    assert len(written) == 1  # 640 KB: the next upload waits 10 s, not 1
    clock[0] += 5.5
    context._upload_console(capture, force=False)
    assert written[-1] == 10 * context.CONSOLE_UPLOAD_RATE + 5
    context._upload_console(capture, force=True)
    assert len(written) == 2  # nothing new: nothing sent, even when forced


def test_flush_of_one_run_flushes_only_that_runs_capture(tmp_path, monkeypatch):
    from autotrack import context

    flushed = []
    original = context._flush_capture
    monkeypatch.setattr(context, "_flush_capture",
                        lambda capture, force=False: (flushed.append((capture.run_id, force)), original(capture, force)))
    autotrack.set_tracking_uri(str(tmp_path / "store"))
    with autotrack.start_run(capture=_console_only()) as outer:
        with autotrack.start_run(nested=True, capture=_console_only()) as inner:
            print("both runs see this")
            assert context.flush(inner.info.run_id) is True
            assert [run_id for run_id, force in flushed if force] == [inner.info.run_id]


def test_flush_with_a_timeout_does_not_wait_for_a_server_that_is_down(thread_server, monkeypatch):
    from autotrack import context
    from autotrack.context import console

    monkeypatch.setenv("AUTOTRACK_HTTP_RETRY_SECONDS", "3")
    monkeypatch.setattr(context, "_warned", True)  # the background attempt's one warning is expected here
    client = autotrack.Client(thread_server.url)
    run = client.create_run("0")
    context.start(client, run, _console_only())
    try:
        thread_server.server.should_exit = True  # the server goes away; the client's pool stays as it was
        thread_server.thread.join(timeout=10)
        thread_server.socket.close()
        print("to upload")  # after the server left: a background tick cannot have uploaded it already
        assert context.flush(run.info.run_id, timeout=0.2) is False  # still retrying: left to the background
    finally:
        client._writer._live.clear()
        capture = context._active.pop(run.info.run_id)
        console.remove(capture.sink)
        console.uninstall_if_idle(0)


def test_a_sql_store_serves_more_threads_than_sqlalchemys_pool(tmp_path):
    """Each thread holds a read and a write connection: an 8th thread waited 30 s for the pool of 15, then failed."""
    from autotrack.store.sql import SqlStore

    store = SqlStore(f"sqlite:///{tmp_path}/store.db", str(tmp_path / "artifacts"))
    runs = [store.create_run("0", f"r{i}", "u", 1).info.run_id for i in range(16)]
    together = threading.Barrier(16)

    def work(run_id: str) -> float:
        store.log_batch(run_id, metrics=[Metric("m", 1.0, 1, 1)])
        value = store.get_run(run_id).data.metrics["m"]
        together.wait(timeout=120)  # every thread keeps its connections while the others work
        return value

    with ThreadPoolExecutor(16) as pool:
        assert list(pool.map(work, runs)) == [1.0] * 16
    store._engine.dispose()


def test_the_server_answers_many_requests_at_once(thread_server):
    store = HttpStore(thread_server.url)
    runs = [store.create_run("0", f"r{i}", "u", 1).info.run_id for i in range(48)]

    def work(run_id: str) -> int:
        with httpx.Client(base_url=thread_server.url, timeout=120) as api:
            logged = api.post(f"{API}/runs/log-batch", json={"run_id": run_id, "metrics": [
                {"key": "m", "value": 1.0, "timestamp": 1, "step": step} for step in range(200)]})
            read = api.get(f"{API}/runs/get", params={"run_id": run_id})
        return max(logged.status_code, read.status_code)

    with ThreadPoolExecutor(48) as pool:
        assert set(pool.map(work, runs)) == {200}
    assert all(len(store.get_metric_history(run_id, "m")) == 200 for run_id in runs)
