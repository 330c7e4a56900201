"""The sweep engine with real Optuna samplers and real executors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import autotrack
from autotrack import sweeps
from autotrack.entities import RunStatus

SPACE = {"x": sweeps.uniform(-5, 5), "depth": sweeps.randint(2, 6), "kind": sweeps.choice(["a", "b"])}


def quadratic(params):
    return (params["x"] - 1) ** 2 + (0.5 if params["kind"] == "b" else 0.0)


def children(parent_run_id):
    return autotrack.search_runs(search_all_experiments=True, output_format="list",
                                 filter_string=f"tags.mlflow.parentRunId = '{parent_run_id}'")


def test_sweep_records_parent_and_nested_trials():
    result = autotrack.sweep(quadratic, SPACE, n_trials=12, metric="loss", algo="tpe", executor="inline", seed=0)
    assert len(result.trials) == 12 and set(result.trials["state"]) == {"complete"}
    assert result.best_value == pytest.approx(result.trials["value"].min())
    assert result.best_params["x"] == pytest.approx(result.trials.loc[result.trials["value"].idxmin(), "params.x"])
    parent = autotrack.get_run(result.parent_run_id)
    assert parent.info.status == RunStatus.FINISHED
    assert (parent.data.params["algo"], parent.data.params["n_trials"], parent.data.params["metric"]) == ("tpe", "12", "loss")
    assert parent.data.metrics["best_loss"] == pytest.approx(result.best_value)
    assert parent.data.tags["autotrack.sweep.bestRunId"] == result.best_run_id
    trials = children(result.parent_run_id)
    assert len(trials) == 12
    for trial in trials:
        assert trial.info.status == RunStatus.FINISHED
        assert set(trial.data.params) == {"x", "depth", "kind"}
        assert 2 <= int(trial.data.params["depth"]) <= 5  # randint excludes the upper bound
        assert trial.data.metrics["loss"] == pytest.approx(quadratic({
            "x": float(trial.data.params["x"]), "kind": trial.data.params["kind"]}))


def test_dict_objective_and_a_failing_trial_that_does_not_stop_the_sweep():
    def objective(params):
        if params["x"] > 3:
            raise ValueError("x is too large for this model")
        return {"rmse": abs(params["x"]), "mae": 1.0}

    result = autotrack.sweep(objective, {"x": sweeps.uniform(-5, 5)}, n_trials=15, metric="rmse",
                             algo="random", executor="inline", seed=3)
    failed = result.trials[result.trials["state"] == "failed"]
    assert len(result.trials) == 15 and len(failed) >= 1
    run = autotrack.get_run(failed["run_id"].iloc[0])
    assert run.info.status == RunStatus.FAILED and run.data.tags["autotrack.trial.state"] == "FAILED"
    text = open(autotrack.Client().download_artifacts(run.info.run_id, "traceback.txt")).read()
    assert "ValueError: x is too large for this model" in text
    finished = autotrack.get_run(result.best_run_id)
    assert finished.data.metrics == {"rmse": result.best_value, "mae": 1.0}


def test_missing_metric_fails_the_trial_with_a_clear_reason():
    result = autotrack.sweep(lambda p: {"other": 1.0}, {"x": sweeps.uniform(0, 1)}, n_trials=2, metric="rmse",
                             executor="inline")
    assert set(result.trials["state"]) == {"failed"}
    text = open(autotrack.Client().download_artifacts(result.trials["run_id"][0], "traceback.txt")).read()
    assert "without the sweep's metric ['rmse']" in text
    assert result.best_value is None


def test_conditional_space_samples_only_the_chosen_branch():
    space = {"model": sweeps.choice({"rf": {"depth": sweeps.randint(2, 10)},
                                     "linear": {"alpha": sweeps.loguniform(1e-4, 1.0)}})}
    seen = []

    def objective(params):
        seen.append(dict(params))
        return params.get("depth", 0) + params.get("alpha", 0)

    autotrack.sweep(objective, space, n_trials=12, executor="inline", algo="random", seed=1)
    assert {tuple(sorted(p)) for p in seen} == {("depth", "model"), ("alpha", "model")}
    assert all(("depth" in p) == (p["model"] == "rf") for p in seen)


def test_grid_visits_every_combination_once():
    seen = []
    autotrack.sweep(lambda p: seen.append((p["a"], p["b"])) or 0.0, {"a": [1, 2, 3], "b": ["x", "y"]},
                    n_trials=6, algo="grid", executor="inline")
    assert sorted(seen) == [(a, b) for a in (1, 2, 3) for b in ("x", "y")]


def test_multi_objective_nsga2():
    result = autotrack.sweep(lambda p: {"loss": p["x"] ** 2, "size": (1 - p["x"]) ** 2}, {"x": sweeps.uniform(0, 1)},
                             n_trials=10, metric=["loss", "size"], mode=["min", "min"], algo="nsga2",
                             executor="inline", seed=0)
    assert len(result.trials) == 10
    trial = autotrack.get_run(result.trials["run_id"][0])
    assert {"loss", "size"} <= set(trial.data.metrics)


def test_median_pruner_marks_pruned_trials():
    def objective(params):
        for step in range(10):
            autotrack.report(params["x"] * (step + 1), step)
        return params["x"] * 10

    result = autotrack.sweep(objective, {"x": sweeps.uniform(0, 10)}, n_trials=20, metric="loss",
                             algo="random", pruner="median", executor="inline", seed=0)
    pruned = result.trials[result.trials["state"] == "pruned"]
    assert len(pruned) >= 3
    run = autotrack.get_run(pruned["run_id"].iloc[0])
    assert run.data.tags["autotrack.trial.state"] == "PRUNED"
    assert len(autotrack.Client().get_metric_history(run.info.run_id, "loss")) < 10


def test_thread_executor_runs_trials_concurrently():
    import threading

    threads = set()

    def objective(params):
        threads.add(threading.get_ident())
        time.sleep(0.05)
        return params["x"]

    result = autotrack.sweep(objective, {"x": sweeps.uniform(0, 1)}, n_trials=8, executor="thread", n_jobs=2,
                             algo="random", seed=0)
    assert len(result.trials) == 8 and len(threads) == 2


def _in_worker(params):
    import os

    return {"loss": params["x"], "pid": float(os.getpid())}


def _dies_or_sleeps(params):
    import os
    import time

    if params["kind"] == "die":
        os.kill(os.getpid(), 9)
    if params["kind"] == "slow":
        time.sleep(30)
    return params["x"]


def test_local_executor_runs_trials_in_worker_processes():
    result = autotrack.sweep(_in_worker, {"x": sweeps.uniform(0, 1)}, n_trials=6, metric="loss",
                             executor="local", n_jobs=2, algo="random", seed=0)
    pids = {autotrack.get_run(run_id).data.metrics["pid"] for run_id in result.trials["run_id"]}
    assert len(pids) == 2 and os.getpid() not in pids


def test_killed_worker_and_timeout_fail_their_trials_only():
    space = {"x": [0.1, 0.2], "kind": ["ok", "die", "slow", "fine"]}
    result = autotrack.sweep(_dies_or_sleeps, space, n_trials=8, algo="grid", executor="local", n_jobs=2,
                             trial_timeout=3)
    assert len(result.trials) == 8
    by_kind = result.trials.groupby("params.kind")["state"].apply(set).to_dict()
    assert by_kind == {"ok": {"complete"}, "fine": {"complete"}, "die": {"failed"}, "slow": {"failed"}}
    reasons = {autotrack.get_run(r).info.status for r in result.trials["run_id"]}
    assert reasons == {RunStatus.FINISHED, RunStatus.FAILED}
    died = result.trials[result.trials["params.kind"] == "die"]["run_id"].iloc[0]
    slow = result.trials[result.trials["params.kind"] == "slow"]["run_id"].iloc[0]
    client = autotrack.Client()
    assert "worker process died" in open(client.download_artifacts(died, "traceback.txt")).read()
    assert "trial_timeout=3" in open(client.download_artifacts(slow, "traceback.txt")).read()


def test_autologged_fit_inside_a_trial_lands_in_the_trial_run():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(n_samples=200, random_state=0)
    autotrack.autolog(log_models=False)
    try:
        def objective(params):
            return LogisticRegression(C=params["C"]).fit(X, y).score(X, y)

        result = autotrack.sweep(objective, {"C": sweeps.loguniform(0.01, 10)}, n_trials=3, metric="accuracy",
                                 mode="max", executor="inline", seed=0)
    finally:
        autotrack.autolog(disable=True)
    for run_id in result.trials["run_id"]:
        run = autotrack.get_run(run_id)
        assert run.data.tags["estimator_name"] == "LogisticRegression"
        assert "training_accuracy_score" in run.data.metrics
    assert len(autotrack.search_runs(search_all_experiments=True, output_format="list")) == 4  # parent + 3 trials


def test_ctrl_c_marks_running_trial_and_parent_killed():
    calls = []

    def objective(params):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return params["x"]

    with pytest.raises(KeyboardInterrupt):
        autotrack.sweep(objective, {"x": sweeps.uniform(0, 1)}, n_trials=10, executor="inline", seed=0, name="stopped")
    parent = autotrack.search_runs(search_all_experiments=True, output_format="list",
                                   filter_string="attributes.run_name = 'stopped'")[0]
    assert parent.info.status == RunStatus.KILLED
    statuses = sorted(r.info.status for r in children(parent.info.run_id))
    assert statuses == [RunStatus.FINISHED, RunStatus.FINISHED, RunStatus.KILLED]


def test_sigterm_mid_sweep_then_resume_loses_and_duplicates_nothing(tmp_path):
    script = textwrap.dedent(
        """
        import time, autotrack
        from autotrack import sweeps

        def objective(params):
            time.sleep(0.3)
            return params["x"]

        autotrack.sweep(objective, {"x": sweeps.uniform(0, 1)}, n_trials=12, metric="loss", executor="inline",
                        algo="random", seed=0, name="interrupted")
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_")}
    env["AUTOTRACK_TRACKING_URI"] = autotrack.get_tracking_uri()
    worker = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    client = autotrack.Client()
    deadline = time.time() + 60
    parent = None
    while time.time() < deadline:
        found = autotrack.search_runs(search_all_experiments=True, output_format="list",
                                      filter_string="attributes.run_name = 'interrupted'")
        if found and len(children(found[0].info.run_id)) >= 4:
            parent = found[0]
            break
        time.sleep(0.1)
    assert parent is not None
    worker.send_signal(signal.SIGTERM)
    worker.communicate(timeout=30)
    assert worker.returncode == 128 + signal.SIGTERM
    assert client.get_run(parent.info.run_id).info.status == RunStatus.KILLED
    before = [r for r in children(parent.info.run_id) if r.info.status == RunStatus.FINISHED]
    assert 3 <= len(before) < 12
    result = autotrack.sweep(lambda p: p["x"], {"x": sweeps.uniform(0, 1)}, n_trials=12, metric="loss",
                             executor="inline", algo="random", seed=0, resume=parent.info.run_id)
    finished = [r for r in children(parent.info.run_id) if r.info.status == RunStatus.FINISHED]
    assert len(finished) == 12  # the budget, exactly: nothing lost, nothing run twice
    assert {r.info.run_id for r in before} <= {r.info.run_id for r in finished}
    assert len(result.trials) == 12
    assert client.get_run(parent.info.run_id).info.status == RunStatus.FINISHED


