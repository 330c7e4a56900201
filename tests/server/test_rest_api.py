"""MLflow's REST API on the wire: paths, JSON shapes and the error format, against a live server."""

from __future__ import annotations

import httpx
import pytest

API = "/api/2.0/mlflow"


@pytest.fixture
def api(thread_server):
    with httpx.Client(base_url=thread_server.url, timeout=30) as client:
        yield client


def test_experiment_endpoints_use_mlflow_shapes(api):
    created = api.post(f"{API}/experiments/create", json={"name": "churn", "tags": [{"key": "team", "value": "ml"}]})
    assert created.status_code == 200
    experiment_id = created.json()["experiment_id"]
    experiment = api.get(f"{API}/experiments/get", params={"experiment_id": experiment_id}).json()["experiment"]
    assert experiment["name"] == "churn" and experiment["lifecycle_stage"] == "active"
    assert experiment["tags"] == [{"key": "team", "value": "ml"}]
    assert experiment["artifact_location"] == f"mlflow-artifacts:/{experiment_id}"
    by_name = api.get(f"{API}/experiments/get-by-name", params={"experiment_name": "churn"}).json()
    assert by_name["experiment"]["experiment_id"] == experiment_id
    assert api.post(f"{API}/experiments/update", json={"experiment_id": experiment_id, "new_name": "churn2"}).json() == {}
    assert api.post(f"{API}/experiments/set-experiment-tag",
                    json={"experiment_id": experiment_id, "key": "k", "value": "v"}).status_code == 200
    assert api.post(f"{API}/experiments/delete", json={"experiment_id": experiment_id}).status_code == 200
    deleted = api.post(f"{API}/experiments/search", json={"view_type": "DELETED_ONLY"}).json()["experiments"]
    assert [(e["name"], dict((t["key"], t["value"]) for t in e["tags"])["k"]) for e in deleted] == [("churn2", "v")]
    assert api.post(f"{API}/experiments/restore", json={"experiment_id": experiment_id}).status_code == 200
    active = api.get(f"{API}/experiments/search", params={"filter": "name LIKE 'churn%'"}).json()["experiments"]
    assert [e["name"] for e in active] == ["churn2"]


def test_run_endpoints_round_trip_params_metrics_tags(api):
    run = api.post(f"{API}/runs/create", json={"experiment_id": "0", "run_name": "r", "start_time": 1000,
                                               "tags": [{"key": "mlflow.user", "value": "ann"}]}).json()["run"]
    run_id = run["info"]["run_id"]
    assert run["info"]["run_uuid"] == run_id and run["info"]["status"] == "RUNNING"
    assert run["info"]["user_id"] == "ann" and run["info"]["artifact_uri"] == f"mlflow-artifacts:/0/{run_id}/artifacts"
    batch = {"run_id": run_id, "params": [{"key": "lr", "value": "0.1"}], "tags": [{"key": "t", "value": "x"}],
             "metrics": [{"key": "loss", "value": v, "timestamp": 5, "step": s} for s, v in enumerate([3, 2, "NaN"])]}
    assert api.post(f"{API}/runs/log-batch", json=batch).json() == {}
    assert api.post(f"{API}/runs/log-metric", json={"run_id": run_id, "key": "acc", "value": 0.5, "timestamp": 1,
                                                    "step": 0}).status_code == 200
    assert api.post(f"{API}/runs/log-parameter", json={"run_id": run_id, "key": "depth", "value": "3"}).status_code == 200
    assert api.post(f"{API}/runs/set-tag", json={"run_id": run_id, "key": "u", "value": "y"}).status_code == 200
    assert api.post(f"{API}/runs/delete-tag", json={"run_id": run_id, "key": "u"}).status_code == 200
    history = api.get(f"{API}/metrics/get-history", params={"run_id": run_id, "metric_key": "loss"}).json()["metrics"]
    assert history == [{"key": "loss", "value": 3.0, "timestamp": 5, "step": 0},
                       {"key": "loss", "value": 2.0, "timestamp": 5, "step": 1},
                       {"key": "loss", "value": "NaN", "timestamp": 5, "step": 2}]
    ended = api.post(f"{API}/runs/update", json={"run_id": run_id, "status": "FINISHED", "end_time": 2000}).json()
    assert ended["run_info"]["status"] == "FINISHED" and ended["run_info"]["end_time"] == 2000
    data = api.get(f"{API}/runs/get", params={"run_id": run_id}).json()["run"]["data"]
    assert {p["key"]: p["value"] for p in data["params"]} == {"lr": "0.1", "depth": "3"}
    assert {m["key"]: m["value"] for m in data["metrics"]} == {"loss": "NaN", "acc": 0.5}
    tags = {t["key"]: t["value"] for t in data["tags"]}
    assert tags["t"] == "x" and "u" not in tags
    found = api.post(f"{API}/runs/search", json={"experiment_ids": ["0"], "filter": "params.lr = '0.1'",
                                                  "order_by": ["metrics.acc DESC"], "max_results": 10}).json()
    assert [r["info"]["run_id"] for r in found["runs"]] == [run_id] and "next_page_token" not in found
    assert api.post(f"{API}/runs/delete", json={"run_id": run_id}).status_code == 200
    assert api.post(f"{API}/runs/search", json={"experiment_ids": ["0"]}).json() == {"runs": []}
    assert api.post(f"{API}/runs/restore", json={"run_id": run_id}).status_code == 200


