"""What users log is checked at the call: a value the store cannot hold is a clear error, never a lost batch."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autotrack
from autotrack.entities import Metric
from autotrack.exceptions import InvalidInput, NotFound
from autotrack.validation import INT64_MAX, INT64_MIN

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- metrics: the classes of bad input the issue found ---------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"step": 2**63}, "64-bit integer range"),
        ({"step": -(2**63) - 1}, "64-bit integer range"),
        ({"step": 1.5}, "step must be an integer"),
        ({"step": True}, "step"),
        ({"timestamp": 2**63}, r"outside \[0, 2\*\*63 - 1\]"),
        ({"timestamp": -5}, r"outside \[0, 2\*\*63 - 1\]"),
        ({"timestamp": "yesterday"}, "not a number"),
        ({"timestamp": float("nan")}, "not finite"),
    ],
)
def test_steps_and_timestamps_must_fit_int64(kwargs, message):
    with autotrack.start_run() as run:
        autotrack.log_metric("good", 1.0, step=0)
        with pytest.raises(InvalidInput, match=message):
            autotrack.log_metric("bad", 1.0, **kwargs)
    assert autotrack.get_run(run.info.run_id).data.metrics == {"good": 1.0}


@pytest.mark.parametrize(
    "value, message",
    [(10**400, "too large for a 64-bit float"), (1 + 2j, "complex"), (True, "boolean"), (b"1", "metrics are numbers")],
)
def test_metric_values_must_be_real_numbers_a_double_can_hold(value, message):
    with autotrack.start_run():
        with pytest.raises(InvalidInput, match=message):
            autotrack.log_metric("m", value)


def test_the_issue_example_keeps_every_good_value():
    with autotrack.start_run() as run:
        for step in range(1000):
            autotrack.log_metric("good", step, step=step)
        with pytest.raises(InvalidInput, match="step"):
            autotrack.log_metric("bad", 1.0, step=2**63)
    assert len(autotrack.Client().get_metric_history(run.info.run_id, "good")) == 1000


def test_edges_of_the_int64_range_are_stored_exactly(client):
    with autotrack.start_run() as run:
        autotrack.log_metric("lo", 1.0, step=INT64_MIN, timestamp=1)
        autotrack.log_metric("hi", 2.0, step=INT64_MAX, timestamp=INT64_MAX)
    assert [(m.step, m.timestamp) for m in client.get_metric_history(run.info.run_id, "lo")] == [(INT64_MIN, 1)]
    assert [(m.step, m.timestamp) for m in client.get_metric_history(run.info.run_id, "hi")] == [(INT64_MAX, INT64_MAX)]


@FAST
@given(
    value=st.one_of(st.floats(), st.integers(min_value=-(2**80), max_value=2**80)),
    step=st.one_of(st.none(), st.integers(min_value=-(2**70), max_value=2**70)),
    timestamp=st.one_of(st.none(), st.integers(min_value=-(2**70), max_value=2**70)),
)
def test_any_numbers_either_are_stored_exactly_or_refused_at_the_call(client, value, step, timestamp):
    """Property: log_metric raises InvalidInput, or what it accepted reads back exactly; never a later failure."""
    run_id = autotrack.active_run().info.run_id if autotrack.active_run() else autotrack.start_run().info.run_id
    key = f"k{time.perf_counter_ns()}"
    try:
        autotrack.log_metric(key, value, step=step, timestamp=timestamp)
    except InvalidInput as error:
        assert "Metric" in str(error)
        fits = lambda n: n is None or INT64_MIN <= n <= INT64_MAX  # noqa: E731
        out_of_range = not fits(step) or not fits(timestamp) or (timestamp is not None and timestamp < 0)
        assert out_of_range or (isinstance(value, int) and abs(value) > 2**1023)
        return
    [stored] = client.get_metric_history(run_id, key)  # the flush raised nothing and warned nothing
    assert stored.step == (step or 0)
    assert (math.isnan(stored.value) and math.isnan(value)) or stored.value == float(value)
    if timestamp:
        assert stored.timestamp == timestamp


# -- keys -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["a\x00b", "line\nbreak", "tab\tkey", "del\x7f", "a" * 251, "", "/abs", "a/../b"])
def test_bad_keys_are_refused_everywhere(key):
    with autotrack.start_run():
        for call in (lambda: autotrack.log_metric(key, 1.0), lambda: autotrack.log_param(key, 1),
                     lambda: autotrack.set_tag(key, "x")):
            with pytest.raises(InvalidInput):
                call()


@FAST
@given(key=st.text(min_size=1, max_size=300))
def test_a_key_is_accepted_only_if_printable_short_and_not_a_path_escape(key):
    run = autotrack.active_run() or autotrack.start_run()
    printable = all(ord(c) >= 32 and ord(c) != 127 for c in key)
    valid = printable and len(key) <= 250 and not key.startswith("/") and ".." not in key.split("/")
    try:
        autotrack.log_metric(key, 1.0)
    except InvalidInput:
        assert not valid
    else:
        assert valid
    assert run.info.run_id


def test_key_length_error_names_the_mlflow_limit():
    with autotrack.start_run():
        with pytest.raises(InvalidInput, match="limit is 250"):
            autotrack.log_param("k" * 251, 1)


# -- params and tags ----------------------------------------------------------------------------------------
def test_param_values_that_are_memory_addresses_are_refused():
    with autotrack.start_run() as run:
        with pytest.raises(InvalidInput, match="memory address"):
            autotrack.log_param("model", object())
        with pytest.raises(InvalidInput, match="memory address"):
            autotrack.log_params({"layers": [object()]})
        autotrack.log_params({"depth": None, "sizes": [64, 32], "name": "at 0x1>"})  # None as MLflow: "None"
    assert autotrack.get_run(run.info.run_id).data.params == {"depth": "None", "sizes": "[64, 32]", "name": "at 0x1>"}


def test_long_param_and_tag_values_get_mlflows_limits():
    with autotrack.start_run() as run:
        autotrack.log_param("ok", "p" * 6000)
        with pytest.raises(InvalidInput, match="limit is 6000"):
            autotrack.log_param("long", "p" * 6001)
        autotrack.set_tag("ok", "t" * 8000)
        with pytest.raises(InvalidInput, match="limit is 8000"):
            autotrack.set_tag("huge", "t" * 10_000_000)
        with pytest.raises(InvalidInput, match="limit is 8000"):
            autotrack.set_tags({"huge": "t" * 8001})
    data = autotrack.get_run(run.info.run_id).data
    assert "long" not in data.params and "huge" not in data.tags and len(data.tags["ok"]) == 8000


def test_tags_at_run_creation_are_checked_too(client):
    with pytest.raises(InvalidInput, match="limit is 8000"):
        client.create_run("0", tags={"note": "x" * 9000})
    with pytest.raises(InvalidInput, match="control character"):
        client.create_run("0", tags={"bad\nkey": "x"})


# -- runs ---------------------------------------------------------------------------------------------------
def test_metrics_of_a_run_that_does_not_exist_are_refused(client):
    with pytest.raises(NotFound, match="no-such-run"):
        client.log_metric("no-such-run", "m", 1.0)
    with pytest.raises(InvalidInput, match="run id"):
        client.log_metric(None, "m", 1.0)
    client.flush()
    found = client.store._engine.connect().exec_driver_sql("SELECT count(*) FROM metric_chunks").scalar()
    assert found == 0


def test_metrics_of_a_deleted_run_are_refused(client):
    run = client.create_run("0")
    client.delete_run(run.info.run_id)
    with pytest.raises(InvalidInput, match="deleted"):
        client.log_metric(run.info.run_id, "m", 1.0)


def test_a_run_created_by_another_client_is_checked_once(tmp_path):
    uri = str(tmp_path / "store")
    run = autotrack.Client(uri).create_run("0")
    from autotrack.tracking_uri import store_for

    _, writer = store_for(uri)
    writer.known_runs.discard(run.info.run_id)  # as in a process that did not create it
    for step in range(3):
        autotrack.Client(uri).log_metric(run.info.run_id, "m", step, step=step)
    assert run.info.run_id in writer.known_runs
    assert len(autotrack.Client(uri).get_metric_history(run.info.run_id, "m")) == 3


# -- search -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [-1, 0, "10", 2.5, True])
def test_search_runs_max_results_must_be_a_positive_integer(bad, client):
    with pytest.raises(InvalidInput, match="max_results must be a positive integer"):
        autotrack.search_runs(max_results=bad)
    with pytest.raises(InvalidInput, match="max_results must be a positive integer"):
        client.search_runs("0", max_results=bad)


def test_client_search_runs_pages_are_at_most_50000(client):
    with pytest.raises(InvalidInput, match="at most 50000"):
        client.search_runs("0", max_results=50_001)
    import numpy as np

    with autotrack.start_run():
        pass
    assert len(client.search_runs("0", max_results=np.int64(5))) == 1


# -- MLflow's signatures ------------------------------------------------------------------------------------
def test_fluent_logging_takes_mlflows_synchronous_keyword(client):
    with autotrack.start_run() as run:
        autotrack.log_metric("m", 1.0, step=1, synchronous=True)
        # written before the call returned: the store alone (no flush) sees it
        assert len(client.store.get_metric_history(run.info.run_id, "m")) == 1
        autotrack.log_metric("m", 2.0, 2, False, 1234)  # MLflow's positional order
        autotrack.log_metrics({"a": 1.0, "b": 2.0}, step=3, synchronous=True)
        assert len(client.store.get_metric_history(run.info.run_id, "b")) == 1
        autotrack.log_param("p", 1, synchronous=True)
        autotrack.log_params({"q": 2}, synchronous=False)
        autotrack.set_tag("t", "x", synchronous=None)
        autotrack.set_tags({"u": "y"}, synchronous=True)
        with pytest.raises(InvalidInput, match="pass timestamp= by keyword"):
            autotrack.log_metric("m", 3.0, 3, 1_700_000_000_000)  # autotrack's old positional timestamp
    history = client.get_metric_history(run.info.run_id, "m")
    assert [(m.step, m.value) for m in history] == [(1, 1.0), (2, 2.0)] and history[1].timestamp == 1234
    data = client.get_run(run.info.run_id).data
    assert data.params == {"p": "1", "q": "2"} and data.tags["t"] == "x" and data.tags["u"] == "y"


def test_fluent_log_metric_to_an_explicit_run_id(client):
    other = client.create_run("0")
    with autotrack.start_run() as run:
        autotrack.log_metric("m", 1.0, run_id=other.info.run_id)
        autotrack.log_metrics({"n": 2.0}, run_id=other.info.run_id)
    assert client.get_run(other.info.run_id).data.metrics == {"m": 1.0, "n": 2.0}
    assert client.get_run(run.info.run_id).data.metrics == {}


def test_batch_metrics_are_checked_like_single_ones(client):
    run = client.create_run("0")
    with pytest.raises(InvalidInput, match="step"):
        client.log_batch(run.info.run_id, metrics=[Metric("m", 1.0, 0, 2**63)])
    with pytest.raises(InvalidInput, match="timestamp"):
        client.log_batch(run.info.run_id, metrics=[Metric("m", 1.0, -1, 0)])
    with pytest.raises(InvalidInput, match="log_params takes a dict"):
        autotrack.log_params([("a", 1)])