def test_bad_arguments_are_clear_errors():
    with pytest.raises(autotrack.InvalidInput, match="Unknown algo 'bayes-opt'"):
        autotrack.sweep(quadratic, SPACE, algo="bayes-opt", executor="inline")
    with pytest.raises(autotrack.InvalidInput, match="Unknown executor"):
        autotrack.sweep(quadratic, SPACE, executor="cluster")
    with pytest.raises(autotrack.InvalidInput, match="low < high"):
        sweeps.uniform(3, 1)
    with pytest.raises(autotrack.InvalidInput, match="low > 0"):
        sweeps.loguniform(0, 1)
    assert autotrack.search_runs(search_all_experiments=True, output_format="list") == []


def test_hyperopt_tpe_with_our_space_and_with_an_hp_space():
    from hyperopt import hp

    result = autotrack.sweep(quadratic, SPACE, n_trials=15, metric="loss", algo="hyperopt-tpe",
                             executor="inline", seed=0)
    assert len(result.trials) == 15 and set(result.trials["state"]) == {"complete"}
    assert result.best_value == pytest.approx(result.trials["value"].min())
    assert set(result.best_params) == {"x", "depth", "kind"} and 2 <= result.best_params["depth"] < 6

    space = {"lr": hp.loguniform("lr", -7, 0),
             "model": hp.choice("model", [{"type": "rf", "depth": hp.randint("depth", 2, 8)},
                                          {"type": "linear", "alpha": hp.uniform("alpha", 0, 1)}])}
    seen = []

    def objective(params):
        seen.append(params)
        return params["lr"] + params["model"].get("alpha", 0)

    result = autotrack.sweep(objective, space, n_trials=10, metric="loss", executor="inline", seed=1)
    assert len(seen) == 10 and all(0 < p["lr"] <= 1 for p in seen)
    assert {p["model"]["type"] for p in seen} <= {"rf", "linear"}
    trial = autotrack.get_run(result.trials["run_id"][0])
    assert "lr" in trial.data.params and any(k.startswith("model.") for k in trial.data.params)
    with pytest.raises(autotrack.InvalidInput, match="Pruning needs an Optuna algorithm"):
        autotrack.sweep(objective, space, n_trials=2, pruner="median", executor="inline")


