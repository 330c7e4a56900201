"""`autotrack models serve` over real HTTP, and `autotrack models list/show/predict`."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys

import httpx
import numpy as np
import pandas as pd
import pytest
from live_server import ScoringServer, free_port
from click.testing import CliRunner
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import autotrack
from autotrack.cli import cli

AUTOTRACK = os.path.join(os.path.dirname(sys.executable), "autotrack")
COLUMNS = ["a", "b", "c", "n"]


@pytest.fixture(scope="module")
def frame_model(tmp_path_factory):
    X, y = make_classification(n_samples=150, n_features=3, n_informative=3, n_redundant=0, random_state=0)
    frame = pd.DataFrame(X, columns=COLUMNS[:3])
    frame["n"] = np.arange(len(frame), dtype=np.int32) % 3
    model = LogisticRegression().fit(frame, y)
    folder = tmp_path_factory.mktemp("served") / "model"
    autotrack.sklearn.save_model(model, folder, input_example=frame.head(3))
    return model, frame, str(folder)


@pytest.fixture(scope="module")
def server(frame_model):
    running = ScoringServer(frame_model[2])
    yield running
    running.stop()


def test_every_payload_format_answers_the_models_predictions(server, frame_model):
    model, frame, _ = frame_model
    rows = frame.head(7)
    expected = model.predict(rows).tolist()
    payloads = [
        ({"dataframe_split": json.loads(rows.to_json(orient="split", index=False))}, "application/json"),
        ({"dataframe_split": {"columns": COLUMNS[::-1], "data": rows[COLUMNS[::-1]].values.tolist()}}, "application/json"),
        ({"dataframe_records": rows.to_dict(orient="records")}, "application/json"),
        ({"instances": rows.to_dict(orient="records")}, "application/json"),
        ({"inputs": {c: rows[c].tolist() for c in COLUMNS}}, "application/json"),
        (rows.to_csv(index=False), "text/csv"),
        (rows.assign(extra="ignored").to_csv(index=False), "text/csv; charset=utf-8"),
    ]
    for body, content_type in payloads:
        answer = server.post(body, content_type)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"predictions": expected}


def test_health_and_version(server):
    assert httpx.get(f"{server.url}/ping").status_code == 200
    assert httpx.get(f"{server.url}/health").status_code == 200
    assert httpx.get(f"{server.url}/version").text == autotrack.__version__


@pytest.mark.parametrize("body, content_type, message", [
    ("{not json", "application/json", "not valid JSON"),
    ({"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0]]}}, "application/json", r"missing column\(s\) \['c', 'n'\]"),
    ({"dataframe_records": [{"a": 1.0, "b": 2.0, "c": 3.0, "n": 2**40}]}, "application/json", "'n' is int64"),
    ({"dataframe_records": [{"a": "x", "b": 2.0, "c": 3.0, "n": 1}]}, "application/json", "'a' must be double"),
    ({"instances": [[1, 2, 3, 4]], "inputs": [[1]]}, "application/json", "exactly one of"),
    ({"dataframe_split": [[1, 2]]}, "application/json", "dataframe_split needs"),
    ({"instances": [[1, 2], [3]]}, "application/json", "could not be read|different lengths"),
    ({"inputs": [[1.0, 2.0, 3.0, 4.0]], "extra": 1}, "application/json", r"Unknown key\(s\) \['extra'\]"),
    ("a,b\n1,2\n", "text/plain", "Unsupported Content-Type"),
])
def test_bad_input_answers_400_with_what_is_wrong(server, body, content_type, message):
    answer = server.post(body, content_type)
    assert answer.status_code == 400
    assert answer.json()["error_code"] == "BAD_REQUEST"
    assert re.search(message, answer.json()["message"]), answer.json()["message"]


def _random_bad_payload(rng: random.Random) -> tuple[bytes | str, str]:
    junk = [None, True, -1, 1e308, "x", [], {}, [[]], [None], {"a": None}, "\u0000", [[1, "a"]], [{"a": []}]]
    kind = rng.randrange(6)
    if kind == 0:  # bytes that are not JSON
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60))), "application/json"
    if kind == 1:  # a known format holding junk
        return json.dumps({rng.choice(["dataframe_split", "dataframe_records", "instances", "inputs"]):
                           rng.choice(junk)}), "application/json"
    if kind == 2:  # records with wrong types or columns
        row = {rng.choice(COLUMNS + ["zz"]): rng.choice(junk + [1.5, 7]) for _ in range(rng.randrange(1, 5))}
        return json.dumps({"dataframe_records": [row]}), "application/json"
    if kind == 3:  # split with mismatched columns and data
        data = [[rng.choice([1.0, "s", None, [1]]) for _ in range(rng.randrange(0, 6))] for _ in range(rng.randrange(3))]
        columns = rng.sample(COLUMNS + ["q", "r"], rng.randrange(0, 6))
        return json.dumps({"dataframe_split": {"columns": columns, "data": data}}), "application/json"
    if kind == 4:  # broken CSV
        return "\n".join(",".join(rng.choice(["a", "1", '"', "", "x,y"]) for _ in range(4)) for _ in range(3)), "text/csv"
    return json.dumps(rng.choice(junk)), rng.choice(["application/json", "application/xml", ""])


def test_fuzzed_bad_payloads_never_answer_500_and_the_server_stays_up(server, frame_model):
    rng = random.Random(1234)
    statuses = []
    with httpx.Client() as http:
        for _ in range(300):
            body, content_type = _random_bad_payload(rng)
            answer = http.post(f"{server.url}/invocations", content=body, headers={"Content-Type": content_type})
            assert answer.status_code < 500, (body, answer.text)
            if answer.status_code == 400:
                assert answer.json()["message"]
            statuses.append(answer.status_code)
    assert statuses.count(400) > 250  # nearly all of them are refused, with a message
    model, frame, _ = frame_model
    good = server.post({"dataframe_records": frame.head(2).to_dict(orient="records")})
    assert good.json() == {"predictions": model.predict(frame.head(2)).tolist()}
    assert server.process.poll() is None


def test_a_tensor_model_served_from_the_registry_with_two_workers(tmp_path):
    import torch

    torch.manual_seed(0)
    module = torch.nn.Linear(4, 2)
    batch = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    with autotrack.start_run():
        autotrack.pytorch.log_model(module, "net", input_example=batch, registered_model_name="net")
    autotrack.Client().set_registered_model_alias("net", "prod", 1)
    running = ScoringServer("models:/net@prod", "--workers", "2", cwd=str(tmp_path))
    try:
        answer = running.post({"instances": batch.tolist()})
        with torch.no_grad():
            expected = module(torch.from_numpy(batch)).numpy()
        np.testing.assert_allclose(np.array(answer.json()["predictions"]), expected, rtol=1e-6)
        shape = running.post({"inputs": [[1.0, 2.0, 3.0]]})
        assert shape.status_code == 400 and "shape" in shape.json()["message"]
    finally:
        running.stop()


def test_serving_a_missing_model_fails_at_once_with_the_reason(tmp_path):
    autotrack.Client().search_experiments()  # the store exists (with no store, the reason is "No store at")
    out = subprocess.run([AUTOTRACK, "models", "serve", "-m", "models:/nothing/1", "--port", str(free_port())],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "No registered model named 'nothing'" in out.stderr


def test_models_cli_list_show_predict(tmp_path, frame_model):
    model, frame, folder = frame_model
    first = autotrack.register_model(folder, "churn")
    autotrack.register_model(folder, "churn")
    client = autotrack.Client()
    client.set_registered_model_alias("churn", "champion", first.version)
    client.update_registered_model("churn", "logistic baseline")
    uri = autotrack.get_tracking_uri()
    runner = CliRunner()
    listed = runner.invoke(cli, ["--tracking-uri", uri, "models", "list"], terminal_width=200)
    assert listed.exit_code == 0 and "churn" in listed.output and "champion→1" in listed.output
    shown = runner.invoke(cli, ["--tracking-uri", uri, "models", "show", "churn"], terminal_width=200)
    assert shown.exit_code == 0 and "logistic baseline" in shown.output and folder in shown.output
    assert "Versions (2)" in shown.output
    missing = runner.invoke(cli, ["--tracking-uri", uri, "models", "show", "nope"])
    assert missing.exit_code == 1 and "No registered model named 'nope'" in missing.output
    rows = frame.head(4)
    (tmp_path / "in.csv").write_text(rows.to_csv(index=False))
    (tmp_path / "in.json").write_text(json.dumps({"dataframe_split": json.loads(rows.to_json(orient="split"))}))
    expected = model.predict(rows).tolist()
    for source in ("in.csv", "in.json"):
        out = runner.invoke(cli, ["--tracking-uri", uri, "models", "predict", "-m", "models:/churn@champion",
                                  "-i", str(tmp_path / source), "-o", str(tmp_path / "out.json")])
        assert out.exit_code == 0, out.output
        assert json.loads((tmp_path / "out.json").read_text()) == {"predictions": expected}
    printed = runner.invoke(cli, ["--tracking-uri", uri, "models", "predict", "-m", folder, "-i", str(tmp_path / "in.csv")])
    assert json.loads(printed.stdout) == {"predictions": expected}
    (tmp_path / "bad.json").write_text('{"dataframe_split": {"columns": ["a"], "data": [[1.0]]}}')
    bad = runner.invoke(cli, ["--tracking-uri", uri, "models", "predict", "-m", folder, "-i", str(tmp_path / "bad.json")])
    assert bad.exit_code == 1 and "missing column(s)" in bad.output
