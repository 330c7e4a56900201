"""Sweeps a hostile user would run: huge grids, signals on every executor, numbers out of range."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import autotrack
from autotrack import sweeps
from autotrack.entities import RunStatus
from autotrack.sweeps._engine import SweepFailedWarning
from autotrack.sweeps._grid import LazyGridSampler
from autotrack.sweeps._spec import InvalidSweepSpec, load_spec


def children(parent_run_id: str, uri: str | None = None) -> list:
    client = autotrack.Client(uri) if uri else autotrack.Client()
    experiments = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(experiments, f"tags.`mlflow.parentRunId` = '{parent_run_id}'", max_results=1000)


def parents(uri: str | None = None) -> list:
    client = autotrack.Client(uri) if uri else autotrack.Client()
    experiments = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(experiments, "tags.`autotrack.sweep` = 'parent'", max_results=1000)


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_")}
    env.update(extra)
    return env


# -- 5: huge grids ------------------------------------------------------------
HUGE_GRID = textwrap.dedent(
    """
    import json, resource, time, autotrack
    autotrack.set_tracking_uri("runs")
    space = {name: list(range(1000)) for name in ("a", "b", "c")}  # 10**9 points
    autotrack.sweep(lambda p: 0.0, {"a": [1, 2]}, n_trials=2, algo="grid", executor="inline")  # warm: imports, store
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = autotrack.sweep(lambda p: p["a"] + p["b"] + p["c"], space, n_trials=20, algo="grid",
                             executor="inline", seed=0)
    print(json.dumps({"seconds": time.perf_counter() - start, "trials": len(result.trials),
                      "states": sorted(set(result.trials["state"])),
                      "points": len({(r["params.a"], r["params.b"], r["params.c"]) for _, r in result.trials.iterrows()}),
                      "grown_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}))
    """
)


def test_a_grid_of_a_billion_points_with_a_run_cap_of_20_runs_20_trials_in_seconds(tmp_path):
    out = subprocess.run([sys.executable, "-c", HUGE_GRID], cwd=tmp_path, env=clean_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    assert measured["trials"] == 20 and measured["states"] == ["complete"] and measured["points"] == 20
    assert measured["seconds"] < 20, measured
    assert measured["grown_mb"] < 50, measured  # Optuna's GridSampler: 7.6 GB in 30 s and no trial


def test_the_same_huge_grid_from_yaml_with_run_cap(tmp_path):
    values = list(range(1000))
    (tmp_path / "objectives.py").write_text("def total(p):\n    return p['a'] + p['b'] + p['c']\n")
    (tmp_path / "sweep.yaml").write_text(json.dumps({
        "function": "objectives:total", "method": "grid", "metric": {"name": "loss"}, "run_cap": 20,
        "executor": "inline", "parameters": {name: {"values": values} for name in "abc"}}))
    start = time.monotonic()
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "autotrack"), "--tracking-uri",
                          str(tmp_path / "runs"), "sweep", "sweep.yaml"], cwd=tmp_path, env=clean_env(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert time.monotonic() - start < 30
    [parent] = parents(str(tmp_path / "runs"))
    assert len(children(parent.info.run_id, str(tmp_path / "runs"))) == 20


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=4), st.integers(0, 2**32 - 1))
def test_grid_indices_decode_to_every_point_once_and_read_back(radices, seed):
    grid = {f"p{i}": [f"v{i}.{j}" for j in range(radix)] for i, radix in enumerate(radices)}
    sampler = LazyGridSampler(grid, seed)
    points = [sampler.point(i) for i in range(sampler.size)]
    assert sampler.size == math.prod(radices)
    assert len({tuple(sorted(p.items())) for p in points}) == sampler.size  # every combination, once
    assert [sampler._index_of(p) for p in points] == list(range(sampler.size))


def _points(result) -> list[tuple]:
    return [(row["params.a"], row["params.group"]["b"], row["params.c"]) for _, row in result.trials.iterrows()]


def test_grid_covers_each_point_once_in_a_seeded_order_and_resume_finishes_it():
    space = {"a": [1, 2, 3], "group": {"b": [10, 20]}, "c": sweeps.choice(["x", "y"]), "fixed": 5}

    def run(seed):
        result = autotrack.sweep(lambda p: p["a"] + p["group"]["b"], space, n_trials=100, algo="grid",
                                 executor="inline", seed=seed)
        return _points(result)

    first, again = run(7), run(7)
    assert first == again and len(first) == len(set(first)) == 12  # n_trials is cut to the grid's size
    calls = []

    def stops_at_the_fifth(params):
        calls.append(params)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return params["a"]

    with pytest.raises(KeyboardInterrupt):
        autotrack.sweep(stops_at_the_fifth, space, n_trials=12, algo="grid", executor="inline", seed=3, name="cut")
    [parent] = [p for p in parents() if p.info.run_name == "cut"]
    resumed = autotrack.sweep(lambda p: p["a"], space, n_trials=12, algo="grid", executor="inline", seed=3,
                              resume=parent.info.run_id)
    points = _points(resumed)
    assert len(points) == len(set(points)) == 12


# -- 6: SIGTERM and Ctrl-C stop every executor --------------------------------
THREAD_SWEEP = textwrap.dedent(
    """
    import time, autotrack
    from autotrack import sweeps

    def objective(params):
        for step in range(600):
            autotrack.log_metric("progress", step, step=step)
            time.sleep(0.1)
        return 1.0

    autotrack.sweep(objective, {"x": sweeps.uniform(0, 1)}, n_trials=6, executor="thread", n_jobs=2,
                    name="threads", seed=0)
    """
)


def _wait_for_running(uri: str, name: str, count: int, process: subprocess.Popen) -> autotrack.entities.Run:
    deadline = time.time() + 60
    while time.time() < deadline:
        assert process.poll() is None, process.communicate()
        found = [p for p in parents(uri) if p.info.run_name == name]
        if found and sum(c.info.status == RunStatus.RUNNING for c in children(found[0].info.run_id, uri)) >= count:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"{count} trials of {name} never ran")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_a_thread_executor_sweep_at_once_and_its_trials_are_killed(tmp_path, signum):
    uri = str(tmp_path / "runs")
    process = subprocess.Popen([sys.executable, "-c", THREAD_SWEEP], cwd=tmp_path,
                               env=clean_env(AUTOTRACK_TRACKING_URI=uri), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    parent = _wait_for_running(uri, "threads", 2, process)
    process.send_signal(signum)
    stopped = time.monotonic()
    process.communicate(timeout=30)
    assert time.monotonic() - stopped < 20  # not the trials' 60 s
    assert process.returncode == (128 + signal.SIGTERM if signum == signal.SIGTERM else -signal.SIGINT)
    trials = children(parent.info.run_id, uri)
    assert autotrack.Client(uri).get_run(parent.info.run_id).info.status == RunStatus.KILLED
    assert [t.info.status for t in trials] == [RunStatus.KILLED, RunStatus.KILLED]
    assert {t.data.tags["autotrack.trial.state"] for t in trials} == {"KILLED"}


PROGRAM = textwrap.dedent(
    """
    import argparse, os, pathlib, time, autotrack
    parser = argparse.ArgumentParser()
    parser.add_argument("--x", type=float)
    parser.parse_args()
    pathlib.Path("pids", str(os.getpid())).touch()
    if os.environ.get("SLOW_EXIT"):  # a script that takes its time to save its work on SIGTERM
        import signal, sys
        signal.signal(signal.SIGTERM, lambda *_: (time.sleep(2), sys.exit(143)))
    with autotrack.start_run():
        for step in range(600):
            autotrack.log_metric("loss", step, step=step)
            time.sleep(0.1)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not yet reaped
        return stat.read().split(") ")[1][0] != "Z"


@pytest.mark.parametrize("again", [False, True], ids=["once", "twice"])
def test_sigterm_reaches_program_trials_which_end_killed(tmp_path, again):
    (tmp_path / "pids").mkdir()
    (tmp_path / "train.py").write_text(PROGRAM)
    (tmp_path / "sweep.yaml").write_text(textwrap.dedent(
        """
        name: programs
        program: train.py
        method: random
        metric: {name: loss, goal: minimize}
        parameters:
          x: {min: 0.0, max: 1.0}
        run_cap: 6
        parallelism: 2
        """
    ))
    uri = str(tmp_path / "runs")
    process = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "autotrack"), "--tracking-uri", uri,
                                "sweep", "sweep.yaml"], cwd=tmp_path, env=clean_env(**({"SLOW_EXIT": "1"} if again else {})),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent = _wait_for_running(uri, "programs", 2, process)
    deadline = time.time() + 30
    while len(os.listdir(tmp_path / "pids")) < 2 and time.time() < deadline:
        time.sleep(0.1)
    client = autotrack.Client(uri)
    while time.time() < deadline and not all(client.get_metric_history(t.info.run_id, "loss")
                                             for t in children(parent.info.run_id, uri)):
        time.sleep(0.1)  # the scripts have logged something
    pids = [int(name) for name in os.listdir(tmp_path / "pids")]
    process.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    if again:  # an impatient user: a Ctrl-C arrives while the sweep waits for its scripts to save their work
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert time.monotonic() - stopped < 20 and process.returncode == 128 + signal.SIGTERM  # the scripts run 60 s
    time.sleep(0.5)
    assert not [pid for pid in pids if _alive(pid)]  # forwarded, not orphaned
    assert client.get_run(parent.info.run_id).info.status == RunStatus.KILLED
    trials = children(parent.info.run_id, uri)
    assert [t.info.status for t in trials] == [RunStatus.KILLED, RunStatus.KILLED]
    for trial in trials:  # each script flushed what it logged before it ended
        assert client.get_metric_history(trial.info.run_id, "loss")
        assert trial.data.tags["autotrack.trial.state"] == "KILLED"


LOCAL_SWEEP = textwrap.dedent(
    """
    import time, autotrack
    from autotrack import sweeps

    def objective(params):
        run_id = autotrack.active_run().info.run_id
        try:
            with open(run_id, "a", buffering=1) as steps:
                for step in range(100_000):
                    autotrack.log_metric("step", step, step=step)
                    steps.write(f"{step}\\n")  # what log_metric has returned from, written at once
                    time.sleep(0.005)
        finally:  # the objective's own clean-up (checkpoints, GPU memory) runs on the way out
            open(run_id + ".cleaned", "w").close()
        return 1.0

    autotrack.sweep(objective, {"x": sweeps.uniform(0, 1)}, n_trials=4, executor="local", n_jobs=2, name="local")
    """
)


def test_sigterm_ends_local_worker_trials_gracefully_killed_with_what_they_logged(tmp_path):
    uri = str(tmp_path / "runs")
    process = subprocess.Popen([sys.executable, "-c", LOCAL_SWEEP], cwd=tmp_path,
                               env=clean_env(AUTOTRACK_TRACKING_URI=uri), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    parent = _wait_for_running(uri, "local", 2, process)
    deadline = time.time() + 30
    while time.time() < deadline and not all((tmp_path / t.info.run_id).exists()
                                             for t in children(parent.info.run_id, uri)):
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    client = autotrack.Client(uri)
    trials = children(parent.info.run_id, uri)
    assert [t.info.status for t in trials] == [RunStatus.KILLED, RunStatus.KILLED]
    for trial in trials:
        written = int((tmp_path / trial.info.run_id).read_text().split("\n")[-2])  # the last whole line
        stored = max(m.step for m in client.get_metric_history(trial.info.run_id, "step"))
        assert stored >= written  # nothing log_metric returned from is lost
        assert (tmp_path / f"{trial.info.run_id}.cleaned").exists()  # SIGTERM, then the grace: not a SIGKILL


def _raises(exception: BaseException):
    def objective(params):
        time.sleep(0.2)
        raise exception

    return objective


@pytest.mark.parametrize(("executor", "exception"), [
    ("inline", SystemExit(3)),
    ("thread", KeyboardInterrupt()),
    ("thread", SystemExit(4)),
    ("local", SystemExit(5)),
])
def test_an_objective_raising_systemexit_or_keyboardinterrupt_ends_the_sweep_cleanly(executor, exception):
    with pytest.raises(type(exception)) as raised:
        autotrack.sweep(_raises(exception), {"x": sweeps.uniform(0, 1)}, n_trials=6, executor=executor, n_jobs=2,
                        name="raising", seed=0)
    if isinstance(exception, SystemExit):
        assert raised.value.code == exception.code
    [parent] = parents()
    assert parent.info.status == RunStatus.KILLED
    statuses = [t.info.status for t in children(parent.info.run_id)]
    assert statuses and set(statuses) == {RunStatus.KILLED}  # none left RUNNING
    assert len(statuses) <= 2  # dispatch stopped


def test_an_error_of_the_sweep_itself_ends_the_parent_failed_not_running():
    broken = sweeps.uniform(0, 1)
    object.__setattr__(broken, "high", math.inf)  # past the checks, as a bug would be
    with pytest.raises(Exception):
        autotrack.sweep(lambda p: p["x"], {"x": broken}, n_trials=3, executor="inline")
    [parent] = parents()
    assert parent.info.status == RunStatus.FAILED
    assert all(t.info.status != RunStatus.RUNNING for t in children(parent.info.run_id))


# -- 7: inputs out of range ---------------------------------------------------
GOOD = {
    "function": "objectives:loss", "method": "random", "metric": {"name": "loss"}, "executor": "inline",
    "run_cap": 3, "parameters": {"x": {"min": 0.0, "max": 1.0}},
}


def _spec(tmp_path, **changes):
    spec = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if key.startswith("x_"):
            spec["parameters"]["x"][key[2:]] = value
        else:
            spec[key] = value
    (tmp_path / "sweep.yaml").write_text(json.dumps(spec).replace("Infinity", ".inf").replace("NaN", ".nan"))
    return tmp_path / "sweep.yaml"


WORKERS = "must be a whole number of workers from 1 to 10000, or -1 for one per CPU core"


@pytest.mark.parametrize(("changes", "message"), [
    ({"parallelism": -3}, f"parallelism: {WORKERS}; got -3"),
    ({"parallelism": 0}, f"parallelism: {WORKERS}; got 0"),
    ({"parallelism": 2.5}, f"parallelism: {WORKERS}; got 2.5"),
    ({"run_cap": True}, "run_cap: must be a whole number of trials, at least 1; got True"),
    ({"run_cap": 0}, "run_cap: must be a whole number of trials, at least 1; got 0"),
    ({"trial_timeout": -1}, "trial_timeout: must be a number of seconds above 0"),
    ({"trial_timeout": 0}, "trial_timeout: must be a number of seconds above 0"),
    ({"trial_timeout": float("inf")}, "trial_timeout: must be a number of seconds above 0"),
    ({"seed": -1}, "seed: must be a whole number from 0 to 4294967295"),
    ({"seed": 2**40}, "seed: must be a whole number from 0 to 4294967295"),
    ({"x_max": float("inf")}, "parameters.x.max: must be a finite number; got inf"),
    ({"x_min": float("nan")}, "parameters.x.min: must be a finite number; got nan"),
    ({"x_min": True}, "parameters.x.min: must be a finite number; got True"),
    ({"x_distribution": "int_uniform", "x_max": 10**20}, "parameters.x.max: must be within ±2**53"),
    ({"x_distribution": "q_uniform", "x_q": float("inf")}, "parameters.x.q: must be a finite number"),
    ({"early_terminate": {"type": "median", "min_iter": 0}}, "early_terminate.min_iter: must be a whole number of steps"),
])
def test_numeric_keys_out_of_range_are_refused_naming_the_key(tmp_path, changes, message):
    path = _spec(tmp_path, **changes)
    with pytest.raises(InvalidSweepSpec) as error:
        load_spec(path)
    assert f"{path}: {message}" in str(error.value)


def test_the_cli_refuses_them_before_anything_runs(tmp_path):
    (tmp_path / "objectives.py").write_text("def loss(p):\n    return p['x']\n")
    for changes in ({"parallelism": -3}, {"x_max": float("inf")}, {"run_cap": True}, {"trial_timeout": -1}):
        _spec(tmp_path, **changes)
        out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "autotrack"), "--tracking-uri",
                              str(tmp_path / "runs"), "sweep", "sweep.yaml"], cwd=tmp_path, env=clean_env(),
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert "Traceback" not in out.stderr
    _spec(tmp_path)
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "autotrack"), "--tracking-uri",
                          str(tmp_path / "runs"), "sweep", "sweep.yaml", "--parallelism", "-3"], cwd=tmp_path,
                         env=clean_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and f"{WORKERS}; got -3" in out.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(("arguments", "message"), [
    ({"n_jobs": -3}, f"sweep(): n_jobs {WORKERS}; got -3."),
    ({"n_jobs": 0, "executor": "thread"}, f"sweep(): n_jobs {WORKERS}; got 0."),
    ({"n_jobs": True}, f"sweep(): n_jobs {WORKERS}; got True."),
    ({"n_trials": True}, "sweep(): n_trials must be a whole number of trials, at least 1; got True."),
    ({"n_trials": 0}, "sweep(): n_trials must be a whole number of trials, at least 1; got 0."),
    ({"timeout": math.inf}, "sweep(): timeout must be a number of seconds above 0"),
    ({"trial_timeout": -1}, "sweep(): trial_timeout must be a number of seconds above 0"),
    ({"seed": -1}, "sweep(): seed must be a whole number from 0 to 4294967295"),
    ({"min_resource": 0}, "sweep(): min_resource must be a whole number of steps, at least 1; got 0."),
])
def test_the_python_api_refuses_the_same_ranges_with_the_same_words(arguments, message):
    with pytest.raises(autotrack.InvalidInput) as error:
        autotrack.sweep(lambda p: p["x"], {"x": sweeps.uniform(0, 1)}, **{"executor": "local", **arguments})
    assert message in str(error.value)
    assert parents() == []  # nothing was created