def _ray_objective(params):
    import autotrack

    for step in range(3):
        autotrack.log_metric("curve", params["x"] * step, step=step)
    autotrack.log_text(f"x={params['x']}", "notes/x.txt")
    if params["x"] > 0.9:
        raise RuntimeError("diverged")
    return params["x"]


def test_ray_executor_writes_what_workers_recorded_into_the_trial_runs():
    result = autotrack.sweep(_ray_objective, {"x": sweeps.uniform(0, 1)}, n_trials=6, metric="loss",
                             executor="ray", n_jobs=2, algo="random", seed=0,
                             executor_options={"init_options": {"num_cpus": 2}})
    assert len(result.trials) == 6
    client = autotrack.Client()
    for row in result.trials.itertuples():
        run = client.get_run(row.run_id)
        if row.state == "complete":
            assert run.info.status == RunStatus.FINISHED
            assert run.data.metrics["loss"] == pytest.approx(row.value)
            assert [m.step for m in client.get_metric_history(row.run_id, "curve")] == [0, 1, 2]
            assert open(client.download_artifacts(row.run_id, "notes/x.txt")).read().startswith("x=")
        else:
            assert run.info.status == RunStatus.FAILED
            assert "diverged" in open(client.download_artifacts(row.run_id, "traceback.txt")).read()
    import ray

    assert not ray.is_initialized()  # the sweep started its local Ray and stopped it