def test_errors_use_mlflow_codes_and_statuses(api):
    missing = api.get(f"{API}/runs/get", params={"run_id": "0" * 32})
    assert missing.status_code == 404 and missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    no_name = api.get(f"{API}/experiments/get-by-name", params={"experiment_name": "nope"})
    assert no_name.status_code == 404 and no_name.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    api.post(f"{API}/experiments/create", json={"name": "dup"})
    duplicate = api.post(f"{API}/experiments/create", json={"name": "dup"})
    assert duplicate.status_code == 400 and duplicate.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    required = api.post(f"{API}/experiments/create", json={})
    assert required.status_code == 400 and required.json() == {
        "error_code": "INVALID_PARAMETER_VALUE", "message": "Missing value for required parameter 'name'."}
    bad_filter = api.post(f"{API}/runs/search", json={"experiment_ids": ["0"], "filter": "metrics.x ~ 1"})
    assert bad_filter.status_code == 400 and "position" in bad_filter.json()["message"]
    malformed = api.post(f"{API}/runs/create", content=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["error_code"] == "MALFORMED_REQUEST"
    deep = api.post(f"{API}/runs/create", content=b"[" * 100_000 + b"]" * 100_000)
    assert deep.status_code == 400 and deep.json()["error_code"] == "MALFORMED_REQUEST"
    wrong_method = api.get(f"{API}/runs/create")
    assert wrong_method.status_code == 405 and "use POST" in wrong_method.json()["message"]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", f"{API}/traces/abc"),
    ("POST", f"{API}/logged-models"),
    ("GET", "/api/2.0/mlflow/gateway-proxy"),
    ("GET", "/ajax-api/2.0/mlflow/webhooks/list"),
])
def test_unimplemented_mlflow_endpoints_answer_501_naming_them(api, method, path):
    answer = api.request(method, path, json={"name": "m", "version": "1", "stage": "Production"})
    assert answer.status_code == 501
    assert answer.json()["error_code"] == "NOT_IMPLEMENTED"
    assert path.rsplit("/", 1)[-1] in answer.json()["message"] or "stage" in answer.json()["message"]


def test_unknown_path_is_endpoint_not_found(api):
    answer = api.get("/no/such/thing")
    assert answer.status_code == 404 and answer.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    assert "/api/2.0/mlflow/" in answer.json()["message"]


