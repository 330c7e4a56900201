"""`/api/autotrack/ui/mlmodel`: a logged model's flavors and signature as rows for the run page."""

from __future__ import annotations

import httpx
import pandas as pd
from sklearn.linear_model import LogisticRegression

import autotrack

MLMODEL = "/api/autotrack/ui/mlmodel"


def test_mlmodel_answers_flavors_and_signature_rows(thread_server):
    autotrack.set_tracking_uri(thread_server.url)
    X = pd.DataFrame({"age": [30.0, 41.0, 52.0, 23.0], "city": ["a", "b", "a", "c"]})
    y = [0, 1, 1, 0]
    with autotrack.start_run() as run:
        model = LogisticRegression().fit(X[["age"]], y)
        signature = autotrack.models.infer_signature(X, model.predict(X[["age"]]))
        autotrack.sklearn.log_model(model, "model", signature=signature)
    answer = httpx.get(thread_server.url + MLMODEL, params={"run_id": run.info.run_id, "path": "model"})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["flavors"] == ["python_function", "sklearn"]
    assert found["run_id"] == run.info.run_id and found["has_signature"]
    assert found["inputs"] == [{"name": "age", "type": "double"}, {"name": "city", "type": "string"}]
    assert found["outputs"] == [{"name": "[0]", "type": "tensor int64 [-1]"}]


def test_mlmodel_of_a_folder_without_one_says_so(thread_server):
    autotrack.set_tracking_uri(thread_server.url)
    with autotrack.start_run() as run:
        autotrack.log_text("hello", "notes/readme.txt")
    plain = httpx.get(thread_server.url + MLMODEL, params={"run_id": run.info.run_id, "path": "notes"})
    assert plain.status_code == 404 and plain.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert "No MLmodel file" in plain.json()["message"]
    escape = httpx.get(thread_server.url + MLMODEL, params={"run_id": run.info.run_id, "path": "../../.."})
    assert escape.status_code == 400 and "inside the run's folder" in escape.json()["message"]
    unknown = httpx.get(thread_server.url + MLMODEL, params={"run_id": "no-such-run", "path": "model"})
    assert unknown.status_code == 404