def test_cmaes_converges_on_a_quadratic():
    result = autotrack.sweep(lambda p: (p["x"] - 1) ** 2 + (p["y"] + 2) ** 2,
                             {"x": sweeps.uniform(-5, 5), "y": sweeps.uniform(-5, 5)}, n_trials=40,
                             algo="cmaes", executor="inline", seed=0)
    assert set(result.trials["state"]) == {"complete"}
    assert result.best_value < 1.0


def _reports_each_step(params):
    import autotrack

    for step in range(8):
        autotrack.report(params["x"] * (step + 1), step)
    return params["x"] * 8


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_pruning_decisions_reach_trials_in_worker_processes(executor):
    options = {"init_options": {"num_cpus": 2}} if executor == "ray" else {}
    result = autotrack.sweep(_reports_each_step, {"x": sweeps.uniform(0, 10)}, n_trials=14, metric="loss",
                             algo="random", pruner="median", executor=executor, n_jobs=2, seed=0,
                             executor_options=options)
    pruned = result.trials[result.trials["state"] == "pruned"]
    assert len(pruned) >= 2 and len(result.trials) == 14
    run = autotrack.get_run(pruned["run_id"].iloc[0])
    assert run.data.tags["autotrack.trial.state"] == "PRUNED"
    assert len(autotrack.Client().get_metric_history(run.info.run_id, "loss")) < 8


def _node_objective(params):
    import time

    import ray

    import autotrack

    autotrack.set_tag("ray.node", ray.get_runtime_context().get_node_id())
    autotrack.log_metric("half", params["x"] / 2)
    time.sleep(1.0)  # long enough that the two nodes run trials side by side
    return params["x"]


def test_ray_executor_on_a_two_node_cluster():
    """A head and a worker node (separate raylets and object stores, as `ray start` makes) on loopback."""
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        result = autotrack.sweep(_node_objective, {"x": sweeps.uniform(0, 1)}, n_trials=6, metric="x",
                                 executor="ray", n_jobs=2, algo="random", seed=0,
                                 executor_options={"address": cluster.address})
        client = autotrack.Client()
        nodes = set()
        for row in result.trials.itertuples():
            run = client.get_run(row.run_id)
            assert run.info.status == RunStatus.FINISHED
            assert run.data.metrics["half"] == pytest.approx(row.value / 2)
            nodes.add(run.data.tags["ray.node"])
            assert run.data.tags["autotrack.context.rayNodeId"] == run.data.tags["ray.node"]  # the run context says
        assert len(nodes) == 2  # trials ran on both nodes and came back to the driver's store
        assert not ray.is_initialized()  # the sweep disconnected; the cluster itself is the user's
    finally:
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()


