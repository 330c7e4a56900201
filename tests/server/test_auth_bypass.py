"""Auth bypass attempts (issue 13 item 5, MLflow's CVE classes) against a live `--auth` server whose default
permission is NO_PERMISSIONS: bob owns one experiment, alice owns another, and nothing bob sends may read
or change alice's. Paths go out byte for byte (`raw`), as an attacker would send them."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from auth_server import ADMIN, ALICE, BOB, As, raw, start_auth_server

SECRET = b"alice-top-secret"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    server = start_auth_server(tmp_path_factory.mktemp("bypass"), "NO_PERMISSIONS")
    alice, bob = As(server.url, ALICE), As(server.url, BOB)
    ids = {"url": server.url, "root": server.backend}
    ids["alice_exp"] = alice.create_experiment("alice-hidden-experiment")
    ids["alice_run"] = alice.create_run(ids["alice_exp"])
    ids["alice_file"] = f"{ids['alice_exp']}/{ids['alice_run']}/artifacts/secret.txt"
    assert alice.client.put("/api/2.0/mlflow-artifacts/artifacts/" + ids["alice_file"], content=SECRET).status_code == 200
    assert alice.post("/runs/log-parameter", {"run_id": ids["alice_run"], "key": "p", "value": "alice"}).status_code == 200
    assert alice.post("/registered-models/create", {"name": "alice-hidden-model"}).status_code == 200
    assert alice.post("/model-versions/create", {"name": "alice-hidden-model", "source": "x",
                                                 "run_id": ids["alice_run"]}).status_code == 200
    ids["bob_exp"] = bob.create_experiment("bob-experiment")
    ids["bob_run"] = bob.create_run(ids["bob_exp"])
    yield ids
    assert server.stop()


def _leaks(body: bytes) -> bool:
    return SECRET in body or b"alice-hidden" in body or b'"alice"' in body


def _refused(world, method: str, path: str, body: dict | None = None) -> None:
    """Nobody gets 401 and bob a 4xx without alice's data, whatever the path looks like."""
    data = json.dumps(body).encode() if body is not None else None
    status, content, headers = raw(world["url"], method, path, body=data)
    assert status == 401 and headers.get("www-authenticate") == 'Basic realm="autotrack"', (path, status, content)
    status, content, _ = raw(world["url"], method, path, BOB, data)
    assert 400 <= status < 500 and not _leaks(content), (path, status, content)


def _alice_params(world) -> set[str]:
    run = As(world["url"], ADMIN).get("/runs/get", run_id=world["alice_run"]).json()["run"]
    return {p["key"] for p in run["data"]["params"]}


def test_bob_is_refused_on_the_plain_routes(world):
    bob = As(world["url"], BOB)
    assert bob.get("/experiments/get", experiment_id=world["alice_exp"]).status_code == 403
    assert bob.get("/experiments/get", experiment_id=world["bob_exp"]).status_code == 200
    assert bob.post("/runs/log-parameter", {"run_id": world["alice_run"], "key": "x", "value": "1"}).status_code == 403
    assert "x" not in _alice_params(world)


@pytest.mark.parametrize("prefix", ["/ajax-api/2.0/mlflow", "/api/2.0/preview/mlflow", "/api/3.0/mlflow",
                                    "/ajax-api/3.0/mlflow", "/api/2.1/mlflow", "/api/2.0/mlflow/../mlflow"])
def test_alternative_prefixes(world, prefix):
    _refused(world, "GET", f"{prefix}/experiments/get?experiment_id={world['alice_exp']}")
    _refused(world, "POST", f"{prefix}/runs/log-parameter", {"run_id": world["alice_run"], "key": "pre", "value": "1"})
    assert "pre" not in _alice_params(world)


@pytest.mark.parametrize("path", ["/api/2.0/mlflow/experiments/get/", "/api/2.0/mlflow/experiments/get//",
                                  "/ajax-api/2.0/mlflow/experiments/get/"])
def test_trailing_slashes(world, path):
    _refused(world, "GET", f"{path}?experiment_id={world['alice_exp']}")
    _refused(world, "POST", "/api/2.0/mlflow/runs/set-tag/", {"run_id": world["alice_run"], "key": "slash", "value": "1"})


