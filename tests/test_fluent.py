"""The fluent API: MLflow's names and meanings over the active run."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import time

import pytest

import autotrack
from autotrack.entities import RunStatus
from autotrack.exceptions import InvalidInput, NotFound


def test_start_run_context_manager_finishes_the_run():
    with autotrack.start_run(run_name="fit") as run:
        assert autotrack.active_run().info.run_id == run.info.run_id
        autotrack.log_param("alpha", 0.5)
        autotrack.log_metric("loss", 0.25, step=3)
        autotrack.set_tag("team", "ml")
    assert autotrack.active_run() is None
    recorded = autotrack.get_run(run.info.run_id)
    assert recorded.info.status == RunStatus.FINISHED
    assert recorded.info.end_time >= recorded.info.start_time
    assert recorded.info.run_name == "fit"
    assert recorded.data.params == {"alpha": "0.5"}
    assert recorded.data.metrics == {"loss": 0.25}
    assert recorded.data.tags["team"] == "ml"


def test_exception_inside_with_marks_failed_and_propagates():
    with pytest.raises(ZeroDivisionError):
        with autotrack.start_run() as run:
            1 / 0
    assert autotrack.get_run(run.info.run_id).info.status == RunStatus.FAILED


def test_keyboard_interrupt_marks_killed():
    with pytest.raises(KeyboardInterrupt):
        with autotrack.start_run() as run:
            raise KeyboardInterrupt
    assert autotrack.get_run(run.info.run_id).info.status == RunStatus.KILLED


def test_nested_runs_record_their_parent():
    with autotrack.start_run() as parent:
        with pytest.raises(InvalidInput, match="already active"):
            autotrack.start_run()
        with autotrack.start_run(nested=True) as child:
            assert autotrack.active_run().info.run_id == child.info.run_id
        assert autotrack.active_run().info.run_id == parent.info.run_id
    child_run = autotrack.get_run(child.info.run_id)
    assert child_run.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert autotrack.Client().get_parent_run(child.info.run_id).info.run_id == parent.info.run_id


def test_end_run_with_status_and_last_active_run():
    autotrack.start_run(run_name="manual")
    autotrack.log_metric("acc", 0.9)
    autotrack.end_run(RunStatus.KILLED)
    last = autotrack.last_active_run()
    assert last.info.run_name == "manual"
    assert last.info.status == RunStatus.KILLED
    assert last.data.metrics == {"acc": 0.9}


def test_logging_without_a_run_starts_one():
    autotrack.log_metric("x", 1.0)
    run = autotrack.active_run()
    assert run is not None
    autotrack.end_run()
    assert autotrack.get_run(run.info.run_id).data.metrics == {"x": 1.0}


def test_params_immutable_through_fluent():
    with autotrack.start_run():
        autotrack.log_params({"lr": 0.1, "depth": 3})
        autotrack.log_param("lr", 0.1)
        with pytest.raises(InvalidInput, match="immutable"):
            autotrack.log_param("lr", 0.2)


@pytest.mark.parametrize("bad", ["0.5", None, [1, 2], object()])
def test_bad_metric_values_are_clear_errors(bad):
    with autotrack.start_run() as run:
        autotrack.log_metric("ok", 1.0)
        with pytest.raises(InvalidInput, match="Metric 'm'"):
            autotrack.log_metric("m", bad)
    assert autotrack.get_run(run.info.run_id).data.metrics == {"ok": 1.0}


def test_numpy_and_torch_scalars_are_metrics():
    import numpy as np
    import torch

    with autotrack.start_run() as run:
        autotrack.log_metric("np", np.float32(0.5), step=np.int64(2))
        autotrack.log_metric("torch", torch.tensor(1.5))
        autotrack.log_metric("nan", float("nan"))
    metrics = autotrack.get_run(run.info.run_id).data.metrics
    assert metrics["np"] == 0.5 and metrics["torch"] == 1.5 and math.isnan(metrics["nan"])


@pytest.mark.parametrize("key", ["", "../escape", "/abs", "a" * 251])
def test_bad_keys_are_refused(key):
    with autotrack.start_run():
        with pytest.raises(InvalidInput):
            autotrack.log_metric(key, 1.0)


def test_read_your_writes_metric_history():
    with autotrack.start_run() as run:
        for step in range(1000):
            autotrack.log_metric("loss", 1 / (step + 1), step=step)
        history = autotrack.Client().get_metric_history(run.info.run_id, "loss")
        assert len(history) == 1000
        assert autotrack.get_run(run.info.run_id).data.metrics["loss"] == pytest.approx(1 / 1000)
        found = autotrack.search_runs(filter_string="metrics.loss < 0.01", output_format="list")
        assert [r.info.run_id for r in found] == [run.info.run_id]


def test_metrics_are_flushed_in_the_background_within_a_second(tmp_path):
    with autotrack.start_run() as run:
        autotrack.log_metric("bg", 1.0)
        from autotrack.tracking_uri import store_for

        store, _ = store_for(autotrack.get_tracking_uri())
        deadline = time.time() + 5
        while not store.get_metric_history(run.info.run_id, "bg") and time.time() < deadline:
            time.sleep(0.05)
        assert len(store.get_metric_history(run.info.run_id, "bg")) == 1  # no explicit flush happened


def test_set_experiment_and_experiments_api():
    experiment = autotrack.set_experiment("/Users/me/churn")
    with autotrack.start_run() as run:
        pass
    assert run.info.experiment_id == experiment.experiment_id
    assert autotrack.get_experiment_by_name("/Users/me/churn").experiment_id == experiment.experiment_id
    assert autotrack.set_experiment("/Users/me/churn").experiment_id == experiment.experiment_id
    new_id = autotrack.create_experiment("other", tags={"k": "v"})
    assert autotrack.get_experiment(new_id).tags == {"k": "v"}
    assert {e.name for e in autotrack.search_experiments()} >= {"Default", "/Users/me/churn", "other"}
    autotrack.delete_experiment(new_id)
    with pytest.raises(InvalidInput, match="deleted"):
        autotrack.set_experiment("other")
    with pytest.raises(NotFound):
        autotrack.set_experiment(experiment_id="12345")


def test_search_runs_dataframe_has_mlflow_columns():
    autotrack.set_experiment("frame")
    for model, rmse in (("rf", 0.3), ("gbm", 0.2)):
        with autotrack.start_run():
            autotrack.log_param("model", model)
            autotrack.log_metric("rmse", rmse)
            autotrack.set_tag("team", "ml")
    frame = autotrack.search_runs(order_by=["metrics.rmse"])
    for column in ("run_id", "experiment_id", "status", "start_time", "end_time", "artifact_uri",
                   "metrics.rmse", "params.model", "tags.team", "tags.mlflow.runName"):
        assert column in frame.columns
    assert list(frame["params.model"]) == ["gbm", "rf"]
    assert list(frame["status"]) == ["FINISHED", "FINISHED"]
    assert str(frame["start_time"].dtype).startswith("datetime64")
    filtered = autotrack.search_runs(filter_string="params.model = 'rf'", output_format="list")
    assert [r.data.params["model"] for r in filtered] == ["rf"]
    by_name = autotrack.search_runs(experiment_names=["frame"], max_results=1)
    assert len(by_name) == 1


def test_delete_run_hides_it_from_search():
    with autotrack.start_run() as run:
        pass
    autotrack.delete_run(run.info.run_id)
    assert autotrack.search_runs(output_format="list") == []


def test_system_tags_and_description():
    with autotrack.start_run(description="why this run", tags={"custom": 1}) as run:
        pass
    tags = autotrack.get_run(run.info.run_id).data.tags
    assert tags["mlflow.note.content"] == "why this run"
    assert tags["custom"] == "1"
    assert tags["mlflow.user"]
    assert tags["mlflow.runName"] == run.info.run_name
    assert "mlflow.source.name" in tags


def test_git_commit_tag_from_a_script_in_a_repository(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    script = repo / "train.py"
    script.write_text("import autotrack\nwith autotrack.start_run() as run:\n    print(run.info.run_id)\n")
    subprocess.run([*git, "add", "train.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    uri = str(tmp_path / "store")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True,
                         env={**_env(), "AUTOTRACK_TRACKING_URI": uri}).stdout.strip()
    tags = autotrack.Client(uri).get_run(out).data.tags
    assert tags["mlflow.source.git.commit"] == commit
    assert tags["mlflow.source.name"] == str(script)


def _env():
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_")}


def test_autotrack_run_id_attaches_start_run_to_an_existing_run(tmp_path):
    uri = str(tmp_path / "store")
    client = autotrack.Client(uri)
    run = client.create_run("0", run_name="trial-7")
    script = textwrap.dedent(
        """
        import autotrack
        with autotrack.start_run() as run:
            autotrack.log_param("from_child", "yes")
            autotrack.log_metric("score", 0.75)
        print(run.info.run_id)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**_env(), "AUTOTRACK_TRACKING_URI": uri, "AUTOTRACK_RUN_ID": run.info.run_id})
    assert out.stdout.strip() == run.info.run_id
    attached = client.get_run(run.info.run_id)
    assert attached.info.run_name == "trial-7"
    assert attached.data.params == {"from_child": "yes"}
    assert attached.data.metrics == {"score": 0.75}
    assert attached.info.status == RunStatus.FINISHED
    assert len(client.search_runs("0")) == 1


