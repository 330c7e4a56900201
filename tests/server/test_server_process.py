"""`autotrack server` as users run it: a real process on 127.0.0.1, autotrack's client in this process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import httpx
import pytest

import autotrack
from autotrack.exceptions import InvalidInput

from live_server import ServerProcess


@pytest.fixture
def on_server(server_process, monkeypatch):
    """The fluent API pointed at a live server process."""
    autotrack.set_tracking_uri(server_process.url)
    yield server_process
    while autotrack.active_run():  # while the server is still there
        autotrack.end_run()
    from autotrack import tracking_uri

    for (location, _), (_, writer) in list(tracking_uri._stores.items()):
        if location == server_process.url:
            # A sweep's finished trials leave the driver's heartbeat set at its next beat (within 10 s);
            # this server is about to stop, so stop beating them now rather than warn a minute later.
            writer._live.clear()


def test_starts_and_stops_cleanly_on_sigterm(tmp_path):
    server = ServerProcess(str(tmp_path / "store")).start()
    # How fast it starts is a figure, not an assertion: benchmarks/bench_server.py prints it beside mlflow server's.
    answered = httpx.post(f"{server.url}/api/2.0/mlflow/experiments/create", json={"name": "kept"})
    assert answered.status_code == 200
    assert server.stop()
    again = ServerProcess(str(tmp_path / "store")).start()  # the acknowledged write is there after a restart
    try:
        found = httpx.get(f"{again.url}/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": "kept"})
        assert found.status_code == 200
    finally:
        assert again.stop()


def test_refuses_a_public_address_without_auth(tmp_path):
    result = subprocess.run([sys.executable, "-m", "autotrack", "server", "--host", "0.0.0.0",
                             "--backend-store-uri", str(tmp_path / "s")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Refusing to listen on 0.0.0.0" in result.stderr and "--insecure-no-auth" in result.stderr


def test_fluent_api_logs_through_the_server(on_server, tmp_path):
    autotrack.set_experiment("team")
    with autotrack.start_run(run_name="fit") as run:
        autotrack.log_params({"lr": 0.1, "depth": 4})
        for step in range(3000):
            autotrack.log_metric("loss", 1 / (step + 1), step=step)
        autotrack.set_tag("stage", "dev")
        autotrack.log_dict({"a": 1}, "config/params.json")
        (tmp_path / "weights.bin").write_bytes(os.urandom(300_000))
        autotrack.log_artifact(str(tmp_path / "weights.bin"), "model")
    read = autotrack.get_run(run.info.run_id)
    assert read.info.status == "FINISHED"
    assert read.data.params == {"lr": "0.1", "depth": "4"} and read.data.tags["stage"] == "dev"
    assert read.data.metrics["loss"] == 1 / 3000
    history = autotrack.Client().get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in history] == list(range(3000))
    # Stored by the server, in its own store folder, not in this process's working directory.
    server_root = tmp_path / "server-store" / "artifacts"
    experiment_id = read.info.experiment_id
    stored = server_root / experiment_id / run.info.run_id / "artifacts"
    assert (stored / "model" / "weights.bin").read_bytes() == (tmp_path / "weights.bin").read_bytes()
    client = autotrack.Client()
    assert [f.path for f in client.list_artifacts(run.info.run_id) if f.path != "context"] == ["config", "model"]
    downloaded = client.download_artifacts(run.info.run_id, "", str(tmp_path / "down"))
    assert open(os.path.join(downloaded, "config", "params.json")).read().strip().startswith("{")
    frame = autotrack.search_runs(filter_string="params.depth = '4' and metrics.loss < 0.01")
    assert list(frame["run_id"]) == [run.info.run_id]


def test_model_logged_registered_and_loaded_through_the_server(on_server):
    sklearn = pytest.importorskip("sklearn.linear_model")
    import numpy as np

    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    with autotrack.start_run() as run:
        info = autotrack.sklearn.log_model(sklearn.LinearRegression().fit(X, y), name="model",
                                           registered_model_name="reg")
    assert info.registered_model_version == 1
    autotrack.Client().set_registered_model_alias("reg", "champion", 1)
    for uri in (f"runs:/{run.info.run_id}/model", "models:/reg/1", "models:/reg@champion"):
        model = autotrack.pyfunc.load_model(uri)
        assert np.allclose(model.predict(X), y), uri


def test_metrics_survive_a_server_restart(tmp_path, monkeypatch):
    """Values logged while the server is down are sent once it is back (retries, nothing lost)."""
    server = ServerProcess(str(tmp_path / "store")).start()
    autotrack.set_tracking_uri(server.url)
    client = autotrack.Client()
    run = client.create_run("0")
    for step in range(100):
        client.log_metric(run.info.run_id, "m", step, step=step)
    client.flush()
    assert server.stop()
    for step in range(100, 200):  # buffered while nothing listens
        client.log_metric(run.info.run_id, "m", step, step=step)
    restarted = ServerProcess(server.backend, port=server.port)
    timer = threading.Timer(1.0, restarted.start)
    timer.start()
    try:
        client.flush()  # retries until the restarted server answers
        assert [m.step for m in client.get_metric_history(run.info.run_id, "m")] == list(range(200))
        client.set_terminated(run.info.run_id)
    finally:
        timer.join()
        assert restarted.stop()


def test_server_that_is_down_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("AUTOTRACK_HTTP_RETRY_SECONDS", "0.5")
    from live_server import free_port

    autotrack.set_tracking_uri(f"http://127.0.0.1:{free_port()}")
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match="did not answer .* Is `autotrack server` running there"):
        autotrack.Client().search_experiments()
    assert time.perf_counter() - start < 5
    cli = subprocess.run([sys.executable, "-m", "autotrack", "--tracking-uri", f"http://127.0.0.1:{free_port()}",
                          "runs", "list"], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "AUTOTRACK_HTTP_RETRY_SECONDS": "0.5"})
    assert cli.returncode == 1 and "Traceback" not in cli.stderr
    assert cli.stderr.startswith("Error: The tracking server at http://127.0.0.1:") and "running there?" in cli.stderr


def test_bad_server_uri_is_a_clear_error():
    with pytest.raises(InvalidInput, match="not a server address"):
        autotrack.Client("http://").search_experiments()


def test_cli_commands_read_through_the_server(on_server, tmp_path):
    with autotrack.start_run(run_name="cli-run") as run:
        autotrack.log_metric("rmse", 0.25)
    env = {**os.environ, "AUTOTRACK_TRACKING_URI": on_server.url, "COLUMNS": "200"}
    listed = subprocess.run([sys.executable, "-m", "autotrack", "runs", "list"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert run.info.run_id in listed.stdout and "cli-run" in listed.stdout
    shown = subprocess.run([sys.executable, "-m", "autotrack", "--tracking-uri", on_server.url, "runs", "show",
                            run.info.run_id], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "rmse" in shown.stdout and "0.25" in shown.stdout
    experiments = subprocess.run([sys.executable, "-m", "autotrack", "--tracking-uri", on_server.url,
                                  "experiments", "list"], capture_output=True, text=True, timeout=120)
    assert experiments.returncode == 0 and "Default" in experiments.stdout
    autotrack.Client().create_registered_model("cli-model", description="through the server")
    models = subprocess.run([sys.executable, "-m", "autotrack", "--tracking-uri", on_server.url, "models", "list"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert models.returncode == 0 and "cli-model" in models.stdout and "through the server" in models.stdout
    missing = subprocess.run([sys.executable, "-m", "autotrack", "--tracking-uri", on_server.url, "runs", "show",
                              "0" * 32], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and missing.stderr.startswith("Error: ") and "Traceback" not in missing.stderr


def test_sweep_with_local_workers_logs_to_the_server(on_server):
    def objective(params):
        autotrack.log_metric("seen", params["x"])
        return (params["x"] - 1) ** 2

    from autotrack import sweeps

    result = autotrack.sweep(objective, {"x": sweeps.uniform(-2, 2)}, n_trials=4, metric="loss", mode="min",
                             executor="local", n_jobs=2, seed=0)
    from autotrack import system_tags

    trials = autotrack.search_runs(filter_string=f"tags.`{system_tags.PARENT_RUN_ID}` = '{result.parent_run_id}'",
                                   output_format="list")
    assert len(trials) == 4
    assert all(t.info.status == "FINISHED" and "seen" in t.data.metrics for t in trials)
    assert result.best_run_id in {t.info.run_id for t in trials}


def test_autolog_records_through_the_server(on_server):
    pytest.importorskip("sklearn")
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    autotrack.autolog()
    try:
        X = np.random.default_rng(0).normal(size=(60, 3))
        y = (X[:, 0] > 0).astype(int)
        model = LogisticRegression(C=0.5).fit(X, y)
    finally:
        autotrack.autolog(disable=True)
    run = autotrack.last_active_run()
    assert run.data.params["C"] == "0.5" and "training_accuracy_score" in run.data.metrics
    loaded = autotrack.sklearn.load_model(f"runs:/{run.info.run_id}/model")
    assert (loaded.predict(X) == model.predict(X)).all()


def test_sweep_on_ray_logs_to_the_server(on_server):
    pytest.importorskip("ray")
    from autotrack import sweeps, system_tags

    def objective(params):
        autotrack.log_metric("seen", params["x"])
        return params["x"] ** 2

    result = autotrack.sweep(objective, {"x": sweeps.uniform(-1, 1)}, n_trials=2, metric="loss", mode="min",
                             executor="ray", n_jobs=2, seed=0)
    trials = autotrack.search_runs(filter_string=f"tags.`{system_tags.PARENT_RUN_ID}` = '{result.parent_run_id}'",
                                   output_format="list")
    assert len(trials) == 2 and all(t.info.status == "FINISHED" and "seen" in t.data.metrics for t in trials)


GONE_FOR_GOOD = textwrap.dedent(
    """
    import sys, time
    import autotrack
    from autotrack.store.http import ServerUnreachable

    autotrack.set_tracking_uri(sys.argv[1])
    run = autotrack.start_run()
    print("started", flush=True)
    sys.stdin.readline()  # the test stops the server for good here
    for step in range(3000):
        autotrack.log_metric("loss", 1.0 / (step + 1), step=step)
        if step % 1000 == 0:
            time.sleep(1.2)  # the writer tries (and fails) meanwhile
    autotrack.log_metric("after", 1.0)
    print("training done", flush=True)
    try:
        autotrack.end_run()
    except ServerUnreachable as error:
        print("end_run:", type(error).__name__, flush=True)
    """
)


def test_a_server_gone_for_good_is_one_warning_not_an_exception_in_training(tmp_path):
    server = ServerProcess(str(tmp_path / "store")).start()
    # Console capture off: this test counts the metric path's warnings alone.
    # Its own home: the journal it leaves is keyed by the server's URL, and a later test's server may get that port.
    env = {**os.environ, "AUTOTRACK_HTTP_RETRY_SECONDS": "0.5", "AUTOTRACK_CAPTURE": "none",
           "PYTHONWARNINGS": "default", "AUTOTRACK_HOME": str(tmp_path / "home")}
    script = subprocess.Popen([sys.executable, "-c", GONE_FOR_GOOD, server.url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    assert script.stdout.readline().strip() == "started"
    assert server.stop()
    out, err = script.communicate("go\n", timeout=120)
    assert "training done" in out, err
    assert err.count("metrics yet; they are kept and it will retry") == 1  # one warning while training
    assert "Is `autotrack server` running there?" in err
    # At exit, one more line says where the unsent values wait (the metric journal) for the next process.
    assert err.count("AutotrackWarning") == 2 and "metric-journal" in err
    assert list((tmp_path / "home" / "metric-journal").iterdir())
    assert "end_run: ServerUnreachable" in out  # ending the run needs the server: a clear error there


STREAMING = textwrap.dedent(
    """
    import os, resource, sys
    import autotrack

    autotrack.set_tracking_uri(sys.argv[1])
    path = sys.argv[2]
    with open(path, "wb") as file:  # 256 MiB, written in 1 MiB pieces
        for _ in range(256):
            file.write(os.urandom(1 << 20))
    client = autotrack.Client()
    run = client.create_run("0")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    client.log_artifact(run.info.run_id, path, "data")
    back = client.download_artifacts(run.info.run_id, "data/" + os.path.basename(path), os.path.dirname(path) + "/down")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) // 1024, os.path.getsize(back), flush=True)
    """
)


def _peak_rss_mib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmHWM")


def test_artifacts_stream_through_client_and_server(server_process, tmp_path):
    """A 256 MiB file goes up and comes back without either side holding it in memory."""
    server_before = _peak_rss_mib(server_process.process.pid)
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", STREAMING, server_process.url, str(tmp_path / "big.bin")],
                         capture_output=True, text=True, env=env, timeout=300, check=True).stdout.split()
    client_growth_mib, size = int(out[0]), int(out[1])
    assert size == 256 << 20
    assert client_growth_mib < 64, client_growth_mib
    assert _peak_rss_mib(server_process.process.pid) - server_before < 64
    assert (tmp_path / "down" / "big.bin").read_bytes()[:4096] == (tmp_path / "big.bin").read_bytes()[:4096]


WORKER_CLIENT = textwrap.dedent(
    """
    import sys
    import autotrack

    autotrack.set_tracking_uri(sys.argv[1])
    autotrack.set_experiment("parallel")
    with autotrack.start_run(run_name=f"client-{sys.argv[2]}") as run:
        autotrack.log_params({f"p{i}": i for i in range(20)})
        for step in range(2000):
            autotrack.log_metric("loss", 1.0 / (step + 1), step=step)
        autotrack.log_text("x" * 1000, "notes/a.txt")
    print(run.info.run_id)
    """
)


def test_several_workers_and_clients_lose_nothing(tmp_path):
    server = ServerProcess(str(tmp_path / "store"), extra=("--workers", "2")).start()
    try:
        env = dict(os.environ)
        clients = [subprocess.Popen([sys.executable, "-c", WORKER_CLIENT, server.url, str(i)], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=env) for i in range(3)]
        run_ids = []
        for client in clients:
            out, err = client.communicate(timeout=240)
            assert client.returncode == 0 and "Warning" not in err, err
            run_ids.append(out.strip())
        reader = autotrack.Client(server.url)
        for run_id in run_ids:
            run = reader.get_run(run_id)
            assert run.info.status == "FINISHED" and len(run.data.params) == 20
            assert len(reader.get_metric_history(run_id, "loss")) == 2000
            assert [f.path for f in reader.list_artifacts(run_id, "notes")] == ["notes/a.txt"]
    finally:
        assert server.stop()