def test_distribution_bounds_must_be_finite_in_python_too():
    with pytest.raises(autotrack.InvalidInput, match=r"uniform\(\): high must be a finite number; got inf"):
        sweeps.uniform(0, math.inf)
    with pytest.raises(autotrack.InvalidInput, match="loguniform\\(\\): low must be a finite number; got nan"):
        sweeps.loguniform(math.nan, 1)


@pytest.mark.parametrize("executor", ["thread", "local"])
def test_n_jobs_minus_one_is_one_worker_per_core(executor):
    result = autotrack.sweep(lambda p: p["x"], {"x": sweeps.uniform(0, 1)}, n_trials=4, executor=executor,
                             n_jobs=-1, seed=0)
    assert len(result.trials) == 4 and set(result.trials["state"]) == {"complete"}
    parent = autotrack.get_run(result.parent_run_id)
    assert parent.data.params["n_jobs"] == str(os.cpu_count()) and parent.info.status == RunStatus.FINISHED


def _fails(params):
    return 1 / 0


def test_a_sweep_whose_every_trial_failed_warns_and_ends_failed():
    with pytest.warns(SweepFailedWarning, match="all 3 trials failed; the first failed with: ZeroDivisionError"):
        result = autotrack.sweep(_fails, {"x": sweeps.uniform(0, 1)}, n_trials=3, executor="inline")
    assert result.state == "FAILED" and result.best_value is None
    assert "ZeroDivisionError: division by zero" in result.summary
    assert autotrack.get_run(result.parent_run_id).info.status == RunStatus.FAILED


