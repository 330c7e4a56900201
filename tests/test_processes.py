"""Several processes on one store, and processes that die: nothing logged is lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import autotrack
from autotrack.entities import RunStatus


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_")}
    env.update(extra)
    return env


def _spawn(script: str, uri: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=_env(AUTOTRACK_TRACKING_URI=uri, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_file(path: str) -> str:
    return f"""
import os, time
while not os.path.exists({path!r}):
    time.sleep(0.001)
"""


def test_four_processes_logging_to_one_sqlite_file_lose_nothing(tmp_path):
    uri = f"sqlite:///{tmp_path}/shared.db"
    go = str(tmp_path / "go")
    autotrack.Client(uri)  # create the schema first: this test is about concurrent logging
    script = _wait_for_file(go) + """
import autotrack, sys
worker = int(sys.argv[1]) if len(sys.argv) > 1 else 0
autotrack.set_experiment("shared")
for r in range(3):
    with autotrack.start_run() as run:
        autotrack.log_params({"worker": worker, "r": r})
        for step in range(2000):
            autotrack.log_metric("loss", step * 0.5, step=step)
            if step % 500 == 0:
                autotrack.set_tag("progress", step)
                autotrack.log_metric("sync", step, step=step)
                autotrack.flush()
"""
    workers = [
        subprocess.Popen([sys.executable, "-c", script, str(i)], env=_env(AUTOTRACK_TRACKING_URI=uri),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(4)
    ]
    open(go, "w").close()
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert "locked" not in err
    client = autotrack.Client(uri)
    experiment = client.get_experiment_by_name("shared")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 12
    assert sorted(run.data.params["worker"] for run in runs) == sorted(["0", "1", "2", "3"] * 3)
    for run in runs:
        assert run.info.status == RunStatus.FINISHED
        history = client.get_metric_history(run.info.run_id, "loss")
        assert [m.step for m in history] == list(range(2000))
        assert run.data.metrics["loss"] == 1999 * 0.5
        assert len(client.get_metric_history(run.info.run_id, "sync")) == 4


def test_eight_processes_creating_one_experiment_on_a_new_database(tmp_path):
    uri = str(tmp_path / "fresh-store")  # nothing exists yet: schema creation races too
    go = str(tmp_path / "go")
    script = _wait_for_file(go) + """
import autotrack
experiment = autotrack.set_experiment("race")
with autotrack.start_run():
    autotrack.log_metric("x", 1)
