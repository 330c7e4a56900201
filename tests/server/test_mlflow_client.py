"""MLflow's own client (mlflow-skinny, a test-only dependency) against `autotrack server`."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

import autotrack

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mlflow") is None,
                                reason="needs mlflow-skinny (the dev extra installs it)")

SCRIPT = textwrap.dedent(
    """
    import json, sys, tempfile
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(sys.argv[1])
    mlflow.set_experiment("from-mlflow")
    with mlflow.start_run(run_name="mlflow-run") as run:
        mlflow.log_param("lr", 0.1)
        mlflow.log_params({"depth": 3, "model": "rf"})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9})
        mlflow.set_tag("team", "ml")
        mlflow.log_dict({"a": 1}, "config/params.json")
        mlflow.log_text("weights", "model/weights.txt")
    client = MlflowClient()
    run_id = run.info.run_id
    read = client.get_run(run_id)
    found = mlflow.search_runs(filter_string="metrics.acc > 0.5 and params.model = 'rf'", output_format="list")
    downloaded = client.download_artifacts(run_id, "config/params.json", tempfile.mkdtemp())
    client.create_registered_model("churn")
    version = client.create_model_version("churn", f"runs:/{run_id}/model", run_id=run_id)
    client.set_registered_model_alias("churn", "champion", version.version)
    client.transition_model_version_stage("churn", version.version, "Staging")  # deprecated, still used
    client.delete_tag(run_id, "team")
    print(json.dumps({
        "run_id": run_id,
        "status": read.info.status,
        "params": read.data.params,
        "metrics": read.data.metrics,
        "team": read.data.tags.get("team"),
        "history": [[m.step, m.value] for m in client.get_metric_history(run_id, "loss")],
        "artifacts": sorted(a.path for a in client.list_artifacts(run_id)),
        "model_files": sorted(a.path for a in client.list_artifacts(run_id, "model")),
        "config": json.load(open(downloaded)),
        "found": [r.info.run_id for r in found],
        "version": version.version,
        "alias": client.get_model_version_by_alias("churn", "champion").version,
        "staged": [(v.version, v.current_stage) for v in client.get_latest_versions("churn", ["Staging"])],
        "models": [m.name for m in client.search_registered_models()],
        "missing": mlflow.get_experiment_by_name("no-such-experiment"),
    }))
    """
)


def test_mlflow_client_logs_reads_searches_and_registers(server_process, tmp_path, monkeypatch):
    env = {**os.environ, "MLFLOW_TRACKING_URI": server_process.url, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, server_process.url], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    run_id = seen["run_id"]
    assert seen["status"] == "FINISHED"
    assert seen["params"] == {"lr": "0.1", "depth": "3", "model": "rf"}
    assert seen["metrics"] == {"loss": 0.2, "acc": 0.9} and seen["team"] == "ml"
    assert seen["history"] == [[s, 1.0 / (s + 1)] for s in range(5)]
    assert seen["artifacts"] == ["config", "model"] and seen["model_files"] == ["model/weights.txt"]
    assert seen["config"] == {"a": 1} and seen["found"] == [run_id]
    assert (seen["version"], seen["alias"], seen["models"]) == ("1", "1", ["churn"])
    assert seen["staged"] == [["1", "Staging"]]
    assert seen["missing"] is None

    # autotrack's own client reads the same run and model through the same endpoints.
    client = autotrack.Client(server_process.url)
    run = client.get_run(run_id)
    assert run.data.params["model"] == "rf" and "team" not in run.data.tags
    assert client.get_experiment(run.info.experiment_id).name == "from-mlflow"
    assert client.get_model_version_by_alias("churn", "champion").run_id == run_id
    assert client.download_artifacts(run_id, "model/weights.txt", str(tmp_path))
    assert (tmp_path / "weights.txt").read_text() == "weights"
