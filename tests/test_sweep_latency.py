"""What keeps a long sweep's tail short stays correct: WAL checkpoints on their own thread, a frozen heap.

The speed itself is measured in benchmarks/bench_sweep.py (tail latency); these tests check that
commits no longer checkpoint, that the log is still checkpointed and started over (bounded), that
nothing written is lost, and that a sweep leaves the garbage collector as it found it.
"""

from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import autotrack
from autotrack import sweeps
from autotrack.store import sqlite_wal
from autotrack.store.sql import SqlStore


def _wait_for(condition, what: str, limit: float = 60.0) -> None:
    """Wait for the checkpoint thread (asynchronous by design); fail naming what never happened."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {limit} s")
        time.sleep(0.02)


def _log_frames(path: str) -> int:
    """Frames in the write-ahead log now (a passive checkpoint reports them and changes nothing else)."""
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]


@pytest.fixture
def sqlite_store(tmp_path):
    created = SqlStore(f"sqlite:///{tmp_path}/store.db", str(tmp_path / "artifacts"))
    yield created
    created._engine.dispose()


def _fill(store: SqlStore, runs: int) -> list[str]:
    experiment_id = store.create_experiment("wal", None, None)
    ids = []
    for number in range(runs):
        run = store.create_run(experiment_id, f"run-{number}", "me", number, tags=[], params=[])
        store.log_metrics([(run.info.run_id, "loss", float(number), number, 0)])
        store.end_run(run.info.run_id, "FINISHED", number + 1)
        ids.append(run.info.run_id)
    return ids


def test_commits_never_checkpoint_and_the_thread_does(sqlite_store):
    with sqlite_store._write() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    checkpointer = sqlite_store._checkpointer
    before = checkpointer.checkpoints
    _fill(sqlite_store, 20)
    _wait_for(lambda: checkpointer.checkpoints > before, "a background checkpoint")
    _wait_for(lambda: checkpointer.last and checkpointer.last[1] == checkpointer.last[2],
              "a checkpoint that copied every frame")


def test_while_writes_go_on_a_checkpoint_waits_for_a_pause_or_a_big_log(sqlite_store, monkeypatch):
    """A burst of commits meets no checkpoint's syncs until the log is worth them, or writing pauses."""
    monkeypatch.setattr(sqlite_wal, "QUIET", 3600.0)  # writes never "pause" in this test unless it says so
    checkpointer = sqlite_store._checkpointer
    path = checkpointer.path
    experiment_id = sqlite_store.create_experiment("burst", None, None)

    def write(runs: int) -> None:
        for number in range(runs):
            sqlite_store.create_run(experiment_id, f"run-{number}", "me", number, tags=[], params=[])

    write(30)
    time.sleep(10 * sqlite_wal.INTERVAL)  # the thread has looked several times
    assert checkpointer.checkpoints == 0 and sqlite_wal._unsaved_frames(path) > 0

    monkeypatch.setattr(sqlite_wal, "CHECKPOINT_FRAMES", sqlite_wal._unsaved_frames(path) + 20)
    write(30)  # the log passes the threshold: checkpointed while writes go on
    _wait_for(lambda: checkpointer.checkpoints >= 1, "a checkpoint of a log past CHECKPOINT_FRAMES")
    copied = checkpointer.checkpoints

    monkeypatch.setattr(sqlite_wal, "CHECKPOINT_FRAMES", 10**9)
    write(3)
    monkeypatch.setattr(sqlite_wal, "QUIET", 0.2)  # now writing has paused
    _wait_for(lambda: checkpointer.checkpoints > copied, "a checkpoint once writes paused")
    _wait_for(lambda: sqlite_wal._unsaved_frames(path) == 0, "every frame copied")


def test_the_log_is_started_over_when_it_grows(sqlite_store, monkeypatch):
    monkeypatch.setattr(sqlite_wal, "RESTART_FRAMES", 50)
    path = sqlite_store._checkpointer.path
    ids = _fill(sqlite_store, 400)  # thousands of frames: without restarts the log only grows
    checkpointer = sqlite_store._checkpointer
    _wait_for(lambda: checkpointer.restarts, "a RESTART checkpoint on the thread")
    with sqlite3.connect(path) as connection:  # one more now, so the test knows it follows the last write
        checkpointer.checkpoint(connection)
    sqlite_store.end_run(ids[0], "KILLED", 5)  # the first writer after a complete checkpoint starts the log over
    assert _log_frames(path) < 50
    runs, _ = sqlite_store.search_runs([sqlite_store.get_run(ids[0]).info.experiment_id], "", max_results=1000)
    assert len(runs) == 400  # nothing lost on the way
    assert {run.data.metrics["loss"] for run in runs} == {float(n) for n in range(400)}


def test_one_thread_checkpoints_every_store_of_the_process(sqlite_store, tmp_path):
    other = SqlStore(f"sqlite:///{tmp_path}/other.db", str(tmp_path / "other-artifacts"))
    try:
        stores = [sqlite_store, other]
        done = [store._checkpointer.checkpoints for store in stores]
        for store in stores:
            _fill(store, 2)
        for store, before in zip(stores, done):
            _wait_for(lambda: store._checkpointer.checkpoints > before, "a checkpoint of each store")
        names = [thread.name for thread in threading.enumerate()]
        assert names.count("autotrack-checkpoint") == 1
    finally:
        other._engine.dispose()