def test_one_success_is_enough_for_a_finished_sweep():
    result = autotrack.sweep(lambda p: p["x"] if p["x"] < 0.5 else 1 / 0, {"x": [0.1, 0.9, 0.8]}, n_trials=3,
                             algo="grid", executor="inline")
    assert result.state == "FINISHED" and set(result.trials["state"]) == {"complete", "failed"}


def test_the_cli_exits_1_with_a_summary_when_every_trial_failed(tmp_path):
    (tmp_path / "objectives.py").write_text("def loss(p):\n    raise ValueError('no data in ' + str(p['x']))\n")
    _spec(tmp_path)
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "autotrack"), "--tracking-uri",
                          str(tmp_path / "runs"), "sweep", "sweep.yaml"], cwd=tmp_path, env=clean_env(),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    [line] = out.stderr.strip().splitlines()
    assert "all 3 trials failed; the first failed with: ValueError: no data in" in line
    assert "3 trials" in out.stdout  # the table is still shown


def _slow_when_large(params):
    if params["x"] > 1:
        time.sleep(3)
    return params["x"]


def test_a_timed_out_thread_trial_stays_failed_when_its_thread_ends_later():
    result = autotrack.sweep(_slow_when_large, {"x": [0, 2]}, n_trials=2, algo="grid", executor="thread",
                             n_jobs=2, trial_timeout=0.5)
    assert sorted(result.trials["state"]) == ["complete", "failed"]
    slow = result.trials[result.trials["params.x"] == 2]["run_id"].iloc[0]
    time.sleep(3.5)  # the abandoned thread has returned by now
    run = autotrack.get_run(slow)
    assert run.info.status == RunStatus.FAILED and "x" not in run.data.metrics
    assert "trial_timeout=0.5s" in open(autotrack.Client().download_artifacts(slow, "traceback.txt")).read()