def test_mlflow_style_script_runs_unchanged(tmp_path):
    script = textwrap.dedent(
        """
        import autotrack as mlflow
        from autotrack import MlflowClient

        mlflow.set_tracking_uri(uri="sqlite:///mlflow.db")
        mlflow.set_experiment("wine")
        with mlflow.start_run(run_name="elasticnet") as run:
            mlflow.log_param("alpha", 0.5)
            mlflow.log_param("l1_ratio", 0.1)
            mlflow.log_metric("rmse", 0.71)
            mlflow.log_metric("r2", 0.2)
            mlflow.set_tag("Training Info", "Basic LR model for iris data")
        client = MlflowClient()
        runs = client.search_runs([run.info.experiment_id], "metrics.rmse < 1", order_by=["metrics.r2 DESC"])
        print(runs[0].info.run_id == run.info.run_id, mlflow.last_active_run().data.params["alpha"])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env=_env())
    assert out.stdout.split() == ["True", "0.5"]
    assert (tmp_path / "mlflow.db").exists()


def test_unknown_tracking_uri_is_a_clear_error():
    autotrack.set_tracking_uri("s3://bucket/x")
    with pytest.raises(InvalidInput, match="Unknown tracking URI"):
        autotrack.start_run()
    autotrack.set_tracking_uri("http://127.0.0.1:9")  # no server listens there
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTOTRACK_HTTP_RETRY_SECONDS", "0.3")
        with pytest.raises(ConnectionError, match="Is `autotrack server` running there"):
            autotrack.start_run()
    autotrack.set_tracking_uri("sqlite://")
    with pytest.raises(InvalidInput, match="no database file"):
        autotrack.start_run()


def test_tracking_uri_forms(tmp_path):
    autotrack.set_tracking_uri(f"sqlite:///{tmp_path}/x/runs.db")
    with autotrack.start_run() as run:
        autotrack.log_text("hi", "a.txt")
    assert (tmp_path / "x" / "runs.db").exists()
    assert run.info.artifact_uri.startswith(str(tmp_path / "x" / "autotrack-artifacts"))
    autotrack.set_tracking_uri(f"file://{tmp_path}/folder")
    with autotrack.start_run():
        pass
    assert (tmp_path / "folder" / "autotrack.db").exists()


def test_postgresql_tracking_uri_end_to_end(postgres_uri):
    autotrack.set_tracking_uri(postgres_uri)
    autotrack.set_experiment("pg")
    with autotrack.start_run() as run:
        autotrack.log_param("p", 1)
        for step in range(100):
            autotrack.log_metric("m", step, step=step)
    recorded = autotrack.get_run(run.info.run_id)
    assert recorded.data.metrics == {"m": 99.0} and recorded.info.status == RunStatus.FINISHED
    assert len(autotrack.Client().get_metric_history(run.info.run_id, "m")) == 100


def test_set_terminated_refuses_a_non_final_status_and_keeps_the_metrics():
    client = autotrack.Client()
    run = client.create_run("0")
    client.log_metric(run.info.run_id, "m", 1.0)
    with pytest.raises(InvalidInput, match="A run ends as one of FINISHED, FAILED, KILLED, not 'DONE'"):
        client.set_terminated(run.info.run_id, "DONE")
    stored = client.get_run(run.info.run_id)
    assert stored.info.status == RunStatus.RUNNING and stored.data.metrics == {"m": 1.0}
    client.set_terminated(run.info.run_id)