def test_a_memory_store_has_no_checkpointer(tmp_path):
    assert SqlStore("sqlite:///:memory:", str(tmp_path))._checkpointer is None


def test_a_forked_child_checkpoints_its_own_writes(tmp_path):
    program = textwrap.dedent(f"""
        import os, time
        from autotrack.store.sql import SqlStore
        store = SqlStore("sqlite:///{tmp_path}/store.db", "{tmp_path}/artifacts")
        experiment_id = store.create_experiment("fork", None, None)
        pid = os.fork()
        if pid == 0:
            store.after_fork()
            before = store._checkpointer.checkpoints
            store.create_run(experiment_id, "child", "me", 0, tags=[], params=[])
            deadline = time.monotonic() + 60
            while store._checkpointer.checkpoints == before and time.monotonic() < deadline:
                time.sleep(0.02)
            os._exit(0 if store._checkpointer.checkpoints > before else 3)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status), len(store.search_runs([experiment_id], "")[0]))
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["child", "0", "1"]


def test_a_sweep_leaves_the_garbage_collector_as_it_found_it():
    space = {"x": sweeps.uniform(0, 1)}
    assert gc.get_freeze_count() == 0
    seen = []
    autotrack.sweep(lambda p: seen.append(gc.get_freeze_count()) or p["x"], space, n_trials=3, algo="random",
                    n_jobs=1, progress=False)
    assert seen and all(count > 0 for count in seen)  # frozen while the trials ran
    assert gc.get_freeze_count() == 0

    gc.freeze()  # the program's own freeze (before forking workers, say) is not undone
    try:
        frozen = gc.get_freeze_count()
        autotrack.sweep(lambda p: p["x"], space, n_trials=2, algo="random", n_jobs=1, progress=False)
        assert gc.get_freeze_count() > frozen // 2  # not thawed (objects freed since leave the count)
    finally:
        gc.unfreeze()


def test_a_trial_on_a_local_store_flushes_its_context_without_a_waiting_thread(monkeypatch):
    """A bounded flush starts a thread per trial; only files that travel over the network need the bound."""
    from autotrack import context
    from autotrack.sweeps import _trial

    timeouts = []
    real_flush = context.flush
    monkeypatch.setattr(context, "flush", lambda run_id=None, timeout=None: timeouts.append(timeout) or
                        real_flush(run_id, timeout))
    autotrack.sweep(lambda p: p["x"], {"x": sweeps.uniform(0, 1)}, n_trials=3, algo="random", n_jobs=1,
                    progress=False)
    assert timeouts == [None, None, None]

    class Remote:  # what a trial of a tracking server, or of an http artifact location, looks like
        class run:
            class info:
                artifact_uri = "mlflow-artifacts:/1/abc/artifacts"

        tracking_uri = "http://127.0.0.1:5000"

    assert _trial._remote(Remote)
    Remote.tracking_uri, Remote.run.info.artifact_uri = "/tmp/store", "https://host/artifacts"
    assert _trial._remote(Remote)
    Remote.run.info.artifact_uri = "/tmp/store/artifacts/1/abc/artifacts"
    assert not _trial._remote(Remote)


def test_an_in_process_trial_has_its_context_tags_written_with_its_run(monkeypatch):
    """One write less per trial: the driver, on the same host, writes them when it creates the run."""
    from autotrack import context

    written = []
    real = context._log_tags
    monkeypatch.setattr(context, "_log_tags", lambda client, run_id, tags: written.append(run_id) or
                        real(client, run_id, tags))
    result = autotrack.sweep(lambda p: p["x"], {"x": sweeps.uniform(0, 1)}, n_trials=3, algo="random", n_jobs=1,
                             progress=False)
    assert written == [result.parent_run_id]  # the trials wrote none of their own
    for run_id in result.trials["run_id"]:
        tags = autotrack.get_run(run_id).data.tags
        assert tags.get("autotrack.context.hostname") and tags.get("autotrack.context.python")
        assert context.PACKAGES_SAME_AS in tags  # the parent's packages, not repeated


def test_a_trial_writes_two_transactions_its_runs_creation_and_its_end(monkeypatch):
    """The floor the durability guarantees allow: the run is in the store, RUNNING, before the objective runs,
    and its end (metrics, state) is committed before the sweep moves on. Anything more is per-trial cost."""
    writes = []  # the sweep's own thread's; the writer thread's heartbeats and flushes come by the second
    real = SqlStore._transaction
    monkeypatch.setattr(SqlStore, "_transaction", lambda self, write: writes.append(
        write and threading.current_thread() is threading.main_thread()) or real(self, write))

    def write_transactions(n_trials: int) -> int:
        del writes[:]
        result = autotrack.sweep(lambda p: 1.0, {"x": sweeps.uniform(0, 1)}, n_trials=n_trials, algo="random",
                                 n_jobs=1, seed=0, progress=False)  # a constant: the best improves once
        assert len(result.trials) == n_trials and set(result.trials["state"]) == {"complete"}
        return writes.count(True)

    write_transactions(1)  # the store's first opening (its schema check writes) is no trial's
    assert write_transactions(25) - write_transactions(5) == 2 * 20