@pytest.mark.parametrize("path", ["//api/2.0/mlflow/experiments/get", "/api//2.0/mlflow/experiments/get",
                                  "/api/2.0//mlflow/experiments/get", "/api/2.0/mlflow//experiments/get",
                                  "/api/2.0/mlflow/experiments//get"])
def test_double_slashes(world, path):
    _refused(world, "GET", f"{path}?experiment_id={world['alice_exp']}")


@pytest.mark.parametrize("path", ["/API/2.0/mlflow/experiments/get", "/api/2.0/MLFLOW/experiments/get",
                                  "/api/2.0/mlflow/Experiments/Get", "/Ajax-Api/2.0/mlflow/experiments/get"])
def test_case_changes(world, path):
    _refused(world, "GET", f"{path}?experiment_id={world['alice_exp']}")


def test_head_and_options(world):
    alice_get = f"/api/2.0/mlflow/experiments/get?experiment_id={world['alice_exp']}"
    artifact = "/api/2.0/mlflow-artifacts/artifacts/" + world["alice_file"]
    for method, path in (("HEAD", alice_get), ("OPTIONS", alice_get), ("HEAD", artifact), ("OPTIONS", artifact)):
        status, _, headers = raw(world["url"], method, path)
        assert status == 401 and "www-authenticate" in {k.lower() for k in headers}
        status, content, _ = raw(world["url"], method, path, BOB)
        assert status in (403, 405, 501) and not _leaks(content), (method, path, status)  # never the route
    assert raw(world["url"], "HEAD", artifact, BOB)[0] == 403
    assert raw(world["url"], "HEAD", artifact, ALICE)[0] == 200


@pytest.mark.parametrize("path", ["/api/2.0/mlflow/experiments%2Fget", "/api/2.0/mlflow/%65xperiments/get",
                                  "/api%2F2.0%2Fmlflow%2Fexperiments%2Fget", "/ajax-api%2F2.0/mlflow/experiments/get",
                                  "/api/2.0/mlflow/experiments/%67et", "/api/2.0/mlflow/experiments/get%00",
                                  "/api/2.0/mlflow/experiments/get%2F"])
def test_url_encoded_path_segments(world, path):
    _refused(world, "GET", f"{path}?experiment_id={world['alice_exp']}")


def test_url_encoded_field_names_and_duplicates(world):
    exp = world["alice_exp"]
    _refused(world, "GET", f"/api/2.0/mlflow/experiments/get?experiment%5Fid={exp}")
    _refused(world, "GET", f"/api/2.0/mlflow/experiments/get?experiment_id={world['bob_exp']}&experiment_id={exp}")
    # the body wins over the query string for the check exactly as for the route
    status, content, _ = raw(world["url"], "POST", f"/api/2.0/mlflow/runs/set-tag?run_id={world['bob_run']}", BOB,
                             json.dumps({"run_id": world["alice_run"], "key": "mixed", "value": "1"}).encode())
    assert status == 403 and not _leaks(content)
    status, _, _ = raw(world["url"], "POST", "/api/2.0/mlflow/runs/set-tag", BOB, json.dumps(
        {"run_id": "", "run_uuid": world["alice_run"], "key": "uuid", "value": "1"}).encode())
    assert status == 403
    run = As(world["url"], ADMIN).get("/runs/get", run_id=world["alice_run"]).json()["run"]
    assert not {"mixed", "uuid"} & {t["key"] for t in run["data"].get("tags", [])}


