"""`autotrack server --auth`: users, tokens, MLflow's per-experiment and per-model permissions, the
credentials of both clients, and refusing to listen beyond loopback without auth. Real processes."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap

import httpx
import pytest
from auth_server import ADMIN, ALICE, BOB, As, start_auth_server
from live_server import ServerProcess, free_port, wait_until_up


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Default permission READ, as MLflow's auth plugin."""
    started = start_auth_server(tmp_path_factory.mktemp("auth-read"))
    yield started
    assert started.stop()


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory):
    """Default permission NO_PERMISSIONS: users see only what they created or were granted."""
    started = start_auth_server(tmp_path_factory.mktemp("auth-closed"), "NO_PERMISSIONS")
    yield started
    assert started.stop()


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autotrack", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_api_needs_a_login_with_a_basic_challenge_while_the_page_is_public(server):
    nobody = As(server.url)
    answer = nobody.get("/experiments/search")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Basic realm="autotrack"'
    assert answer.json()["error_code"] == "UNAUTHENTICATED"
    assert "AUTOTRACK_TRACKING_USERNAME" in answer.json()["message"]
    assert httpx.get(server.url + "/ajax-api/2.0/mlflow/experiments/search").status_code == 401
    assert httpx.get(server.url + "/api/autotrack/ui/mlmodel", params={"run_id": "x"}).status_code == 401
    assert httpx.get(server.url + "/").status_code == 200 and httpx.get(server.url + "/health").text == "OK"
    assert As(server.url, ALICE).get("/experiments/search").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(server):
    wrong = As(server.url, (ALICE[0], "not-her-password")).get("/experiments/search")
    unknown = As(server.url, ("mallory", "whatever-1")).get("/experiments/search")
    garbage = httpx.get(server.url + "/api/2.0/mlflow/experiments/search", headers={"Authorization": "Basic %%%"})
    bad_token = httpx.get(server.url + "/api/2.0/mlflow/experiments/search",
                          headers={"Authorization": "Bearer atk_nope_nope"})
    assert wrong.status_code == unknown.status_code == garbage.status_code == bad_token.status_code == 401
    assert wrong.content == unknown.content == garbage.content == bad_token.content


def test_the_creator_manages_and_others_get_the_default(server):
    alice, bob, admin = As(server.url, ALICE), As(server.url, BOB), As(server.url, ADMIN)
    experiment = alice.create_experiment("alice-own")
    run = alice.create_run(experiment)
    assert alice.post("/runs/log-parameter", {"run_id": run, "key": "lr", "value": "0.1"}).status_code == 200
    assert bob.get("/experiments/get", experiment_id=experiment).status_code == 200  # default READ
    assert bob.get("/runs/get", run_id=run).json()["run"]["data"]["params"] == [{"key": "lr", "value": "0.1"}]
    denied = bob.post("/runs/log-parameter", {"run_id": run, "key": "lr2", "value": "1"})
    assert denied.status_code == 403 and denied.json()["error_code"] == "PERMISSION_DENIED"
    assert bob.post("/runs/create", {"experiment_id": experiment}).status_code == 403
    assert bob.post("/experiments/delete", {"experiment_id": experiment}).status_code == 403
    assert bob.post("/runs/delete", {"run_id": run}).status_code == 403
    assert admin.post("/runs/set-tag", {"run_id": run, "key": "by", "value": "admin"}).status_code == 200
    answer = alice.get("/experiments/permissions/get", experiment_id=experiment, username="alice")
    assert answer.json()["experiment_permission"]["permission"] == "MANAGE"
    assert "lr2" not in {p["key"] for p in admin.get("/runs/get", run_id=run).json()["run"]["data"]["params"]}


