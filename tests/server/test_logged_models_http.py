"""MLflow 3's logged models and datasets (issue 12 item 5) through `autotrack server` (the HttpStore against a live server)."""

from __future__ import annotations


def test_logged_models_over_the_server(thread_server, tmp_path, monkeypatch):
    """Through `autotrack server`: log_model records a logged model, models:/<model_id> loads from the server,
    metrics and search go through autotrack's own routes."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    import autotrack

    monkeypatch.chdir(tmp_path)
    autotrack.set_tracking_uri(thread_server.url)
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    with autotrack.start_run() as run:
        autotrack.log_input(autotrack.data.from_numpy(X, targets=y, source="train.npy"), context="training")
        info = autotrack.sklearn.log_model(LogisticRegression().fit(X, y), name="clf", params={"C": 1.0})
        autotrack.log_metrics({"acc": 0.75}, model_id=info.model_id)
    assert info.model_id.startswith("m-")
    [used] = autotrack.get_run(run.info.run_id).inputs.dataset_inputs
    assert used.dataset.source_type == "local" and [(t.key, t.value) for t in used.tags] == [
        ("mlflow.data.context", "training")]
    found = autotrack.get_logged_model(info.model_id)
    assert found.params == {"C": "1.0"} and found.source_run_id == run.info.run_id
    assert [(m.key, m.value) for m in found.metrics] == [("acc", 0.75)]
    assert found.artifact_location.startswith(thread_server.url) and found.artifact_location.endswith("/clf")
    [searched] = autotrack.search_logged_models(filter_string="metrics.acc > 0.5", output_format="list")
    assert searched.model_id == info.model_id
    np.testing.assert_array_equal(autotrack.pyfunc.load_model(f"models:/{info.model_id}").predict(X),
                                  LogisticRegression().fit(X, y).predict(X))
