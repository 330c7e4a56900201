"""Random requests to every route: the server answers each with a JSON error or success, never a 500."""

from __future__ import annotations

import json
import random

import httpx

from autotrack.server import experiments, registry, runs

_VALUES = [None, "", "0", "1", "x" * 300, "../../etc/passwd", "%2e%2e%2f", -1, 0, 2**70, 1.5, float("nan"),
           True, [], {}, ["0"], [{"key": 1}], [{"key": "k", "value": None}], {"a": {"b": []}}, "ACTIVE_ONLY",
           "metrics.x < 1", "FINISHED", "\x00", "名前"]
_FIELDS = ["experiment_id", "experiment_ids", "name", "new_name", "run_id", "run_uuid", "key", "value", "tags",
           "params", "metrics", "filter", "order_by", "max_results", "page_token", "view_type", "run_view_type",
           "status", "end_time", "start_time", "version", "alias", "source", "description", "metric_key",
           "timestamp", "step", "experiment_name", "stages", "run_ids", "deadline", "path", "artifact_location"]


def _body(rng: random.Random) -> dict:
    return {rng.choice(_FIELDS): rng.choice(_VALUES) for _ in range(rng.randint(0, 6))}


def test_random_requests_never_get_a_500(thread_server, tmp_path):
    rng = random.Random(13)
    paths = [path for module in (experiments, runs, registry) for path, _, _ in module.ROUTES]
    paths += ["/api/2.0/mlflow-artifacts/artifacts", "/api/2.0/mlflow-artifacts/artifacts/0/x/a.txt",
              "/api/2.0/mlflow/unknown", "/ajax-api/2.0/mlflow/runs/get", "/nothing"]
    statuses: dict[int, int] = {}
    with httpx.Client(base_url=thread_server.url, timeout=30) as client:
        client.post("/api/2.0/mlflow/runs/create", json={"experiment_id": "0"})
        for _ in range(2000):
            method = rng.choice(["GET", "POST", "PATCH", "DELETE", "PUT"])
            path = rng.choice(paths)
            body = _body(rng)
            if method == "GET":
                params = {k: str(v) for k, v in body.items() if v is not None}
                answer = client.get(path, params=params)
            elif rng.random() < 0.1:
                answer = client.request(method, path, content=rng.randbytes(rng.randint(0, 64)))
            else:
                answer = client.request(method, path, content=json.dumps(body))
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            assert answer.status_code != 500, (method, path, body, answer.text)
            if answer.status_code >= 400:
                assert set(answer.json()) >= {"error_code", "message"}, answer.text
        assert client.get("/health").text == "OK"
    assert statuses.get(200, 0) > 50 and statuses.get(400, 0) > 100  # the mix reached the handlers
    assert not [p for p in tmp_path.parent.rglob("passwd")]