def test_registry_endpoints(api):
    run_id = api.post(f"{API}/runs/create", json={"experiment_id": "0"}).json()["run"]["info"]["run_id"]
    model = api.post(f"{API}/registered-models/create", json={"name": "churn", "description": "d"}).json()
    assert model["registered_model"]["name"] == "churn"
    version = api.post(f"{API}/model-versions/create", json={
        "name": "churn", "source": f"runs:/{run_id}/model", "run_id": run_id}).json()["model_version"]
    assert (version["version"], version["status"], version["run_id"]) == ("1", "READY", run_id)
    assert api.post(f"{API}/registered-models/alias",
                    json={"name": "churn", "alias": "champion", "version": "1"}).json() == {}
    by_alias = api.get(f"{API}/registered-models/alias", params={"name": "churn", "alias": "champion"}).json()
    assert by_alias["model_version"]["aliases"] == ["champion"]
    got = api.get(f"{API}/registered-models/get", params={"name": "churn"}).json()["registered_model"]
    assert got["aliases"] == [{"alias": "champion", "version": "1"}] and got["latest_versions"][0]["version"] == "1"
    assert api.patch(f"{API}/model-versions/update", json={"name": "churn", "version": "1", "description": "x"}
                     ).json()["model_version"]["description"] == "x"
    assert api.post(f"{API}/model-versions/set-tag",
                    json={"name": "churn", "version": "1", "key": "k", "value": "v"}).status_code == 200
    versions = api.get(f"{API}/model-versions/search", params={"filter": "name = 'churn'"}).json()["model_versions"]
    assert [(v["version"], v["tags"]) for v in versions] == [("1", [{"key": "k", "value": "v"}])]
    # MLflow 3's client adds a "not a prompt" clause to every registry search: untagged models match it.
    prompt_filter = "name = 'churn' AND tag.`mlflow.prompt.is_prompt` != 'true'"
    models = api.get(f"{API}/registered-models/search", params={"filter": prompt_filter}).json()["registered_models"]
    assert [m["name"] for m in models] == ["churn"]
    uri = api.get(f"{API}/model-versions/get-download-uri", params={"name": "churn", "version": "1"}).json()
    assert uri == {"artifact_uri": f"runs:/{run_id}/model"}
    assert api.request("DELETE", f"{API}/registered-models/alias", json={"name": "churn", "alias": "champion"}
                       ).status_code == 200
    assert api.request("DELETE", f"{API}/model-versions/delete", json={"name": "churn", "version": "1"}
                       ).status_code == 200
    assert api.request("DELETE", f"{API}/registered-models/delete", json={"name": "churn"}).status_code == 200
    gone = api.get(f"{API}/registered-models/get", params={"name": "churn"})
    assert gone.status_code == 404 and gone.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_artifact_proxy_upload_list_download_delete(api, thread_server, tmp_path):
    base = "/api/2.0/mlflow-artifacts/artifacts"
    payload = bytes(range(256)) * 4096  # 1 MiB
    assert api.put(f"{base}/0/r1/artifacts/data/blob.bin", content=payload).status_code == 200
    listed = api.get(base, params={"path": "0/r1/artifacts/data"}).json()
    assert listed == {"files": [{"path": "blob.bin", "is_dir": False, "file_size": len(payload)}]}
    assert api.get(base, params={"path": "0/r1/artifacts"}).json() == {"files": [{"path": "data", "is_dir": True}]}
    assert api.get(f"{base}/0/r1/artifacts/data/blob.bin").content == payload
    assert (tmp_path / "server-artifacts" / "0" / "r1" / "artifacts" / "data" / "blob.bin").read_bytes() == payload
    assert api.delete(f"{base}/0/r1/artifacts/data/blob.bin").status_code == 200
    missing = api.get(f"{base}/0/r1/artifacts/data/blob.bin")
    assert missing.status_code == 404 and missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    for bad in ("0/../../outside.txt", "%2e%2e/%2e%2e/outside.txt", "/etc/passwd"):
        answer = api.put(f"{base}/{bad}", content=b"x")  # httpx folds a literal ../ before sending
        assert answer.status_code in (400, 404, 501), bad
    assert not list(tmp_path.rglob("outside.txt")) and not list(tmp_path.rglob("passwd"))


