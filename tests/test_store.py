"""Store conformance suite: runs against SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import math
import time

import pytest

from autotrack.entities import LifecycleStage, Metric, Param, RunStatus, RunTag, ViewType
from autotrack.exceptions import InvalidInput, NotFound
from autotrack.store.filter import InvalidFilter


def now() -> int:
    return int(time.time() * 1000)


def new_run(store, experiment_id="0", name="run", tags=(), start=None, deadline=None):
    return store.create_run(experiment_id, name, "tester", start or now(), list(tags), heartbeat_deadline=deadline)


def test_default_experiment_exists(store):
    default = store.get_experiment("0")
    assert default.name == "Default"
    assert default.lifecycle_stage == LifecycleStage.ACTIVE


def test_create_and_get_experiment(store):
    experiment_id = store.create_experiment("churn", tags={"team": "ml"})
    experiment = store.get_experiment(experiment_id)
    assert experiment.name == "churn"
    assert experiment.tags == {"team": "ml"}
    assert experiment.artifact_location.endswith(f"/{experiment_id}")
    assert store.get_experiment_by_name("churn") == experiment
    assert store.get_experiment_by_name("missing") is None


def test_duplicate_experiment_name_is_a_clear_error(store):
    store.create_experiment("dup")
    with pytest.raises(InvalidInput, match="already exists"):
        store.create_experiment("dup")


def test_get_or_create_experiment_is_idempotent(store):
    first = store.get_or_create_experiment("shared")
    second = store.get_or_create_experiment("shared")
    assert first.experiment_id == second.experiment_id


def test_unknown_experiment(store):
    with pytest.raises(NotFound):
        store.get_experiment("999")
    with pytest.raises(NotFound):
        store.get_experiment("not-a-number")


def test_delete_restore_rename_experiment(store):
    experiment_id = store.create_experiment("old")
    store.update_experiment(experiment_id, lifecycle_stage=LifecycleStage.DELETED)
    assert [e.name for e in store.search_experiments(ViewType.DELETED_ONLY)] == ["old"]
    assert "old" not in [e.name for e in store.search_experiments()]
    with pytest.raises(InvalidInput, match="deleted"):
        new_run(store, experiment_id)
    store.update_experiment(experiment_id, lifecycle_stage=LifecycleStage.ACTIVE, name="new")
    assert store.get_experiment(experiment_id).name == "new"


def test_search_experiments_filter(store):
    store.create_experiment("fraud-a", tags={"team": "risk"})
    store.create_experiment("fraud-b")
    store.create_experiment("churn")
    assert [e.name for e in store.search_experiments(filter_string="name LIKE 'fraud%'")] == ["fraud-a", "fraud-b"]
    assert [e.name for e in store.search_experiments(filter_string="tags.team = 'risk'")] == ["fraud-a"]


def test_create_run_and_read_back(store):
    run = new_run(store, name="first", tags=[RunTag("k", "v")])
    read = store.get_run(run.info.run_id)
    assert read.info == run.info
    assert read.info.status == RunStatus.RUNNING
    assert read.data.tags == {"k": "v", "mlflow.runName": "first"}
    assert read.info.artifact_uri.endswith(f"{run.info.run_id}/artifacts")


def test_custom_artifact_location(store, tmp_path):
    experiment_id = store.create_experiment("custom", artifact_location=str(tmp_path / "elsewhere"))
    run = new_run(store, experiment_id)
    assert run.info.artifact_uri == f"{tmp_path}/elsewhere/{run.info.run_id}/artifacts"
    assert store.get_run(run.info.run_id).info.artifact_uri == run.info.artifact_uri


def test_unknown_run(store):
    with pytest.raises(NotFound):
        store.get_run("0" * 32)
    with pytest.raises(NotFound):
        store.log_batch("0" * 32, params=[Param("a", "1")])


def test_params_are_immutable(store):
    run_id = new_run(store).info.run_id
    store.log_batch(run_id, params=[Param("lr", "0.1")])
    store.log_batch(run_id, params=[Param("lr", "0.1")])  # same value: fine
    with pytest.raises(InvalidInput, match="already logged with value '0.1'"):
        store.log_batch(run_id, params=[Param("lr", "0.2")])
    assert store.get_run(run_id).data.params == {"lr": "0.1"}


def test_failed_batch_writes_nothing(store):
    run_id = new_run(store).info.run_id
    store.log_batch(run_id, params=[Param("lr", "0.1")])
    with pytest.raises(InvalidInput):
        store.log_batch(
            run_id,
            metrics=[Metric("loss", 1.0, now(), 0)],
            params=[Param("depth", "3"), Param("lr", "0.5")],
            tags=[RunTag("t", "x")],
        )
    data = store.get_run(run_id).data
    assert data.params == {"lr": "0.1"}
    assert "loss" not in data.metrics and "t" not in data.tags
    assert store.get_metric_history(run_id, "loss") == []


def test_latest_metric_is_highest_step_then_latest_timestamp(store):
    run_id = new_run(store).info.run_id
    store.log_batch(run_id, metrics=[Metric("m", 5.0, 1000, 5), Metric("m", 1.0, 9000, 2)])
    assert store.get_run(run_id).data.metrics["m"] == 5.0  # step 5 wins over a later step 2
    store.log_metrics([(run_id, "m", 7.0, 2000, 5)])
    assert store.get_run(run_id).data.metrics["m"] == 7.0  # same step, later timestamp
    store.log_metrics([(run_id, "m", 9.0, 500, 5)])
    assert store.get_run(run_id).data.metrics["m"] == 7.0  # same step, older timestamp
    history = store.get_metric_history(run_id, "m")
    assert [(m.step, m.value) for m in history] == [(2, 1.0), (5, 9.0), (5, 5.0), (5, 7.0)]


def test_metric_history_keeps_every_value_nan_and_infinity(store):
    run_id = new_run(store).info.run_id
    entries = [(run_id, "loss", float(i), 1000 + i, i) for i in range(2500)]
    entries += [(run_id, "weird", float("nan"), 1, 0), (run_id, "weird", float("inf"), 2, 1)]
    store.log_metrics(entries)
    history = store.get_metric_history(run_id, "loss")
    assert [m.step for m in history] == list(range(2500))
    assert all(isinstance(m, Metric) for m in history)
    weird = store.get_metric_history(run_id, "weird")
    assert math.isnan(weird[0].value) and weird[1].value == float("inf")
    assert store.get_run(run_id).data.metrics["weird"] == float("inf")


def test_nan_latest_value_reads_back_as_nan(store):
    run_id = new_run(store).info.run_id
    store.log_metrics([(run_id, "loss", float("nan"), 1, 0)])
    assert math.isnan(store.get_run(run_id).data.metrics["loss"])


def test_tags_upsert_and_delete(store):
    run_id = new_run(store).info.run_id
    store.log_batch(run_id, tags=[RunTag("stage", "a")])
    store.log_batch(run_id, tags=[RunTag("stage", "b")])
    assert store.get_run(run_id).data.tags["stage"] == "b"
    store.delete_tag(run_id, "stage")
    assert "stage" not in store.get_run(run_id).data.tags
    with pytest.raises(NotFound):
        store.delete_tag(run_id, "stage")


def test_run_name_tag_renames_the_run(store):
    run_id = new_run(store, name="before").info.run_id
    store.log_batch(run_id, tags=[RunTag("mlflow.runName", "after")])
    assert store.get_run(run_id).info.run_name == "after"
    store.update_run(run_id, run_name="again")
    run = store.get_run(run_id)
    assert run.info.run_name == "again" and run.data.tags["mlflow.runName"] == "again"


def test_terminate_and_statuses(store):
    run_id = new_run(store).info.run_id
    store.update_run(run_id, status=RunStatus.FAILED, end_time=12345)
    run = store.get_run(run_id)
    assert (run.info.status, run.info.end_time) == (RunStatus.FAILED, 12345)
    with pytest.raises(InvalidInput, match="Unknown run status"):
        store.update_run(run_id, status="DONE")


def test_stale_heartbeat_reads_as_killed(store):
    alive = new_run(store, deadline=now() + 60_000).info.run_id
    dead = new_run(store, deadline=now() - 1).info.run_id
    assert store.get_run(alive).info.status == RunStatus.RUNNING
    assert store.get_run(dead).info.status == RunStatus.KILLED
    killed, _ = store.search_runs(["0"], "attributes.status = 'KILLED'")
    assert [r.info.run_id for r in killed] == [dead]
    store.heartbeat([dead], now() + 60_000)  # the process came back
    assert store.get_run(dead).info.status == RunStatus.RUNNING
    store.update_run(dead, status=RunStatus.FINISHED, end_time=now())
    assert store.get_run(dead).info.status == RunStatus.FINISHED


def test_delete_and_restore_run(store):
    run_id = new_run(store).info.run_id
    store.update_run(run_id, lifecycle_stage=LifecycleStage.DELETED)
    assert store.search_runs(["0"])[0] == []
    assert [r.info.run_id for r in store.search_runs(["0"], view_type=ViewType.DELETED_ONLY)[0]] == [run_id]
    with pytest.raises(InvalidInput, match="deleted"):
        store.log_batch(run_id, params=[Param("a", "1")])
    store.update_run(run_id, lifecycle_stage=LifecycleStage.ACTIVE)
    assert len(store.search_runs(["0"])[0]) == 1


@pytest.fixture
def populated(store):
    """Six runs with metrics, params and tags that the search tests query."""
    runs = {}
    for i, (model, rmse, team) in enumerate(
        [("rf", 0.5, "a"), ("rf", 0.3, "b"), ("gbm", 0.2, "a"), ("gbm", 0.9, None), ("lin", None, "b"), ("Rf", 0.1, "a")]
    ):
        run_id = new_run(store, name=f"run-{i}", start=1000 + i).info.run_id
        tags = [RunTag("team", team)] if team else []
        metrics = [Metric("rmse", rmse, 1, 0)] if rmse is not None else []
        store.log_batch(run_id, metrics=metrics + [Metric("val.loss", i, 1, 0)],
                        params=[Param("model", model), Param("depth", str(i))], tags=tags)
        runs[f"run-{i}"] = run_id
    store.update_run(runs["run-0"], status=RunStatus.FINISHED, end_time=2000)
    return store, runs


def names(result):
    return [run.info.run_name for run in result[0]]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("metrics.rmse < 0.4", {"run-1", "run-2", "run-5"}),
        ("metrics.rmse >= 0.5 and params.model = 'gbm'", {"run-3"}),
        ("params.model LIKE 'r%'", {"run-0", "run-1"}),
        ("params.model ILIKE 'r%'", {"run-0", "run-1", "run-5"}),
        ("params.model IN ('lin', 'gbm')", {"run-2", "run-3", "run-4"}),
        ("params.model NOT IN ('lin', 'gbm')", {"run-0", "run-1", "run-5"}),
        ("tags.team != 'a'", {"run-1", "run-4"}),
        ("tags.team IS NULL", {"run-3"}),
        ("attributes.status = 'FINISHED'", {"run-0"}),
        ("status != 'FINISHED'", {"run-1", "run-2", "run-3", "run-4", "run-5"}),
        ("attributes.run_name = 'run-4'", {"run-4"}),
        ("attributes.start_time > 1003", {"run-4", "run-5"}),
        ("metrics.`val.loss` = 2", {"run-2"}),
        ("metrics.val.loss <= 1", {"run-0", "run-1"}),
        ("", {"run-0", "run-1", "run-2", "run-3", "run-4", "run-5"}),
    ],
)
def test_search_filters(populated, filter_string, expected):
    store, _ = populated
    assert set(names(store.search_runs(["0"], filter_string))) == expected


def test_search_order_by_metric_puts_missing_last(populated):
    store, _ = populated
    assert names(store.search_runs(["0"], order_by=["metrics.rmse ASC"])) == [
        "run-5", "run-2", "run-1", "run-0", "run-3", "run-4"
    ]
    assert names(store.search_runs(["0"], order_by=["metrics.rmse DESC"])) == [
        "run-3", "run-0", "run-1", "run-2", "run-5", "run-4"
    ]


def test_search_order_by_several_keys_and_default(populated):
    store, _ = populated
    assert names(store.search_runs(["0"]))[0] == "run-5"  # newest first by default
    assert names(store.search_runs(["0"], order_by=["params.model", "attributes.start_time DESC"])) == [
        "run-5", "run-3", "run-2", "run-4", "run-1", "run-0"
    ]


def test_search_pagination(populated):
    store, _ = populated
    first, token = store.search_runs(["0"], max_results=4, order_by=["metrics.`val.loss`"])
    second, last = store.search_runs(["0"], max_results=4, order_by=["metrics.`val.loss`"], page_token=token)
    assert [r.info.run_name for r in first + second] == [f"run-{i}" for i in range(6)]
    assert last is None
    with pytest.raises(InvalidInput, match="page_token"):
        store.search_runs(["0"], page_token="garbage")


def test_search_returns_full_run_data(populated):
    store, runs = populated
    [run], _ = store.search_runs(["0"], "params.depth = '2'")
    assert run.data.params == {"model": "gbm", "depth": "2"}
    assert run.data.metrics == {"rmse": 0.2, "val.loss": 2.0}
    assert run.data.tags["team"] == "a"


def test_malformed_filter_is_an_error_naming_the_position(populated):
    store, _ = populated
    with pytest.raises(InvalidFilter, match="position 13"):
        store.search_runs(["0"], "metrics.rmse ~ 1")


def test_search_across_experiments(store):
    a = store.create_experiment("a")
    b = store.create_experiment("b")
    new_run(store, a, name="in-a")
    new_run(store, b, name="in-b")
    assert names(store.search_runs([a])) == ["in-a"]
    assert set(names(store.search_runs([a, b]))) == {"in-a", "in-b"}


def test_order_by_metric_pages_through_numbers_nan_and_missing(store):
    """Numbers in order, then NaN, then runs without the metric; pages may cross between them."""
    names_by_value = {}
    for i, value in enumerate([3.0, float("nan"), None, 1.0, 2.0, None, float("nan"), 0.5]):
        run_id = new_run(store, name=f"r{i}", start=100 + i).info.run_id
        if value is not None:
            store.log_metrics([(run_id, "score", value, 1, 0)])
        names_by_value[f"r{i}"] = value
    expected = ["r7", "r3", "r4", "r0", "r6", "r1", "r5", "r2"]  # ties broken by newest first
    assert names(store.search_runs(["0"], order_by=["metrics.score"])) == expected
    for size in (1, 2, 3, 5):
        collected, token = [], None
        while True:
            page, token = store.search_runs(["0"], max_results=size, order_by=["metrics.score"], page_token=token)
            collected += [r.info.run_name for r in page]
            if token is None:
                break
        assert collected == expected, size
    descending = names(store.search_runs(["0"], order_by=["metrics.score DESC", "params.none"]))
    assert descending == ["r0", "r4", "r3", "r7", "r6", "r1", "r5", "r2"]
    filtered = names(store.search_runs(["0"], "attributes.start_time > 103", order_by=["metrics.score"]))
    assert filtered == ["r7", "r4", "r6", "r5"]


def test_dataset_inputs_are_stored_with_the_run(store):
    """`log_input` (issue 12 item 5): a dataset per experiment and (name, digest), linked to each run that used it
    with its own tags; the same dataset logged again by a run keeps its first tags, as in MLflow."""
    from autotrack.entities import Dataset, DatasetInput, InputTag

    train = Dataset("train", "0a1b2c3d", "local", '{"uri": "train.csv"}', '{"mlflow_colspec": []}',
                    '{"num_rows": 3}')
    test = Dataset("test", "9f8e7d6c", "http", '{"url": "https://example.org/test.csv"}')
    first, second = new_run(store, name="a").info.run_id, new_run(store, name="b").info.run_id
    store.log_inputs(first, [DatasetInput(train, (InputTag("mlflow.data.context", "training"),)),
                             DatasetInput(test, (InputTag("mlflow.data.context", "eval"), InputTag("k", "v")))])
    store.log_inputs(first, [DatasetInput(train, (InputTag("mlflow.data.context", "other"),))])
    store.log_inputs(second, [DatasetInput(train, ())])
    inputs = store.get_run(first).inputs.dataset_inputs
    assert [i.dataset for i in inputs] == [test, train]
    assert [[(t.key, t.value) for t in i.tags] for i in inputs] == [
        [("mlflow.data.context", "eval"), ("k", "v")], [("mlflow.data.context", "training")]]
    assert [(i.dataset, i.tags) for i in store.get_run(second).inputs.dataset_inputs] == [(train, ())]
    assert new_run(store, name="c").inputs.dataset_inputs == ()
    with pytest.raises(NotFound):
        store.log_inputs("0" * 32, [DatasetInput(train, ())])
    with pytest.raises(InvalidInput, match="digest"):
        store.log_inputs(first, [DatasetInput(Dataset("x", "", "local", "{}"), ())])


def test_the_latest_value_within_one_batch_is_the_highest_step_then_timestamp_then_last_logged():
    """`_latest_index` (max step found and counted at C speed) against the rule spelled out with max(zip(...))."""
    import random

    from autotrack.store.sql import _latest_index

    draw = random.Random(7)
    for size in [1, 2, 3, 10, 1000] * 40:
        steps = [draw.randint(0, 4) for _ in range(size)]
        timestamps = [draw.randint(0, 3) for _ in range(size)]
        expected = max(zip(steps, timestamps, range(size)))[2]
        assert _latest_index(steps, timestamps) == expected, (steps, timestamps)
        assert _latest_index(tuple(steps), tuple(timestamps)) == expected