# -- 7, as properties: any value of a numeric key either loads or is refused with the key named -----------
ANY_VALUE = st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                      st.none(), st.text(max_size=3))
YAML_TO_PYTHON = {"run_cap": "n_trials", "parallelism": "n_jobs", "trial_timeout": "trial_timeout", "seed": "seed"}


@settings(max_examples=150, deadline=None, database=None)
@given(st.sampled_from(sorted(YAML_TO_PYTHON)), ANY_VALUE)
def test_yaml_and_python_give_the_same_verdict_on_any_number(key, value):
    from autotrack.sweeps._limits import check_sweep_arguments
    from autotrack.sweeps._spec import SweepSpec

    spec = {**GOOD, key: value}
    try:
        SweepSpec.model_validate(spec)
        yaml_ok = True
    except Exception as error:
        assert type(error).__name__ == "ValidationError" and key in str(error)
        yaml_ok = False
    try:
        check_sweep_arguments(**{YAML_TO_PYTHON[key]: value})
        python_ok = True
    except autotrack.InvalidInput as error:
        assert YAML_TO_PYTHON[key] in str(error)
        python_ok = False
    assert yaml_ok == python_ok, (key, value)


BOUND = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**60, 2**60), st.none())


@settings(max_examples=200, deadline=None, database=None)
@given(st.sampled_from(["int_uniform", "uniform", "q_uniform", "log_uniform", "log_uniform_values",
                        "q_log_uniform_values", None]), BOUND, BOUND, BOUND)