def test_a_hyperopt_sweep_resumes_with_its_history_replayed():
    space = {"x": sweeps.uniform(-3, 3), "model": sweeps.choice(["a", "b"])}
    calls = []

    def interrupted(params):
        calls.append(params)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return (params["x"] - 1) ** 2

    with pytest.raises(KeyboardInterrupt):
        autotrack.sweep(interrupted, space, n_trials=12, metric="loss", algo="hyperopt-tpe", executor="inline",
                        seed=0, name="tpe-resume")
    parent = autotrack.search_runs(search_all_experiments=True, output_format="list",
                                   filter_string="attributes.run_name = 'tpe-resume'")[0]
    resumed = []

    def objective(params):
        resumed.append(params)
        return (params["x"] - 1) ** 2

    result = autotrack.sweep(objective, space, n_trials=12, metric="loss", algo="hyperopt-tpe", executor="inline",
                             seed=0, resume=parent.info.run_id)
    assert len(resumed) == 8  # 12 minus the 4 finished before the interruption
    assert len(result.trials) == 12
    finished = [r for r in children(parent.info.run_id) if r.info.status == RunStatus.FINISHED]
    assert len(finished) == 12
    assert result.best_value == pytest.approx(min(r.data.metrics["loss"] for r in finished))
    assert all(-3 <= p["x"] <= 3 and p["model"] in ("a", "b") for p in resumed)


PROGRESS_SCRIPT = textwrap.dedent(
    """
    import autotrack
    from autotrack import sweeps

    def objective(params):
        if params["x"] > 0.8:
            raise ValueError("too big")
        return params["x"]

    autotrack.sweep(objective, {"x": sweeps.uniform(0, 1)}, n_trials=8, metric="loss", executor="inline",
                    algo="random", seed=3)
    print("done")
    """
)


def _run_sweep_script(tmp_path, stderr_tty: bool) -> tuple[str, str]:
    import pty

    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_") or k == "AUTOTRACK_HOME"}
    if not stderr_tty:
        out = subprocess.run([sys.executable, "-c", PROGRESS_SCRIPT], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
        return out.stdout, out.stderr
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", PROGRESS_SCRIPT], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the program ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    stdout = process.stdout.read()
    process.wait(timeout=120)
    os.close(master)
    return stdout, b"".join(chunks).decode(errors="replace")


def test_progress_bar_on_a_terminal_and_none_when_piped(tmp_path):
    stdout, terminal = _run_sweep_script(tmp_path, stderr_tty=True)
    assert stdout.strip() == "done"  # the bar never writes to the program's stdout
    assert "8/8" in terminal and "best loss=" in terminal
    assert "failed=" in terminal  # x > 0.8 fails for this seed
    stdout, stderr = _run_sweep_script(tmp_path, stderr_tty=False)
    assert stdout.strip() == "done"
    assert "8/8" not in stderr and "best loss" not in stderr


def _curve_then_final(params):
    import autotrack

    for step in range(4):
        autotrack.report(0.1 * step, step)
    return {"loss": params["final"], "size": 3.0}


def test_a_trial_that_reported_a_curve_logs_its_final_value_at_the_last_step():
    result = autotrack.sweep(_curve_then_final, {"final": sweeps.choice([0.1 * 3, 0.9])}, metric="loss",
                             algo="grid", executor="inline")
    client = autotrack.Client()
    for row in result.trials.itertuples():
        history = [(m.step, m.value) for m in client.get_metric_history(row.run_id, "loss")]
        reported = [(step, pytest.approx(0.1 * step)) for step in range(4)]
        if row.value == 0.1 * 3:  # the last report already was the final value: not logged twice
            assert history == reported
        else:  # a different final value comes at the last reported step, never back at step 0
            assert history == [*reported, (3, 0.9)]
        assert [m.step for m in client.get_metric_history(row.run_id, "size")] == [3]
        assert client.get_run(row.run_id).data.metrics["loss"] == pytest.approx(row.value)
