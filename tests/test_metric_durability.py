"""Never lose a metric: bad rows cost only themselves, children's metrics survive their exit."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap

import pytest

import autotrack
from autotrack.exceptions import AutotrackWarning
from autotrack.tracking_uri import store_for


def _count_rows(client) -> int:
    with client.store._engine.connect() as conn:
        return conn.exec_driver_sql("SELECT coalesce(sum(count), 0) FROM metric_chunks").scalar()


# -- item 1: one bad row never costs another ----------------------------------------------------------------
def test_rows_the_database_refuses_are_dropped_alone_with_one_warning(client):
    first, second = client.create_run("0"), client.create_run("0")
    _, writer = store_for(client.tracking_uri)
    for step in range(1000):
        client.log_metric(first.info.run_id, "good", step, step=step)
        if step == 500:  # what validation at the call stops; the writer must cope on its own too
            writer.log((first.info.run_id, "bad_step", 1.0, 1, 2**63))
            writer.log(("no-such-run", "orphan", 1.0, 1, 0))
        client.log_metric(second.info.run_id, "other", step, step=step)
    with pytest.warns(AutotrackWarning) as caught:
        client.flush()
    [warning] = caught  # one warning, naming both refused rows
    message = str(warning.message)
    assert "dropped 2 metric value(s)" in message and "bad_step" in message and "no-such-run" in message
    assert len(client.get_metric_history(first.info.run_id, "good")) == 1000
    assert len(client.get_metric_history(second.info.run_id, "other")) == 1000
    assert client.get_metric_history(first.info.run_id, "bad_step") == []
    assert _count_rows(client) == 2000


def test_a_refused_row_in_the_last_batch_still_ends_the_run(client):
    with autotrack.start_run() as run:
        autotrack.log_metric("good", 1.0)
        store_for(client.tracking_uri)[1].log((run.info.run_id, "bad", 1.0, 1, -(2**63) - 1))
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
