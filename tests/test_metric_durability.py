"""Never lose a metric: bad rows cost only themselves, children's metrics survive their exit."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap

import pytest

import autotrack
from autotrack.exceptions import AutotrackWarning, InvalidInput
from autotrack.tracking_uri import store_for


def _count_rows(client) -> int:
    with client.store._engine.connect() as conn:
        return conn.exec_driver_sql("SELECT coalesce(sum(count), 0) FROM metric_chunks").scalar()


# -- item 1: one bad row never costs another ----------------------------------------------------------------
@pytest.mark.parametrize("journal", ["on", "off"])
def test_rows_the_database_refuses_are_dropped_alone_with_one_warning(tmp_path, monkeypatch, journal):
    monkeypatch.setenv("AUTOTRACK_METRIC_JOURNAL", "1" if journal == "on" else "0")
    client = autotrack.Client(str(tmp_path / "store"))
    first, second, deleted = client.create_run("0"), client.create_run("0"), client.create_run("0")
    client.delete_run(deleted.info.run_id)
    _, writer = store_for(client.tracking_uri)
    # Rows that validation at the call stops: the writer must cope on its own too.
    bad = [("no-such-run", "orphan", 1.0, 1, 0), (deleted.info.run_id, "late", 1.0, 1, 0)]
    if journal == "off":  # with the journal on, `log` itself refuses what it cannot journal
        bad.append((first.info.run_id, "bad_step", 1.0, 1, 2**63))
    else:
        with pytest.raises(InvalidInput, match="bad_step"):
            writer.log((first.info.run_id, "bad_step", 1.0, 1, 2**63))
    for step in range(1000):
        client.log_metric(first.info.run_id, "good", step, step=step)
        if step == 500:
            for row in bad:
                writer.log(row)
        client.log_metric(second.info.run_id, "other", step, step=step)
    with pytest.warns(AutotrackWarning) as caught:
        client.flush()
    [warning] = caught  # one warning, naming every refused row
    message = str(warning.message)
    assert f"dropped {len(bad)} metric value(s)" in message
    assert all(row[0] in message and f"'{row[1]}'" in message for row in bad)
    assert len(client.get_metric_history(first.info.run_id, "good")) == 1000
    assert len(client.get_metric_history(second.info.run_id, "other")) == 1000
    assert client.get_metric_history(first.info.run_id, "bad_step") == []
    assert _count_rows(client) == 2000


def test_a_refused_row_in_the_last_batch_still_ends_the_run(client):
    with autotrack.start_run() as run:
        autotrack.log_metric("good", 1.0)
        store_for(client.tracking_uri)[1].log(("no-such-run", "bad", 1.0, 1, 0))
        with pytest.warns(AutotrackWarning, match="'bad'"):
            autotrack.end_run()
    finished = client.get_run(run.info.run_id)
    assert finished.info.status == "FINISHED" and finished.data.metrics == {"good": 1.0}


def test_a_failing_store_keeps_every_row_for_the_next_attempt(client):
    run = client.create_run("0")
    for step in range(100):
        client.log_metric(run.info.run_id, "kept", step, step=step)
    engine = client.store._engine
    with engine.begin() as conn:  # a real failure of the store: the table is gone for a while
        conn.exec_driver_sql("ALTER TABLE metric_chunks RENAME TO metric_chunks_away")
    client.store.after_fork()  # fresh connections: SQLite caches the schema per connection
    with pytest.raises(Exception, match="metric_chunks"):
        client.flush()
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE metric_chunks_away RENAME TO metric_chunks")
    client.store.after_fork()
    client.flush()
    assert [m.step for m in client.get_metric_history(run.info.run_id, "kept")] == list(range(100))


def test_the_background_writer_says_will_retry_only_when_it_will(tmp_path):
    """The writer thread's warning, seen as a user sees it: after it, every value is still written."""
    uri = f"sqlite:///{tmp_path}/store.db"
    script = textwrap.dedent(
        f"""
        import time, autotrack
        client = autotrack.Client({uri!r})
        run = client.create_run("0")
        engine = client.store._engine
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE metric_chunks RENAME TO away")
        client.store.after_fork()
        for step in range(500):
            client.log_metric(run.info.run_id, "m", step, step=step)
        time.sleep(2.5)  # the writer thread fails, warns, keeps the rows
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE away RENAME TO metric_chunks")
        client.store.after_fork()
        time.sleep(2.5)  # ... and writes them on a later tick, on its own
        print(len(client.store.get_metric_history(run.info.run_id, "m")))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "will retry" in done.stderr and done.stderr.count("AutotrackWarning") == 1
    assert done.stdout.strip() == "500"


# -- item 2: children that return keep every metric ----------------------------------------------------------
def _log_thousand(uri: str, run_id: str, key: str) -> str:
    client = autotrack.Client(uri)
    for step in range(1000):
        client.log_metric(run_id, key, float(step), step=step)
    return key  # no flush, no end_run: returning is all a child does


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_a_child_process_that_returns_keeps_its_metrics(tmp_path, method):
    uri = str(tmp_path / "store")
    client = autotrack.Client(uri)
    run_id = client.create_run("0").info.run_id
    child = multiprocessing.get_context(method).Process(target=_log_thousand, args=(uri, run_id, method))
    child.start()
    child.join(120)
    assert child.exitcode == 0
    assert [m.step for m in client.get_metric_history(run_id, method)] == list(range(1000))


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_pool_workers_keep_their_metrics_when_the_pool_closes(tmp_path, method):
    uri = str(tmp_path / "store")
    client = autotrack.Client(uri)
    run_id = client.create_run("0").info.run_id
    pool = multiprocessing.get_context(method).Pool(2)
    keys = pool.starmap(_log_thousand, [(uri, run_id, f"task{i}") for i in range(4)])
    pool.close()
    pool.join()
    for key in keys:
        assert len(client.get_metric_history(run_id, key)) == 1000, key


# -- item 4: a store deleted or replaced under a running process ----------------------------------------------
def _remove_database(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_database_file_deleted_or_replaced_mid_run_is_never_written_into(tmp_path, how):
    import shutil
    import warnings

    uri = f"sqlite:///{tmp_path}/store.db"
    path = str(tmp_path / "store.db")
    client = autotrack.Client(uri)
    run_id = client.create_run("0").info.run_id
    client.log_metric(run_id, "before", 1.0)
    client.flush()
    if how == "replaced":
        copies = [suffix for suffix in ("", "-wal") if os.path.exists(path + suffix)]
        for suffix in copies:  # a backup restored over it (the WAL holds recent pages)
            shutil.copy(path + suffix, f"{tmp_path}/copy{suffix}")
        _remove_database(path)
        for suffix in copies:
            os.replace(f"{tmp_path}/copy{suffix}", path + suffix)
    else:
        _remove_database(path)
    for step in range(10):
        client.log_metric(run_id, "after", step, step=step)
    with pytest.warns(AutotrackWarning, match=f"{path} was {how}.*not saved"):
        client.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once: later writes are refused silently
        client.log_metric(run_id, "after", 10, step=10)
        client.flush()
        client.set_terminated(run_id)  # never a crash of the user's end_run
    if how == "deleted":
        assert not os.path.exists(path)  # refused, not recreated empty
    else:
        import sqlite3

        with sqlite3.connect(path) as replacement:  # the new file holds only what was there when it was copied
            keys = replacement.execute("SELECT key, sum(count) FROM metric_chunks GROUP BY key").fetchall()
        assert keys == [("before", 1)]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_workers_terminated_by_the_pool_keep_their_metrics(tmp_path, method):
    """`with Pool()` ends with terminate(): SIGTERM to every worker, no exit hook runs; the journal keeps them."""
    # A fresh program, as users run it: forked workers of the test process would inherit whatever signal
    # handlers earlier tests left in it.
    uri = str(tmp_path / "store")
    client = autotrack.Client(uri)
    run_id = client.create_run("0").info.run_id
    program = textwrap.dedent(f"""
        import multiprocessing, autotrack

        def log_thousand(key):
            client = autotrack.Client({uri!r})
            for step in range(1000):
                client.log_metric({run_id!r}, key, float(step), step=step)
            return key  # no flush, no end_run: returning is all a worker does

        if __name__ == "__main__":
            with multiprocessing.get_context({method!r}).Pool(2) as pool:
                print(" ".join(pool.map(log_thousand, [f"task{{i}}" for i in range(4)])))
    """)
    (tmp_path / "pool_program.py").write_text(program)
    out = subprocess.run([sys.executable, "pool_program.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    keys = out.stdout.split()
    assert keys == ["task0", "task1", "task2", "task3"]
    for key in keys:
        assert [m.step for m in client.get_metric_history(run_id, key)] == list(range(1000)), key


def check_a_batch_in_flight_at_a_kill_is_written_once(client) -> None:
    """A kill between a flush's commit and the journal's header update: recovery asks the store whether the
    batch in flight is in, and writes it only if not (NaN included), then the values after it. Shared with
    tests/server (the store asked is then a server)."""
    from collections import deque

    from autotrack import journal as journals

    run_id = client.create_run("0").info.run_id
    folder = client._writer._journal_folder
    dead_paths = []
    try:
        for committed, key in ((True, "in"), (False, "out")):
            dead = journals.Journal(folder)  # another process's journal, as its kill leaves it
            dead_paths += [dead.path, dead.keys_path]
            rows = [(run_id, key, float("nan") if step == 1 else step / 2, 1000 + step, step) for step in range(5)]
            for row in rows:
                dead.append(row, deque())
            dead.mark_flushing(3)
            if committed:
                client.store.log_metrics(rows[:3])
            dead.abandon()  # the kill: its lock is gone, its header says nothing is in the store
            history = client.get_metric_history(run_id, key)
            assert [(m.step, m.timestamp, repr(m.value)) for m in history] == [
                (step, timestamp, repr(value)) for _, _, value, timestamp, step in rows], key
            assert not os.path.exists(dead.path)  # recovered, then deleted
    finally:
        for path in dead_paths:  # never left for a later store (or server on the same port) to recover
            if os.path.exists(path):
                os.unlink(path)


def test_a_batch_committed_just_before_its_process_was_killed_is_not_written_twice(tmp_path):
    check_a_batch_in_flight_at_a_kill_is_written_once(autotrack.Client(str(tmp_path / "store")))


# -- item 3: hard kills lose nothing that log_metric returned from ------------------------------------------
_LOGGER = """
import os, sys, time, autotrack
client = autotrack.Client(os.environ["STORE"])
run = client.create_run("0")
print(run.info.run_id, flush=True)
total = int(sys.argv[1])
step = 0
while total < 0 or step < total:
    client.log_metric(run.info.run_id, "loss", 1.0 / (step + 1), step=step)
    if step % 1000 == 999:
        print(step, flush=True)  # every value up to here has been returned from
    step += 1
print("done", flush=True)
if sys.argv[2] == "exit":
    os._exit(0)
time.sleep(120)
"""


def _logger(tmp_path, total: int, then: str, uri: str | None = None) -> tuple[subprocess.Popen, str, str]:
    uri = uri or str(tmp_path / "store")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_") or k == "AUTOTRACK_HOME"}
    child = subprocess.Popen([sys.executable, "-c", _LOGGER, str(total), then], env={**env, "STORE": uri},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return child, uri, child.stdout.readline().strip()


def _steps(uri: str, run_id: str) -> list[int]:
    return [m.step for m in autotrack.Client(uri).get_metric_history(run_id, "loss")]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_sigkill_right_after_logging_loses_nothing(tmp_path, request, database):
    from autotrack import journal

    uri = request.getfixturevalue("postgres_uri") if database == "postgresql" else None
    child, uri, run_id = _logger(tmp_path, 20_000, "sleep", uri)
    while child.stdout.readline().strip() != "done":
        pass
    child.kill()  # well within the writer's one-second flush interval
    child.wait(30)
    steps = _steps(uri, run_id)  # this read writes the dead process's journal into the store
    assert sorted(set(steps)) == list(range(20_000))
    assert len(steps) - 20_000 <= 1000, "duplicates only from a flush cut between its commit and its mark"
    assert os.listdir(journal.folder_for(autotrack.Client(uri).store.db_uri)) == []


def test_sigkill_in_the_middle_of_logging_loses_nothing_returned_from(tmp_path):
    child, uri, run_id = _logger(tmp_path, -1, "sleep")
    for _ in range(30):  # ~30,000 values, across several background flushes
        acknowledged = int(child.stdout.readline())
    child.kill()
    child.wait(30)
    steps = sorted(set(_steps(uri, run_id)))
    assert steps[: acknowledged + 1] == list(range(acknowledged + 1))
    assert steps == list(range(len(steps)))  # a prefix: no holes, nothing torn into garbage


def test_os_exit_outside_multiprocessing_loses_nothing(tmp_path):
    child, uri, run_id = _logger(tmp_path, 5000, "exit")
    child.communicate(timeout=60)
    assert child.returncode == 0
    assert _steps(uri, run_id) == list(range(5000))


def test_a_normal_exit_leaves_no_journal_behind(tmp_path):
    uri = str(tmp_path / "store")
    script = "import autotrack, os\nc = autotrack.Client(os.environ['STORE'])\nr = c.create_run('0')\n" \
             "for s in range(100): c.log_metric(r.info.run_id, 'm', s, step=s)\n"
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "STORE": uri}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert os.listdir(str(tmp_path / "store" / "autotrack.db-metric-journal")) == []


def test_sigterm_in_the_middle_of_logging_ends_promptly_and_keeps_everything(tmp_path):
    """fluent's SIGTERM handler flushes on the thread it interrupted, often inside `log`: no deadlock, no loss."""
    uri = str(tmp_path / "store")
    script = """
import autotrack, os
autotrack.set_tracking_uri(os.environ["STORE"])
run = autotrack.start_run()
print(run.info.run_id, flush=True)
step = 0
while True:
    autotrack.log_metric("loss", 1.0, step=step)
    if step % 1000 == 999:
        print(step, flush=True)
    step += 1
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_")}
    child = subprocess.Popen([sys.executable, "-c", script], env={**env, "STORE": uri}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    run_id = child.stdout.readline().strip()
    for _ in range(20):
        acknowledged = int(child.stdout.readline())
    child.terminate()
    child.wait(timeout=20)  # a deadlocked handler would hang here
    assert child.returncode == -15
    client = autotrack.Client(uri)
    steps = sorted(set(m.step for m in client.get_metric_history(run_id, "loss")))
    assert steps[: acknowledged + 1] == list(range(acknowledged + 1))
    assert client.get_run(run_id).info.status == "KILLED"
