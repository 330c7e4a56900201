"""The runs table's own endpoints (`/api/autotrack/ui/...`) over a real server: experiment summaries,
column keys, columnar pages with sweep trials folded under their parent, sorting, paging, filter errors."""

from __future__ import annotations

import httpx
import pytest

from autotrack.entities import Metric, Param, RunTag


@pytest.fixture
def filled(tmp_path):
    """A server over a store with a sweep (parent + 4 trials: 2 finished, 1 failed, 1 pruned), three
    plain runs with a metric `m` and a param `lr`, and an empty experiment."""
    from autotrack.store.sql import SqlStore
    from live_server import ThreadServer

    store = SqlStore(f"sqlite:///{tmp_path / 'ui.db'}", str(tmp_path / "artifacts"))
    experiment = store.create_experiment("tabled")
    empty = store.create_experiment("empty")
    made = {"experiment": experiment, "empty": empty, "plain": [], "trials": []}
    for index, (m, lr) in enumerate([(0.5, "0.1"), (0.2, "0.01"), (0.9, "0.1")]):
        run = store.create_run(experiment, f"plain-{index}", "me", 1000 + index, [RunTag("mlflow.runName", f"plain-{index}")])
        store.log_batch(run.info.run_id, [Metric("m", m, 1, 0)], [Param("lr", lr), Param("fixed", "same")])
        store.update_run(run.info.run_id, status="FINISHED", end_time=2000 + index)
        made["plain"].append(run.info.run_id)
    parent = store.create_run(experiment, "sweep", "me", 900, [RunTag("autotrack.sweep", "parent")]).info.run_id
    for index, (status, pruned) in enumerate([("FINISHED", False), ("FINISHED", False), ("FAILED", False),
                                              ("FINISHED", True)]):
        tags = [RunTag("mlflow.parentRunId", parent), RunTag("autotrack.sweep", str(index))]
        if pruned:
            tags.append(RunTag("autotrack.trial.state", "PRUNED"))
        trial = store.create_run(experiment, f"trial-{index}", "me", 950 + index, tags).info.run_id
        store.log_batch(trial, [Metric("m", index / 10, 1, 0)])
        store.update_run(trial, status=status, end_time=1900)
        made["trials"].append(trial)
    store.log_batch(parent, tags=[RunTag("autotrack.sweep.bestRunId", made["trials"][1])])
    made["parent"] = parent
    server = ThreadServer(store, str(tmp_path / "artifacts"))
    made["url"] = server.url + "/api/autotrack/ui"
    yield made
    server.stop()
    store._engine.dispose()


def test_experiments_have_run_counts_and_last_activity(filled):
    listed = {e["name"]: e for e in httpx.get(filled["url"] + "/experiments").json()["experiments"]}
    assert listed["tabled"]["runs"] == 8
    assert listed["tabled"]["last_activity"] >= 2002
    assert listed["empty"]["runs"] == 0
    assert listed["empty"]["experiment_id"] == filled["empty"]


def test_keys_say_which_vary(filled):
    found = httpx.get(filled["url"] + "/runs/keys", params={"experiment_ids": filled["experiment"]}).json()
    params = {p["key"]: p for p in found["params"]}
    assert params["lr"]["values"] == 2 and params["fixed"]["values"] == 1
    assert [m["key"] for m in found["metrics"]] == ["m"]
    assert "mlflow.parentRunId" in {t["key"] for t in found["tags"]}


def test_top_level_page_folds_trials_with_counts_and_best(filled):
    page = httpx.post(filled["url"] + "/runs/table", json={
        "experiment_ids": [filled["experiment"]], "top_level": True, "columns": ["metrics.m", "params.lr"],
    }).json()
    runs = page["runs"]
    assert set(runs["run_id"]) == {*filled["plain"], filled["parent"]}
    at = runs["run_id"].index(filled["parent"])
    assert runs["sweep"][at] is True and runs["best_run_id"][at] == filled["trials"][1]
    assert page["children"] == {filled["parent"]: {"FINISHED": 2, "FAILED": 1, "PRUNED": 1}}
    assert page["columns"]["params.lr"][runs["run_id"].index(filled["plain"][1])] == "0.01"
    assert page["columns"]["metrics.m"][at] is None
    assert page["next_offset"] is None

    children = httpx.post(filled["url"] + "/runs/table", json={
        "experiment_ids": [filled["experiment"]], "parent_run_id": filled["parent"], "order_by": ["metrics.m DESC"],
    }).json()["runs"]
    assert children["run_id"] == filled["trials"][::-1]
    assert children["status"] == ["PRUNED", "FAILED", "FINISHED", "FINISHED"]


def test_sorts_pages_and_filters_on_the_server(filled):
    def page(**fields):
        return httpx.post(filled["url"] + "/runs/table", json={"experiment_ids": [filled["experiment"]], **fields}).json()

    first = page(order_by=["metrics.m ASC"], columns="metrics.m", max_results=3)
    assert first["columns"]["metrics.m"] == [0.0, 0.1, 0.2]
    assert first["next_offset"] == 3
    rest = page(order_by=["metrics.m ASC"], columns="metrics.m", max_results=100, offset=3)
    assert rest["columns"]["metrics.m"][:4] == [0.2, 0.3, 0.5, 0.9]  # the parent, without m, comes last
    assert rest["columns"]["metrics.m"][-1] is None
    filtered = page(filter="params.lr = '0.1' and metrics.m > 0.6")
    assert filtered["runs"]["run_id"] == [filled["plain"][2]]


def test_malformed_filter_names_its_position(filled):
    answer = httpx.post(filled["url"] + "/runs/table", json={
        "experiment_ids": [filled["experiment"]], "filter": "metrics.m > 1 and params.lr ~ 'x'", "top_level": True})
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert "position 28" in message and "mlflow.parentRunId" not in message
    assert httpx.get(filled["url"] + "/runs/table").status_code == 400  # experiment_ids is required


def test_sorts_by_params_and_attributes_too(filled):
    def order(order_by):
        return httpx.post(filled["url"] + "/runs/table", json={
            "experiment_ids": [filled["experiment"]], "top_level": True, "order_by": [order_by],
            "columns": ["params.lr"]}).json()

    by_lr = order("params.lr DESC")
    assert by_lr["columns"]["params.lr"] == ["0.1", "0.1", "0.01", None]  # the sweep parent has no lr: last
    by_name = order("attributes.run_name ASC")["runs"]["run_name"]
    assert by_name == sorted(by_name)
    assert httpx.post(filled["url"] + "/runs/table", json={
        "experiment_ids": [filled["experiment"]], "order_by": ["metrics.m SIDEWAYS"]}).status_code == 400


def test_experiments_can_be_limited_to_some_ids(filled):
    answer = httpx.get(filled["url"] + "/experiments", params={"experiment_ids": filled["empty"]}).json()
    assert [e["name"] for e in answer["experiments"]] == ["empty"]