def test_oversized_bodies_are_413_and_the_server_stays_up(api):
    from autotrack.server.app import MAX_JSON_BYTES

    import http.client
    import json
    import urllib.parse

    url = urllib.parse.urlsplit(str(api.base_url))
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.putrequest("POST", f"{API}/runs/create")
    connection.putheader("Content-Length", str(MAX_JSON_BYTES + 1))  # refused before a byte of it is read
    connection.endheaders(b"{}")
    declared = connection.getresponse()
    assert declared.status == 413 and json.loads(declared.read())["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    connection.close()

    def chunks():  # no Content-Length: the limit is counted while reading
        piece = b" " * (1 << 20)
        for _ in range(MAX_JSON_BYTES // len(piece) + 2):
            yield piece

    streamed = api.post(f"{API}/runs/create", content=chunks())
    assert streamed.status_code == 413 and streamed.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    assert api.get("/health").text == "OK"


def test_autotracks_column_log_batch_keeps_every_value_and_refuses_malformed_columns(api, thread_server):
    """autotrack's client sends metrics as packed columns (/api/autotrack/runs/log-batch): NaN and infinities, several
    keys, and a buffered flush of any runs all read back as logged; a malformed body answers 400, never 500."""
    import base64
    import math
    import struct

    import autotrack
    from autotrack.entities import Metric

    client = autotrack.Client(thread_server.url)
    run_id = client.create_run("0").info.run_id
    logged = [Metric("loss", v, 7, s) for s, v in enumerate([1.5, math.nan, math.inf, -math.inf, -0.0, 5e-324])]
    client.log_batch(run_id, metrics=[*logged, Metric("acc", 0.25, 8, 3)], params=[autotrack.Param("lr", "0.1")])
    for step in range(3):
        client.log_metric(run_id, "buffered", float("nan") if step == 1 else step / 2, step=step)
    back = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.timestamp) for m in back] == [(m.step, m.timestamp) for m in logged]
    assert [repr(m.value) for m in back] == [repr(m.value) for m in logged]
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "acc")] == [(3, 0.25)]
    assert [repr(m.value) for m in client.get_metric_history(run_id, "buffered")] == ["0.0", "nan", "1.0"]
    assert client.get_run(run_id).data.params == {"lr": "0.1"}

    own = "/api/autotrack/runs/log-batch"

    def packed(kind, *numbers):
        return base64.b64encode(struct.pack(f"<{len(numbers)}{kind}", *numbers)).decode()

    one, stamp = packed("d", 1.0), packed("q", 7)
    for metrics, problem in [([1, 2], "must be an object"), ({"m": [one, stamp]}, "three base64 strings"),
                             ({"m": [[1.0], stamp, stamp]}, "three base64 strings"),
                             ({"m": ["not base64!", stamp, stamp]}, "not base64"),
                             ({"m": [base64.b64encode(b"1234567").decode(), stamp, stamp]}, "8-byte numbers"),
                             ({"m": [packed("d", 1.0, 2.0), stamp, stamp]}, "different lengths"),
                             ({"m": [one, packed("q", -5), stamp]}, "negative timestamp")]:
        answer = api.post(own, json={"run_id": run_id, "metrics": metrics})
        assert answer.status_code == 400, (metrics, answer.text)
        assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE" and problem in answer.json()["message"]
    assert [m.value for m in client.get_metric_history(run_id, "m")] == []  # nothing of a refused batch


def test_the_indexed_router_picks_the_route_starlettes_scan_picks(tmp_path):
    """Every path of the app (and odd variants of it), every method: the route found through the path index
    is the one Starlette's in-order scan finds first, or the request goes to the scan."""
    from starlette.routing import Match, Route

    from autotrack.server.app import create_app
    from autotrack.server.state import ServerState

    router = create_app(ServerState.open(str(tmp_path / "s"), None)).router
    paths = set()
    for route in router.routes:
        path = getattr(route, "path", "")
        path = path.replace("{path:path}", "0/run/artifacts/a.txt")
        paths.update({path, path + "/", path.upper(), "/" + path, path + "/x", path.replace("/api/", "/API/")})

    def first_full(routes, scope):
        return next((route for route in routes if route.matches(scope)[0] is Match.FULL), None)

    checked = 0
    for path in sorted(paths):
        for method in ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"):
            scope = {"type": "http", "path": path, "root_path": "", "method": method}
            indexed = first_full(router.by_path.get(path, router.patterns), scope)
            if indexed is not None:  # else the full scan decides, as before
                assert indexed is first_full(router.routes, scope), (method, path)
                checked += 1
    assert checked > 100 and any(isinstance(r, Route) for r in router.patterns)


def test_a_batch_sent_just_before_its_process_was_killed_is_not_sent_twice(thread_server):
    """The metric journal's in-flight batch through a server: recovery asks the server (runs/holds-latest)
    whether it landed, and sends it only if not."""
    import autotrack
    from test_metric_durability import check_a_batch_in_flight_at_a_kill_is_written_once

    check_a_batch_in_flight_at_a_kill_is_written_once(autotrack.Client(thread_server.url))