def test_grants_change_what_a_user_may_do_and_listings_follow(server):
    alice, bob = As(server.url, ALICE), As(server.url, BOB)
    experiment = alice.create_experiment("alice-shared")
    run = alice.create_run(experiment)
    grant = {"experiment_id": experiment, "username": "bob", "permission": "EDIT"}
    assert bob.post("/experiments/permissions/create", grant).status_code == 403  # bob does not manage it
    assert alice.post("/experiments/permissions/create", grant).status_code == 200
    assert bob.post("/runs/log-metric", {"run_id": run, "key": "m", "value": 1.0, "timestamp": 1}).status_code == 200
    assert bob.post("/experiments/delete", {"experiment_id": experiment}).status_code == 403  # EDIT < MANAGE
    hide = {**grant, "permission": "NO_PERMISSIONS"}
    assert alice.post("/experiments/permissions/update", hide, method="PATCH").status_code == 200
    assert bob.get("/experiments/get", experiment_id=experiment).status_code == 403
    listed = bob.post("/experiments/search", {"max_results": 1000}).json()["experiments"]
    assert experiment not in {e["experiment_id"] for e in listed} and listed  # others' experiments stay visible
    assert bob.post("/runs/search", {"experiment_ids": [experiment]}).status_code == 403
    assert run not in {r["info"]["run_id"] for r in bob.post("/runs/search", {}).json().get("runs", [])}
    assert run in {r["info"]["run_id"] for r in alice.post("/runs/search", {}).json()["runs"]}
    assert alice.post("/experiments/permissions/delete", {"experiment_id": experiment, "username": "bob"},
                      method="DELETE").status_code == 200
    assert bob.get("/experiments/get", experiment_id=experiment).status_code == 200  # back to the default
    assert alice.post("/experiments/permissions/update", {**grant, "permission": "OWNER"},
                      method="PATCH").status_code == 400


def test_forbidden_and_unknown_resources_get_the_same_answer(closed_server):
    alice, bob = As(closed_server.url, ALICE), As(closed_server.url, BOB)
    experiment = alice.create_experiment("alice-closed")
    run = alice.create_run(experiment)
    assert alice.post("/registered-models/create", {"name": "alice-model"}).status_code == 200
    pairs = [
        (bob.get("/experiments/get", experiment_id=experiment), bob.get("/experiments/get", experiment_id="987654")),
        (bob.get("/experiments/get-by-name", experiment_name="alice-closed"),
         bob.get("/experiments/get-by-name", experiment_name="nobody-has-this")),
        (bob.get("/runs/get", run_id=run), bob.get("/runs/get", run_id="0" * 32)),
        (bob.get("/registered-models/get", name="alice-model"), bob.get("/registered-models/get", name="no-model")),
        (bob.get("/metrics/get-history", run_id=run, metric_key="m"),
         bob.get("/metrics/get-history", run_id="f" * 32, metric_key="m")),
    ]
    for forbidden, unknown in pairs:
        assert forbidden.status_code == unknown.status_code == 403
        assert forbidden.content == unknown.content
    assert alice.get("/runs/get", run_id=run).status_code == 200
    assert bob.post("/experiments/search", {}).json()["experiments"] == []
    assert bob.get("/registered-models/search").json().get("registered_models", []) == []


def test_registered_model_permissions_follow_a_rename_and_go_with_a_delete(server):
    alice, bob = As(server.url, ALICE), As(server.url, BOB)
    assert alice.post("/registered-models/create", {"name": "churn-auth"}).status_code == 200
    assert bob.get("/registered-models/get", name="churn-auth").status_code == 200
    tag = {"name": "churn-auth", "key": "k", "value": "v"}
    assert bob.post("/registered-models/set-tag", tag).status_code == 403
    assert alice.post("/registered-models/permissions/create",
                      {"name": "churn-auth", "username": "bob", "permission": "EDIT"}).status_code == 200
    assert bob.post("/registered-models/set-tag", tag).status_code == 200
    assert alice.post("/registered-models/rename", {"name": "churn-auth", "new_name": "churn-auth-2"}).status_code == 200
    assert bob.post("/registered-models/set-tag", {**tag, "name": "churn-auth-2"}).status_code == 200
    assert bob.post("/registered-models/delete", {"name": "churn-auth-2"}, method="DELETE").status_code == 403
    assert alice.post("/registered-models/delete", {"name": "churn-auth-2"}, method="DELETE").status_code == 200
    assert bob.post("/registered-models/create", {"name": "churn-auth-2"}).status_code == 200  # bob's now
    mine = As(server.url, ADMIN).get("/users/get", username="alice").json()["user"]["registered_model_permissions"]
    assert "churn-auth-2" not in {p["name"] for p in mine}