print(experiment.experiment_id)
"""
    workers = [_spawn(script, uri) for _ in range(8)]
    time.sleep(0.5)
    open(go, "w").close()
    ids = set()
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        ids.add(out.strip())
    assert len(ids) == 1
    client = autotrack.Client(uri)
    assert [e.name for e in client.search_experiments()] == ["Default", "race"]
    assert len(client.search_runs(ids.pop())) == 8


def test_sigterm_keeps_everything_logged_before_it(tmp_path):
    uri = str(tmp_path / "store")
    worker = _spawn(
        """
        import autotrack, sys, time
        run = autotrack.start_run()
        for step in range(5000):
            autotrack.log_metric("loss", step, step=step)
        print(run.info.run_id, flush=True)
        time.sleep(60)
        """,
        uri,
    )
    run_id = worker.stdout.readline().strip()
    worker.send_signal(signal.SIGTERM)  # well within the writer's one-second flush interval
    worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGTERM  # it still dies of SIGTERM, as without autotrack
    client = autotrack.Client(uri)
    run = client.get_run(run_id)
    assert run.info.status == RunStatus.KILLED
    assert len(client.get_metric_history(run_id, "loss")) == 5000
    assert run.data.metrics["loss"] == 4999


def test_sigkilled_process_run_is_reported_killed_after_its_heartbeat_expires(tmp_path):
    uri = str(tmp_path / "store")
    worker = _spawn(
        """
        import autotrack, time
        run = autotrack.start_run()
        print(run.info.run_id, flush=True)
        time.sleep(60)
        """,
        uri,
        AUTOTRACK_HEARTBEAT_TIMEOUT="1",
    )
    run_id = worker.stdout.readline().strip()
    client = autotrack.Client(uri)
    time.sleep(2.0)  # longer than the timeout: only heartbeats keep it RUNNING
    assert client.get_run(run_id).info.status == RunStatus.RUNNING
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=30)
    deadline = time.time() + 10
    while client.get_run(run_id).info.status == RunStatus.RUNNING and time.time() < deadline:
        time.sleep(0.1)
    assert client.get_run(run_id).info.status == RunStatus.KILLED
    found = client.search_runs("0", "attributes.status = 'KILLED'")
    assert [r.info.run_id for r in found] == [run_id]


def test_script_exit_ends_the_active_run(tmp_path):
    uri = str(tmp_path / "store")
    ok = _spawn("import autotrack\nrun = autotrack.start_run()\nautotrack.log_metric('a', 1)\nprint(run.info.run_id)", uri)
    crash = _spawn("import autotrack\nrun = autotrack.start_run()\nprint(run.info.run_id, flush=True)\nraise SystemError('boom')", uri)
    ok_out, _ = ok.communicate(timeout=60)
    crash_out, crash_err = crash.communicate(timeout=60)
    assert "SystemError: boom" in crash_err  # the user's traceback is untouched
    client = autotrack.Client(uri)
    finished = client.get_run(ok_out.strip())
    assert finished.info.status == RunStatus.FINISHED and finished.data.metrics == {"a": 1.0}
    assert client.get_run(crash_out.strip()).info.status == RunStatus.FAILED


def test_forked_children_log_through_their_own_connections(tmp_path):
    import multiprocessing

    autotrack.set_experiment("fork")
    with autotrack.start_run() as parent:
        autotrack.log_metric("before_fork", 1)
        context = multiprocessing.get_context("fork")
        children = [context.Process(target=_child_logs, args=(parent.info.run_id, i)) for i in range(3)]
        for child in children:
            child.start()
        for child in children:
            child.join(60)
            assert child.exitcode == 0
    client = autotrack.Client()
    assert len(client.get_metric_history(parent.info.run_id, "before_fork")) == 1  # not duplicated by children
    for i in range(3):
        assert len(client.get_metric_history(parent.info.run_id, f"child_{i}")) == 100


def _child_logs(run_id: str, index: int) -> None:
    client = autotrack.Client()
    for step in range(100):
        client.log_metric(run_id, f"child_{index}", step, step=step)
    client.flush()


def test_a_process_exits_without_collecting_its_imports_and_still_writes_everything(tmp_path):
    """autotrack freezes the heap last at exit (0.2-0.3 s saved per script); the run is complete all the same,
    in the database file itself, and exit hooks the program registered before importing autotrack still run,
    after the freeze."""
    script = """
        import atexit, gc
        atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0, flush=True))
        import autotrack
        with autotrack.start_run() as run:
            for step in range(100):
                autotrack.log_metric("loss", 1 / (step + 1), step=step)
        print(run.info.run_id, flush=True)
    """
    process = _spawn(script, str(tmp_path / "store"))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    run_id, frozen = out.splitlines()
    assert frozen == "frozen at exit: True"
    # The database file alone holds everything: its write-ahead log was checkpointed at exit, so a copy of
    # autotrack.db without the log beside it (as users share a store) misses nothing.
    (tmp_path / "copy").mkdir()
    shutil.copy(tmp_path / "store" / "autotrack.db", tmp_path / "copy" / "autotrack.db")
    autotrack.set_tracking_uri(str(tmp_path / "copy"))
    history = autotrack.Client().get_metric_history(run_id, "loss")
    assert [m.step for m in history] == list(range(100))
    assert autotrack.get_run(run_id).info.status == "FINISHED"