def test_artifact_routes_with_another_runs_path(world, tmp_path):
    base = "/api/2.0/mlflow-artifacts/artifacts/"
    alice_folder = f"{world['alice_exp']}/{world['alice_run']}/artifacts"
    bob_folder = f"{world['bob_exp']}/{world['bob_run']}/artifacts"
    bob = As(world["url"], BOB)
    assert bob.client.put(base + bob_folder + "/mine.txt", content=b"bob").status_code == 200  # his own: fine
    assert bob.client.get(base + world["alice_file"]).status_code == 403
    assert bob.client.put(base + alice_folder + "/planted.txt", content=b"x").status_code == 403
    assert bob.client.delete(base + world["alice_file"]).status_code == 403
    assert bob.client.get(base.rstrip("/"), params={"path": alice_folder}).status_code == 403
    assert bob.client.get(base.rstrip("/"), params={"path": ""}).status_code == 403  # the whole root
    assert bob.client.get(base.rstrip("/"), params={"path": world["alice_exp"]}).status_code == 403
    # his own experiment with her run id, her experiment with his run id, traversal out of his folder
    mixed = f"{world['alice_exp']}/{world['bob_run']}/artifacts/planted.txt"
    assert bob.client.put(base + mixed, content=b"x").status_code == 403
    for path in (f"{bob_folder}/../../../{world['alice_file']}", f"{bob_folder}/%2e%2e/%2e%2e/%2e%2e/{world['alice_file']}",
                 f"{bob_folder}/..%2F..%2F..%2F{world['alice_file']}", f"{bob_folder}/%252e%252e/{world['alice_file']}",
                 f"{bob_folder}/....//....//{world['alice_file']}", f"{bob_folder}\\..\\..\\..\\{world['alice_file']}"):
        status, content, _ = raw(world["url"], "GET", base + path, BOB)
        assert status != 200 and not _leaks(content), (path, status)
        raw(world["url"], "PUT", base + path, BOB, b"overwritten")  # refused, or a literal name in his own folder
    files = As(world["url"], ADMIN).client.get(base.rstrip("/"), params={"path": alice_folder}).json()["files"]
    assert [f["path"] for f in files] == ["secret.txt"]
    assert As(world["url"], ALICE).client.get(base + world["alice_file"]).content == SECRET
    assert bob.get("/artifacts/list", run_id=world["alice_run"]).status_code == 403


def test_searches_do_not_leak_forbidden_runs_experiments_or_models(world):
    bob = As(world["url"], BOB)
    for prefix in ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow"):
        answers = [
            bob.client.post(prefix + "/runs/search", json={}),
            bob.client.post(prefix + "/runs/search", json={"experiment_ids": []}),
            bob.client.post(prefix + "/experiments/search", json={}),
            bob.client.post(prefix + "/experiments/search", json={"filter": "name = 'alice-hidden-experiment'"}),
            bob.client.get(prefix + "/registered-models/search"),
            bob.client.get(prefix + "/model-versions/search", params={"filter": "name = 'alice-hidden-model'"}),
            bob.client.post(prefix + "/registered-models/get-latest-versions", json={"name": "alice-hidden-model"}),
            bob.client.post(prefix + "/runs/search", json={"experiment_ids": [world["bob_exp"], world["alice_exp"]]}),
            bob.client.get(prefix + "/experiments/get-by-name", params={"experiment_name": "alice-hidden-experiment"}),
        ]
        for answer in answers:
            assert answer.status_code in (200, 403) and not _leaks(answer.content), (answer.request.url, answer.text)
        runs = answers[0].json()["runs"]
        assert [r["info"]["run_id"] for r in runs] == [world["bob_run"]]
    admin_runs = As(world["url"], ADMIN).client.post("/api/2.0/mlflow/runs/search",
                                                     json={"experiment_ids": [world["alice_exp"]]}).json()["runs"]
    assert world["alice_run"] in {r["info"]["run_id"] for r in admin_runs}  # it is there to be found


def test_autotrack_routes_check_every_run_they_name(world):
    bob = As(world["url"], BOB)
    own = "/api/autotrack"
    row = [world["alice_run"], "smuggled", 1.0, 1, 0]
    answer = bob.client.post(own + "/runs/end", json={"run_id": world["bob_run"], "status": "FINISHED",
                                                      "end_time": 1, "metrics": [row]})
    assert answer.status_code == 403
    assert bob.client.post(own + "/runs/heartbeat", json={"run_ids": [world["bob_run"], world["alice_run"]],
                                                          "deadline": 1}).status_code == 403
    assert bob.client.post(own + "/experiments/get-or-create", json={"name": "alice-hidden-experiment"}).status_code == 403
    assert bob.client.post(own + "/registered-models/get-or-create", json={"name": "alice-hidden-model"}).status_code == 403
    metrics = As(world["url"], ADMIN).get("/runs/get", run_id=world["alice_run"]).json()["run"]["data"].get("metrics", [])
    assert "smuggled" not in {m["key"] for m in metrics}
    assert bob.client.get(own + "/ui/mlmodel", params={"run_id": world["alice_run"], "path": "model"}).status_code == 403
    assert bob.client.get(own + "/no-such-route").status_code == 403  # unknown routes: admins only
    assert As(world["url"], ADMIN).client.get(own + "/no-such-route").status_code in (404, 501)