def test_users_are_managed_by_admins_and_a_user_changes_its_own_password(server):
    admin, bob = As(server.url, ADMIN), As(server.url, BOB)
    carol = {"username": "carol", "password": "carol-pass-1"}
    assert bob.post("/users/create", carol).status_code == 403
    assert admin.post("/users/create", carol).json()["user"]["username"] == "carol"
    assert admin.post("/users/create", carol).status_code == 400  # already exists
    assert As(server.url, ("carol", "carol-pass-1")).get("/experiments/search").status_code == 200
    assert bob.get("/users/get", username="bob").status_code == 200
    assert bob.get("/users/get", username="carol").status_code == 403
    carol_client = As(server.url, ("carol", "carol-pass-1"))
    changed = carol_client.post("/users/update-password", {"username": "carol", "password": "carol-pass-2"}, "PATCH")
    assert changed.status_code == 200
    assert As(server.url, ("carol", "carol-pass-1")).get("/experiments/search").status_code == 401
    assert As(server.url, ("carol", "carol-pass-2")).get("/experiments/search").status_code == 200
    assert admin.post("/users/delete", {"username": "carol"}, method="DELETE").status_code == 200
    assert As(server.url, ("carol", "carol-pass-2")).get("/experiments/search").status_code == 401


def test_cli_users_and_tokens_and_a_token_printed_once_then_revoked(tmp_path):
    store = ["--backend-store-uri", str(tmp_path / "store")]
    made = _cli("server", "users", "create", "root", "--admin", "--password-stdin", *store, stdin="root-pass-1\n")
    assert made.returncode == 0, made.stderr
    short = _cli("server", "users", "create", "tiny", "--password-stdin", *store, stdin="short\n")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    token = _cli("server", "tokens", "create", "root", "--description", "ci", *store)
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip()
    assert secret.startswith("atk_") and "shown once" in token.stderr
    listed = _cli("server", "tokens", "list", *store)
    assert "ci" in listed.stdout and secret not in listed.stdout
    token_id = listed.stdout.split()[0]
    assert "root  (admin)" in _cli("server", "users", "list", *store).stdout
    prompted = _cli("server", "users", "create", "eve", *store, stdin="eve-pass-01\neve-pass-01\n")  # prompt + repeat
    assert prompted.returncode == 0 and "Created user 'eve'" in prompted.stdout
    again = _cli("server", "users", "create", "eve", "--password-stdin", *store, stdin="eve-pass-02\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert _cli("server", "users", "set-password", "eve", "--password-stdin", *store,
                stdin="eve-pass-03\n").returncode == 0
    server = ServerProcess(str(tmp_path / "store"), extra=("--auth", "--host", "0.0.0.0")).start()  # noqa: S104
    try:
        bearer = {"Authorization": f"Bearer {secret}"}
        assert httpx.get(server.url + "/api/2.0/mlflow/experiments/search", headers=bearer).status_code == 200
        assert _cli("server", "tokens", "delete", token_id, *store).returncode == 0
        assert httpx.get(server.url + "/api/2.0/mlflow/experiments/search", headers=bearer).status_code == 401
        assert As(server.url, ("eve", "eve-pass-03")).get("/experiments/search").status_code == 200
        assert As(server.url, ("eve", "eve-pass-01")).get("/experiments/search").status_code == 401
        assert _cli("server", "users", "delete", "eve", *store).returncode == 0
        assert As(server.url, ("eve", "eve-pass-03")).get("/experiments/search").status_code == 401
    finally:
        assert server.stop()