def test_any_distribution_bounds_load_or_are_refused_with_one_message(distribution, low, high, q):
    import tempfile

    parameter = {k: v for k, v in {"distribution": distribution, "min": low, "max": high, "q": q}.items()
                 if v is not None}
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "sweep.yaml")
    with open(path, "w") as file:
        file.write(json.dumps({**GOOD, "parameters": {"x": parameter}})
                   .replace("Infinity", ".inf").replace("NaN", ".nan"))
    try:
        spec = load_spec(path)  # anything but InvalidSweepSpec (OverflowError, ValueError, ...) fails the test
    except InvalidSweepSpec as error:
        assert "parameters" in str(error) and "\n" not in str(error)
        return
    space = spec.space()
    assert set(space) == {"x"}


NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**60, 2**60), st.booleans(),
                   st.none())


@settings(max_examples=300, deadline=None, database=None)
@given(st.sampled_from(["uniform", "loguniform", "randint", "quniform", "qloguniform"]), NUMBER, NUMBER, NUMBER)
@example("quniform", 0.0, 8.98846567431158e307, 8.98846567431158e307)  # found in CI: Optuna drew over high + q/2
def test_any_python_distribution_is_refused_clearly_or_samples_inside_its_bounds(kind, low, high, q):
    import optuna

    arguments = (low, high, q) if kind.startswith("q") else (low, high)
    try:
        distribution = getattr(sweeps, kind)(*arguments)
    except autotrack.InvalidInput:
        return
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    value = distribution.sample(trial, "x")
    assert low <= value <= high