def test_a_model_version_cannot_point_at_a_run_bob_may_not_read(world):
    bob = As(world["url"], BOB)
    assert bob.post("/registered-models/create", {"name": "bob-model"}).status_code == 200
    stolen = bob.post("/model-versions/create", {"name": "bob-model", "source": f"runs:/{world['alice_run']}/model",
                                                  "run_id": world["alice_run"]})
    assert stolen.status_code == 403
    assert bob.post("/model-versions/create", {"name": "bob-model", "source": "s",
                                               "run_id": world["bob_run"]}).status_code == 200


def test_bob_cannot_grant_himself_or_manage_users(world):
    bob = As(world["url"], BOB)
    grant = {"experiment_id": world["alice_exp"], "username": "bob", "permission": "MANAGE"}
    for path in ("/experiments/permissions/create", "/ajax-api/2.0/mlflow/experiments/permissions/create"):
        assert bob.client.post(path if path.startswith("/ajax") else "/api/2.0/mlflow" + path, json=grant).status_code == 403
    assert bob.post("/registered-models/permissions/create", {"name": "alice-hidden-model", "username": "bob",
                                                              "permission": "MANAGE"}).status_code == 403
    assert bob.post("/users/update-admin", {"username": "bob", "is_admin": True}, method="PATCH").status_code == 403
    assert bob.post("/users/update-password", {"username": "alice", "password": "taken-over"},
                    method="PATCH").status_code == 403
    assert bob.get("/experiments/get", experiment_id=world["alice_exp"]).status_code == 403


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"experiment_id": {"$ne": null}}', b"[" * 100_000])
def test_malformed_bodies_are_refused_and_the_server_stays_up(world, body):
    status, content, _ = raw(world["url"], "POST", "/api/2.0/mlflow/runs/search", BOB, body)
    assert 400 <= status < 500 and not _leaks(content)
    assert As(world["url"], BOB).get("/experiments/get", experiment_id=world["bob_exp"]).status_code == 200


def test_encoded_names_in_fields(world):
    name = quote("alice-hidden-model")
    _refused(world, "GET", f"/api/2.0/mlflow/registered-models/get?name={name}")
    _refused(world, "GET", "/api/2.0/mlflow/registered-models/get?name=alice-hidden-model%00")


def test_ui_routes_check_comma_separated_ids_and_filter_listings(world):
    bob, ui = As(world["url"], BOB), "/api/autotrack/ui"
    both_runs = f"{world['bob_run']},{world['alice_run']}"
    both_experiments = f"{world['bob_exp']}, {world['alice_exp']}"
    answers = [
        bob.client.get(ui + "/metric-histories", params={"run_ids": both_runs, "keys": "m"}),
        bob.client.post(ui + "/metric-histories", json={"run_ids": [both_runs], "keys": ["m"]}),
        bob.client.get(ui + "/runs/table", params={"experiment_ids": both_experiments}),
        bob.client.get(ui + "/runs/keys", params={"experiment_ids": both_experiments}),
        bob.client.get(ui + "/runs/table", params={"experiment_ids": world["bob_exp"],
                                                   "parent_run_id": world["alice_run"]}),
    ]
    for answer in answers:
        assert answer.status_code == 403 and not _leaks(answer.content), (answer.request.url, answer.text)
    listed = bob.client.get(ui + "/experiments")
    assert listed.status_code == 200 and not _leaks(listed.content)
    assert [e["experiment_id"] for e in listed.json()["experiments"]] == [world["bob_exp"]]
    assert bob.client.get(ui + "/runs/table", params={"experiment_ids": world["bob_exp"]}).status_code == 200


def test_ids_hidden_in_other_json_shapes(world, tmp_path):
    """A dict's keys are what a route iterating it would read: each is checked."""
    server = start_auth_server(tmp_path, "READ")
    try:
        alice, bob = As(server.url, ALICE), As(server.url, BOB)
        experiment = alice.create_experiment("alice-hidden-experiment")
        run = alice.create_run(experiment)
        assert alice.post("/experiments/permissions/create", {"experiment_id": experiment, "username": "bob",
                                                              "permission": "NO_PERMISSIONS"}).status_code == 200
        for shape in ({experiment: 1}, [experiment], experiment, f" {experiment} ,0", [[experiment]]):
            answer = bob.post("/runs/search", {"experiment_ids": shape})
            assert answer.status_code in (400, 403) or run not in answer.text, (shape, answer.text)
        assert bob.get("/runs/get", run_id=run).status_code == 403
    finally:
        assert server.stop()