def test_beyond_loopback_the_server_needs_auth_or_an_explicit_insecure_flag(tmp_path):
    store = ["--backend-store-uri", str(tmp_path / "store")]
    refused = _cli("server", "--host", "0.0.0.0", "--port", str(free_port()), *store)  # noqa: S104
    assert refused.returncode == 1 and "--auth" in refused.stderr and "Refusing to listen" in refused.stderr
    no_users = _cli("server", "--host", "0.0.0.0", "--auth", "--port", str(free_port()), *store)  # noqa: S104
    assert no_users.returncode == 1 and "users create" in no_users.stderr
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "autotrack", "server", "--host", "0.0.0.0",  # noqa: S104
                                "--insecure-no-auth", "--port", str(port), *store],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
        assert httpx.get(f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/search").status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert "WARNING" in process.stderr.read() and "without authentication" in refused.stderr


CLIENT_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import autotrack
    from autotrack.store.http import close_session

    url, token = sys.argv[1], sys.argv[2]
    logins = {
        "AUTOTRACK basic": {"AUTOTRACK_TRACKING_USERNAME": "alice", "AUTOTRACK_TRACKING_PASSWORD": "alice-pass-1"},
        "MLFLOW basic": {"MLFLOW_TRACKING_USERNAME": "alice", "MLFLOW_TRACKING_PASSWORD": "alice-pass-1"},
        "AUTOTRACK token": {"AUTOTRACK_TRACKING_TOKEN": token},
        "MLFLOW token": {"MLFLOW_TRACKING_TOKEN": token},
    }
    autotrack.set_tracking_uri(url)
    ids = {}
    for label, env in logins.items():
        for name in [n for n in os.environ if "TRACKING_" in n and n != "AUTOTRACK_TRACKING_URI"]:
            del os.environ[name]
        os.environ.update(env)
        close_session(url)  # credentials are read when a server's connection pool opens
        autotrack.set_experiment("env-" + label.replace(" ", "-"))
        with autotrack.start_run() as run:
            autotrack.log_param("login", label)
            autotrack.log_metric("m", 1.5, step=2)
            autotrack.log_text("hello", "notes/hello.txt")
        ids[label] = run.info.run_id
    print(json.dumps(ids))
    """
)


def test_autotrack_client_signs_in_with_either_names_env_vars(server, tmp_path):
    from autotrack.server.auth_store import AuthStore
    from autotrack.store.sql import SqlStore
    from autotrack.tracking_uri import resolve_store_location

    database, root = resolve_store_location(server.backend)
    store = SqlStore(database, root)
    _, token = AuthStore(store).create_token("alice")
    store._engine.dispose()
    env = {k: v for k, v in os.environ.items() if "TRACKING_" not in k}
    result = subprocess.run([sys.executable, "-c", CLIENT_SCRIPT, server.url, token], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    ids = json.loads(result.stdout.strip().splitlines()[-1])
    admin = As(server.url, ADMIN)
    for label, run_id in ids.items():
        run = admin.get("/runs/get", run_id=run_id).json()["run"]
        assert {"key": "login", "value": label} in run["data"]["params"]
        assert run["data"]["metrics"][0]["value"] == 1.5
        experiment = run["info"]["experiment_id"]
        files = admin.client.get("/api/2.0/mlflow-artifacts/artifacts",
                                 params={"path": f"{experiment}/{run_id}/artifacts/notes"}).json()["files"]
        assert [f["path"] for f in files] == ["hello.txt"]
        permission = admin.get("/experiments/permissions/get", experiment_id=experiment, username="alice").json()
        assert permission["experiment_permission"]["permission"] == "MANAGE"  # the token's user created it


def test_a_wrong_password_or_a_missing_grant_is_a_clear_client_error(server, monkeypatch):
    from autotrack.store.http import AccessDenied, HttpStore, close_session

    for name in [n for n in os.environ if "TRACKING_" in n]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "alice")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "wrong-password")
    close_session(server.url)
    try:
        with pytest.raises(AccessDenied) as wrong:
            HttpStore(server.url).search_experiments()
        assert "credentials it was sent are wrong" in str(wrong.value)
        assert "AUTOTRACK_TRACKING_PASSWORD" in str(wrong.value) and "MLFLOW_TRACKING_PASSWORD" in str(wrong.value)
        experiment = As(server.url, ALICE).create_experiment("alice-no-bob")
        monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "bob")
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", BOB[1])
        close_session(server.url)
        with pytest.raises(AccessDenied) as denied:
            HttpStore(server.url).create_run(experiment, "r", "bob", 0, [])
        assert "permission denied" in str(denied.value) and "MANAGE" in str(denied.value)
    finally:
        close_session(server.url)


MLFLOW_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    mlflow.set_tracking_uri(sys.argv[1])
    os.environ.update(MLFLOW_TRACKING_USERNAME="alice", MLFLOW_TRACKING_PASSWORD="alice-pass-1")
    mlflow.set_experiment("mlflow-with-auth")
    with mlflow.start_run() as run:
        mlflow.log_param("lr", 0.1)
        mlflow.log_metric("loss", 0.5, step=1)
        mlflow.log_dict({"a": 1}, "config.json")
    client = MlflowClient()
    client.create_registered_model("mlflow-auth-model")
    version = client.create_model_version("mlflow-auth-model", f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    client.set_registered_model_alias("mlflow-auth-model", "champion", version.version)
    os.environ.update(MLFLOW_TRACKING_USERNAME="bob", MLFLOW_TRACKING_PASSWORD="bob-pass-12")
    seen_by_bob = client.get_run(run.info.run_id).data.params
    try:
        client.log_param(run.info.run_id, "sneaky", "1")
        bob_wrote = True
    except MlflowException as error:
        bob_wrote = str(error)[:200]
    os.environ.update(MLFLOW_TRACKING_PASSWORD="wrong-password")
    try:
        client.get_run(run.info.run_id)
        wrong = "accepted"
    except MlflowException as error:
        wrong = str(error)[:200]
    print(json.dumps({"run_id": run.info.run_id, "bob_sees": seen_by_bob, "bob_wrote": bob_wrote, "wrong": wrong,
                      "version": version.version}))
    """
)


@pytest.mark.skipif(importlib.util.find_spec("mlflow") is None, reason="needs mlflow-skinny (the dev extra)")
def test_mlflow_client_with_basic_auth(server, tmp_path):
    env = {**{k: v for k, v in os.environ.items() if "TRACKING_" not in k}, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-c", MLFLOW_SCRIPT, server.url], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["bob_sees"] == {"lr": "0.1"} and seen["version"] == "1"
    assert seen["bob_wrote"] is not True and "PERMISSION_DENIED" in seen["bob_wrote"]
    assert seen["wrong"] != "accepted"
    admin = As(server.url, ADMIN)
    assert "sneaky" not in {p["key"] for p in admin.get("/runs/get", run_id=seen["run_id"]).json()["run"]["data"]["params"]}
    alias = admin.get("/registered-models/alias", name="mlflow-auth-model", alias="champion").json()
    assert alias["model_version"]["version"] == "1"


def test_workers_check_auth_too(tmp_path):
    server = start_auth_server(tmp_path, extra=("--workers", "2"))
    try:
        for _ in range(4):
            assert httpx.get(server.url + "/api/2.0/mlflow/experiments/search").status_code == 401
            assert As(server.url, BOB).get("/experiments/search").status_code == 200
    finally:
        # Not asserted graceful: a SIGTERM while the second worker still imports (load ~22 here) can
        # print its KeyboardInterrupt; graceful stops are test_server_process.py's subject.
        server.stop()


def test_auth_tables_on_each_database(database_uri, tmp_path):
    from autotrack.server.auth_store import AuthStore
    from autotrack.store.sql import SqlStore

    store = SqlStore(database_uri, str(tmp_path / "artifacts"))
    auth = AuthStore(store)
    dana = auth.create_user("dana", "dana-pass-1")
    assert auth.authenticate_password("dana", "dana-pass-1") == dana
    assert auth.authenticate_password("dana", "dana-pass-2") is None
    token_id, token = auth.create_token("dana")
    assert auth.authenticate_token(token) == dana and auth.authenticate_token(token + "x") is None
    auth.set_permission("experiment", "7", dana.id, "EDIT", mode="create")
    auth.set_permission("registered_model", "m", dana.id, "read")
    assert auth.permissions_of("experiment", dana.id) == {"7": "EDIT"} and auth.permission("registered_model", "m", dana.id) == "READ"
    auth.delete_token(token_id)
    assert auth.authenticate_token(token) is None
    auth.delete_user("dana")
    assert auth.list_users() == [] and auth.permission("experiment", "7", dana.id) is None
    store._engine.dispose()


def test_permissions_on_a_postgresql_server(postgres_uri, tmp_path):
    server = start_auth_server(tmp_path, "NO_PERMISSIONS", backend=postgres_uri)
    try:
        alice, bob = As(server.url, ALICE), As(server.url, BOB)
        experiment = alice.create_experiment("alice-on-postgres")
        run = alice.create_run(experiment)
        path = f"/api/2.0/mlflow-artifacts/artifacts/{experiment}/{run}/artifacts/a.txt"
        assert alice.client.put(path, content=b"data").status_code == 200
        assert bob.client.get(path).status_code == 403 and alice.client.get(path).content == b"data"
        assert bob.post("/runs/log-parameter", {"run_id": run, "key": "k", "value": "v"}).status_code == 403
        assert bob.post("/experiments/search", {}).json()["experiments"] == []
        assert alice.post("/experiments/permissions/create", {"experiment_id": experiment, "username": "bob",
                                                              "permission": "EDIT"}).status_code == 200
        assert bob.post("/runs/log-parameter", {"run_id": run, "key": "k", "value": "v"}).status_code == 200
        assert [r["info"]["run_id"] for r in bob.post("/runs/search", {}).json()["runs"]] == [run]
    finally:
        assert server.stop()


WORKFLOW_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import autotrack
    from autotrack import sweeps

    autotrack.set_tracking_uri(sys.argv[1])
    autotrack.set_experiment("alice-workflow")

    def objective(params):
        autotrack.log_metric("seen", params["x"])
        return (params["x"] - 1) ** 2

    result = autotrack.sweep(objective, {"x": sweeps.uniform(-2, 2)}, n_trials=3, metric="loss", mode="min",
                             executor="local", n_jobs=2, seed=0)
    from sklearn.linear_model import LogisticRegression

    X = np.random.default_rng(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    autotrack.autolog()
    model = LogisticRegression().fit(X, y)
    autotrack.autolog(disable=True)
    run = autotrack.last_active_run()
    version = autotrack.register_model(f"runs:/{run.info.run_id}/model", "alice-workflow-model")
    loaded = autotrack.pyfunc.load_model(f"models:/alice-workflow-model/{version.version}")
    trials = autotrack.search_runs(filter_string=f"tags.`mlflow.parentRunId` = '{result.parent_run_id}'",
                                   output_format="list")
    print(json.dumps({"trials": sorted(t.info.status for t in trials), "best": result.best_run_id,
                      "same": bool((loaded.predict(X) == model.predict(X)).all()), "run": run.info.run_id}))
    """
)


def test_a_plain_user_runs_sweeps_autolog_and_the_registry_through_auth(server, tmp_path):
    pytest.importorskip("sklearn")
    env = {**{k: v for k, v in os.environ.items() if "TRACKING_" not in k},
           "AUTOTRACK_TRACKING_USERNAME": ALICE[0], "AUTOTRACK_TRACKING_PASSWORD": ALICE[1]}
    result = subprocess.run([sys.executable, "-c", WORKFLOW_SCRIPT, server.url], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["trials"] == ["FINISHED"] * 3 and seen["same"]
    assert "AccessDenied" not in result.stderr and "permission denied" not in result.stderr.lower()
    bob = As(server.url, BOB)
    assert bob.get("/runs/get", run_id=seen["run"]).status_code == 200  # READ by default
    assert bob.post("/runs/set-tag", {"run_id": seen["run"], "key": "k", "value": "v"}).status_code == 403