def test_a_user_cannot_place_an_experiment_inside_anothers_artifacts(world):
    bob = As(world["url"], BOB)
    for location in (f"mlflow-artifacts:/{world['alice_exp']}", f"mlflow-artifacts:/{world['alice_exp']}/"
                     f"{world['alice_run']}/artifacts"):
        answer = bob.post("/experiments/create", {"name": "bob-squatter", "artifact_location": location})
        assert answer.status_code == 403
    assert bob.post("/experiments/create", {"name": "bob-squatter"}).status_code == 200


def test_random_requests_as_a_user_never_get_a_500_or_alices_data(world):
    import random

    from test_fuzz import _body

    from autotrack.server import auth_routes, experiments, registry, runs

    rng = random.Random(7)
    paths = [path for module in (experiments, runs, registry) for path, _, _ in module.ROUTES]
    paths += [path for path, _ in auth_routes.ROUTES] + [
        "/api/2.0/mlflow-artifacts/artifacts", "/api/2.0/mlflow-artifacts/artifacts/" + world["alice_file"],
        "/ajax-api/2.0/mlflow/runs/get", "/api/autotrack/ui/metric-histories", "/api/autotrack/ui/runs/table"]
    with As(world["url"], BOB).client as client:
        for _ in range(800):
            method, path, body = rng.choice(["GET", "POST", "PATCH", "DELETE", "PUT"]), rng.choice(paths), _body(rng)
            if rng.random() < 0.5:  # aim at alice's things
                body.update(rng.choice([{"run_id": world["alice_run"]}, {"experiment_id": world["alice_exp"]},
                                        {"name": "alice-hidden-model"}, {"username": "alice"}]))
            if method == "GET":
                answer = client.get(path, params={k: str(v) for k, v in body.items() if v is not None})
            else:
                answer = client.request(method, path, content=json.dumps(body))
            assert answer.status_code != 500, (method, path, body, answer.text)
            assert not _leaks(answer.content), (method, path, body, answer.text)
    alice = As(world["url"], ALICE)
    assert alice.client.get("/api/2.0/mlflow-artifacts/artifacts/" + world["alice_file"]).content == SECRET
    assert alice.get("/experiments/get", experiment_id=world["alice_exp"]).json()["experiment"]["lifecycle_stage"] == "active"
    assert _alice_params(world) == {"p"}


def test_logged_models_follow_their_experiment(world):
    """MLflow 3's logged models (autotrack's own routes): bob may create one in his experiment, not in alice's,
    nor point one at alice's run, nor log metrics onto a model of alice's."""
    alice, bob = As(world["url"], ALICE), As(world["url"], BOB)
    route = "/api/autotrack/logged-models"

    def create(who, model_id: str, experiment_id: str, **extra) -> int:
        return who.client.post(f"{route}/create", json={
            "model_id": model_id, "experiment_id": experiment_id, "name": "m",
            "artifact_location": f"mlflow-artifacts:/{experiment_id}/models/{model_id}", **extra}).status_code

    alice_model, bob_model = "m-" + "a" * 32, "m-" + "b" * 32
    assert create(alice, alice_model, world["alice_exp"]) == 200
    assert create(bob, bob_model, world["bob_exp"]) == 200
    assert create(bob, "m-" + "c" * 32, world["alice_exp"]) == 403
    assert create(bob, "m-" + "d" * 32, world["bob_exp"], source_run_id=world["alice_run"]) == 403
    assert create(bob, alice_model, world["bob_exp"]) in (400, 403, 409)  # an existing id is never taken over
    metric = {"key": "acc", "value": 1.0, "timestamp": 0, "step": 0}
    assert bob.client.post(f"{route}/log-metrics", json={"metrics": [{**metric, "model_id": alice_model}]}
                           ).status_code == 403
    assert bob.client.post(f"{route}/log-metrics", json={"metrics": [{**metric, "model_id": bob_model}]}
                           ).status_code == 200
    assert bob.client.get(f"{route}/get", params={"model_id": alice_model}).status_code == 403
